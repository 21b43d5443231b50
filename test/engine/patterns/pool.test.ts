/**
 * Scheduler invariants of the bounded pool, as a property over random branch counts, limits and
 * durations on the fake clock: the limit holds, every branch runs exactly once, and a freed slot is
 * refilled at once (no supersteps).
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runPool } from '../../../src/engine/patterns/pool.js';
import { schedulerViolation } from '../support.js';

describe('runPool', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('holds the scheduler invariants for random branch counts, limits and durations', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 12 }),
        fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 0, maxLength: 40 }),
        async (limit, durations) => {
          const n = durations.length;
          const log: Array<{ kind: 'start' | 'end'; key: string; at: number }> = [];
          const done = runPool(n, limit, (i) => {
            log.push({ kind: 'start', key: `b${i}`, at: Date.now() });
            return new Promise<void>((resolve) =>
              setTimeout(() => {
                log.push({ kind: 'end', key: `b${i}`, at: Date.now() });
                resolve();
              }, durations[i]),
            );
          });
          await vi.runAllTimersAsync();
          await done;
          const violation = schedulerViolation(log, n, limit);
          expect(violation, JSON.stringify({ limit, durations, log })).toBeUndefined();
        },
      ),
      { numRuns: 150 },
    );
  });

  it('runs nothing for n = 0 and everything at once when the limit is not smaller than n', async () => {
    const calls: number[] = [];
    await runPool(0, 3, async (i) => void calls.push(i));
    expect(calls).toEqual([]);
    let active = 0;
    let max = 0;
    const p = runPool(5, 5, (i) => {
      calls.push(i);
      max = Math.max(max, ++active);
      return new Promise<void>((r) => setTimeout(() => (active--, r()), 10));
    });
    await vi.runAllTimersAsync();
    await p;
    expect([calls, max]).toEqual([[0, 1, 2, 3, 4], 5]);
  });

  it('hands out branches in index order', async () => {
    const order: number[] = [];
    const p = runPool(6, 2, (i) => {
      order.push(i);
      return new Promise<void>((r) => setTimeout(r, 6 - i));
    });
    await vi.runAllTimersAsync();
    await p;
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('the invariant checker catches a superstep scheduler', () => {
    // Batches of 2: b2 starts only after both b0 and b1 ended.
    const log = [
      { kind: 'start', key: 'b0', at: 0 },
      { kind: 'start', key: 'b1', at: 0 },
      { kind: 'end', key: 'b0', at: 5 },
      { kind: 'end', key: 'b1', at: 9 },
      { kind: 'start', key: 'b2', at: 9 },
      { kind: 'end', key: 'b2', at: 12 },
    ] as const;
    expect(schedulerViolation(log, 3, 2)).toMatch(/after b0 ended, b1 ended before a waiting branch started/);
    expect(schedulerViolation(log.slice(0, 2), 2, 1)).toMatch(/2 branches started before the first ended; expected 1/);
  });
});
