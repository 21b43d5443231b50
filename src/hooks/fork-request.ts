/**
 * Fork requests as they are journaled. Steps compiled from a YAML rule are not data (they hold
 * compiled expressions), so a journaled fork refers to the rule by `$ref` and a resumed run takes the
 * steps from the same rule of the pinned definition.
 */
import type { StepDef } from '../dsl/types.js';
import type { ForkRequest } from './types.js';

export function isStepDef(v: unknown): v is StepDef {
  return typeof v === 'object' && v !== null && 'kind' in v && 'loc' in v;
}

/** A journal-safe copy of a fork request: compiled rule steps become a `$ref` to the hook. */
export function serializable(req: ForkRequest & { $ref?: boolean }): Record<string, unknown> {
  const out: Record<string, unknown> = { action: 'fork' };
  if (req.forEach !== undefined) out.forEach = req.forEach;
  if (req.as !== undefined) out.as = req.as;
  if (req.concurrency !== undefined) out.concurrency = req.concurrency;
  if (req.join !== undefined) out.join = req.join;
  const compiled = req.$ref === true || (req.steps ?? []).some(isStepDef) || (req.branches ?? []).some(isStepDef);
  if (compiled) out.$ref = true;
  else {
    if (req.steps !== undefined) out.steps = req.steps;
    if (req.branches !== undefined) out.branches = req.branches;
  }
  return out;
}
