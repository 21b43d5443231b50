/**
 * One step's lifecycle: replay check, `when` guard, before_step hooks, attempts (policy retries on
 * p-retry, hook retries, per-attempt timeouts), `output:` transform, after_step hooks, `export:`,
 * and on failure step_error hooks, `catch:` and `onError`. Every transition goes through the compiled
 * step machine and is journaled in one commit.
 *
 * This is the engine's hot path: with no hooks and no retry policy a step costs two journal commits,
 * two events and one await of the task.
 */
import pRetry from 'p-retry';
import type { StepDef } from '../dsl/types.js';
import { ErrorCode, HookflowError, toHookflowError, type ErrorInfo } from '../errors.js';
import type { ExprScope, Template } from '../expr/types.js';
import type { HookInstance } from '../hooks/registry.js';
import type { Decision } from '../hooks/runner.js';
import type { HookContext, HookPoint, HookResult } from '../hooks/types.js';
import type { StepRecord, StepStatus } from '../store/types.js';
import { sleep } from '../util/clock.js';
import { childController } from '../util/abort.js';
import { isoTime } from '../util/iso.js';
import { parseDuration } from '../util/duration.js';
import { childFrame, pointsOf, View, type Frame } from './frame.js';
import { StepLifecycle, type StepEvent, type StepState } from './machines.js';
import { backoffDelay, isRetryable } from './retry.js';
import { unboundedListeners, type RunState } from './run-state.js';
import { SkipRequest, Suspended, type Outcome } from './signals.js';
import { cacheKeyFor, cacheLookup, cacheStore, type CacheRequest } from './cache.js';
import { joinForks, settleForks, startFork, type DetachedEntry, type ForkHandle, type ForkOrigin } from './fork.js';
import { runTask } from './tasks.js';
import { applyEffects, cacheEffect, restoreNested, resumedRetries, viewOf } from './restore.js';
import { runPattern } from './patterns/index.js';
import { runSequence } from './patterns/sequence.js';

const RESTORABLE: ReadonlySet<StepStatus> = new Set(['completed', 'skipped']);

/** Evaluates a template, naming the step in EXPRESSION errors. */
export function evalT(t: Template, scope: ExprScope, path: string): unknown {
  if (t.constant) return t.value;
  return t.evaluate(scope).catch((err: unknown) => {
    throw toHookflowError(err, ErrorCode.EXPRESSION, path);
  });
}

/** JSONata-like truthiness for `when`, `if`, `while`, `until`. */
export function truthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(truthy);
  if (v !== null && typeof v === 'object') return Object.keys(v).length > 0;
  return Boolean(v);
}

/**
 * Executes one step of a list. `visit` > 1 when a redirect brought the sequence back to it. `args`:
 * arguments already evaluated (and patched) by a before_branch hook, used instead of evaluating `with`.
 */
export function executeStep(rs: RunState, frame: Frame, step: StepDef, visit: number, args?: { value: unknown }): Promise<Outcome> {
  const path = visit > 1 ? `${frame.prefix}${step.id}@${visit}` : frame.prefix + step.id;
  const view = new View();
  frame.scope.steps[step.id] = view;
  if (frame.scope.steps !== rs.scope.steps) rs.scope.steps[step.id] = view;
  const rec = rs.replay?.steps.get(path);
  if (rec !== undefined && (RESTORABLE.has(rec.status) || rec.effects?.recovered === true)) {
    return Promise.resolve(restoreStep(rs, frame, rec, view));
  }
  const run = new StepRun(rs, frame, step, path, view, rec);
  if (args !== undefined) run.presetArgs = args;
  return run.execute();
}

/** Whether a step kind takes arguments (`with:`), the input a `modify` at before_step/before_branch patches. */
export function takesArgs(step: StepDef): boolean {
  return step.kind === 'tool' || step.kind === 'agent' || step.kind === 'workflow';
}

/** HOOK_RESULT_INVALID for a `modify` of a step that has no arguments (the patch would have no effect). */
export function noArgsToPatch(d: Decision, point: HookPoint, step: StepDef, path: string): HookflowError {
  return new HookflowError(
    ErrorCode.HOOK_RESULT_INVALID,
    `hook "${d.hookId}" at ${point} returned modify, but step "${step.id}" (${step.kind}) has no arguments to patch; modify there applies to tool, agent and workflow steps (hint: add a match: { kind: tool } or use replace/skip)`,
    { step: path, retryable: false, details: { hookId: d.hookId, point, action: 'modify' } },
  );
}

