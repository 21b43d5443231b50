/**
 * The event bus: glob subscriptions over dotted event types, one bounded queue per subscriber, overflow
 * policies and watermarks. Events report facts; a slow or throwing subscriber never stalls or breaks a run
 * unless it chose `overflow: 'block'`. Semantics are documented in docs/events.md.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'eventemitter3';
import { ErrorCode, HookflowError } from '../errors.js';
import { systemClock, type Clock } from '../util/clock.js';
import { BusErrorCode, makeBusEvent, type BusOverflowData, type BusPressureData } from './bus-events.js';
import { resolveSubscribeOptions, validateDefaults } from './options.js';
import { Subscriber, type SubscriberHost } from './subscriber.js';
import type { EventHandler, SubscribeOptions, SubscriberStats, UniversalEvent } from './types.js';

export { BusErrorCode, type BusOverflowData, type BusPressureData } from './bus-events.js';

/** Per-subscriber counters, with the bus-specific extras. */
export interface BusSubscriberStats extends SubscriberStats {
  /** Events held back by a full `block` queue (publishers awaiting space, or handler publishes). */
  waiting: number;
  /** True once an `overflow: 'error'` subscriber overflowed; it receives nothing new. */
  failed: boolean;
}

/** Options of {@link EventBus}. */
export interface EventBusOptions {
  /** Time source for `bus.*` event timestamps. @default systemClock */
  clock?: Clock;
  /** Subscription defaults, applied under each subscribe's own options. @default {buffer: 10000, overflow: 'drop-oldest', highWatermark: 0.8, lowWatermark: 0.5} */
  defaults?: SubscribeOptions;
  /**
   * Receives handler errors (thrown or rejected) and `BUS_OVERFLOW` errors, synchronously, with the
   * subscriber's pattern; keep it cheap. @default a process warning, once per subscriber
   */
  onSubscriberError?: (err: unknown, pattern: string) => void;
  /** Id generator for `bus.*` events. @default crypto.randomUUID */
  newId?: () => string;
}

// Types are few (a fixed vocabulary plus user.<name>); the cap only guards against unbounded dynamic names.
const MAX_TYPES = 10_000;

const noop = (): void => undefined;

/** The subscribers of one concrete event type, in subscription order. Replaced, never mutated, so a
 *  dispatch in progress keeps iterating the list it started with. */
interface Route {
  subs: readonly Subscriber[];
}

/** The emitter listener of a type with several subscribers (called with `this` = its route). */
function deliver(this: Route, event: UniversalEvent): void {
  const subs = this.subs;
  for (let i = 0; i < subs.length; i++) (subs[i] as Subscriber).offer(event);
}

/** The emitter listener of a type with a single subscriber (called with `this` = that subscriber). */
const offer: (this: Subscriber, event: UniversalEvent) => void = Subscriber.prototype.offer;

/**
 * Publishes {@link UniversalEvent}s to glob subscriptions, each with its own bounded queue.
 *
 * @example
 * const bus = new EventBus();
 * const off = bus.subscribe('step.*', (e) => console.log(e.type), { buffer: 1000, overflow: 'drop-newest' });
 * await bus.publish(event); // undefined unless a `block` subscriber is full
 * off();
 */
export class EventBus {
  // eventemitter3 is the per-type dispatch table: one emitter event per concrete type with exactly one
  // listener, fanning out over that type's route (the subscribers whose glob matches it). Publish is
  // O(matching) and pays the emitter's per-listener overhead once, not once per subscriber.
  private readonly emitter = new EventEmitter<string, unknown>();
  private readonly subs: Subscriber[] = [];
  /** Every type seen so far, with its matching subscribers (possibly none). */
  private readonly routes = new Map<string, Route>();
  private live = 0;
  private active = 0;
  private readonly drainWaiters = new Set<() => void>();
  private readonly host: SubscriberHost;
  private readonly clock: Clock;
  private readonly defaults: SubscribeOptions | undefined;
  private readonly onSubscriberError: ((err: unknown, pattern: string) => void) | undefined;
  private readonly newId: () => string;

  constructor(opts: EventBusOptions = {}) {
    validateDefaults(opts.defaults);
    this.clock = opts.clock ?? systemClock;
    this.defaults = opts.defaults === undefined ? undefined : { ...opts.defaults };
    this.onSubscriberError = opts.onSubscriberError;
    this.newId = opts.newId ?? randomUUID;
    this.host = {
      excluded: undefined,
      internal: false,
      waits: undefined,
      blockCount: 0,
      busy: () => {
        this.active++;
      },
      idle: () => {
        if (--this.active === 0) this.resolveDrain();
      },
      pressure: (sub, level, cause) => this.publishPressure(sub, level, cause),
      overflowed: (sub, cause) => this.failOverflow(sub, cause),
      handlerFailed: (sub, err) => this.report(sub, err),
    };
  }

