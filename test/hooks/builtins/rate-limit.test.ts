/**
 * `rate-limit` end to end on the fake clock: token buckets shared by parallel branches and by runs of
 * one engine, exact slot spacing, onLimit cancel, maxWait, keys, the AbortSignal, and option errors.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { takeToken, parseRate } from '../../../src/hooks/builtins/rate-limit.js';
import { harness, wf } from '../../helpers.js';
import { parallelBranches, refused, stamper } from './support.js';

describe('rate-limit', () => {
  beforeEach(() => vi.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => vi.useRealTimers());

  it('spaces 50 parallel branches exactly 100 ms apart at 10/s with burst 1', async () => {
    const s = stamper();
    const h = harness({ tools: [s.tool] });
    const run = h.run(wf(`hooks:
  - id: limit
    use: rate-limit
    with: { rate: 10/s, burst: 1 }
steps:
  - id: fan
    parallel:
${parallelBranches(50, 'test.stamp')}`));
    await vi.runAllTimersAsync();
    const r = await run;
    expect(r.status).toBe('completed');
    expect(s.starts).toHaveLength(50);
    const times = s.starts.map((c) => c.at).sort((a, b) => a - b);
    const t0 = times[0] as number;
    expect(times.map((t) => t - t0)).toEqual(Array.from({ length: 50 }, (_, i) => i * 100));
    // Slots are handed out in arrival order: branch i starts at slot i.
    expect(s.starts.map((c) => c.key)).toEqual(Array.from({ length: 50 }, (_, i) => `b${i}`));
  });

  it('burst lets that many calls through at once, then refills at the rate', async () => {
    const s = stamper();
    const h = harness({ tools: [s.tool] });
    const run = h.run(wf(`hooks:
  - id: limit
    use: rate-limit
    with: { rate: { tokens: 2, per: 1s }, burst: 3 }
steps:
  - id: fan
    parallel:
${parallelBranches(7, 'test.stamp')}`));
    await vi.runAllTimersAsync();
    await run;
    const t0 = Math.min(...s.starts.map((c) => c.at));
    expect(s.starts.map((c) => c.at - t0).sort((a, b) => a - b)).toEqual([0, 0, 0, 500, 1000, 1500, 2000]);
  });

  it('buckets are shared by runs of one engine', async () => {
    const s = stamper();
    const h = harness({ tools: [s.tool] });
    const yaml = wf(`hooks:
  - id: limit
    use: rate-limit
    with: { rate: 1/s, burst: 1 }
steps:
  - id: one
    tool: test.stamp
    with: { key: "\${ input.k }" }
`);
    const runs = [h.run(yaml, { k: 'r1' }), h.run(yaml, { k: 'r2' }), h.run(yaml, { k: 'r3' })];
    await vi.runAllTimersAsync();
    await Promise.all(runs);
    const t0 = Math.min(...s.starts.map((c) => c.at));
    expect(s.starts.map((c) => c.at - t0).sort((a, b) => a - b)).toEqual([0, 1000, 2000]);
  });

  it('keys separate buckets: the default key is the tool name, `key:` is a template', async () => {
    const a = stamper('test.a');
    const b = stamper('test.b');
    const h = harness({ tools: [a.tool, b.tool] });
    const run = h.run(wf(`hooks:
  - id: limit
    use: rate-limit
    with: { rate: 1/s, burst: 1 }
steps:
  - id: fan
    parallel:
      - { id: a1, tool: test.a, with: { key: a1 } }
      - { id: b1, tool: test.b, with: { key: b1 } }
      - { id: a2, tool: test.a, with: { key: a2 } }
`));
    await vi.runAllTimersAsync();
    await run;
    const t0 = Math.min(...a.starts.map((c) => c.at));
    expect(a.starts.map((c) => c.at - t0)).toEqual([0, 1000]);
    expect(b.starts.map((c) => c.at - t0)).toEqual([0]);

    const c = stamper('test.c');
    const h2 = harness({ tools: [c.tool] });
    const run2 = h2.run(wf(`hooks:
  - id: per-tenant
    use: rate-limit
    with: { rate: 1/s, burst: 1, key: "\${ input.key = 'x1' or input.key = 'x2' ? 'x' : 'y' }" }
steps:
  - id: fan
    parallel:
      - { id: x1, tool: test.c, with: { key: x1 } }
      - { id: y1, tool: test.c, with: { key: y1 } }
      - { id: x2, tool: test.c, with: { key: x2 } }
`));
    await vi.runAllTimersAsync();
    await run2;
    const u0 = Math.min(...c.starts.map((x) => x.at));
    expect(Object.fromEntries(c.starts.map((x) => [x.key, x.at - u0]))).toEqual({ x1: 0, y1: 0, x2: 1000 });
  });

  it('onLimit: cancel refuses calls without a token (the step ends cancelled, onError honoured)', async () => {
    const s = stamper();
    const h = harness({ tools: [s.tool] });
    const run = h.run(wf(`hooks:
  - id: limit
    use: rate-limit
    with: { rate: 1/m, burst: 2, onLimit: cancel }
steps:
  - id: fan
    parallel:
${parallelBranches(4, 'test.stamp').replace(/with: \{ key: (b\d) \}/g, 'with: { key: $1 }\n        onError: continue')}`));
    await vi.runAllTimersAsync();
    const r = await run;
    expect(r.status).toBe('completed');
    expect(s.starts.map((c) => c.key)).toEqual(['b0', 'b1']);
    const cancelled = h.events.filter((e) => e.type === 'step.cancelled').map((e) => e.data as { path: string; code: string; reason: string });
    expect(cancelled.map((c) => c.path)).toEqual(['fan/b2', 'fan/b3']);
    expect(cancelled[0]?.code).toBe('HOOK_CANCELLED');
    expect(cancelled[0]?.reason).toContain('rate limit of 1 per 60000 ms reached for "test.stamp"');
  });

  it('a wait longer than maxWait is cancelled instead, without using up a slot', async () => {
    const s = stamper();
    const h = harness({ tools: [s.tool] });
    const run = h.run(wf(`hooks:
  - id: limit
    use: rate-limit
    with: { rate: 1/s, burst: 1, maxWait: 1500ms }
steps:
  - id: fan
    parallel:
${parallelBranches(4, 'test.stamp').replace(/with: \{ key: (b\d) \}/g, 'with: { key: $1 }\n        onError: continue')}`));
    await vi.runAllTimersAsync();
    await run;
    const t0 = Math.min(...s.starts.map((c) => c.at));
    expect(s.starts.map((c) => [c.key, c.at - t0])).toEqual([['b0', 0], ['b1', 1000]]);
    const reasons = h.events.filter((e) => e.type === 'step.cancelled').map((e) => (e.data as { reason: string }).reason);
    expect(reasons).toHaveLength(2);
    expect(reasons[0]).toMatch(/next slot is 2000 ms away, more than maxWait 1500 ms/);
  });

  it('a waiting call stops when the run is cancelled (the hook honours its AbortSignal)', async () => {
    const s = stamper();
    const h = harness({ tools: [s.tool] });
    const def = wf(`hooks:
  - id: limit
    use: rate-limit
    with: { rate: 1/m, burst: 1 }
steps:
  - id: fan
    parallel:
${parallelBranches(2, 'test.stamp')}`);
    const run = h.run(def);
    await vi.advanceTimersByTimeAsync(10);
    const live = [...h.events].reverse().find((e) => e.type === 'run.started');
    await h.engine.cancel(live?.runId as string, 'stop waiting');
    await vi.advanceTimersByTimeAsync(10);
    const r = await run;
    expect(r.status).toBe('cancelled');
    expect(s.starts.map((c) => c.key)).toEqual(['b0']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects bad options naming the hook, the option, what was expected and what was found', async () => {
    const h = harness();
    const bad = (w: string) =>
      h.run(wf(`hooks:
  - id: lim
    use: rate-limit
    with: ${w}
steps:
  - { id: a, tool: test.echo, with: { value: 1 } }
`));
    expect(await refused(bad('{ rate: fast }'))).toMatch(/hook "lim" \(use: rate-limit\): with\.rate: expected a rate like "10\/s".*found "fast"/);
    expect(await refused(bad('{ burst: 2 }'))).toMatch(/with\.rate: expected a rate .* found nothing \(rate is required\)/);
    expect(await refused(bad('{ rate: 1/s, onLimit: drop }'))).toMatch(/with\.onLimit: expected one of "wait", "cancel", found "drop"/);
    expect(await refused(bad('{ rate: 1/s, burts: 2 }'))).toMatch(/unknown option "burts" \(did you mean "burst"\?\); expected one of rate, burst, key, onLimit, maxWait/);
  });
});

describe('token bucket', () => {
  it('parses rates', () => {
    expect(parseRate('10/s')).toEqual({ tokens: 10, per: 1000 });
    expect(parseRate('100/m')).toEqual({ tokens: 100, per: 60_000 });
    expect(parseRate('5/2s')).toEqual({ tokens: 5, per: 2000 });
    expect(parseRate({ tokens: 3, per: '500ms' })).toEqual({ tokens: 3, per: 500 });
    expect(parseRate('0/s')).toBeUndefined();
    expect(parseRate('10 per second')).toBeUndefined();
    expect(parseRate({ tokens: 3, per: '1s', extra: 1 })).toBeUndefined();
  });

  it('reserves in arrival order and never hands out more than burst + rate × elapsed', () => {
    const rate = { tokens: 3, per: 1000 };
    const b = { tokens: 2, last: 0 };
    const waits = Array.from({ length: 8 }, () => takeToken(b, 0, rate, 2, true));
    expect(waits).toEqual([0, 0, 334, 667, 1000, 1334, 1667, 2000]);
    const c = { tokens: 1, last: 0 };
    expect(takeToken(c, 0, rate, 1, false)).toBe(0);
    expect(takeToken(c, 100, rate, 1, false)).toBe(-1);
    expect(takeToken(c, 334, rate, 1, false)).toBe(0);
  });
});
