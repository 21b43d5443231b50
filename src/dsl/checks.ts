/**
 * Cross-reference checks that need every id first: `steps.<id>` in expressions, `env.<NAME>`
 * against the allow-list, redirect targets, and tool/agent names against the caller's registries.
 */
import { envRefsOf } from '../expr/compile.js';
import type { PathSegment } from '../expr/path.js';
import { type LoadContext, type PendingRef, under } from './context.js';
import { didYouMean } from './suggest.js';

/** Registry predicates handed in by the caller (see LoadOptions). */
export interface RegistryChecks {
  tools?: (name: string) => boolean;
  agents?: (name: string) => boolean;
  toolNames?: readonly string[];
  agentNames?: readonly string[];
}

/** Runs every cross check; `env` is the allow-list, or undefined when unknown (run-time compilation). */
export function runCrossChecks(ctx: LoadContext, env: readonly string[] | undefined, registries: RegistryChecks, checkStepRefs = true): void {
  const ids = [...ctx.stepIds.keys()];
  for (const { t, at, value } of ctx.templates) {
    if (checkStepRefs) {
      for (const ref of t.stepRefs) {
        if (ctx.stepIds.has(ref)) continue;
        const where = under(at, ...(leafContaining(value, `steps.${ref}`) ?? leafContaining(value, ref) ?? []));
        ctx.report(where, {
          message: `unknown step "${ref}" in expression`,
          expected: 'steps.<id> of a step defined in this file',
          hint: stepRefHint(ref, ids),
        });
      }
    }
    if (env) {
      for (const name of envRefsOf(t)) {
        if (env.includes(name)) continue;
        ctx.report(under(at, ...(leafContaining(value, `env.${name}`) ?? [])), {
          message: `env.${name} is not in the env allow-list`,
          hint: `add it to the top-level list: env: [${[...env, name].join(', ')}]`,
        });
      }
    }
  }
  for (const r of ctx.redirects) {
    if (ctx.stepIds.has(r.name)) continue;
    ctx.report(r.at, { message: `redirect to unknown step "${r.name}"`, expected: 'the id of a step in this file', ...hintOf(r.name, ids) });
  }
  const toolOk = registries.tools ?? (registries.toolNames ? (n: string) => (registries.toolNames as readonly string[]).includes(n) : undefined);
  const agentOk = registries.agents ?? (registries.agentNames ? (n: string) => (registries.agentNames as readonly string[]).includes(n) : undefined);
  if (toolOk) checkNames(ctx, ctx.tools, toolOk, registries.toolNames, 'tool');
  if (agentOk) checkNames(ctx, ctx.agents, agentOk, registries.agentNames, 'agent');
}

function checkNames(ctx: LoadContext, refs: readonly PendingRef[], ok: (n: string) => boolean, names: readonly string[] | undefined, what: string): void {
  for (const r of refs) {
    if (ok(r.name)) continue;
    ctx.report(r.at, {
      message: `unknown ${what} "${r.name}"`,
      expected: `a registered ${what} name`,
      ...(names ? hintOf(r.name, names) : {}),
    });
  }
}

function hintOf(name: string, candidates: readonly string[]): { hint?: string } {
  const hint = didYouMean(name, candidates);
  return hint === undefined ? {} : { hint };
}

function stepRefHint(ref: string, ids: readonly string[]): string {
  const dashed = ids.find((id) => id.includes('-') && id.startsWith(`${ref}-`));
  if (dashed) return `ids containing "-" must be quoted with backticks: steps.\`${dashed}\``;
  return didYouMean(ref, ids) ?? 'only steps with an id in this file can be referenced';
}

/** Path of the first string leaf of `value` that contains `needle`. */
function leafContaining(value: unknown, needle: string, prefix: PathSegment[] = []): PathSegment[] | undefined {
  if (typeof value === 'string') return value.includes(needle) ? prefix : undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const p = leafContaining(value[i], needle, [...prefix, i]);
      if (p) return p;
    }
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const p = leafContaining(v, needle, [...prefix, k]);
      if (p) return p;
    }
  }
  return undefined;
}