function restoreStep(rs: RunState, frame: Frame, rec: StepRecord, view: View): Outcome {
  viewOf(rec, view);
  applyEffects(rs, rec, frame);
  const out: Outcome = { output: view.output };
  if (rec.status === 'skipped') out.skipped = true;
  const redirect = rec.effects?.redirect;
  if (typeof redirect === 'string') out.redirect = redirect;
  // The step's pattern is not walked again: what its nested steps did is re-applied from their records.
  restoreNested(rs, frame, rec);
  return out;
}

/** Hook instances of a step's own `hooks:` (built at run start). */
export function stepHooks(rs: RunState, step: StepDef): readonly HookInstance[] | undefined {
  return step.hooks.length > 0 ? rs.stepHookInstances.get(step) : undefined;
}

class StepRun {
  private state: StepState = 'pending';
  private attemptNo: number;
  private startId: string | undefined;
  private readonly hooks: readonly HookInstance[];
  private readonly points: ReadonlySet<HookPoint>;
  private info: HookContext['step'] | undefined;
  private ran: HookInstance[] | undefined;
  private forks: ForkHandle[] | undefined;
  private cacheReq: CacheRequest | undefined;
  private redirect: string | undefined;
  private effects: Record<string, unknown> | undefined;
  private t0 = 0;
  /** Time spent in the step's task over all attempts (what its hooks' breakers compare against). */
  private opMs = 0;
  /** Resumed in flight: hook retries already granted, and where the current policy round began. */
  private resumedBudgets: Map<string, number> | undefined;
  /** Arguments evaluated and patched by a before_branch hook (see executeStep). */
  presetArgs: { value: unknown } | undefined;
  private policyStart: number | undefined;
  private startedIso: string | undefined;

  constructor(
    readonly rs: RunState,
    readonly frame: Frame,
    readonly step: StepDef,
    readonly path: string,
    readonly view: View,
    readonly rec: StepRecord | undefined,
  ) {
    // A resumed in-flight step runs its interrupted attempt again, with the same idempotency key.
    this.attemptNo = rec ? Math.max(0, rec.attempt - 1) : 0;
    if (rec !== undefined && rec.attempt > 1) {
      const r = resumedRetries(rs, path, rec.attempt);
      this.resumedBudgets = r.budgets;
      this.policyStart = r.policyStart;
    }
    const own = stepHooks(rs, step);
    if (own && own.length > 0) {
      this.hooks = [...frame.hooks, ...own].sort((a, b) => a.order - b.order || a.seq - b.seq);
      this.points = pointsOf(this.hooks);
    } else {
      this.hooks = frame.hooks;
      this.points = frame.hookPoints;
    }
  }

  get attempt(): number {
    return this.attemptNo;
  }

  /** Hook target description (built once, only when some hook fires). */
  stepInfo(): NonNullable<HookContext['step']> {
    if (this.info === undefined) {
      const s = this.step;
      const info: NonNullable<HookContext['step']> = { id: s.id, path: this.path, kind: s.kind };
      if (s.kind === 'tool') info.tool = s.tool;
      if (s.kind === 'agent') info.agent = s.agent;
      this.info = info;
    }
    return this.info;
  }

  has(point: HookPoint): boolean {
    return this.points.has(point) || this.rs.core.hooks.at(point).length > 0;
  }

  /** The hook list in effect for this step (for tasks firing tool/agent points). */
  get hookList(): readonly HookInstance[] {
    return this.hooks;
  }
  /**
   * Hooks called inside this step (tool, agent and pattern points): their breakers learn the step's
   * task time as the duration of the operation they wrap, like the step's own hooks.
   */
  addRan(ran: HookInstance[] | undefined): void {
    if (ran !== undefined) (this.ran ??= []).push(...ran);
  }


  async fire(point: HookPoint, input: unknown, output?: unknown, error?: ErrorInfo, metadata?: Record<string, unknown>): Promise<Decision> {
    const call: Parameters<RunState['fire']>[1] = { point, step: this.stepInfo(), attempt: Math.max(1, this.attemptNo), input, hooks: [] };
    if (output !== undefined) call.output = output;
    if (error !== undefined) call.error = error;
    if (metadata !== undefined) call.metadata = metadata;
    if (this.startId !== undefined) call.causationId = this.startId;
    else if (this.frame.cause !== undefined) call.causationId = this.frame.cause;
    (call as { scope?: ExprScope }).scope = this.frame.scope;
    const d = await this.rs.fire(this.hooks, call);
    if (d.ran) (this.ran ??= []).push(...d.ran);
    return d;
  }

