/**
 * The HookRunner: the one place that calls hooks and turns what they return into a Decision.
 *
 * At a point it calls the applicable hooks in order (`order`, then registration), feeding `modify`
 * patches forward (waterfall) and stopping at the first decisive result (bail). Every call goes through
 * the hook's circuit breaker and a timeout enforced with an AbortSignal; every decision is published as
 * `hook.decided` and journaled so a resumed run replays it instead of asking the hook again.
 * The engine carries out the decision; nothing else interprets HookResults.
 */
import { ErrorCode, HookflowError, toHookflowError, type ErrorInfo } from '../errors.js';
import type { Clock } from '../util/clock.js';
import { onAbort } from '../util/abort.js';
import { deepMerge, isPlainObject } from '../util/merge.js';
import { CircuitBreaker, type BreakerSnapshot, type BreakerTransition } from './breaker.js';
import { serializable } from './fork-request.js';
import { byOrder, matches, type HookInstance } from './registry.js';
import { HOOK_ACTIONS, isActionAllowed, type BreakerOptions, type HookAction, type HookContext, type HookPoint, type HookResult } from './types.js';

/** What the runner needs from the run it serves. */
export interface HookHost {
  readonly runId: string;
  readonly correlationId: string;
  readonly workflow: string;
  readonly vars: Record<string, unknown>;
  /** Run-level signal: aborted when the run is cancelled. */
  readonly signal: AbortSignal;
  /** Publishes + journals an event of this run; returns its id. */
  emit(type: string, data: unknown, causationId?: string, language?: 'js' | 'yaml'): string;
  /** Recorded decisions of a resumed run: returns the recorded result for this hook call, if any. */
  replayDecision?(key: string, hookId: string): HookResult | undefined;
}

/** One call of the runner at a point. */
export interface PointCall {
  point: HookPoint;
  step?: HookContext['step'];
  attempt: number;
  input: unknown;
  output?: unknown;
  error?: ErrorInfo;
  metadata?: Record<string, unknown>;
  /** Step-scoped and workflow hooks in effect here, already in call order. */
  hooks: readonly HookInstance[];
  /** Event id that caused this call (for hook.decided's causationId). */
  causationId?: string;
}

/** The outcome of a point: the decisive result (or continue) and the possibly patched values. */
export interface Decision {
  action: HookAction;
  result: HookResult;
  hookId: string | undefined;
  input: unknown;
  output: unknown;
  /** Hooks that were called (their breakers learn the wrapped operation's duration from the engine). */
  ran: HookInstance[] | undefined;
}

const CONTINUE_RESULT: HookResult = Object.freeze({ action: 'continue' }) as HookResult;

/** True when the point's `modify` patches the output (after_*), false when it patches the input. */
export function patchesOutput(point: HookPoint): boolean {
  return point.startsWith('after_');
}

