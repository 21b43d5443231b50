/**
 * Event envelope and bus contract (../shared/spec/runtime.md). Events report facts; they never
 * change control flow.
 */

export interface UniversalEvent<D = unknown> {
  id: string;
  /** Dotted, past tense: `step.completed`, `user.order_shipped`, ... */
  type: string;
  /** ISO-8601 time. */
  time: string;
  /** Gap-free per run, starting at 1. */
  seq: number;
  runId: string;
  correlationId: string;
  /** id of the event that caused this one. */
  causationId?: string;
  source: { component: string; language: 'js' | 'lua' | 'python' | 'yaml' };
  data: D;
  schemaVersion: 1;
}

export type OverflowPolicy = 'drop-oldest' | 'drop-newest' | 'block' | 'error';

export interface SubscribeOptions {
  /** Queue bound for this subscriber. @default 10000 */
  buffer?: number;
  /** @default 'drop-oldest' */
  overflow?: OverflowPolicy;
  /** Fraction of `buffer` at which `bus.pressure` {level:'high'} is published. @default 0.8 */
  highWatermark?: number;
  /** Fraction of `buffer` at which `bus.pressure` {level:'normal'} is published after a high. @default 0.5 */
  lowWatermark?: number;
}

export type EventHandler = (event: UniversalEvent) => void | Promise<void>;

export interface SubscriberStats {
  pattern: string;
  queued: number;
  delivered: number;
  dropped: number;
  errors: number;
  overflow: OverflowPolicy;
}