  private to(event: StepEvent): void {
    this.state = StepLifecycle.next(this.state, event);
    this.view.status = this.state as StepStatus;
  }

  async execute(): Promise<Outcome> {
    const { rs, frame, step } = this;
    try {
      if (step.when !== undefined && !truthy(await evalT(step.when, frame.scope, this.path))) {
        return await this.skip('when guard is false', 'when');
      }
      let input: unknown = null;
      if (this.presetArgs !== undefined) input = this.presetArgs.value;
      else if (step.kind === 'tool' || step.kind === 'agent' || step.kind === 'workflow') {
        // Constant arguments (the common case) are used as they are, without a microtask.
        input = step.with.constant ? step.with.value : await evalT(step.with, frame.scope, this.path);
      }
      if (this.has('before_step')) {
        const d = await this.fire('before_step', input);
        switch (d.action) {
          case 'continue':
            break;
          case 'modify':
            if (!takesArgs(step)) throw noArgsToPatch(d, 'before_step', step, this.path);
            input = d.input;
            break;
          case 'cancel':
            throw cancelled(d, 'before_step');
          case 'skip':
            return await this.skip(reasonOf(d.result, `skipped by hook "${d.hookId}"`), 'hook');
          case 'replace':
            return await this.complete('REPLACE', (d.result as { value: unknown }).value);
          case 'redirect':
            this.redirect = (d.result as { to: string }).to;
            return await this.skip(`redirected to ${this.redirect} by hook "${d.hookId}"`, 'redirect');
          case 'fork':
            (this.forks ??= []).push(startFork(rs, this.forkOrigin(), d));
            break;
          case 'cache': {
            const req = { ...(d.result as Extract<HookResult, { action: 'cache' }>), hookId: d.hookId ?? '' };
            const key = req.key ?? cacheKeyFor(rs, step, this.path, input);
            const hit = await cacheLookup(rs, key, { persist: (req as { persist?: boolean }).persist === true });
            if (hit !== undefined) {
              rs.emit('step.cached', { path: this.path, stepId: step.id, key }, this.frame.cause);
              return await this.complete('CACHE_HIT', hit.value);
            }
            this.cacheReq = { key, ttl: req.ttl, persist: (req as { persist?: boolean }).persist === true };
            break;
          }
          case 'retry':
            break; // not allowed at before_step: normalizeResult already rejected it
        }
      }
      const output = await this.attempts(input);
      if (this.cacheReq) {
        await cacheStore(rs, this.cacheReq, output);
        // Journaled so that a resumed run puts the entry back when it restores this step.
        this.addEffect('cache', cacheEffect(rs, this.cacheReq.key, this.cacheReq.ttl === undefined ? undefined : parseDuration(this.cacheReq.ttl)));
      }
      return await this.complete('SUCCEED', output);
    } catch (err) {
      return this.failed(err);
    }
  }

  /** Runs attempts until success or final failure; hook retries re-enter the loop. */
  private async attempts(input: unknown): Promise<unknown> {
    const policy = this.step.retry;
    let budgets = this.resumedBudgets;
    for (;;) {
      let output: unknown;
      try {
        output = policy !== undefined && policy.attempts > 1 ? await this.withPolicy(input) : await this.runAttempt(input);
      } catch (err) {
        if (err instanceof Suspended || err instanceof SkipRequest) throw err;
        const e = toHookflowError(err, ErrorCode.TOOL_ERROR, this.path);
        if (!this.has('step_error') || this.frame.signal.aborted) throw e;
        const d = await this.fire('step_error', input, undefined, e.toJSON());
        if (d.action === 'retry' && grant(d, (budgets ??= new Map()))) {
          await this.retryWait(delayOf(d.result), 'hook', e);
          continue;
        }
        if (d.action === 'cancel') throw cancelled(d, 'step_error');
        throw e;
      }
      if (this.has('after_step')) {
        const d = await this.fire('after_step', input, output);
        switch (d.action) {
          case 'continue':
            break;
          case 'modify':
            output = d.output;
            break;
          case 'replace':
            output = (d.result as { value: unknown }).value;
            break;
          case 'retry':
            if (grant(d, (budgets ??= new Map()))) {
              await this.retryWait(delayOf(d.result), 'hook');
              continue;
            }
            break; // budget spent: the step's own outcome stands
          case 'redirect':
            this.redirect = (d.result as { to: string }).to;
            break;
          case 'fork':
            (this.forks ??= []).push(startFork(this.rs, this.forkOrigin(), d));
            break;
          case 'cancel':
            throw cancelled(d, 'after_step');
          default:
            break;
        }
      }
      return output;
    }
  }

