import { afterEach, describe, expect, it, vi } from 'vitest';
import { EventBus } from '../../src/events/bus.js';
import type { UniversalEvent } from '../../src/events/types.js';
import { HookflowError } from '../../src/errors.js';
import { sleep, systemClock } from '../../src/util/clock.js';
import { flush, gatedHandler, makeEvent } from './fixtures.js';

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('EventBus routing', () => {
  it('publish with no subscribers is a no-op returning undefined', () => {
    const bus = new EventBus();
    expect(bus.hasSubscribers).toBe(false);
    expect(bus.publish(makeEvent('step.completed', 1))).toBeUndefined();
    expect(bus.stats()).toEqual([]);
  });

  it('routes each type to exactly the subscribers whose glob matches', async () => {
    const bus = new EventBus();
    const got: Record<string, string[]> = {};
    for (const pattern of ['step.*', '*.failed', '**', 'run.**', 'step.completed']) {
      got[pattern] = [];
      bus.subscribe(pattern, (e) => {
        got[pattern]?.push(e.type);
      });
    }
    const types = ['step.started', 'step.failed', 'step.a.b', 'run.failed', 'run.started', 'run.x.y', 'step.completed', 'user.order_shipped'];
    types.forEach((t, i) => bus.publish(makeEvent(t, i + 1)));
    await bus.drain();
    expect(got['step.*']).toEqual(['step.started', 'step.failed', 'step.completed']);
    expect(got['*.failed']).toEqual(['step.failed', 'run.failed']);
    expect(got['**']).toEqual(types);
    expect(got['run.**']).toEqual(['run.failed', 'run.started', 'run.x.y']);
    expect(got['step.completed']).toEqual(['step.completed']);
  });

  it('keeps the per-type routing right when subscribing and unsubscribing after types were seen', async () => {
    const bus = new EventBus();
    const a: number[] = [];
    const b: number[] = [];
    const offA = bus.subscribe('step.*', (e) => {
      a.push(e.seq);
    });
    // Drained between steps because unsubscribing drops whatever was still queued.
    bus.publish(makeEvent('step.started', 1));
    await bus.drain();
    const offB = bus.subscribe('*.started', (e) => {
      b.push(e.seq);
    });
    bus.publish(makeEvent('step.started', 2));
    await bus.drain();
    offA();
    bus.publish(makeEvent('step.started', 3));
    await bus.drain();
    offB();
    bus.publish(makeEvent('step.started', 4));
    await bus.drain();
    expect(a).toEqual([1, 2]);
    expect(b).toEqual([2, 3]);
    expect(bus.hasSubscribers).toBe(false);
  });

  it('hasSubscribers follows subscribe and unsubscribe, and unsubscribe is idempotent', () => {
    const bus = new EventBus();
    const off1 = bus.subscribe('**', () => undefined);
    const off2 = bus.subscribe('run.*', () => undefined);
    expect(bus.hasSubscribers).toBe(true);
    off1();
    off1();
    expect(bus.hasSubscribers).toBe(true);
    expect(bus.stats().map((s) => s.pattern)).toEqual(['run.*']);
    off2();
    expect(bus.hasSubscribers).toBe(false);
  });

  it('never calls a handler synchronously inside publish', async () => {
    const bus = new EventBus();
    const seen: number[] = [];
    bus.subscribe('**', (e) => {
      seen.push(e.seq);
    });
    bus.publish(makeEvent('run.started', 1));
    expect(seen).toEqual([]);
    await bus.drain();
    expect(seen).toEqual([1]);
  });
});

