import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventBus } from '../../src/events/bus.js';
import type { OverflowPolicy } from '../../src/events/types.js';
import { globMatch } from '../../src/util/glob.js';
import { flush, gatedHandler, makeEvent } from './fixtures.js';

// Patterns that never match bus.* types, so the model does not have to predict pressure events.
const PATTERNS = ['a.*', '*.x', 'a.**', '?.y', 'b.x'];
const TYPES = ['a.x', 'a.y', 'b.x', 'b.y', 'a.b.x'];

type Op = { kind: 'publish'; type: string } | { kind: 'release'; sub: number } | { kind: 'flush' };

interface SubSpec {
  pattern: string;
  buffer: number;
  overflow: OverflowPolicy;
}

/** Reference model of one subscriber: queue, parked (block), the event in the handler, counters. */
interface ModelSub extends SubSpec {
  queue: number[];
  parked: number[];
  inFlight: number | undefined;
  delivered: number[];
  dropped: number;
  failed: boolean;
  offered: number;
}

function modelPublish(subs: ModelSub[], type: string, seq: number): void {
  for (const s of subs) {
    if (s.failed || !globMatch(s.pattern, type, '.')) continue;
    s.offered++;
    if (s.queue.length < s.buffer && s.parked.length === 0) {
      s.queue.push(seq);
      continue;
    }
    switch (s.overflow) {
      case 'drop-oldest':
        s.queue.shift();
        s.queue.push(seq);
        s.dropped++;
        break;
      case 'drop-newest':
        s.dropped++;
        break;
      case 'block':
        s.parked.push(seq);
        break;
      case 'error':
        s.dropped++;
        s.failed = true;
        break;
    }
  }
}

/** What one settle of the microtask queue does: every idle subscriber hands its head to the handler. */
function modelFlush(subs: ModelSub[]): void {
  for (const s of subs) {
    if (s.inFlight !== undefined || s.queue.length === 0) continue;
    s.inFlight = s.queue.shift();
    const next = s.parked.shift();
    if (next !== undefined) s.queue.push(next);
    s.delivered.push(s.inFlight as number);
  }
}

const subSpec = fc.record({
  pattern: fc.constantFrom(...PATTERNS),
  buffer: fc.integer({ min: 1, max: 6 }),
  overflow: fc.constantFrom<OverflowPolicy>('drop-oldest', 'drop-newest', 'block', 'error'),
});

const op = (nSubs: number): fc.Arbitrary<Op> =>
  fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...TYPES).map((type): Op => ({ kind: 'publish', type })) },
    { weight: 2, arbitrary: fc.integer({ min: 0, max: nSubs - 1 }).map((sub): Op => ({ kind: 'release', sub })) },
    { weight: 1, arbitrary: fc.constant<Op>({ kind: 'flush' }) },
  );

const scenario = fc.array(subSpec, { minLength: 1, maxLength: 4 }).chain((specs) => fc.tuple(fc.constant(specs), fc.array(op(specs.length), { maxLength: 80 })));

describe('EventBus model-based property', () => {
  it('matches a queue model exactly: per-subscriber order, delivered + dropped == published, bounded queues', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ([specs, ops]) => {
        const bus = new EventBus({ onSubscriberError: () => undefined });
        const gates = specs.map(() => gatedHandler());
        const model: ModelSub[] = specs.map((s) => ({ ...s, queue: [], parked: [], inFlight: undefined, delivered: [], dropped: 0, failed: false, offered: 0 }));
        specs.forEach((s, i) => bus.subscribe(s.pattern, (gates[i] as ReturnType<typeof gatedHandler>).handler, { buffer: s.buffer, overflow: s.overflow }));

        let seq = 0;
        for (const o of ops) {
          if (o.kind === 'publish') {
            seq++;
            // Block publishes are deliberately not awaited: the event parks and the queue bound still holds.
            void bus.publish(makeEvent(o.type, seq));
            modelPublish(model, o.type, seq);
          } else {
            if (o.kind === 'release') {
              const m = model[o.sub] as ModelSub;
              if ((gates[o.sub] as ReturnType<typeof gatedHandler>).release()) m.inFlight = undefined;
            }
            await flush();
            modelFlush(model);
          }
          bus.stats().forEach((st, i) => {
            expect(st.queued).toBeLessThanOrEqual(specs[i]?.buffer ?? 0);
            expect(st.queued).toBe(model[i]?.queue.length);
            expect(st.waiting).toBe(model[i]?.parked.length);
          });
        }

        // Quiesce: release everything until no handler is in flight.
        await flush();
        modelFlush(model);
        for (let round = 0; round < 10_000; round++) {
          let any = false;
          gates.forEach((g, i) => {
            if (g.release()) {
              any = true;
              (model[i] as ModelSub).inFlight = undefined;
            }
          });
          if (!any) break;
          await flush();
          modelFlush(model);
        }
        await bus.drain();

        const stats = bus.stats();
        model.forEach((m, i) => {
          const got = (gates[i] as ReturnType<typeof gatedHandler>).seen.map((e) => e.seq);
          expect(got).toEqual(m.delivered);
          // Per-subscriber order is publish order.
          expect(got.every((v, k) => k === 0 || v > (got[k - 1] as number))).toBe(true);
          expect(stats[i]).toMatchObject({ delivered: m.delivered.length, dropped: m.dropped, failed: m.failed, queued: 0, waiting: 0 });
          // Conservation: every event offered to the subscriber was delivered or dropped.
          expect(m.delivered.length + m.dropped).toBe(m.offered);
          if (m.overflow === 'block') expect(m.dropped).toBe(0);
          if (!m.failed) {
            const matching = ops.filter((o) => o.kind === 'publish' && globMatch(m.pattern, o.type, '.')).length;
            expect(m.offered).toBe(matching);
          }
        });
      }),
      { numRuns: 150 },
    );
  });
});
