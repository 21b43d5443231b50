/**
 * `retry` end to end on the fake clock: which errors are retried (transient codes, `on:`, `defaults`),
 * p-retry's backoff (checked against p-retry itself), `retries`, tool_error retries, after_step
 * retries driven by `when:` on the output, Retry-After, and option errors.
 */
import fc from 'fast-check';
import pRetry from 'p-retry';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backoff, isTransient } from '../../../src/hooks/builtins/retry.js';
import { HookflowError, type EngineOptions, type ToolDefinition } from '../../../src/index.js';
import { harness, wf } from '../../helpers.js';
import { refused } from './support.js';

/** A tool failing `failures` times with `code` (and optional details), recording call times. */
function failing(): { tool: ToolDefinition; times: number[] } {
  const times: number[] = [];
  return {
    times,
    tool: {
      name: 'test.failing',
      run: (a: { failures: number; code: string; retryAfterMs?: number }) => {
        times.push(Date.now());
        if (times.length <= a.failures) {
          throw Object.assign(new Error(`failure ${times.length}`), { code: a.code });
        }
        return times.length;
      },
    },
  };
}

async function runRetry(withOpts: string, failures: number, code: string, opts: EngineOptions = {}, at = '') {
  const f = failing();
  const h = harness({ ...opts, tools: [f.tool] });
  const run = h.run(wf(`hooks:
  - id: r
    use: retry${at}
    with: ${withOpts}
steps:
  - id: s
    tool: test.failing
    with: { failures: ${failures}, code: ${code} }
`));
  await vi.runAllTimersAsync();
  const r = await run;
  return { r, gaps: f.times.slice(1).map((t, i) => t - (f.times[i] as number)), calls: f.times.length, h };
}