  /**
   * Dispatches one event to every matching subscriber's queue. Returns undefined on the fast path, or a
   * promise when a `block` subscriber is full: the caller must await it (backpressure). Never throws
   * because of a subscriber; throws VALIDATION only for an event without a string `type`.
   */
  publish(event: UniversalEvent): void | Promise<void> {
    if (this.live === 0) return undefined;
    return this.dispatch(event, false, undefined);
  }

  /**
   * Subscribes `handler` to event types matching the glob `pattern` (`step.*`, `*.failed`, `run.**`, `**`,
   * or an exact type). Returns an idempotent unsubscribe function that also drops the pending queue.
   */
  subscribe(pattern: string, handler: EventHandler, opts?: SubscribeOptions): () => void {
    if (typeof pattern !== 'string' || pattern === '' || /\s/.test(pattern)) {
      throw new HookflowError(
        ErrorCode.VALIDATION,
        `Expected \`pattern\` to be a non-empty glob over dotted event types without spaces, got ${JSON.stringify(pattern)}; hint: 'step.*', '*.failed', 'run.**', '**'`,
        { retryable: false },
      );
    }
    if (typeof handler !== 'function') {
      throw new HookflowError(ErrorCode.VALIDATION, `Expected \`handler\` to be a function, got ${typeof handler}`, { retryable: false });
    }
    const sub = new Subscriber(pattern, handler, resolveSubscribeOptions(opts, this.defaults), this.host);
    this.subs.push(sub);
    this.live++;
    if (sub.overflow === 'block') this.host.blockCount++;
    for (const [type, route] of this.routes) {
      if (!sub.matches(type)) continue;
      this.relink(type, route, [...route.subs, sub]);
      sub.types.push(type);
    }
    return () => this.unsubscribe(sub);
  }

  /** True when at least one subscriber can still receive events. */
  get hasSubscribers(): boolean {
    return this.live > 0;
  }

  /** Counters per subscriber, in subscription order (failed subscribers stay listed until unsubscribed). */
  stats(): BusSubscriberStats[] {
    return this.subs.map((s) => ({
      pattern: s.pattern,
      queued: s.queued,
      delivered: s.delivered,
      dropped: s.dropped,
      errors: s.errors,
      overflow: s.overflow,
      waiting: s.waiting,
      failed: s.failed,
    }));
  }

  /**
   * Resolves when every subscriber queue is empty and no handler is in flight, including events the
   * handlers publish meanwhile; rejects with the signal's reason when aborted first.
   */
  drain(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.active === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        this.drainWaiters.delete(done);
        reject(signal?.reason);
      };
      const done = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      this.drainWaiters.add(done);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private dispatch(event: UniversalEvent, internal: boolean, excluded: Subscriber | undefined): void | Promise<void> {
    const type = event.type;
    if (!this.routes.has(type)) this.resolveType(type);
    const host = this.host;
    // Saved and restored because a dispatch can nest: a watermark crossed while enqueuing publishes bus.pressure.
    const outerInternal = host.internal;
    const outerExcluded = host.excluded;
    const outerWaits = host.waits;
    host.internal = internal;
    host.excluded = excluded;
    host.waits = undefined;
    let waits: Array<Promise<void>> | undefined;
    try {
      this.emitter.emit(type, event);
      // The emit may have filled it; TS still narrows to the `undefined` assigned above.
      waits = host.waits as Array<Promise<void>> | undefined;
    } finally {
      host.internal = outerInternal;
      host.excluded = outerExcluded;
      host.waits = outerWaits;
    }
    if (waits === undefined) return undefined;
    return waits.length === 1 ? waits[0] : Promise.all(waits).then(noop);
  }

  private resolveType(type: unknown): void {
    if (typeof type !== 'string' || type === '') {
      throw new HookflowError(
        ErrorCode.VALIDATION,
        `Expected the event \`type\` to be a non-empty dotted string such as 'step.completed', got ${JSON.stringify(type)}`,
        { retryable: false },
      );
    }
    if (this.routes.size >= MAX_TYPES) this.forgetTypes();
    const subs: Subscriber[] = [];
    for (const sub of this.subs) {
      if (sub.failed || !sub.matches(type)) continue;
      subs.push(sub);
      sub.types.push(type);
    }
    const route: Route = { subs: [] };
    this.routes.set(type, route);
    this.relink(type, route, subs);
  }

