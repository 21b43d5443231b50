/**
 * Sequential pattern: runs a list in order; output = the last executed step's output. A redirect to a
 * step of this list moves the cursor (counted against the run's redirect limit); a redirect to a step
 * that is not in this list is handed to the enclosing sequence.
 */
import type { StepDef } from '../../dsl/types.js';
import { ErrorCode, HookflowError } from '../../errors.js';
import type { Frame } from '../frame.js';
import { SequenceLifecycle } from '../machines.js';
import type { RunState } from '../run-state.js';
import type { Outcome } from '../signals.js';
import { executeStep } from '../step.js';

export async function runSequence(rs: RunState, frame: Frame, list: readonly StepDef[]): Promise<Outcome> {
  let last: unknown = null;
  let i = 0;
  // Visit counts exist only after the first redirect: revisited steps get the path suffix `@N`.
  let visits: Map<string, number> | undefined;
  let state = SequenceLifecycle.initial;
  while (i < list.length) {
    const step = list[i] as StepDef;
    let visit = 1;
    if (visits !== undefined) {
      visit = (visits.get(step.id) ?? 0) + 1;
      visits.set(step.id, visit);
    }
    const out = await executeStep(rs, frame, step, visit);
    if (!out.skipped) last = out.output;
    if (out.redirect === undefined) {
      state = SequenceLifecycle.next(state, 'NEXT');
      i++;
      continue;
    }
    const target = list.findIndex((s) => s.id === out.redirect);
    if (target < 0) return { output: last, redirect: out.redirect };
    state = SequenceLifecycle.next(state, 'REDIRECT');
    if (++rs.redirects > rs.core.limits.maxRedirects) {
      throw new HookflowError(
        ErrorCode.REDIRECT_LIMIT,
        `redirect limit reached: ${rs.redirects - 1} redirects in this run (limit ${rs.core.limits.maxRedirects}); last one from "${step.id}" to "${out.redirect}". Hint: make the redirecting hook's \`when:\` stop matching, or raise maxRedirects`,
        { step: frame.prefix + step.id, retryable: false },
      );
    }
    if (visits === undefined) {
      visits = new Map();
      for (let k = 0; k <= i; k++) visits.set((list[k] as StepDef).id, 1);
      if (visit > 1) visits.set(step.id, visit);
    }
    state = SequenceLifecycle.next(state, 'NEXT');
    i = target;
  }
  SequenceLifecycle.next(state, 'DONE');
  return { output: last };
}
