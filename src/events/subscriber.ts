/**
 * One subscription of the event bus: a bounded FIFO queue, its overflow policy, watermark state and the
 * pump that hands events to the handler one at a time, in order. The bus (./bus.ts) owns dispatch and
 * reporting; a subscriber talks back to it only through {@link SubscriberHost}.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { assertNever } from '../errors.js';
import { globToRegExp } from '../util/glob.js';
import type { ResolvedSubscribeOptions } from './options.js';
import { Ring } from './ring.js';
import type { EventHandler, OverflowPolicy, UniversalEvent } from './types.js';

/**
 * Set while a bus handler (and anything it awaits) runs. A publish made inside it never waits for a full
 * `block` subscriber: only code outside every handler can hold a wait, so handlers always make progress and
 * waits can never form a cycle. Shared by all buses so cross-bus cycles are covered too.
 */
export const handlerContext = new AsyncLocalStorage<true>();

/** What a subscriber needs from its bus. Fields are the state of the dispatch in progress. */
export interface SubscriberHost {
  /** The subscriber that must not receive the event being dispatched (the source of a `bus.*` event). */
  excluded: Subscriber | undefined;
  /** True while dispatching a bus-generated event; such dispatches never wait. */
  internal: boolean;
  /** Promises the publish in progress must return (one per full `block` subscriber). */
  waits: Array<Promise<void>> | undefined;
  /** Live `block` subscribers; while above 0, handlers run inside {@link handlerContext}. */
  blockCount: number;
  /** A subscriber went from idle to having work. */
  busy(): void;
  /** A subscriber has no queued work and no handler in flight. */
  idle(): void;
  /** A watermark was crossed. */
  pressure(sub: Subscriber, level: 'high' | 'normal', cause: UniversalEvent): void;
  /** An `overflow: 'error'` subscriber was full when `cause` arrived. */
  overflowed(sub: Subscriber, cause: UniversalEvent): void;
  /** The handler threw or rejected. */
  handlerFailed(sub: Subscriber, err: unknown): void;
}

interface Parked {
  event: UniversalEvent;
  /** Absent when the publisher was not allowed to wait (handler or bus-internal publish). */
  resolve: (() => void) | undefined;
}

const IDLE = 0;
const SCHEDULED = 1;
const RUNNING = 2;
const AWAITING = 3;

/** A subscription: pattern, handler, queue and counters. Created by EventBus.subscribe. */
export class Subscriber {
  readonly pattern: string;
  readonly overflow: OverflowPolicy;
  readonly buffer: number;
  /** Event types whose bus route currently lists this subscriber. */
  readonly types: string[] = [];
  delivered = 0;
  dropped = 0;
  errors = 0;
  /** Unsubscribed: nothing more is delivered, the queue is gone. */
  closed = false;
  /** Overflowed under `error`: receives nothing new, but already accepted events are still delivered. */
  failed = false;
  /** A default warning was already printed for this subscriber. */
  warned = false;
  /**
   * False once closed or failed. Checked on every offer because a fan-out already in progress iterates the
   * route it started with, which may still list a subscriber that a nested dispatch just failed or closed.
   */
  private receiving = true;

  private readonly re: RegExp | undefined;
  private readonly queue = new Ring<UniversalEvent>();
  private parked: Ring<Parked> | undefined;
  private readonly highMark: number;
  private readonly lowMark: number;
  private high = false;
  private state = IDLE;
  private readonly pumpFn = (): void => this.pump();
  private readonly onFulfilled = (): void => this.pump();
  private readonly onRejected = (err: unknown): void => {
    this.errors++;
    this.host.handlerFailed(this, err);
    this.pump();
  };

  constructor(
    pattern: string,
    private readonly handler: EventHandler,
    opts: ResolvedSubscribeOptions,
    private readonly host: SubscriberHost,
  ) {
    this.pattern = pattern;
    // `**` matches every type; skipping the RegExp keeps type resolution trivial for catch-all subscribers.
    this.re = pattern === '**' ? undefined : globToRegExp(pattern, '.');
    this.overflow = opts.overflow;
    this.buffer = opts.buffer;
    this.highMark = opts.highMark;
    this.lowMark = opts.lowMark;
  }