  /** Replaces a route's subscribers and the emitter listener that serves them. */
  private relink(type: string, route: Route, subs: readonly Subscriber[]): void {
    const old = route.subs;
    if (old.length === 1) this.emitter.removeListener(type, offer, old[0]);
    else if (old.length > 1) this.emitter.removeListener(type, deliver, route);
    route.subs = subs;
    // A lone subscriber is the listener itself: the most common route skips one call.
    if (subs.length === 1) this.emitter.on(type, offer, subs[0]);
    else if (subs.length > 1) this.emitter.on(type, deliver, route);
  }

  private forgetTypes(): void {
    this.emitter.removeAllListeners();
    this.routes.clear();
    for (const sub of this.subs) sub.types.length = 0;
  }

  /** Stops new deliveries to `sub` (unsubscribe or overflow failure). */
  private detach(sub: Subscriber): void {
    for (const type of sub.types) {
      const route = this.routes.get(type);
      if (route !== undefined) this.relink(type, route, route.subs.filter((s) => s !== sub));
    }
    sub.types.length = 0;
    this.live--;
    if (sub.overflow === 'block') this.host.blockCount--;
  }

  private unsubscribe(sub: Subscriber): void {
    if (sub.closed) return;
    if (!sub.failed) this.detach(sub);
    sub.close();
    const i = this.subs.indexOf(sub);
    if (i >= 0) this.subs.splice(i, 1);
  }

  private publishPressure(sub: Subscriber, level: 'high' | 'normal', cause: UniversalEvent): void {
    const data: BusPressureData = { pattern: sub.pattern, level, queued: sub.queued, buffer: sub.buffer };
    this.publishBusEvent('bus.pressure', data, cause, sub);
  }

  private failOverflow(sub: Subscriber, cause: UniversalEvent): void {
    sub.fail();
    this.detach(sub);
    const err = new HookflowError(
      BusErrorCode.BUS_OVERFLOW,
      `Subscriber '${sub.pattern}' could not keep up: its queue of ${sub.buffer} events was full when '${cause.type}' arrived (overflow: 'error'), so the subscription was closed; hint: raise \`buffer\` or choose 'drop-oldest', 'drop-newest' or 'block'`,
      { details: { pattern: sub.pattern, buffer: sub.buffer, queued: sub.queued, eventType: cause.type }, retryable: false },
    );
    this.report(sub, err);
    const data: BusOverflowData = {
      pattern: sub.pattern,
      buffer: sub.buffer,
      queued: sub.queued,
      eventType: cause.type,
      error: { code: err.code, message: err.message },
    };
    if (this.live > 0) this.publishBusEvent('bus.overflow', data, cause, sub);
  }

  /**
   * Builds and dispatches a bus-generated event. It runs inside a publish or a pump, so a throwing `newId`
   * or `clock` must not escape: that would break the run's publish or kill the pump.
   */
  private publishBusEvent(type: string, data: BusPressureData | BusOverflowData, cause: UniversalEvent, source: Subscriber): void {
    try {
      this.dispatch(makeBusEvent(type, data, cause, this.clock, this.newId), true, source);
    } catch (err) {
      process.emitWarning(`could not publish ${type} for subscriber '${source.pattern}': ${describe(err)}`, { code: 'HOOKFLOW_BUS_EVENT' });
    }
  }

  private report(sub: Subscriber, err: unknown): void {
    const cb = this.onSubscriberError;
    if (cb === undefined) {
      if (!sub.warned) {
        sub.warned = true;
        process.emitWarning(`subscriber '${sub.pattern}' failed: ${describe(err)} (further errors are only counted in bus.stats())`, {
          code: 'HOOKFLOW_BUS_SUBSCRIBER',
        });
      }
      return;
    }
    try {
      cb(err, sub.pattern);
    } catch (cbErr) {
      // The reporter itself failed; the publisher must still not see it, so it becomes a process warning.
      process.emitWarning(`onSubscriberError threw while reporting for '${sub.pattern}': ${describe(cbErr)}`, {
        code: 'HOOKFLOW_BUS_REPORTER',
      });
    }
  }

  private resolveDrain(): void {
    if (this.drainWaiters.size === 0) return;
    const waiters = [...this.drainWaiters];
    this.drainWaiters.clear();
    for (const done of waiters) done();
  }
}

function describe(err: unknown): string {
  if (err instanceof HookflowError) return `${err.code}: ${err.message}`;
  if (err instanceof Error) return err.message;
  return String(err);
}