describe('retry hook', () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('retries transient errors with p-retry defaults (1 s, factor 2) until success', async () => {
    const { r, gaps } = await runRetry('{}', 2, 'ECONNRESET');
    expect(r.status).toBe('completed');
    expect(r.output).toBe(3);
    expect(gaps).toEqual([1000, 2000]);
  });

  it('classifies: TIMEOUT, HTTP_429, HTTP_5xx and dropped connections are retried; others are not', async () => {
    for (const code of ['TIMEOUT', 'HTTP_429', 'HTTP_503', 'ETIMEDOUT', 'ECONNREFUSED']) {
      expect((await runRetry('{ minTimeout: 0 }', 1, code)).calls).toBe(2);
    }
    for (const code of ['BOOM', 'HTTP_404', 'TOOL_INPUT']) {
      const { r, calls } = await runRetry('{ minTimeout: 0 }', 1, code);
      expect([r.status, r.error?.code, calls]).toEqual(['failed', code, 1]);
    }
    expect(isTransient('HTTP_599', [])).toBe(true);
    expect(isTransient('HTTP_5xx', [])).toBe(true);
    expect(isTransient('HTTP_404', ['HTTP_40*'])).toBe(true);
    expect(isTransient('TIMEOUT', [], false)).toBe(false);
  });

  it('`on:` adds codes (globs); `defaults: false` keeps only them', async () => {
    expect((await runRetry('{ minTimeout: 0, on: [HTTP_40*] }', 1, 'HTTP_404')).calls).toBe(2);
    expect((await runRetry('{ minTimeout: 0, on: [FLAKY], defaults: false }', 1, 'TIMEOUT')).calls).toBe(1);
    expect((await runRetry('{ minTimeout: 0, on: [FLAKY], defaults: false }', 1, 'FLAKY')).calls).toBe(2);
  });

  it('gives up after `retries`: the last error stands', async () => {
    const { r, calls, gaps } = await runRetry('{ retries: 2, minTimeout: 100, factor: 3 }', 10, 'HTTP_500');
    expect([r.status, r.error?.code, calls]).toEqual(['failed', 'HTTP_500', 3]);
    expect(gaps).toEqual([100, 300]);
  });

  it('caps delays at maxTimeout and randomizes with the engine randomness', async () => {
    expect((await runRetry('{ retries: 4, minTimeout: 100, maxTimeout: 250 }', 4, 'TIMEOUT')).gaps).toEqual([100, 200, 250, 250]);
    const { gaps } = await runRetry('{ retries: 3, minTimeout: 100, randomize: true }', 3, 'TIMEOUT', { random: () => 0.5 });
    expect(gaps).toEqual([150, 300, 600]);
  });

  it('honours retryAfterMs in the error details (still capped by maxTimeout)', async () => {
    const limited = (retryAfterMs: number): { tool: ToolDefinition; times: number[] } => {
      const times: number[] = [];
      return {
        times,
        tool: {
          name: 'test.limited',
          run: () => {
            times.push(Date.now());
            if (times.length === 1) throw new HookflowError('HTTP_429', 'slow down', { details: { retryAfterMs } });
            return 'ok';
          },
        },
      };
    };
    for (const [withOpts, wait] of [['{ minTimeout: 10 }', 5000], ['{ minTimeout: 10, maxTimeout: 2s }', 2000], ['{ minTimeout: 10, respectRetryAfter: false }', 10]] as const) {
      const l = limited(5000);
      const h = harness({ tools: [l.tool] });
      const run = h.run(wf(`hooks:
  - { id: r, use: retry, with: ${withOpts} }
steps:
  - { id: s, tool: test.limited }
`));
      await vi.runAllTimersAsync();
      expect((await run).output).toBe('ok');
      expect(l.times[1]! - l.times[0]!).toBe(wait);
    }
  });

  it('at tool_error retries the tool call inside the step', async () => {
    const { r, gaps, h } = await runRetry('{ minTimeout: 50 }', 2, 'ECONNRESET', {}, '\n    at: tool_error');
    expect(r.output).toBe(3);
    expect(gaps).toEqual([50, 100]);
    // The step itself ran once: the retries happened inside its tool call.
    expect(h.events.filter((e) => e.type === 'step.started')).toHaveLength(1);
  });

  it('at after_step retries while `when:` holds for the output', async () => {
    const f = failing();
    const h = harness({ tools: [f.tool] });
    const run = h.run(wf(`hooks:
  - id: again
    use: retry
    at: after_step
    with: { when: "\${ output < 3 }", minTimeout: 10, retries: 5 }
steps:
  - { id: s, tool: test.failing, with: { failures: 0, code: X } }
`));
    await vi.runAllTimersAsync();
    const r = await run;
    expect(r.output).toBe(3);
    expect(f.times).toEqual([0, 10, 30]);
  });

  it('requires `when` at after_* points and rejects bad options', async () => {
    const h = harness();
    const bad = (w: string, at = '') =>
      h.run(wf(`hooks:
  - id: r
    use: retry${at}
    with: ${w}
steps:
  - { id: a, tool: test.echo, with: { value: 1 } }
`));
    expect(await refused(bad('{}', '\n    at: after_step'))).toMatch(/hook "r" \(use: retry\): with\.when: required at after_step/);
    expect(await refused(bad('{ retries: 0 }'))).toMatch(/with\.retries: expected a number >= 1, found 0/);
    expect(await refused(bad('{ minTimeout: later }'))).toMatch(/with\.minTimeout: expected a duration/);
    expect(await refused(bad('{ on: HTTP_500 }'))).toMatch(/with\.on: expected a list, found "HTTP_500"/);
    expect(await refused(bad('{}', '\n    at: before_step'))).toMatch(/at: retry cannot act at before_step/);
  });
});

describe('backoff', () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('matches the delays p-retry itself waits', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          minTimeout: fc.integer({ min: 0, max: 3000 }),
          factor: fc.double({ min: 1, max: 3, noNaN: true }),
          maxTimeout: fc.option(fc.integer({ min: 0, max: 20_000 }), { nil: undefined }),
          randomize: fc.boolean(),
          r: fc.double({ min: 0, max: 0.999, noNaN: true }),
          retries: fc.integer({ min: 1, max: 4 }),
        }),
        async ({ minTimeout, factor, maxTimeout, randomize, r, retries }) => {
          vi.useFakeTimers({ now: 0 });
          vi.spyOn(Math, 'random').mockReturnValue(r);
          const times: number[] = [];
          const p = pRetry(
            () => {
              times.push(Date.now());
              if (times.length <= retries) throw new Error('again');
              return 'ok';
            },
            { retries, minTimeout, factor, randomize, ...(maxTimeout === undefined ? {} : { maxTimeout }) },
          );
          await vi.runAllTimersAsync();
          await p;
          vi.useRealTimers();
          vi.restoreAllMocks();
          const observed = times.slice(1).map((t, i) => t - (times[i] as number));
          const b = { minTimeout, factor, randomize, maxTimeout: maxTimeout ?? Number.POSITIVE_INFINITY };
          const ours = Array.from({ length: retries }, (_, i) => backoff(i + 1, b, () => r));
          expect(observed).toEqual(ours);
        },
      ),
      { numRuns: 40 },
    );
  });
});
