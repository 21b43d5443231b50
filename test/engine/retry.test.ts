/**
 * Retry policies end to end, with every delay measured on the fake clock: attempts, delay, backoff
 * constant | linear | exponential, factor, maxDelay, jitter none | full | equal (injected randomness),
 * `on: [codes]`, the codes no policy retries by default, and hook retries on top of a policy.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EngineOptions, ToolDefinition } from '../../src/index.js';
import { harness, wf } from '../helpers.js';

/** A tool that fails `failures` times (with `code`) and records the fake-clock time of every call. */
function clocked(): { tool: ToolDefinition; times: number[] } {
  const times: number[] = [];
  return {
    times,
    tool: {
      name: 'clocked',
      run: (a: { failures: number; code?: string }) => {
        times.push(Date.now());
        if (times.length <= a.failures) throw Object.assign(new Error(`failure ${times.length}`), { code: a.code ?? 'E_TRANSIENT' });
        return times.length;
      },
    },
  };
}

/** Runs one `clocked` step with the given retry policy to the end; returns the gaps between calls. */
async function gaps(retry: string, failures: number, opts: EngineOptions = {}): Promise<{ gaps: number[]; status: string; output: unknown; code: string | undefined; events: number[] }> {
  const c = clocked();
  const h = harness({ ...opts, tools: [c.tool] });
  const run = h.run(wf(`steps:
  - id: s
    tool: clocked
    with: { failures: ${failures} }
    retry: ${retry}
`));
  await vi.runAllTimersAsync();
  const r = await run;
  return {
    gaps: c.times.slice(1).map((t, i) => t - (c.times[i] as number)),
    status: r.status,
    output: r.output,
    code: r.error?.code,
    events: h.events.filter((e) => e.type === 'step.retrying').map((e) => (e.data as { delayMs: number }).delayMs),
  };
}

