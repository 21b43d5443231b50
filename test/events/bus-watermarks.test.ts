import { afterEach, describe, expect, it, vi } from 'vitest';
import { EventBus, type BusPressureData } from '../../src/events/bus.js';
import type { UniversalEvent } from '../../src/events/types.js';
import { flush, gatedHandler, makeEvent } from './fixtures.js';

function pressureLog(bus: EventBus, pattern = 'bus.*'): UniversalEvent<BusPressureData>[] {
  const log: UniversalEvent<BusPressureData>[] = [];
  bus.subscribe(pattern, (e) => {
    if (e.type === 'bus.pressure') log.push(e as UniversalEvent<BusPressureData>);
  });
  return log;
}

/** Releases the gated handler `n` times, letting the pump take the next event after each. */
async function consume(gate: ReturnType<typeof gatedHandler>, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    gate.release();
    await flush();
  }
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('bus.pressure watermarks', () => {
  it('publishes high once when the queue reaches highWatermark*buffer and normal once when it falls to lowWatermark*buffer', async () => {
    let now = Date.UTC(2026, 0, 2, 3, 4, 5);
    let ids = 0;
    const bus = new EventBus({
      clock: { now: () => now, setTimeout: () => 0, clearTimeout: () => undefined },
      newId: () => `bus-${++ids}`,
    });
    const log = pressureLog(bus);
    const gate = gatedHandler();
    bus.subscribe('step.*', gate.handler, { buffer: 10 }); // high at 8 queued, normal at 5

    bus.publish(makeEvent('step.started', 1, 'run-A'));
    await flush(); // 1 in flight, queue empty
    for (let i = 2; i <= 8; i++) bus.publish(makeEvent('step.started', i, 'run-A'));
    await flush();
    expect(log).toHaveLength(0); // 7 queued
    bus.publish(makeEvent('step.completed', 9, 'run-B'));
    for (let i = 10; i <= 20; i++) bus.publish(makeEvent('step.started', i, 'run-A')); // full, drop-oldest
    await flush();
    expect(log.map((e) => e.data)).toEqual([{ pattern: 'step.*', level: 'high', queued: 8, buffer: 10 }]);
    expect(log[0]).toMatchObject({
      id: 'bus-1',
      type: 'bus.pressure',
      seq: 0,
      runId: 'run-B',
      correlationId: 'corr-run-B',
      causationId: 'run-B:9',
      source: { component: 'bus', language: 'js' },
      time: '2026-01-02T03:04:05.000Z',
      schemaVersion: 1,
    });

    now += 1000;
    await consume(gate, 4); // queue 10 -> 6
    expect(log).toHaveLength(1);
    await consume(gate, 1); // queue 5
    expect(log.map((e) => e.data.level)).toEqual(['high', 'normal']);
    expect(log[1]?.data).toEqual({ pattern: 'step.*', level: 'normal', queued: 5, buffer: 10 });
    expect(log[1]?.time).toBe('2026-01-02T03:04:06.000Z');
    await consume(gate, 5); // empty: no further normal
    expect(log).toHaveLength(2);

    // A second crossing produces a second pair, exactly once each.
    for (let i = 21; i <= 40; i++) bus.publish(makeEvent('step.started', i));
    await consume(gate, 12);
    expect(log.map((e) => e.data.level)).toEqual(['high', 'normal', 'high', 'normal']);
    while (gate.release()) await flush();
    await bus.drain();
    expect(log).toHaveLength(4);
  });

  it('honours custom watermarks, including highWatermark 1 (only when full)', async () => {
    const bus = new EventBus();
    const log = pressureLog(bus);
    const gate = gatedHandler();
    bus.subscribe('a.*', gate.handler, { buffer: 4, highWatermark: 1, lowWatermark: 0.25 });
    bus.publish(makeEvent('a.x', 1));
    await flush(); // 1 in flight
    for (let i = 2; i <= 4; i++) bus.publish(makeEvent('a.x', i));
    await flush(); // 3 queued
    expect(log).toHaveLength(0);
    bus.publish(makeEvent('a.x', 5));
    await flush();
    expect(log.map((e) => [e.data.level, e.data.queued])).toEqual([['high', 4]]);
    await consume(gate, 3); // 4 -> 1
    expect(log.map((e) => [e.data.level, e.data.queued])).toEqual([
      ['high', 4],
      ['normal', 1],
    ]);
    while (gate.release()) await flush();
  });

  it('never feeds a subscriber its own pressure events, but other catch-all subscribers get them', async () => {
    const bus = new EventBus();
    const gate = gatedHandler();
    bus.subscribe('**', gate.handler, { buffer: 2 });
    const otherLog: string[] = [];
    bus.subscribe('**', (e) => {
      otherLog.push(e.type);
    });
    for (let i = 1; i <= 4; i++) bus.publish(makeEvent('run.started', i));
    await flush();
    while (gate.release()) await flush();
    await bus.drain();
    expect(gate.seen.some((e) => e.type.startsWith('bus.'))).toBe(false);
    expect(otherLog.filter((t) => t === 'bus.pressure')).toHaveLength(2);
  });

  it('two slow catch-all subscribers do not amplify each other into a loop', async () => {
    const bus = new EventBus();
    const a = gatedHandler();
    const b = gatedHandler();
    bus.subscribe('**', a.handler, { buffer: 3 });
    bus.subscribe('**', b.handler, { buffer: 3 });
    for (let i = 1; i <= 50; i++) bus.publish(makeEvent('step.completed', i));
    await flush();
    for (let round = 0; round < 100 && (a.inFlight || b.inFlight); round++) {
      a.release();
      b.release();
      await flush();
    }
    await bus.drain();
    const show = (e: UniversalEvent): string => (e.type === 'bus.pressure' ? `pressure:${(e.data as BusPressureData).level}` : String(e.seq));
    // Each side's high went into the other's full queue and was evicted by the burst (drop-oldest); each
    // then sees the other's single normal. Nothing echoes back and forth.
    expect(a.seen.map(show)).toEqual(['48', '49', '50', 'pressure:normal']);
    expect(b.seen.map(show)).toEqual(['48', '49', '50', 'pressure:normal']);
  });

  it('a throwing newId or clock cannot break publish or delivery; it becomes a process warning', async () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const bus = new EventBus({
      newId: () => {
        throw new Error('id source down');
      },
    });
    pressureLog(bus);
    const seen: number[] = [];
    bus.subscribe('a', (e) => {
      seen.push(e.seq);
    }, { buffer: 1 });
    expect(bus.publish(makeEvent('a', 1))).toBeUndefined(); // high crossing
    await bus.drain(); // normal crossing happens in the pump
    bus.publish(makeEvent('a', 2));
    await bus.drain();
    expect(seen).toEqual([1, 2]);
    const messages = warn.mock.calls.map((c) => String(c[0]));
    expect(messages.filter((m) => m.includes('could not publish bus.pressure') && m.includes('id source down'))).toHaveLength(4);
  });
});