/** Validates the shape of a value returned by a hook; undefined/null mean continue. */
export function normalizeResult(raw: unknown, hookId: string, point: HookPoint): HookResult {
  if (raw === undefined || raw === null) return CONTINUE_RESULT;
  if (!isPlainObject(raw) || typeof raw.action !== 'string') {
    throw invalid(hookId, point, `returned ${describe(raw)}; expected a HookResult object such as { action: 'continue' }`);
  }
  const action = raw.action as HookAction;
  if (!(HOOK_ACTIONS as readonly string[]).includes(action)) {
    throw invalid(hookId, point, `returned unknown action "${String(raw.action)}"; expected one of ${HOOK_ACTIONS.join(', ')}`);
  }
  if (!isActionAllowed(point, action)) {
    throw invalid(hookId, point, `returned "${action}", which is not allowed at ${point} (see hooks.md: allowed at)`);
  }
  switch (action) {
    case 'redirect':
      if (typeof raw.to !== 'string' || raw.to === '') throw invalid(hookId, point, 'returned redirect without a string `to`');
      break;
    case 'modify':
      if (!('patch' in raw)) throw invalid(hookId, point, 'returned modify without `patch`');
      break;
    case 'replace':
      if (!('value' in raw)) throw invalid(hookId, point, 'returned replace without `value`');
      break;
    case 'retry':
      if (raw.attempts !== undefined && (typeof raw.attempts !== 'number' || !Number.isInteger(raw.attempts) || raw.attempts < 1)) {
        throw invalid(hookId, point, `returned retry with attempts ${describe(raw.attempts)}; expected an integer >= 1`);
      }
      break;
    case 'fork': {
      const hasBranches = Array.isArray(raw.branches);
      const hasEach = raw.forEach !== undefined;
      if (hasBranches === hasEach) throw invalid(hookId, point, 'returned fork needing exactly one of `branches` or `forEach` (+ `steps`)');
      if (hasEach && (!Array.isArray(raw.forEach) || !Array.isArray(raw.steps))) {
        throw invalid(hookId, point, 'returned fork with `forEach` that is not a list, or without a `steps` list');
      }
      if (raw.join !== undefined && raw.join !== 'wait' && raw.join !== 'detach') throw invalid(hookId, point, `returned fork with join ${describe(raw.join)}; expected wait or detach`);
      if (raw.concurrency !== undefined && (typeof raw.concurrency !== 'number' || raw.concurrency < 1)) {
        throw invalid(hookId, point, `returned fork with concurrency ${describe(raw.concurrency)}; expected a number >= 1`);
      }
      break;
    }
    case 'cache':
      if (raw.key !== undefined && typeof raw.key !== 'string') throw invalid(hookId, point, 'returned cache with a non-string `key`');
      break;
    case 'continue':
    case 'cancel':
    case 'skip':
      break;
  }
  return raw as HookResult;
}

function invalid(hookId: string, point: HookPoint, what: string): HookflowError {
  return new HookflowError(ErrorCode.HOOK_RESULT_INVALID, `hook "${hookId}" at ${point} ${what}`, { retryable: false, details: { hookId, point } });
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object without a string `action`';
  return `${typeof v} ${JSON.stringify(v)}`;
}

/** Engine-wide state of the runner: breakers and defaults. */
export interface HookRunnerOptions {
  clock: Clock;
  /** Global breaker defaults, overridden per hook. */
  breaker?: Partial<BreakerOptions>;
  /** Called on every breaker transition (the engine fires breaker_open/breaker_close and events). */
  onBreaker?: (t: BreakerTransition, host: HookHost | undefined) => void;
}

export class HookRunner {
  private readonly breakers = new Map<string, CircuitBreaker>();
  /** The run a breaker transition belongs to; set only around the synchronous breaker calls (see `on`). */
  private currentHost: HookHost | undefined;

  constructor(private readonly opts: HookRunnerOptions) {}

  /** The breaker of a hook (created on first use). */
  breakerFor(inst: HookInstance): CircuitBreaker {
    let b = this.breakers.get(inst.key);
    if (!b) {
      b = new CircuitBreaker(inst.key, { ...this.opts.breaker, ...inst.breaker }, this.opts.clock, (t) => this.opts.onBreaker?.(t, this.currentHost));
      this.breakers.set(inst.key, b);
    }
    return b;
  }

  breakerSnapshots(): BreakerSnapshot[] {
    return [...this.breakers.values()].map((b) => b.snapshot());
  }

  /** Feeds the duration of a wrapped operation to the breakers of the hooks that ran around it. */
  observe(ran: HookInstance[] | undefined, ms: number): void {
    if (ran === undefined) return;
    for (const h of ran) this.breakerFor(h).observeOperation(ms);
  }

  /**
   * Runs the hooks of `call.hooks` that apply at `call.point` and returns the decision.
   * Throws HOOK_RESULT_INVALID for results not allowed at the point.
   */
  async run(host: HookHost, call: PointCall): Promise<Decision> {
    let input = call.input;
    let output = call.output;
    let ran: HookInstance[] | undefined;
    let modifier: string | undefined;
    const byOutput = patchesOutput(call.point);
    const replayKey = host.replayDecision ? `${call.step?.path ?? ''}|${call.point}|${call.attempt}` : '';
    for (const inst of call.hooks) {
      if (!inst.points.has(call.point) || !matches(inst.match, call.step)) continue;
      const ctx = makeContext(host, call, input, output);
      const replayed = host.replayDecision?.(replayKey, inst.id);
      let result: HookResult;
      if (replayed !== undefined) {
        result = replayed;
      } else {
        (ran ??= []).push(inst);
        const r = await this.call(host, inst, ctx, call, true);
        if (r === undefined) continue; // guarded out, or failed open: skipped
        result = r;
      }
      if (result.action === 'continue') continue;
      if (result.action === 'modify') {
        if (byOutput) output = deepMerge(output, result.patch);
        else input = deepMerge(input, result.patch);
        modifier ??= inst.id;
        continue;
      }
      return { action: result.action, result, hookId: inst.id, input, output, ran };
    }
    const modified = input !== call.input || output !== call.output;
    // A modify decision names the first hook that patched (for error messages about the patch).
    return { action: modified ? 'modify' : 'continue', result: CONTINUE_RESULT, hookId: modified ? modifier : undefined, input, output, ran };
  }

