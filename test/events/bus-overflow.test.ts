import { afterEach, describe, expect, it, vi } from 'vitest';
import { EventBus, type BusOverflowData } from '../../src/events/bus.js';
import type { OverflowPolicy, UniversalEvent } from '../../src/events/types.js';
import { HookflowError } from '../../src/errors.js';
import { sleep, systemClock } from '../../src/util/clock.js';
import { flush, gatedHandler, makeEvent, track } from './fixtures.js';

const N = 100_000;

afterEach(() => {
  vi.useRealTimers();
});

/** A slow subscriber: every handler call takes 1 ms of (fake) time. */
function slowRecorder(): { seen: number[]; handler: (e: UniversalEvent) => Promise<void> } {
  const seen: number[] = [];
  return {
    seen,
    handler: async (e) => {
      seen.push(e.seq);
      await sleep(systemClock, 1);
    },
  };
}

describe.each<[OverflowPolicy, (buffer: number) => number[]]>([
  ['drop-oldest', (buffer) => Array.from({ length: buffer }, (_, i) => N - buffer + i + 1)],
  ['drop-newest', (buffer) => Array.from({ length: buffer }, (_, i) => i + 1)],
])('overflow %s under a 100k burst', (overflow, expectedDelivered) => {
  it('keeps the queue at the bound, counts drops exactly and delivers the expected window in order', async () => {
    vi.useFakeTimers();
    const buffer = 1000;
    const bus = new EventBus({ onSubscriberError: (err) => expect.fail(String(err)) });
    const slow = slowRecorder();
    bus.subscribe('step.*', slow.handler, { buffer, overflow });
    let promises = 0;
    for (let i = 1; i <= N; i++) if (bus.publish(makeEvent('step.completed', i)) !== undefined) promises++;
    expect(promises).toBe(0);
    const [stats] = bus.stats();
    expect(stats).toMatchObject({ queued: buffer, dropped: N - buffer, delivered: 0, overflow });
    const drained = bus.drain();
    await vi.runAllTimersAsync();
    await drained;
    expect(slow.seen).toEqual(expectedDelivered(buffer));
    expect(bus.stats()[0]).toMatchObject({ queued: 0, delivered: buffer, dropped: N - buffer });
  });
});

describe.each<OverflowPolicy>(['drop-oldest', 'drop-newest', 'error'])('overflow %s with an interleaved fast publisher', (overflow) => {
  it('never lets the queue exceed the buffer and accounts for every event', async () => {
    vi.useFakeTimers();
    const buffer = 50;
    const errors: unknown[] = [];
    const bus = new EventBus({ onSubscriberError: (err) => errors.push(err) });
    const slow = slowRecorder();
    bus.subscribe('**', slow.handler, { buffer, overflow });
    let maxQueued = 0;
    for (let i = 1; i <= N; i++) {
      bus.publish(makeEvent('step.completed', i));
      if (i % 100 === 0) {
        // 100 events per fake millisecond against a subscriber that takes one event per millisecond.
        const s = bus.stats()[0];
        maxQueued = Math.max(maxQueued, s?.queued ?? 0);
        await vi.advanceTimersByTimeAsync(1);
      }
    }
    const drained = bus.drain();
    await vi.runAllTimersAsync();
    await drained;
    const s = bus.stats()[0];
    expect(maxQueued).toBeLessThanOrEqual(buffer);
    expect(s?.queued).toBe(0);
    expect(slow.seen).toEqual([...slow.seen].sort((a, b) => a - b));
    if (overflow === 'error') {
      // It fails on the first overflow; the publisher simply stops feeding it.
      expect(s?.failed).toBe(true);
      expect(s?.dropped).toBe(1);
      expect(errors).toHaveLength(1);
      expect(slow.seen.length).toBeGreaterThanOrEqual(buffer);
      expect(slow.seen).toEqual(Array.from({ length: slow.seen.length }, (_, i) => i + 1));
    } else {
      expect(errors).toHaveLength(0);
      expect((s?.delivered ?? 0) + (s?.dropped ?? 0)).toBe(N);
      expect(slow.seen.length).toBe(s?.delivered);
      expect(s?.dropped).toBeGreaterThan(N / 2);
    }
  });
});

