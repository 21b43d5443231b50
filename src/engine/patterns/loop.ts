/**
 * Loop pattern: exactly one of while / until / forEach / times; `max` (default 1000) is always
 * enforced (`onLimit: fail` raises LOOP_LIMIT, `stop` ends the loop). `while` is checked before each
 * iteration, `until` after each one (the body runs at least once). forEach with `concurrency > 1` runs
 * iterations on the bounded pool. Body paths are `loop[i]/step`; `item` (and the `as` name) and `index`
 * are bound in the body. Output per `collect`: all (array, index order), last, none (null).
 */
import type { LoopStep } from '../../dsl/types.js';
import { ErrorCode, HookflowError } from '../../errors.js';
import type { ExprScope } from '../../expr/types.js';
import { LoopLifecycle } from '../machines.js';
import { unboundedListeners, type RunState } from '../run-state.js';
import { Suspended, type Outcome } from '../signals.js';
import { cancelled, evalT, truthy, type StepRun } from '../step.js';
import { joinForks, startFork } from '../fork.js';
import { firePattern, observeUnit } from './hooks.js';
import type { Decision } from '../../hooks/runner.js';
import { runPool } from './pool.js';
import { childController } from '../../util/abort.js';
import { runSequence } from './sequence.js';

interface Iteration {
  output: unknown;
  scope: ExprScope;
  redirect?: string;
}

