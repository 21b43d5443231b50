import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Ring } from '../../src/events/ring.js';

type Op = { kind: 'push'; value: number } | { kind: 'shift' } | { kind: 'clear' };

describe('Ring', () => {
  it('behaves like an array FIFO and allocates at most twice the peak size', () => {
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 5, arbitrary: fc.integer().map((value): Op => ({ kind: 'push', value })) },
      { weight: 4, arbitrary: fc.constant<Op>({ kind: 'shift' }) },
      { weight: 1, arbitrary: fc.constant<Op>({ kind: 'clear' }) },
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.array(op, { maxLength: 300 }), (initial, ops) => {
        const ring = new Ring<number>(initial);
        const model: number[] = [];
        let peak = 0;
        for (const o of ops) {
          if (o.kind === 'push') {
            ring.push(o.value);
            model.push(o.value);
          } else if (o.kind === 'shift') {
            expect(ring.shift()).toBe(model.shift());
          } else {
            ring.clear();
            model.length = 0;
          }
          peak = Math.max(peak, model.length);
          expect(ring.size).toBe(model.length);
        }
        expect(ring.toArray()).toEqual(model);
        expect(ring.capacity).toBeLessThanOrEqual(Math.max(2 * peak, 2 * initial, 1));
        expect(Number.isInteger(Math.log2(ring.capacity))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('releases references of shifted items', () => {
    const ring = new Ring<object>(4);
    const item = {};
    ring.push(item);
    ring.shift();
    expect(ring.toArray()).toEqual([]);
    // Private slots are inspected on purpose: a drained queue must not keep old events alive.
    expect((ring as unknown as { items: unknown[] }).items.every((x) => x === undefined)).toBe(true);
  });
});