  private withPolicy(input: unknown): Promise<unknown> {
    const policy = this.step.retry!;
    const signal = this.frame.signal;
    // Attempts of this policy round already spent before a resume; 0 in an uninterrupted run.
    const used = this.attemptNo - (this.policyStart ?? this.attemptNo);
    this.policyStart = undefined;
    return pRetry(
      () =>
        this.runAttempt(input).catch((err: unknown) => {
          throw err instanceof Suspended || err instanceof SkipRequest ? err : toHookflowError(err, ErrorCode.TOOL_ERROR, this.path);
        }),
      {
        retries: Math.max(0, policy.attempts - 1 - used),
        minTimeout: 0,
        maxTimeout: 0,
        factor: 1,
        signal,
        shouldRetry: async ({ error, attemptNumber }) => {
          if (!(error instanceof HookflowError) || signal.aborted || !isRetryable(error, policy)) return false;
          await this.retryWait(backoffDelay(policy, attemptNumber + used, this.rs.core.random), 'policy', error);
          return true;
        },
      },
    );
  }

  /** One attempt: start transition, the task (with timeout), the `output:` transform. */
  private async runAttempt(input: unknown): Promise<unknown> {
    this.attemptNo++;
    this.start(input);
    // The breaker's overhead rule compares hooks with the operation itself: time the task alone,
    // without the hooks, retry waits and fork joins around it.
    const clock = this.rs.core.clock;
    const began = clock.now();
    let raw: unknown;
    try {
      raw = await this.withTimeout(input);
    } finally {
      this.opMs += clock.now() - began;
    }
    const t = this.step.output;
    if (t === undefined) return raw;
    const scope = Object.create(this.frame.scope) as ExprScope;
    scope.result = raw;
    return evalT(t, scope, this.path);
  }

  private start(input: unknown): void {
    const { rs, step } = this;
    this.to('START');
    if (this.t0 === 0) {
      this.t0 = rs.core.clock.now();
      this.view.started = this.t0;
    }
    this.view.attempts = this.attemptNo;
    const data: Record<string, unknown> = { path: this.path, stepId: step.id, kind: step.kind, attempt: this.attemptNo };
    if (input !== null && input !== undefined) data.input = input;
    this.startId = rs.emit('step.started', data, this.frame.cause);
    rs.commit([this.record('running')], undefined, this.frame);
  }

  private withTimeout(input: unknown): Promise<unknown> {
    const ms = this.step.timeout;
    if (ms === undefined) return this.runKind(input, this.frame.signal);
    const clock = this.rs.core.clock;
    const { controller: ac, release } = childController(this.frame.signal);
    // A composite's body may fan out under this signal.
    unboundedListeners(ac);
    let timer: unknown;
    const timeout = new Promise<never>((_, reject) => {
      timer = clock.setTimeout(() => {
        const e = new HookflowError(ErrorCode.TIMEOUT, `step "${this.step.id}" timed out after ${ms} ms (attempt ${this.attemptNo})`, { step: this.path });
        ac.abort(e);
        reject(e);
      }, ms);
    });
    return Promise.race([this.runKind(input, ac.signal), timeout]).finally(() => {
      clock.clearTimeout(timer);
      release();
    });
  }

  /** Dispatches to the task or pattern of the step kind. */
  private runKind(input: unknown, signal: AbortSignal): Promise<unknown> {
    const step = this.step;
    if (step.kind === 'tool' || step.kind === 'agent' || step.kind === 'workflow' || step.kind === 'set' || step.kind === 'wait' || step.kind === 'emit' || step.kind === 'fail') {
      return runTask(this.rs, this, input, signal);
    }
    return runPattern(this.rs, this, signal).then((out) => {
      if (out.redirect !== undefined) this.redirect = out.redirect;
      return out.output;
    });
  }

  /** This step as the origin of a fork. */
  forkOrigin(): ForkOrigin {
    return {
      path: this.path,
      stepId: this.step.id,
      frame: this.frame,
      cause: this.startId ?? this.frame.cause,
      hooks: this.hooks,
      onDetached: (entry) => {
        const list = ((this.effects ??= {}).detached ??= []) as DetachedEntry[];
        list.push(entry);
      },
    };
  }

