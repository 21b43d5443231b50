/**
 * The scheduler invariants through the engine: parallel steps and forEach loops with random branch
 * counts, concurrency limits and tool durations never run more tools at once than the limit, run every
 * branch exactly once, keep outputs in branch order, and refill a freed slot at once (no supersteps).
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { harness, wf } from '../helpers.js';
import { probe, schedulerViolation } from './support.js';

const arb = fc.record({
  limit: fc.integer({ min: 1, max: 6 }),
  durations: fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 14 }),
});

describe('scheduler invariants through the engine', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('parallel: concurrency limit, once per branch, no supersteps, output keyed by branch', async () => {
    await fc.assert(
      fc.asyncProperty(arb, async ({ limit, durations }) => {
        const p = probe();
        const h = harness({ tools: [p.tool] });
        const branches = durations.map((ms, i) => `      - { id: b${i}, tool: probe.work, with: { key: b${i}, ms: ${ms}, value: ${i} } }`).join('\n');
        const run = h.run(wf(`steps:\n  - id: fan\n    concurrency: ${limit}\n    parallel:\n${branches}\n`));
        await vi.runAllTimersAsync();
        const r = await run;
        expect(r.status).toBe('completed');
        expect(r.output).toEqual(Object.fromEntries(durations.map((_, i) => [`b${i}`, i])));
        expect(schedulerViolation(p.log, durations.length, limit), JSON.stringify({ limit, durations, log: p.log })).toBeUndefined();
      }),
      { numRuns: 30 },
    );
  });

  it('forEach with concurrency: limit, once per item, no supersteps, outputs in item order', async () => {
    await fc.assert(
      fc.asyncProperty(arb, async ({ limit, durations }) => {
        const p = probe();
        const h = harness({ tools: [p.tool] });
        const run = h.run(
          wf(`steps:
  - id: each
    loop:
      forEach: \${ input.durations }
      concurrency: ${limit + 1}
      steps:
        - id: w
          tool: probe.work
          with: { key: "i\${ index }", ms: "\${ item }", value: "\${ index }" }
`),
          { durations },
        );
        await vi.runAllTimersAsync();
        const r = await run;
        expect(r.status).toBe('completed');
        expect(r.output).toEqual(durations.map((_, i) => i));
        expect(schedulerViolation(p.log, durations.length, limit + 1), JSON.stringify({ limit: limit + 1, durations, log: p.log })).toBeUndefined();
      }),
      { numRuns: 30 },
    );
  });

  it('nested: a limited parallel inside a limited forEach never exceeds the product of the limits', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 3 }), fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 6 }), async (outer, inner, durations) => {
        const p = probe();
        const h = harness({ tools: [p.tool] });
        const run = h.run(
          wf(`steps:
  - id: each
    loop:
      forEach: \${ input.durations }
      concurrency: ${outer + 1}
      steps:
        - id: fan
          concurrency: ${inner}
          parallel:
            - { id: x, tool: probe.work, with: { key: "x\${ index }", ms: "\${ item }" } }
            - { id: y, tool: probe.work, with: { key: "y\${ index }", ms: "\${ item * 2 }" } }
            - { id: z, tool: probe.work, with: { key: "z\${ index }", ms: 1 } }
`),
          { durations },
        );
        await vi.runAllTimersAsync();
        const r = await run;
        expect(r.status).toBe('completed');
        expect(p.calls).toHaveLength(durations.length * 3);
        expect(new Set(p.starts).size).toBe(durations.length * 3);
        expect(p.maxActive).toBeLessThanOrEqual((outer + 1) * inner);
      }),
      { numRuns: 30 },
    );
  });
});