export async function runLoop(rs: RunState, run: StepRun, signal: AbortSignal): Promise<Outcome> {
  const step = run.step as LoopStep;
  const spec = step.loop;
  const scope = run.frame.scope;
  let items: unknown[] | undefined;
  let count: number | undefined;
  if (spec.mode === 'forEach') {
    const v = await evalT(spec.expr, scope, run.path);
    if (v !== null && v !== undefined && !Array.isArray(v)) {
      throw new HookflowError(ErrorCode.EXPRESSION, `loop "${step.id}": forEach expected a list, found ${typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)}`}`, { step: run.path, retryable: false });
    }
    items = (v as unknown[] | null | undefined) ?? [];
  } else if (spec.mode === 'times') {
    const v = await evalT(spec.expr, scope, run.path);
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
      throw new HookflowError(ErrorCode.EXPRESSION, `loop "${step.id}": times expected a non-negative integer, found ${JSON.stringify(v)}`, { step: run.path, retryable: false });
    }
    count = v;
  }
  const suffix = run.attempt > 1 ? `~${run.attempt}` : '';
  const forks: unknown[] = [];

  const iterate = async (i: number, sig: AbortSignal): Promise<Iteration> => {
    let item: unknown = items ? items[i] : spec.mode === 'times' ? i : null;
    const target = { id: step.id, path: `${run.path}${suffix}[${i}]`, kind: 'loop' };
    let before: Decision | undefined;
    if (run.has('before_iteration')) {
      const d = await firePattern(rs, run, 'before_iteration', target, { item, index: i }, undefined, { index: i });
      before = d;
      if (d.action === 'cancel') throw cancelled(d, 'before_iteration');
      if (d.action === 'skip') return { output: null, scope };
      if (d.action === 'replace') return { output: (d.result as { value: unknown }).value, scope };
      if (d.action === 'modify') item = (d.input as { item?: unknown }).item;
    }
    const bindings: Record<string, unknown> = { item, index: i };
    if (spec.as !== 'item') bindings[spec.as] = item;
    const frame = run.bodyFrame(sig, bindings, `${target.path}/`);
    const began = rs.core.clock.now();
    const out = await runSequence(rs, frame, spec.steps);
    const bodyMs = rs.core.clock.now() - began;
    rs.emit('loop.iteration', { path: run.path, index: i }, run.frame.cause);
    let output = out.output;
    let after: Decision | undefined;
    if (run.has('after_iteration')) {
      const d = await firePattern(rs, run, 'after_iteration', target, { item, index: i }, output, { index: i }, frame.scope);
      after = d;
      if (d.action === 'modify') output = d.output;
      else if (d.action === 'replace') output = (d.result as { value: unknown }).value;
      else if (d.action === 'cancel') throw cancelled(d, 'after_iteration');
      else if (d.action === 'fork') {
        const origin = { path: target.path, stepId: step.id, frame, cause: run.frame.cause, hooks: run.hookList };
        forks.push(...(await joinForks(rs, origin, [startFork(rs, origin, d)])));
      }
    }
    observeUnit(rs, before, after, bodyMs);
    const it: Iteration = { output, scope: frame.scope };
    if (out.redirect !== undefined) it.redirect = out.redirect;
    return it;
  };

  const limitReached = (done: number): Outcome | undefined => {
    if (spec.onLimit === 'stop') return undefined;
    throw new HookflowError(
      ErrorCode.LOOP_LIMIT,
      `loop "${step.id}" reached its max of ${spec.max} iterations (${done} done) and would continue; hint: raise \`max\`, or set \`onLimit: stop\` to end the loop there`,
      { step: run.path, retryable: false },
    );
  };

  const outputs: unknown[] = [];
  let last: unknown = null;
  let redirect: string | undefined;
  let state = LoopLifecycle.initial;

  if (items !== undefined && spec.concurrency > 1) {
    const n = Math.min(items.length, spec.max);
    const { controller: ac, release } = childController(signal);
    unboundedListeners(ac);
    let failure: unknown;
    let suspends: Suspended[] | undefined;
    await runPool(n, spec.concurrency, async (i) => {
      if (ac.signal.aborted) return;
      try {
        const it = await iterate(i, ac.signal);
        if (it.redirect !== undefined) {
          throw new HookflowError(ErrorCode.HOOK_RESULT_INVALID, `redirect to "${it.redirect}" cannot leave iteration ${i} of loop "${step.id}": its iterations run concurrently; the target must be in the same or an enclosing sequence inside the body`, { step: `${run.path}${suffix}[${i}]`, retryable: false });
        }
        outputs[i] = it.output;
      } catch (err) {
        // A suspended iteration waits for its signal; the others carry on (as parallel branches do).
        if (err instanceof Suspended) {
          (suspends ??= []).push(err);
          return;
        }
        failure ??= err;
        ac.abort(new HookflowError(ErrorCode.CANCELLED, `cancelled because iteration ${i} of loop "${step.id}" failed`, { retryable: false }));
      }
    });
    release();
    if (failure !== undefined) throw failure;
    if (suspends !== undefined) throw Suspended.merge(suspends);
    last = n > 0 ? outputs[n - 1] : null;
    if (items.length > spec.max) limitReached(n);
  } else {
    let i = 0;
    let untilMet = false;
    for (;;) {
      let more: boolean;
      if (items !== undefined) more = i < items.length;
      else if (count !== undefined) more = i < count;
      else if (spec.mode === 'while') {
        const s = Object.create(scope) as ExprScope;
        s.index = i;
        more = truthy(await evalT(spec.expr, s, run.path));
      } else more = !untilMet;
      if (!more) {
        state = LoopLifecycle.next(state, 'DONE');
        break;
      }
      if (i >= spec.max) {
        state = LoopLifecycle.next(state, 'LIMIT');
        limitReached(i);
        state = LoopLifecycle.next(state, 'STOP');
        break;
      }
      state = LoopLifecycle.next(state, 'ITERATE');
      const it = await iterate(i, signal);
      if (spec.collect === 'all') outputs.push(it.output);
      last = it.output;
      if (it.redirect !== undefined) {
        redirect = it.redirect;
        LoopLifecycle.next(state, 'DONE');
        break;
      }
      if (spec.mode === 'until') untilMet = truthy(await evalT(spec.expr, it.scope, run.path));
      state = LoopLifecycle.next(state, 'NEXT');
      i++;
    }
  }
  if (forks.length > 0) run.view.forks = [...(run.view.forks ?? []), ...forks];
  const output = spec.collect === 'all' ? outputs : spec.collect === 'last' ? last : null;
  const out: Outcome = { output };
  if (redirect !== undefined) out.redirect = redirect;
  return out;
}