describe('EventBus ordering and isolation', () => {
  it('delivers in publish order, one event at a time, even with slow async handlers', async () => {
    vi.useFakeTimers();
    const bus = new EventBus();
    const order: number[] = [];
    let concurrent = 0;
    let maxConcurrent = 0;
    bus.subscribe('**', async (e) => {
      concurrent++;
      maxConcurrent = Math.max(maxConcurrent, concurrent);
      // Varying delays would reorder deliveries if the bus ran handlers concurrently.
      await sleep(systemClock, 10 - (e.seq % 10));
      order.push(e.seq);
      concurrent--;
    });
    for (let i = 1; i <= 50; i++) expect(bus.publish(makeEvent('step.completed', i))).toBeUndefined();
    const drained = bus.drain();
    await vi.runAllTimersAsync();
    await drained;
    expect(order).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(maxConcurrent).toBe(1);
    expect(bus.stats()[0]).toMatchObject({ delivered: 50, dropped: 0, errors: 0, queued: 0 });
  });

  it('unsubscribe stops delivery and drops the pending queue', async () => {
    const bus = new EventBus();
    const gate = gatedHandler();
    const off = bus.subscribe('**', gate.handler);
    for (let i = 1; i <= 10; i++) bus.publish(makeEvent('step.completed', i));
    await flush();
    expect(gate.seen.map((e) => e.seq)).toEqual([1]);
    expect(bus.stats()[0]?.queued).toBe(9);
    off();
    bus.publish(makeEvent('step.completed', 11));
    gate.release();
    await bus.drain();
    expect(gate.seen.map((e) => e.seq)).toEqual([1]);
  });

  it('a handler may unsubscribe itself; nothing after that reaches it', async () => {
    const bus = new EventBus();
    const seen: number[] = [];
    const off = bus.subscribe('**', (e) => {
      seen.push(e.seq);
      if (e.seq === 3) off();
    });
    for (let i = 1; i <= 6; i++) bus.publish(makeEvent('step.completed', i));
    await bus.drain();
    expect(seen).toEqual([1, 2, 3]);
  });

  it('a throwing or rejecting handler is counted and reported; it and the others keep receiving', async () => {
    const reported: Array<{ err: unknown; pattern: string }> = [];
    const bus = new EventBus({ onSubscriberError: (err, pattern) => reported.push({ err, pattern }) });
    const syncSeen: number[] = [];
    const asyncSeen: number[] = [];
    const healthy: number[] = [];
    bus.subscribe('step.*', (e) => {
      syncSeen.push(e.seq);
      if (e.seq % 2 === 0) throw new Error(`sync ${e.seq}`);
    });
    bus.subscribe('*.completed', async (e) => {
      asyncSeen.push(e.seq);
      await Promise.resolve();
      if (e.seq === 3) throw new Error('async 3');
    });
    bus.subscribe('**', (e) => {
      healthy.push(e.seq);
    });
    for (let i = 1; i <= 5; i++) expect(() => bus.publish(makeEvent('step.completed', i))).not.toThrow();
    await bus.drain();
    expect(syncSeen).toEqual([1, 2, 3, 4, 5]);
    expect(asyncSeen).toEqual([1, 2, 3, 4, 5]);
    expect(healthy).toEqual([1, 2, 3, 4, 5]);
    const messages = (pattern: string): string[] => reported.filter((r) => r.pattern === pattern).map((r) => (r.err as Error).message);
    expect(messages('step.*')).toEqual(['sync 2', 'sync 4']);
    expect(messages('*.completed')).toEqual(['async 3']);
    expect(reported).toHaveLength(3);
    expect(bus.stats().map((s) => [s.pattern, s.delivered, s.errors])).toEqual([
      ['step.*', 5, 2],
      ['*.completed', 5, 1],
      ['**', 5, 0],
    ]);
  });

  it('a handler returning a value whose then-getter throws counts as a failed call, not a dead pump', async () => {
    const reported: unknown[] = [];
    const bus = new EventBus({ onSubscriberError: (err) => reported.push(err) });
    const seen: number[] = [];
    bus.subscribe('**', ((e: UniversalEvent) => {
      seen.push(e.seq);
      return {
        get then(): never {
          throw new Error('hostile then');
        },
      };
    }) as unknown as (e: UniversalEvent) => void);
    bus.publish(makeEvent('a', 1));
    bus.publish(makeEvent('a', 2));
    await bus.drain();
    expect(seen).toEqual([1, 2]);
    expect(reported.map((e) => (e as Error).message)).toEqual(['hostile then', 'hostile then']);
  });

  it('without onSubscriberError, a failing subscriber produces one process warning and is counted', async () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const bus = new EventBus();
    bus.subscribe('**', () => {
      throw new Error('boom');
    });
    for (let i = 1; i <= 3; i++) bus.publish(makeEvent('run.started', i));
    await bus.drain();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toContain("subscriber '**' failed: boom");
    expect(bus.stats()[0]?.errors).toBe(3);
  });

  it('an onSubscriberError that throws becomes a process warning, not a publisher error', async () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const bus = new EventBus({
      onSubscriberError: () => {
        throw new Error('reporter down');
      },
    });
    bus.subscribe('**', () => {
      throw new Error('boom');
    });
    expect(bus.publish(makeEvent('run.started', 1))).toBeUndefined();
    await bus.drain();
    expect(String(warn.mock.calls[0]?.[0])).toContain('onSubscriberError threw');
    expect(String(warn.mock.calls[0]?.[0])).toContain('reporter down');
  });
});