describe('retry policy', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('attempts counts the first try; the last error stands when they run out', async () => {
    const r = await gaps('{ attempts: 3 }', 10);
    expect(r).toMatchObject({ status: 'failed', code: 'E_TRANSIENT', gaps: [0, 0] });
    const ok = await gaps('{ attempts: 3 }', 2);
    expect(ok).toMatchObject({ status: 'completed', output: 3 });
  });

  it('records attempts on steps.<id>.attempts and on the step.completed event', async () => {
    const c = clocked();
    const h = harness({ tools: [c.tool] });
    const run = h.run(wf(`steps:
  - id: s
    tool: clocked
    with: { failures: 2 }
    retry: { attempts: 5, delay: 10 }
  - id: t
    tool: test.echo
    with: { value: "\${ steps.s.attempts }" }
`));
    await vi.runAllTimersAsync();
    expect((await run).output).toBe(3);
    expect(h.events.find((e) => e.type === 'step.completed')?.data).toMatchObject({ path: 's', attempt: 3 });
  });

  it('constant backoff waits `delay` each time', async () => {
    expect((await gaps('{ attempts: 4, delay: 100ms }', 3)).gaps).toEqual([100, 100, 100]);
  });

  it('linear backoff waits delay × retry', async () => {
    expect((await gaps('{ attempts: 4, delay: 100, backoff: linear }', 3)).gaps).toEqual([100, 200, 300]);
  });

  it('exponential backoff waits delay × factor^(retry-1), factor defaulting to 2', async () => {
    expect((await gaps('{ attempts: 4, delay: 100, backoff: exponential }', 3)).gaps).toEqual([100, 200, 400]);
    expect((await gaps('{ attempts: 4, delay: 100, backoff: exponential, factor: 3 }', 3)).gaps).toEqual([100, 300, 900]);
  });

  it('maxDelay caps every wait', async () => {
    expect((await gaps('{ attempts: 5, delay: 100, backoff: exponential, maxDelay: 250 }', 4)).gaps).toEqual([100, 200, 250, 250]);
    expect((await gaps('{ attempts: 3, delay: 1s, maxDelay: 300ms }', 2)).gaps).toEqual([300, 300]);
  });

  it('jitter: full waits random × d, using the injected random source', async () => {
    const seq = [0.25, 0.5, 1];
    let i = 0;
    const random = (): number => seq[i++ % seq.length] as number;
    const r = await gaps('{ attempts: 4, delay: 100, backoff: linear, jitter: full }', 3, { random });
    // d = 100, 200, 300 → 25, 100, 300
    expect(r.gaps).toEqual([25, 100, 300]);
    expect(r.events).toEqual([25, 100, 300]);
  });

  it('jitter: equal waits d/2 + random × d/2', async () => {
    const r = await gaps('{ attempts: 3, delay: 200, jitter: equal }', 2, { random: () => 0.5 });
    expect(r.gaps).toEqual([150, 150]);
    const zero = await gaps('{ attempts: 2, delay: 200, jitter: equal }', 1, { random: () => 0 });
    expect(zero.gaps).toEqual([100]);
  });

  it('jitter applies after the maxDelay cap', async () => {
    const r = await gaps('{ attempts: 2, delay: 1000, maxDelay: 400, jitter: full }', 1, { random: () => 0.5 });
    expect(r.gaps).toEqual([200]);
  });

  it('jitter: none (the default) ignores the random source', async () => {
    const r = await gaps('{ attempts: 2, delay: 120, jitter: none }', 1, { random: () => 0 });
    expect(r.gaps).toEqual([120]);
  });

  it('on: [codes] retries only the listed codes', async () => {
    const listed = await gaps('{ attempts: 3, on: [E_TRANSIENT] }', 2);
    expect(listed.status).toBe('completed');
    const c = clocked();
    const h = harness({ tools: [c.tool] });
    const run = h.run(wf(`steps:
  - id: s
    tool: clocked
    with: { failures: 2, code: E_PERMANENT }
    retry: { attempts: 3, on: [E_TRANSIENT, E_OTHER] }
`));
    await vi.runAllTimersAsync();
    const r = await run;
    expect(r.error?.code).toBe('E_PERMANENT');
    expect(c.times).toHaveLength(1);
  });

  it('does not retry validation-like errors (EXPRESSION, TOOL_INPUT, HOOK_CANCELLED, ...) unless listed in `on`', async () => {
    const calls: number[] = [];
    const strict: ToolDefinition = {
      name: 'strict.tool',
      input: { type: 'object', required: ['n'], properties: { n: { type: 'number' } } },
      run: (a: { n: number }) => (calls.push(a.n), a.n),
    };
    const h = harness({ tools: [strict] });
    const run = h.run(wf(`steps:
  - id: bad_input
    tool: strict.tool
    with: { n: not-a-number }
    retry: { attempts: 3 }
    onError: continue
  - id: bad_expr
    tool: test.echo
    with: { value: "\${ $nope() }" }
    retry: { attempts: 3 }
    onError: continue
  - id: report
    tool: test.echo
    with: { value: "\${ [steps.bad_input.error.code, $string(steps.bad_input.attempts), steps.bad_expr.error.code] }" }
`));
    await vi.runAllTimersAsync();
    const r = await run;
    expect(r.output).toEqual(['TOOL_INPUT', '1', 'EXPRESSION']);
    expect(h.events.filter((e) => e.type === 'step.retrying')).toHaveLength(0);
  });

  it('a code listed in `on` is retried even when it is not retryable by default', async () => {
    const h = harness();
    h.engine.hooks.register({ id: 'gate', at: 'before_tool', run: (ctx) => (ctx.attempt < 3 ? { action: 'cancel', reason: `not yet (${ctx.attempt})` } : undefined) });
    const run = h.run(wf(`steps:
  - id: s
    tool: test.echo
    with: { value: through }
    retry: { attempts: 3, on: [HOOK_CANCELLED] }
`));
    await vi.runAllTimersAsync();
    expect(await run).toMatchObject({ status: 'completed', output: 'through' });
  });

  it('defaults.retry applies to task steps and a step may override it', async () => {
    const c = clocked();
    const h = harness({ tools: [c.tool] });
    const run = h.run(wf(`defaults:
  retry: { attempts: 3, delay: 10 }
steps:
  - id: a
    tool: clocked
    with: { failures: 2 }
  - id: b
    tool: clocked
    with: { failures: 0 }
    retry: { attempts: 1 }
`));
    await vi.runAllTimersAsync();
    expect((await run).status).toBe('completed');
    expect(c.times.slice(1).map((t, i) => t - (c.times[i] as number))).toEqual([10, 10, 0]);
  });

  it('the step_retry hook observes every policy retry with its attempt, delay and error', async () => {
    const c = clocked();
    const h = harness({ tools: [c.tool] });
    const seen: unknown[] = [];
    h.engine.hooks.register({
      id: 'watch',
      at: 'step_retry',
      run: (ctx) => {
        seen.push([ctx.attempt, (ctx.metadata as { delayMs: number }).delayMs, ctx.error?.code]);
        return undefined;
      },
    });
    const run = h.run(wf(`steps:
  - id: s
    tool: clocked
    with: { failures: 2 }
    retry: { attempts: 3, delay: 40, backoff: linear }
`));
    await vi.runAllTimersAsync();
    expect((await run).status).toBe('completed');
    expect(seen).toEqual([[1, 40, 'E_TRANSIENT'], [2, 80, 'E_TRANSIENT']]);
  });

  it('a hook retry at step_error re-runs the step after its delay, the policy governing each run', async () => {
    const c = clocked();
    const h = harness({ tools: [c.tool] });
    h.engine.hooks.register({ id: 'again', at: 'step_error', run: () => ({ action: 'retry', attempts: 1, delay: '1s' }) });
    const run = h.run(wf(`steps:
  - id: s
    tool: clocked
    with: { failures: 3 }
    retry: { attempts: 2, delay: 100 }
`));
    await vi.runAllTimersAsync();
    const r = await run;
    expect(r).toMatchObject({ status: 'completed', output: 4 });
    // policy run 1: fail, 100 ms, fail; hook: 1 s; policy run 2: fail, 100 ms, ok.
    expect(c.times.slice(1).map((t, i) => t - (c.times[i] as number))).toEqual([100, 1000, 100]);
    expect(h.events.filter((e) => e.type === 'step.retrying').map((e) => (e.data as { reason: string }).reason)).toEqual(['policy', 'hook', 'policy']);
  });

  it('a cancelled run stops waiting between attempts', async () => {
    const c = clocked();
    const h = harness({ tools: [c.tool] });
    const ac = new AbortController();
    const def = (await import('../../src/index.js')).loadWorkflowText(wf(`steps:
  - id: s
    tool: clocked
    with: { failures: 5 }
    retry: { attempts: 5, delay: 10s }
`), '/virtual/cancel-retry.yaml');
    const run = h.engine.run(def, {}, { signal: ac.signal });
    await vi.advanceTimersByTimeAsync(5000);
    ac.abort();
    await vi.advanceTimersByTimeAsync(0);
    const r = await run;
    expect(r.status).toBe('cancelled');
    expect(c.times).toHaveLength(1);
  });
});