  /**
   * Calls one hook through its breaker with a timeout. Returns the validated result, or undefined when
   * the hook failed (or its breaker is open) and fails open. Failing closed yields a cancel result.
   * With `guarded`, the hook's `when` guard is evaluated first: false means undefined (not called), and
   * a guard that throws is a failure of the hook like any other (breaker, `failure:` policy).
   */
  async call(host: HookHost, inst: HookInstance, ctx: LazyContext, call: PointCall, guarded = false): Promise<HookResult | undefined> {
    const breaker = this.breakerFor(inst);
    const point = call.point;
    if (guarded && inst.guard !== undefined) {
      const g0 = performance.now();
      let pass: boolean;
      try {
        pass = await inst.guard(ctx);
      } catch (err) {
        return this.failed(host, inst, call, breaker, toHookflowError(err, ErrorCode.HOOK_FAILED), performance.now() - g0);
      }
      if (!pass) return undefined;
    }
    if (!this.on(host, () => breaker.allow())) {
      if (inst.failure === 'closed') {
        const result: HookResult = { action: 'cancel', reason: `hook "${inst.id}" is switched off by its circuit breaker and fails closed` };
        host.emit('hook.decided', { hookId: inst.id, point, action: 'cancel', ms: 0, path: call.step?.path, result, breaker: 'open' }, call.causationId, inst.language);
        return result;
      }
      return undefined;
    }
    const timeoutMs = inst.timeoutMs ?? breaker.options.timeoutMs;
    const t0 = performance.now();
    let raw: unknown;
    let failure: HookflowError | undefined;
    try {
      const r = inst.invoke(ctx);
      raw = isPromiseLike(r) ? await withTimeout(r, timeoutMs, ctx, inst.id, this.opts.clock) : r;
    } catch (err) {
      failure = toHookflowError(err, ErrorCode.HOOK_FAILED);
    }
    const ms = performance.now() - t0;
    let result: HookResult | undefined;
    if (failure === undefined) {
      try {
        result = normalizeResult(raw, inst.id, point);
      } catch (err) {
        this.on(host, () => breaker.record(ms, true));
        throw err;
      }
      this.on(host, () => breaker.record(ms, true));
      const data: Record<string, unknown> = { hookId: inst.id, point, action: result.action, ms: round(ms) };
      if (call.step) data.path = call.step.path;
      if (result.action !== 'continue') data.result = result.action === 'fork' ? serializable(result) : result;
      data.attempt = call.attempt;
      host.emit('hook.decided', data, call.causationId, inst.language);
    } else {
      result = this.failed(host, inst, call, breaker, failure, ms);
    }
    return result;
  }

  /**
   * Runs a synchronous breaker operation with `host` as the run its transitions are reported to.
   * Transitions happen only inside allow()/record(), so this stays exact when runs interleave.
   */
  private on<T>(host: HookHost, fn: () => T): T {
    const prev = this.currentHost;
    this.currentHost = host;
    try {
      return fn();
    } finally {
      this.currentHost = prev;
    }
  }

