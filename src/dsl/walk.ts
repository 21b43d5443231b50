/**
 * Traversal of a normalized definition: every step at every depth, including catch steps and the
 * steps of `fork` rules in workflow- and step-level hooks (composites included).
 */
import { assertNever } from '../errors.js';
import type { HookDecl } from '../hooks/types.js';
import type { StepDef } from './types.js';

/** Direct child step lists of a step (not counting hook fork steps). */
export function childLists(s: StepDef): StepDef[][] {
  const lists: StepDef[][] = [];
  switch (s.kind) {
    case 'sequence':
      lists.push(s.steps);
      break;
    case 'parallel':
      lists.push(s.branches);
      break;
    case 'if':
      lists.push(s.then);
      if (s.else) lists.push(s.else);
      break;
    case 'switch':
      for (const c of s.cases) lists.push(c.steps);
      if (s.default) lists.push(s.default);
      break;
    case 'loop':
      lists.push(s.loop.steps);
      break;
    case 'tool':
    case 'agent':
    case 'workflow':
    case 'set':
    case 'wait':
    case 'emit':
    case 'fail':
      break;
    default:
      assertNever(s, 'step kind');
  }
  if (s.catch) lists.push(s.catch);
  return lists;
}

/** Steps declared inside `fork` rules of the given hooks (recursing into composites). */
export function hookSteps(hooks: readonly HookDecl[]): StepDef[] {
  const out: StepDef[] = [];
  for (const h of hooks) {
    const src = h.source;
    if (src.kind === 'composite') out.push(...hookSteps(src.hooks));
    else if (src.kind === 'rule' && src.do.action === 'fork') out.push(...(src.do.branches ?? []), ...(src.do.steps ?? []));
  }
  return out;
}

/** Calls `fn` for every step reachable from `steps` and `hooks`, parents before children. */
export function forEachStep(steps: readonly StepDef[], hooks: readonly HookDecl[], fn: (s: StepDef) => void): void {
  const visit = (s: StepDef): void => {
    fn(s);
    for (const list of childLists(s)) list.forEach(visit);
    hookSteps(s.hooks).forEach(visit);
  };
  steps.forEach(visit);
  hookSteps(hooks).forEach(visit);
}