  /** Frame for a pattern's nested lists: prefix `path/` (`path~N/` on attempt N > 1). */
  bodyFrame(signal: AbortSignal, bindings?: Record<string, unknown>, prefix?: string): Frame {
    const own = stepHooks(this.rs, this.step);
    const p = prefix ?? `${this.path}${this.attemptNo > 1 ? `~${this.attemptNo}` : ''}/`;
    return childFrame(this.frame, p, own, bindings, signal, this.startId);
  }

  private async retryWait(delayMs: number, reason: 'policy' | 'hook', error?: HookflowError): Promise<void> {
    const { rs } = this;
    this.to('RETRY');
    const data: Record<string, unknown> = { path: this.path, stepId: this.step.id, attempt: this.attemptNo, delayMs, reason };
    if (error) data.error = error.toJSON();
    const id = rs.emit('step.retrying', data, this.startId);
    if (this.has('step_retry')) {
      const d = await this.fire('step_retry', null, undefined, error?.toJSON(), { delayMs, reason, causationId: id });
      if (d.action === 'cancel') throw cancelled(d, 'step_retry');
    }
    rs.commit([this.record('retrying')], undefined, this.frame);
    const b = rs.barrier();
    if (b) await b;
    await sleep(rs.core.clock, delayMs, this.frame.signal);
  }

  /** Successful end: export, journal, breakers, forks joined. */
  private async complete(event: 'SUCCEED' | 'REPLACE' | 'CACHE_HIT', output: unknown): Promise<Outcome> {
    const { rs, step, view } = this;
    if (this.forks) view.forks = await joinForks(rs, this.forkOrigin(), this.forks);
    if (step.export !== undefined) {
      const scope = Object.create(this.frame.scope) as ExprScope;
      scope.result = output;
      scope.output = output;
      const written: Record<string, unknown> = {};
      for (const [name, t] of Object.entries(step.export)) written[name] = await evalT(t, scope, this.path);
      Object.assign(rs.vars, written);
      this.addEffect('vars', written);
    }
    this.to(event);
    view.output = output;
    view.ended = rs.core.clock.now();
    if (this.redirect !== undefined) this.addEffect('redirect', this.redirect);
    if (view.forks) this.addEffect('forks', view.forks);
    const dur = view.ended - (this.t0 || view.ended);
    rs.emit('step.completed', { path: this.path, stepId: step.id, output, attempt: this.attemptNo, durationMs: dur }, this.startId ?? this.frame.cause);
    rs.commit([this.record('completed', output)], undefined, this.frame);
    if (this.ran && this.attemptNo > 0) rs.core.runner.observe(this.ran, this.opMs);
    const out: Outcome = { output };
    if (this.redirect !== undefined) out.redirect = this.redirect;
    return out;
  }

  private async skip(reason: string, cause: 'when' | 'hook' | 'redirect'): Promise<Outcome> {
    const { rs, step, view } = this;
    // The point fires before the transition (like run_end before run.completed): a hook that fails
    // here (an invalid result) can still fail the step.
    if (this.has('step_skip')) await this.fire('step_skip', null, undefined, undefined, { reason, cause });
    this.to('SKIP');
    view.ended = rs.core.clock.now();
    rs.emit('step.skipped', { path: this.path, stepId: step.id, reason }, this.startId ?? this.frame.cause);
    if (this.redirect !== undefined) this.addEffect('redirect', this.redirect);
    rs.commit([this.record('skipped', null)], undefined, this.frame);
    const out: Outcome = { output: null, skipped: true };
    if (this.redirect !== undefined) out.redirect = this.redirect;
    return out;
  }

