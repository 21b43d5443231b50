/**
 * Per-hook circuit breaker (hooks.md "Circuit breaker").
 *
 * Opens when `consecutiveFailures` calls in a row fail or time out, or when the hook's p95 time over
 * the sliding window exceeds `overheadRatio` × the p95 of the operations it wraps (never below
 * `floorMs`, and only once `minCalls` calls are in the window). While open, calls are not made; after
 * `coolDownMs` one trial call is let through (half-open): a fast success closes it, anything else
 * re-opens it.
 */
import type { Clock } from '../util/clock.js';
import type { BreakerOptions } from './types.js';

/** @see BreakerOptions for each field. */
export const DEFAULT_BREAKER: Readonly<BreakerOptions> = Object.freeze({
  windowSize: 20,
  windowMs: 60_000,
  consecutiveFailures: 5,
  overheadRatio: 0.05,
  minCalls: 10,
  floorMs: 1,
  coolDownMs: 30_000,
  timeoutMs: 1_000,
});

export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerTransition {
  hookId: string;
  from: BreakerState;
  to: BreakerState;
  reason: string;
  p95Ms?: number;
  opP95Ms?: number;
}

export interface BreakerSnapshot {
  hookId: string;
  state: BreakerState;
  calls: number;
  failures: number;
  consecutiveFailures: number;
  p95Ms: number | null;
  opP95Ms: number | null;
  openedAt: number | null;
  opens: number;
  reason: string | null;
}

/** A fixed-capacity window of timed samples. */
class Window {
  private readonly times: number[] = [];
  private readonly values: number[] = [];
  constructor(private readonly size: number, private readonly maxAge: number) {}

  push(now: number, value: number): void {
    this.times.push(now);
    this.values.push(value);
    if (this.values.length > this.size) {
      this.times.shift();
      this.values.shift();
    }
  }

  prune(now: number): void {
    let drop = 0;
    while (drop < this.times.length && now - (this.times[drop] as number) > this.maxAge) drop++;
    if (drop > 0) {
      this.times.splice(0, drop);
      this.values.splice(0, drop);
    }
  }

  get length(): number {
    return this.values.length;
  }

  p95(): number | null {
    const n = this.values.length;
    if (n === 0) return null;
    const sorted = this.values.slice().sort((a, b) => a - b);
    return sorted[Math.min(n - 1, Math.ceil(n * 0.95) - 1)] as number;
  }

  clear(): void {
    this.times.length = 0;
    this.values.length = 0;
  }
}

export class CircuitBreaker {
  readonly options: BreakerOptions;
  private _state: BreakerState = 'closed';
  private readonly calls: Window;
  private readonly ops: Window;
  private consecutive = 0;
  private totalCalls = 0;
  private totalFailures = 0;
  private openedAt: number | null = null;
  private trialInFlight = false;
  private opens = 0;
  private reason: string | null = null;

  constructor(
    readonly hookId: string,
    options: Partial<BreakerOptions> | undefined,
    private readonly clock: Clock,
    private readonly onChange: (t: BreakerTransition) => void,
  ) {
    this.options = { ...DEFAULT_BREAKER, ...options };
    this.calls = new Window(this.options.windowSize, this.options.windowMs);
    this.ops = new Window(this.options.windowSize, this.options.windowMs);
  }

  get state(): BreakerState {
    return this._state;
  }

  /** Whether a call may be made now. Moves open → half_open once the cool-down has passed. */
  allow(): boolean {
    if (this._state === 'closed') return true;
    if (this._state === 'open') {
      if (this.openedAt !== null && this.clock.now() - this.openedAt >= this.options.coolDownMs) {
        this.transition('half_open', 'cool-down elapsed; trial call');
        this.trialInFlight = true;
        return true;
      }
      return false;
    }
    // half_open: exactly one trial call at a time.
    if (this.trialInFlight) return false;
    this.trialInFlight = true;
    return true;
  }

  /** Records a finished call of the hook. */
  record(ms: number, ok: boolean, why?: string): void {
    const now = this.clock.now();
    this.totalCalls++;
    if (!ok) this.totalFailures++;
    if (this._state === 'half_open') {
      this.trialInFlight = false;
      if (ok && ms <= this.threshold()) {
        this.calls.clear();
        this.consecutive = 0;
        this.transition('closed', 'trial call succeeded');
      } else {
        this.open(ok ? `trial call too slow (${ms.toFixed(1)} ms)` : `trial call failed: ${why ?? 'error'}`, now);
      }
      return;
    }
    if (this._state === 'open') return;
    this.calls.push(now, ms);
    this.calls.prune(now);
    this.consecutive = ok ? 0 : this.consecutive + 1;
    if (this.consecutive >= this.options.consecutiveFailures) {
      this.open(`${this.consecutive} consecutive failures (last: ${why ?? 'error'})`, now);
      return;
    }
    if (this.calls.length >= this.options.minCalls && ms > this.options.floorMs) {
      const p95 = this.calls.p95() as number;
      const limit = this.threshold();
      if (p95 > limit) {
        const opP95 = this.ops.p95();
        this.open(`p95 ${p95.toFixed(2)} ms exceeds ${limit.toFixed(2)} ms (${this.options.overheadRatio * 100}% of the wrapped operation's p95${opP95 === null ? '' : ` ${opP95.toFixed(2)} ms`}, floor ${this.options.floorMs} ms)`, now, p95, opP95 ?? undefined);
      }
    }
  }

  /** Records the duration of an operation this hook wrapped (the step, tool call, branch...). */
  observeOperation(ms: number): void {
    const now = this.clock.now();
    this.ops.push(now, ms);
  }

  /** The hook time allowed by the overhead rule. */
  threshold(): number {
    const opP95 = this.ops.p95();
    return Math.max(this.options.floorMs, opP95 === null ? 0 : opP95 * this.options.overheadRatio);
  }

  snapshot(): BreakerSnapshot {
    return {
      hookId: this.hookId,
      state: this._state,
      calls: this.totalCalls,
      failures: this.totalFailures,
      consecutiveFailures: this.consecutive,
      p95Ms: this.calls.p95(),
      opP95Ms: this.ops.p95(),
      openedAt: this.openedAt,
      opens: this.opens,
      reason: this.reason,
    };
  }

  private open(reason: string, now: number, p95?: number, opP95?: number): void {
    this.openedAt = now;
    this.opens++;
    this.trialInFlight = false;
    this.transition('open', reason, p95, opP95);
  }

  private transition(to: BreakerState, reason: string, p95?: number, opP95?: number): void {
    const from = this._state;
    this._state = to;
    this.reason = reason;
    const t: BreakerTransition = { hookId: this.hookId, from, to, reason };
    if (p95 !== undefined) t.p95Ms = p95;
    if (opP95 !== undefined) t.opP95Ms = opP95;
    this.onChange(t);
  }
}