  /** A failed or timed-out hook call: breaker, `hook.failed`, then skip (open) or cancel (closed). */
  private failed(host: HookHost, inst: HookInstance, call: PointCall, breaker: CircuitBreaker, failure: HookflowError, ms: number): HookResult | undefined {
    const point = call.point;
    this.on(host, () => breaker.record(ms, false, failure.code === ErrorCode.TIMEOUT ? 'timeout' : failure.message));
    host.emit('hook.failed', { hookId: inst.id, point, error: failure.toJSON(), ms: round(ms), path: call.step?.path, failure: inst.failure }, call.causationId, inst.language);
    let result: HookResult | undefined;
    if (inst.failure === 'closed') {
      result = { action: 'cancel', reason: `hook "${inst.id}" failed and fails closed: ${failure.message}` };
      host.emit('hook.decided', { hookId: inst.id, point, action: 'cancel', ms: round(ms), path: call.step?.path, result, attempt: call.attempt }, call.causationId, inst.language);
    }
    return result;
  }
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

function isPromiseLike(v: unknown): v is PromiseLike<unknown> {
  return v !== null && (typeof v === 'object' || typeof v === 'function') && typeof (v as { then?: unknown }).then === 'function';
}

function withTimeout(p: PromiseLike<unknown>, ms: number, ctx: LazyContext, hookId: string, clock: Clock): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const timer = clock.setTimeout(() => {
      const err = new HookflowError(ErrorCode.TIMEOUT, `hook "${hookId}" timed out after ${ms} ms`);
      ctx.abort(err);
      reject(err);
    }, ms);
    p.then(
      (v) => {
        clock.clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clock.clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

/** A HookContext whose AbortSignal is created only if a hook reads it. */
export interface LazyContext extends HookContext {
  abort(reason: unknown): void;
}

/** Symbol-keyed internals on a context: the expression scope of the frame and the call being run. */
export const CTX_SCOPE = Symbol('hookflow.scope');
export const CTX_CALL = Symbol('hookflow.call');

const EMPTY_META: Readonly<Record<string, unknown>> = Object.freeze({});

/**
 * The context object. A class, not an object literal with a getter: contexts are made for every hook
 * call, and a literal with accessors and closures costs several times more to create.
 */
class HookCtx implements LazyContext {
  readonly point: HookPoint;
  readonly runId: string;
  readonly correlationId: string;
  readonly workflow: string;
  readonly step: HookContext['step'];
  readonly attempt: number;
  readonly error: HookContext['error'];
  readonly vars: Readonly<Record<string, unknown>>;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly [CTX_SCOPE]: unknown;
  readonly [CTX_CALL]: { host: HookHost; call: PointCall };
  private controller: AbortController | undefined;
  private offRunAbort: (() => void) | undefined;

  constructor(
    host: HookHost,
    call: PointCall,
    readonly input: unknown,
    readonly output: unknown,
  ) {
    this.point = call.point;
    this.runId = host.runId;
    this.correlationId = host.correlationId;
    this.workflow = host.workflow;
    this.step = call.step;
    this.attempt = call.attempt;
    this.error = call.error;
    this.vars = host.vars;
    this.metadata = call.metadata ?? EMPTY_META;
    this[CTX_SCOPE] = (call as { scope?: unknown }).scope;
    this[CTX_CALL] = { host, call };
  }

  /** Created on first read: most hooks never look at it. Follows the run's signal. */
  get signal(): AbortSignal {
    if (!this.controller) {
      const c = new AbortController();
      this.controller = c;
      const run = this[CTX_CALL].host.signal;
      if (run.aborted) c.abort(run.reason);
      else this.offRunAbort = onAbort(run, () => c.abort(run.reason));
    }
    return this.controller.signal;
  }

  abort(reason: unknown): void {
    if (!this.controller) this.controller = new AbortController();
    this.controller.abort(reason);
    this.offRunAbort?.();
  }
}

export function makeContext(host: HookHost, call: PointCall, input: unknown, output: unknown): LazyContext {
  return new HookCtx(host, call, input, output);
}



/** Internals reachable from a context (rule hooks and composites need them). */
export function contextInternals(ctx: HookContext): { scope: unknown; host: HookHost; call: PointCall } | undefined {
  const c = ctx as HookContext & { [CTX_SCOPE]?: unknown; [CTX_CALL]?: { host: HookHost; call: PointCall } };
  const callInfo = c[CTX_CALL];
  return callInfo ? { scope: c[CTX_SCOPE], host: callInfo.host, call: callInfo.call } : undefined;
}

/** Merges hook lists that are each already in call order. */
export function mergeHookLists(a: readonly HookInstance[], b: readonly HookInstance[]): readonly HookInstance[] {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  return [...a, ...b].sort(byOrder);
}