describe('overflow block', () => {
  it('returns a pending promise while the queue is full and resolves it when the subscriber consumes', async () => {
    const bus = new EventBus();
    const gate = gatedHandler();
    bus.subscribe('**', gate.handler, { buffer: 2, overflow: 'block' });
    expect(bus.publish(makeEvent('step.completed', 1))).toBeUndefined();
    await flush(); // event 1 is now in the handler; the queue is empty
    expect(bus.publish(makeEvent('step.completed', 2))).toBeUndefined();
    expect(bus.publish(makeEvent('step.completed', 3))).toBeUndefined();
    const p4 = track(bus.publish(makeEvent('step.completed', 4)));
    const p5 = track(bus.publish(makeEvent('step.completed', 5)));
    expect(p4.isPromise).toBe(true);
    expect(p5.isPromise).toBe(true);
    await flush();
    await flush();
    expect(p4.settled).toBe(false);
    expect(bus.stats()[0]).toMatchObject({ queued: 2, waiting: 2, dropped: 0 });

    gate.release(); // 1 done -> 2 goes in flight, 4 takes its slot
    await flush();
    expect(p4.settled).toBe(true);
    expect(p5.settled).toBe(false);
    expect(bus.stats()[0]).toMatchObject({ queued: 2, waiting: 1 });

    gate.release();
    await flush();
    expect(p5.settled).toBe(true);
    while (gate.release()) await flush();
    await bus.drain();
    expect(gate.seen.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(bus.stats()[0]).toMatchObject({ delivered: 5, dropped: 0, queued: 0, waiting: 0 });
  });

  it('paces an awaiting publisher of 100k events without loss or reordering and with a bounded queue', async () => {
    vi.useFakeTimers();
    const bus = new EventBus();
    const buffer = 100;
    const seen: number[] = [];
    let maxQueued = 0;
    bus.subscribe(
      'step.*',
      async (e) => {
        seen.push(e.seq);
        maxQueued = Math.max(maxQueued, bus.stats()[0]?.queued ?? 0);
        if (e.seq % 100 === 0) await sleep(systemClock, 1);
      },
      { buffer, overflow: 'block' },
    );
    let waited = 0;
    let done = false;
    const publisher = (async () => {
      for (let i = 1; i <= N; i++) {
        const p = bus.publish(makeEvent('step.completed', i));
        if (p !== undefined) {
          waited++;
          await p;
        }
      }
      done = true;
    })();
    while (!done) await vi.advanceTimersByTimeAsync(1);
    await publisher;
    const drained = bus.drain();
    await vi.runAllTimersAsync();
    await drained;
    expect(waited).toBeGreaterThan(0);
    expect(maxQueued).toBeLessThanOrEqual(buffer);
    expect(seen).toHaveLength(N);
    expect(seen.every((v, i) => v === i + 1)).toBe(true);
    expect(bus.stats()[0]).toMatchObject({ delivered: N, dropped: 0 });
  });

  it('does not deadlock when a block handler publishes to itself and awaits, synchronously or after awaits', async () => {
    const bus = new EventBus();
    const seen: number[] = [];
    let maxQueued = 0;
    bus.subscribe(
      'loop.*',
      async (e) => {
        seen.push(e.seq);
        maxQueued = Math.max(maxQueued, bus.stats()[0]?.queued ?? 0);
        if (e.seq >= 40) return;
        // Synchronous re-entry first, then again after a macrotask hop: the async context must survive it.
        await bus.publish(makeEvent('loop.next', e.seq * 2));
        await new Promise((r) => setImmediate(r));
        await bus.publish(makeEvent('loop.next', e.seq * 2 + 1));
      },
      { buffer: 1, overflow: 'block' },
    );
    await bus.publish(makeEvent('loop.next', 1));
    const drained = track(bus.drain());
    for (let i = 0; i < 200 && !drained.settled; i++) await flush();
    expect(drained.settled).toBe(true);
    expect(maxQueued).toBeLessThanOrEqual(1);
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 79 }, (_, i) => i + 1));
  });

  it('does not deadlock when two full block subscribers publish to each other', async () => {
    const bus = new EventBus();
    const count = { a: 0, b: 0 };
    bus.subscribe(
      'a.*',
      async (e) => {
        count.a++;
        if (e.seq < 30) await bus.publish(makeEvent('b.ping', e.seq + 1));
      },
      { buffer: 1, overflow: 'block' },
    );
    bus.subscribe(
      'b.*',
      async (e) => {
        count.b++;
        if (e.seq < 30) await bus.publish(makeEvent('a.ping', e.seq + 1));
      },
      { buffer: 1, overflow: 'block' },
    );
    // Fill both queues from outside first so the handlers' publishes meet full queues.
    const outside = [bus.publish(makeEvent('a.ping', 0)), bus.publish(makeEvent('b.ping', 0)), bus.publish(makeEvent('a.ping', 0)), bus.publish(makeEvent('b.ping', 0))];
    expect(outside.filter((p) => p !== undefined)).toHaveLength(2);
    const all = track(Promise.all([...outside, bus.drain()]).then(() => bus.drain()));
    for (let i = 0; i < 200 && !all.settled; i++) await flush();
    expect(all.settled).toBe(true);
    expect(count.a + count.b).toBe(4 + 4 * 30);
  });

  it('releases waiting publishers when the subscriber unsubscribes', async () => {
    const bus = new EventBus();
    const gate = gatedHandler();
    const off = bus.subscribe('**', gate.handler, { buffer: 1, overflow: 'block' });
    bus.publish(makeEvent('x', 1));
    bus.publish(makeEvent('x', 2));
    const waiting = track(bus.publish(makeEvent('x', 3)));
    await flush();
    expect(waiting.settled).toBe(false);
    off();
    await flush();
    expect(waiting.settled).toBe(true);
    gate.release();
    await bus.drain();
    expect(gate.seen.map((e) => e.seq)).toEqual([1]);
  });
});