  /** Final failure: suspension passes through; otherwise catch, onError, or rethrow. */
  private async failed(err: unknown): Promise<Outcome> {
    const { rs, step, view } = this;
    if (err instanceof Suspended) {
      if (this.state === 'running') this.to('SUSPEND');
      throw err;
    }
    if (err instanceof SkipRequest) {
      try {
        return await this.skip(err.reason, 'hook');
      } catch (skipErr) {
        return this.failed(skipErr);
      }
    }
    if (this.forks) await settleForks(this.forks);
    const e = toHookflowError(err, ErrorCode.TOOL_ERROR, this.path);
    const isCancel = e.code === ErrorCode.HOOK_CANCELLED || e.code === ErrorCode.CANCELLED;
    this.to(isCancel ? 'CANCEL' : 'FAIL');
    view.error = e.toJSON();
    view.ended = rs.core.clock.now();
    view.output = null;
    const type = isCancel ? 'step.cancelled' : 'step.failed';
    const data: Record<string, unknown> = isCancel
      ? { path: this.path, stepId: step.id, reason: e.message, code: e.code, attempt: this.attemptNo }
      : { path: this.path, stepId: step.id, error: view.error, attempt: this.attemptNo };
    const failId = rs.emit(type, data, this.startId ?? this.frame.cause);
    // Cancelled from above (run cancel, a failFast sibling, a failed forEach iteration, an enclosing
    // timeout) is not this step's failure: its catch/onError must not run (they would act on an aborted signal).
    const runAborted = this.frame.signal.aborted;
    if (step.catch !== undefined && !runAborted) {
      const scope = { error: view.error };
      const frame = childFrame(this.frame, `${this.path}!catch/`, stepHooks(rs, step), scope, this.frame.signal, failId);
      let out: Outcome;
      try {
        out = await runSequence(rs, frame, step.catch);
      } catch (catchErr) {
        await this.writeTerminal(view.status);
        throw catchErr;
      }
      view.output = out.output ?? null;
      this.addEffect('recovered', true);
      await this.writeTerminal(view.status, view.output);
      return { output: view.output };
    }
    if (step.onError === 'continue' && !runAborted) {
      this.addEffect('recovered', true);
      await this.writeTerminal(view.status, null);
      return { output: null };
    }
    await this.writeTerminal(view.status);
    throw e;
  }

  private async writeTerminal(status: StepStatus, output?: unknown): Promise<void> {
    this.rs.commit([this.record(status, output)], undefined, this.frame);
    if (this.ran && this.attemptNo > 0) this.rs.core.runner.observe(this.ran, this.opMs);
  }

  addEffect(key: string, value: unknown): void {
    (this.effects ??= {})[key] = value;
  }

  record(status: StepStatus, output?: unknown): StepRecord {
    const view = this.view;
    const r: StepRecord = {
      runId: this.rs.runId,
      path: this.path,
      stepId: this.step.id,
      kind: this.step.kind,
      status,
      attempt: this.attemptNo,
      startedAt: view.started ? (this.startedIso ??= isoTime(view.started)) : null,
      endedAt: view.ended ? isoTime(view.ended) : null,
    };
    if (output !== undefined) r.output = output;
    if (view.error) r.error = view.error;
    if (this.effects) r.effects = this.effects;
    return r;
  }
}

export type { StepRun };

/** Journals a step that never started because its branch was cancelled first (failFast, run cancel). */
export async function recordNotStarted(rs: RunState, frame: Frame, step: StepDef, reason: unknown): Promise<void> {
  const path = frame.prefix + step.id;
  const view = new View();
  view.status = 'cancelled';
  const message = reason instanceof Error ? reason.message : 'cancelled before it started';
  view.error = { code: ErrorCode.CANCELLED, message, step: path };
  frame.scope.steps[step.id] = view;
  rs.emit('step.cancelled', { path, stepId: step.id, reason: message, code: ErrorCode.CANCELLED, attempt: 0 }, frame.cause);
  rs.commit([{ runId: rs.runId, path, stepId: step.id, kind: step.kind, status: 'cancelled', attempt: 0, error: view.error }], undefined, frame);
}

/** Spends one retry of a hook's `retry {attempts}` budget (per hook, per step execution); false when spent. */
export function grant(d: Decision, budgets: Map<string, number>): boolean {
  const allowed = (d.result as { attempts?: number }).attempts ?? 1;
  const key = d.hookId ?? '';
  const used = budgets.get(key) ?? 0;
  if (used >= allowed) return false;
  budgets.set(key, used + 1);
  return true;
}

/** The `delay` of a retry result in ms (number or duration string; 0 when absent). */
export function delayOf(r: HookResult): number {
  const d = (r as { delay?: number | string }).delay;
  if (d === undefined) return 0;
  return parseDuration(d) ?? 0;
}

function reasonOf(r: HookResult, fallback: string): string {
  const reason = (r as { reason?: unknown }).reason;
  return typeof reason === 'string' && reason !== '' ? reason : fallback;
}

/** The HOOK_CANCELLED error for a cancel decision. */
export function cancelled(d: Decision, point: HookPoint): HookflowError {
  const reason = reasonOf(d.result, 'no reason given');
  return new HookflowError(ErrorCode.HOOK_CANCELLED, `cancelled by hook "${d.hookId}" at ${point}: ${reason}`, { retryable: false, details: { hookId: d.hookId, point, reason } });
}
