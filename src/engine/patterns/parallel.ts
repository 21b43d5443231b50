/**
 * Parallel pattern: every item is a branch (any step kind); branches run through a bounded pool
 * (`concurrency`, default: all at once) and start as soon as a slot is free. Output is an object keyed by
 * branch id. `failFast` aborts the siblings of the first failing branch through their AbortSignal.
 */
import type { ParallelStep, StepDef } from '../../dsl/types.js';
import { ErrorCode, HookflowError, toHookflowError } from '../../errors.js';
import { ParallelLifecycle } from '../machines.js';
import { unboundedListeners, type RunState } from '../run-state.js';
import { Suspended, type Outcome } from '../signals.js';
import { cancelled, evalT, executeStep, noArgsToPatch, recordNotStarted, takesArgs, truthy, type StepRun } from '../step.js';
import { firePattern, observeUnit } from './hooks.js';
import type { Decision } from '../../hooks/runner.js';
import { runPool } from './pool.js';
import { childController } from '../../util/abort.js';

export async function runParallel(rs: RunState, run: StepRun, signal: AbortSignal): Promise<Outcome> {
  const step = run.step as ParallelStep;
  const n = step.branches.length;
  let state = ParallelLifecycle.initial;
  let ac: AbortController | undefined;
  let unlink: (() => void) | undefined;
  if (step.failFast) {
    const child = childController(signal);
    ac = unboundedListeners(child.controller);
    unlink = child.release;
  }
  const frame = run.bodyFrame(ac ? ac.signal : signal);
  const outputs: unknown[] = new Array<unknown>(n);
  let failure: { index: number; error: unknown } | undefined;
  let suspends: Suspended[] | undefined;
  const before = run.has('before_branch');
  const after = run.has('after_branch');

  await runPool(n, step.concurrency ?? n, async (i) => {
    const b = step.branches[i] as StepDef;
    if (frame.signal.aborted) {
      await recordNotStarted(rs, frame, b, frame.signal.reason);
      return;
    }
    const target = { id: b.id, path: frame.prefix + b.id, kind: b.kind };
    const startedId = rs.emit('branch.started', { path: run.path, branch: b.id, index: i }, run.frame.cause);
    let status = 'completed';
    try {
      let output: unknown;
      let done = false;
      let args: { value: unknown } | undefined;
      let beforeD: Decision | undefined;
      let branchMs = 0;
      if (before) {
        // The branch's input is its arguments (tool/agent/workflow `with`), evaluated once here; not for a
        // branch its own `when:` will skip (its arguments may not be computable then).
        const off = b.when !== undefined && !truthy(await evalT(b.when, frame.scope, target.path));
        const input = !off && (b.kind === 'tool' || b.kind === 'agent' || b.kind === 'workflow') ? await evalT(b.with, frame.scope, target.path) : null;
        const d = await firePattern(rs, run, 'before_branch', target, input, undefined, { branch: b.id, index: i });
        beforeD = d;
        if (d.action === 'cancel') throw cancelled(d, 'before_branch');
        if (d.action === 'replace') {
          output = (d.result as { value: unknown }).value;
          done = true;
        }
        if (d.action === 'modify') {
          if (!takesArgs(b)) throw noArgsToPatch(d, 'before_branch', b, target.path);
          args = { value: d.input };
        } else if (input !== null) args = { value: input };
      }
      if (!done) {
        // A frame per branch so the branch's events are caused by its branch.started.
        const began = rs.core.clock.now();
        const out = await executeStep(rs, { ...frame, cause: startedId }, b, 1, args);
        branchMs = rs.core.clock.now() - began;
        if (out.redirect !== undefined) {
          throw new HookflowError(ErrorCode.HOOK_RESULT_INVALID, `redirect to "${out.redirect}" cannot leave parallel branch "${b.id}": the target must be in the same or an enclosing sequence of the branch`, { step: target.path, retryable: false });
        }
        output = out.output;
      }
      if (after) {
        const d = await firePattern(rs, run, 'after_branch', target, null, output, { branch: b.id, index: i });
        if (!done) observeUnit(rs, beforeD, d, branchMs);
        if (d.action === 'modify') output = d.output;
        else if (d.action === 'replace') output = (d.result as { value: unknown }).value;
        else if (d.action === 'cancel') throw cancelled(d, 'after_branch');
      } else if (!done) observeUnit(rs, beforeD, undefined, branchMs);
      outputs[i] = output;
    } catch (err) {
      if (err instanceof Suspended) {
        status = 'suspended';
        (suspends ??= []).push(err);
        return;
      }
      status = err instanceof HookflowError && (err.code === ErrorCode.CANCELLED || err.code === ErrorCode.HOOK_CANCELLED) ? 'cancelled' : 'failed';
      if (failure === undefined || (!step.failFast && i < failure.index)) failure = { index: i, error: err };
      if (ac && !ac.signal.aborted) {
        state = ParallelLifecycle.next(state, 'BRANCH_FAILED');
        ac.abort(new HookflowError(ErrorCode.CANCELLED, `cancelled because sibling branch "${b.id}" failed (failFast)`, { retryable: false }));
      }
    } finally {
      rs.emit('branch.completed', { path: run.path, branch: b.id, index: i, status }, startedId);
    }
  });
  unlink?.();
  state = ParallelLifecycle.next(state, 'ALL_SETTLED');
  if (failure !== undefined) {
    if (state !== 'failed') ParallelLifecycle.next(state, 'FAIL');
    throw toHookflowError(failure.error, ErrorCode.TOOL_ERROR);
  }
  if (suspends !== undefined) {
    ParallelLifecycle.next(state, 'SUSPEND');
    throw Suspended.merge(suspends);
  }
  ParallelLifecycle.next(state, 'DONE');
  const result: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) result[(step.branches[i] as StepDef).id] = outputs[i] ?? null;
  return { output: result };
}