describe('overflow error', () => {
  it('closes only that subscription, reports BUS_OVERFLOW and publishes bus.overflow; the publisher is unaffected', async () => {
    const reported: Array<{ err: unknown; pattern: string }> = [];
    const bus = new EventBus({ onSubscriberError: (err, pattern) => reported.push({ err, pattern }) });
    const strict = gatedHandler();
    const others: number[] = [];
    const busEvents: Array<UniversalEvent> = [];
    bus.subscribe('step.*', strict.handler, { buffer: 3, overflow: 'error' });
    bus.subscribe('step.*', (e) => {
      others.push(e.seq);
    });
    bus.subscribe('bus.overflow', (e) => {
      busEvents.push(e);
    });

    for (let i = 1; i <= 6; i++) {
      let result: unknown = 'not called';
      expect(() => {
        result = bus.publish(makeEvent('step.completed', i));
      }).not.toThrow();
      expect(result).toBeUndefined();
    }
    expect(reported).toHaveLength(1);
    const { err, pattern } = reported[0] as { err: unknown; pattern: string };
    expect(pattern).toBe('step.*');
    expect(err).toBeInstanceOf(HookflowError);
    expect((err as HookflowError).code).toBe('BUS_OVERFLOW');
    expect((err as HookflowError).message).toContain("queue of 3 events was full when 'step.completed' arrived");
    expect(bus.stats()[0]).toMatchObject({ pattern: 'step.*', failed: true, dropped: 1, queued: 3 });

    while (strict.inFlight || strict.seen.length === 0) {
      strict.release();
      await flush();
    }
    await bus.drain();
    // The accepted prefix is still delivered; nothing after the overflow is.
    expect(strict.seen.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(others).toEqual([1, 2, 3, 4, 5, 6]);
    expect(busEvents).toHaveLength(1);
    expect(busEvents[0]).toMatchObject({ type: 'bus.overflow', seq: 0, runId: 'run-1', causationId: 'run-1:4' });
    expect(busEvents[0]?.data as BusOverflowData).toMatchObject({ pattern: 'step.*', buffer: 3, queued: 3, eventType: 'step.completed' });
    expect((busEvents[0]?.data as BusOverflowData).error.code).toBe('BUS_OVERFLOW');
    expect(bus.stats()[0]).toMatchObject({ delivered: 3, failed: true });
  });

  it('fails exactly once when the overflow happens inside a nested bus.pressure dispatch', () => {
    const reported: unknown[] = [];
    const bus = new EventBus({ onSubscriberError: (err) => reported.push(err) });
    // A reaches its high mark on the second event; its bus.pressure lands in S, which is already full.
    bus.subscribe('a', () => undefined, { buffer: 2, highWatermark: 1 });
    bus.subscribe('**', () => undefined, { buffer: 1, overflow: 'error' });
    bus.publish(makeEvent('a', 1));
    bus.publish(makeEvent('a', 2));
    expect(reported).toHaveLength(1);
    expect(bus.hasSubscribers).toBe(true);
    expect(bus.stats()[1]).toMatchObject({ failed: true, dropped: 1, queued: 1 });
    bus.publish(makeEvent('a', 3));
    expect(reported).toHaveLength(1);
    expect(bus.stats()[0]).toMatchObject({ dropped: 1, failed: false });
  });

  it('a subscriber unsubscribed while an event is being fanned out does not receive it', async () => {
    const seen: number[] = [];
    let off: () => void = () => undefined;
    // The first subscriber's overflow report runs inside the publish and unsubscribes the second one.
    const reporter = new EventBus({ onSubscriberError: () => off() });
    reporter.subscribe('x', () => undefined, { buffer: 1, overflow: 'error' });
    off = reporter.subscribe('x', (e) => {
      seen.push(e.seq);
    });
    reporter.publish(makeEvent('x', 1));
    reporter.publish(makeEvent('x', 2));
    await reporter.drain();
    expect(seen).toEqual([]);
    expect(reporter.stats().map((s) => s.pattern)).toEqual(['x']);
    expect(reporter.hasSubscribers).toBe(false);
  });

  it('a failed subscriber no longer counts for hasSubscribers and leaves stats when unsubscribed', () => {
    const bus = new EventBus({ onSubscriberError: () => undefined });
    const off = bus.subscribe('**', () => undefined, { buffer: 1, overflow: 'error' });
    bus.publish(makeEvent('a', 1));
    expect(bus.hasSubscribers).toBe(true);
    bus.publish(makeEvent('a', 2));
    expect(bus.hasSubscribers).toBe(false);
    expect(bus.publish(makeEvent('a', 3))).toBeUndefined();
    expect(bus.stats()).toHaveLength(1);
    off();
    expect(bus.stats()).toHaveLength(0);
  });
});