describe('EventBus drain', () => {
  it('waits for events that handlers publish while draining', async () => {
    const bus = new EventBus();
    const seen: string[] = [];
    bus.subscribe('a.*', async (e) => {
      await Promise.resolve();
      bus.publish(makeEvent('b.next', e.seq + 100));
    });
    bus.subscribe('b.*', async (e) => {
      await Promise.resolve();
      seen.push(`${e.type}:${e.seq}`);
    });
    bus.publish(makeEvent('a.first', 1));
    bus.publish(makeEvent('a.first', 2));
    await bus.drain();
    expect(seen).toEqual(['b.next:101', 'b.next:102']);
  });

  it('resolves at once when idle and rejects with the reason when aborted', async () => {
    const bus = new EventBus();
    await expect(bus.drain()).resolves.toBeUndefined();
    const gate = gatedHandler();
    bus.subscribe('**', gate.handler);
    bus.publish(makeEvent('run.started', 1));
    const ac = new AbortController();
    const pending = bus.drain(ac.signal);
    ac.abort(new Error('gave up'));
    await expect(pending).rejects.toThrow('gave up');
    await expect(bus.drain(ac.signal)).rejects.toThrow('gave up');
    gate.release();
    await bus.drain();
  });
});

describe('EventBus input validation', () => {
  const bus = new EventBus();
  const expectValidation = (fn: () => unknown, text: string): void => {
    let caught: unknown;
    try {
      fn();
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(HookflowError);
    expect((caught as HookflowError).code).toBe('VALIDATION');
    expect((caught as HookflowError).message).toContain(text);
  };

  it('rejects bad patterns, handlers and options with a clear message', () => {
    expectValidation(() => bus.subscribe('', () => undefined), 'Expected `pattern`');
    expectValidation(() => bus.subscribe('step .*', () => undefined), 'without spaces');
    expectValidation(() => bus.subscribe('**', 'nope' as unknown as () => void), 'Expected `handler` to be a function, got string');
    expectValidation(() => bus.subscribe('**', () => undefined, { buffer: 0 }), 'Expected `buffer` to be an integer from 1 and up, got `0` (number)');
    expectValidation(() => bus.subscribe('**', () => undefined, { overflow: 'explode' as 'block' }), "got `'explode'` (string)");
    expectValidation(() => new EventBus({ defaults: { highWatermark: 2 } }), 'Expected `highWatermark`');
    expect(bus.hasSubscribers).toBe(false);
  });

  it('rejects an event without a string type when someone listens', () => {
    const b = new EventBus();
    b.subscribe('**', () => undefined);
    expectValidation(() => b.publish({ ...makeEvent('x', 1), type: undefined as unknown as string }), 'Expected the event `type`');
  });

  it('applies bus-wide defaults under per-subscription options', () => {
    const b = new EventBus({ defaults: { buffer: 5, overflow: 'drop-newest' } });
    b.subscribe('a', () => undefined);
    b.subscribe('b', () => undefined, { overflow: 'block' });
    expect(b.stats().map((s) => s.overflow)).toEqual(['drop-newest', 'block']);
    for (let i = 0; i < 8; i++) b.publish(makeEvent('a', i));
    expect(b.stats()[0]).toMatchObject({ queued: 5, dropped: 3 });
  });
});