  /** Events accepted and not yet handed to the handler (never more than `buffer`). */
  get queued(): number {
    return this.queue.size;
  }

  /** Events held back by a full `block` queue, waiting for space. */
  get waiting(): number {
    return this.parked === undefined ? 0 : this.parked.size;
  }

  /** True when events of `type` are for this subscriber. */
  matches(type: string): boolean {
    return this.re === undefined || this.re.test(type);
  }

  /** Accepts, drops or parks one event (called by the bus for each matching publish). */
  offer(event: UniversalEvent): void {
    if (!this.receiving || this.host.excluded === this) return;
    if (this.queue.size < this.buffer && (this.parked === undefined || this.parked.size === 0)) {
      this.accept(event);
      return;
    }
    switch (this.overflow) {
      case 'drop-oldest':
        this.queue.shift();
        this.queue.push(event);
        this.dropped++;
        return;
      case 'drop-newest':
        this.dropped++;
        return;
      case 'block':
        this.park(event);
        return;
      case 'error':
        this.dropped++;
        this.host.overflowed(this, event);
        return;
      default:
        assertNever(this.overflow, 'overflow policy');
    }
  }

  /** Overflowed under `error`: stops accepting; what was already accepted is still delivered. */
  fail(): void {
    this.failed = true;
    this.receiving = false;
  }

  /** Unsubscribes: drops the queue and releases publishers waiting on it. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.receiving = false;
    this.queue.clear();
    const parked = this.parked;
    if (parked !== undefined) {
      for (let entry = parked.shift(); entry !== undefined; entry = parked.shift()) entry.resolve?.();
    }
    // A scheduled or in-flight pump notices `closed` and reports idle itself.
  }

  private accept(event: UniversalEvent): void {
    this.queue.push(event);
    if (this.state === IDLE) {
      this.state = SCHEDULED;
      this.host.busy();
      queueMicrotask(this.pumpFn);
    }
    if (!this.high && this.queue.size >= this.highMark) {
      this.high = true;
      this.host.pressure(this, 'high', event);
    }
  }

  private park(event: UniversalEvent): void {
    const parked = (this.parked ??= new Ring<Parked>(4));
    if (this.host.internal || handlerContext.getStore() !== undefined) {
      parked.push({ event, resolve: undefined });
      return;
    }
    let resolve: (() => void) | undefined;
    const wait = new Promise<void>((r) => {
      resolve = r;
    });
    parked.push({ event, resolve });
    (this.host.waits ??= []).push(wait);
  }

  private pump(): void {
    this.state = RUNNING;
    const queue = this.queue;
    while (!this.closed && queue.size > 0) {
      const event = queue.shift() as UniversalEvent;
      const parked = this.parked;
      if (parked !== undefined && parked.size > 0) {
        // The head of the parked line takes the freed slot, so the queue stays full and FIFO holds.
        const entry = parked.shift() as Parked;
        queue.push(entry.event);
        entry.resolve?.();
      }
      if (this.high && queue.size <= this.lowMark) {
        this.high = false;
        this.host.pressure(this, 'normal', event);
      }
      this.delivered++;
      let pending: PromiseLike<void> | undefined;
      try {
        const result: unknown = this.host.blockCount > 0 ? handlerContext.run(true, this.handler, event) : this.handler(event);
        // Inside the try: reading `then` on a hostile return value may throw too.
        if (result !== undefined && result !== null && typeof (result as PromiseLike<void>).then === 'function') pending = result as PromiseLike<void>;
      } catch (err) {
        this.errors++;
        this.host.handlerFailed(this, err);
        continue;
      }
      if (pending !== undefined) {
        this.state = AWAITING;
        Promise.resolve(pending).then(this.onFulfilled, this.onRejected);
        return;
      }
    }
    this.state = IDLE;
    this.host.idle();
  }
}
