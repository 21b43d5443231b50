/**
 * Firing pattern-level hook points (branches, conditions, iterations) on behalf of a step.
 */
import type { Decision } from '../../hooks/runner.js';
import type { HookContext, HookPoint } from '../../hooks/types.js';
import type { ExprScope } from '../../expr/types.js';
import type { RunState } from '../run-state.js';
import type { StepRun } from '../step.js';

export function hasHook(rs: RunState, run: StepRun, point: HookPoint): boolean {
  return run.has(point);
}

/** Fires `point` for a target inside the step (a branch, an iteration, the condition). */
export function firePattern(
  rs: RunState,
  run: StepRun,
  point: HookPoint,
  target: NonNullable<HookContext['step']>,
  input: unknown,
  output: unknown,
  metadata: Record<string, unknown>,
  scope?: ExprScope,
): Promise<Decision> {
  const call: Parameters<RunState['fire']>[1] = { point, step: target, attempt: Math.max(1, run.attempt), input, hooks: [], metadata };
  if (output !== undefined) call.output = output;
  (call as { scope?: ExprScope }).scope = scope ?? run.frame.scope;
  return rs.fire(run.hookList, call);
}

/**
 * Feeds the duration of one branch or iteration to the breakers of the hooks that ran around it (the
 * overhead rule compares a hook with the operation it wraps).
 */
export function observeUnit(rs: RunState, before: Decision | undefined, after: Decision | undefined, ms: number): void {
  if (before?.ran) rs.core.runner.observe(before.ran, ms);
  if (after?.ran) rs.core.runner.observe(after.ran, ms);
}
