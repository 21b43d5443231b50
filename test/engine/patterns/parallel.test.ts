import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ToolDefinition } from '../../../src/index.js';
import { harness, wf } from '../../helpers.js';
import { eventAt, pathsOf, probe } from '../support.js';

describe('parallel pattern', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('outputs an object keyed by branch id; branches may be any kind; a skipped branch is null', async () => {
    const h = harness();
    const r = await h.run(wf(`steps:
  - id: fan
    parallel:
      - id: one
        tool: test.echo
        with: { value: 1 }
      - id: seq
        steps:
          - id: s1
            tool: test.echo
            with: { value: s1 }
          - id: s2
            tool: test.echo
            with: { value: s2 }
      - id: cond
        if: \${ true }
        then:
          - id: t
            tool: test.echo
            with: { value: yes }
      - id: off
        when: \${ false }
        tool: test.echo
        with: { value: never }
`));
    expect(r.status).toBe('completed');
    expect(r.output).toEqual({ one: 1, seq: 's2', cond: 'yes', off: null });
    expect(pathsOf(h.events, 'step.completed')).toEqual(expect.arrayContaining(['fan/one', 'fan/seq/s1', 'fan/seq/s2', 'fan/cond/t', 'fan']));
    expect(pathsOf(h.events, 'step.skipped')).toEqual(['fan/off']);
  });

  it('without a limit all branches start at once', async () => {
    const p = probe();
    const h = harness({ tools: [p.tool] });
    const run = h.run(wf(`steps:
  - id: fan
    parallel:
      - { id: a, tool: probe.work, with: { key: a, ms: 30 } }
      - { id: b, tool: probe.work, with: { key: b, ms: 20 } }
      - { id: c, tool: probe.work, with: { key: c, ms: 10 } }
`));
    await vi.advanceTimersByTimeAsync(30);
    const r = await run;
    expect(r.output).toEqual({ a: 'a', b: 'b', c: 'c' });
    expect(p.maxActive).toBe(3);
    expect(p.calls.map((c) => c.start)).toEqual([0, 0, 0].map((d) => d + p.calls[0]!.start));
    expect(p.ends).toEqual(['c', 'b', 'a']);
  });

  it('respects `concurrency` and starts the next branch as soon as a slot frees', async () => {
    const p = probe();
    const h = harness({ tools: [p.tool] });
    const t0 = Date.now();
    const run = h.run(wf(`steps:
  - id: fan
    concurrency: 2
    parallel:
      - { id: a, tool: probe.work, with: { key: a, ms: 100 } }
      - { id: b, tool: probe.work, with: { key: b, ms: 10 } }
      - { id: c, tool: probe.work, with: { key: c, ms: 10 } }
      - { id: d, tool: probe.work, with: { key: d, ms: 10 } }
      - { id: e, tool: probe.work, with: { key: e, ms: 10 } }
`));
    await vi.advanceTimersByTimeAsync(100);
    const r = await run;
    expect(r.status).toBe('completed');
    expect(Object.keys(r.output as object)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(p.maxActive).toBe(2);
    // a occupies one slot for 100 ms; b, c, d, e follow each other in the other slot.
    expect(p.calls.map((c) => [c.key, c.start - t0, (c.end ?? 0) - t0])).toEqual([
      ['a', 0, 100],
      ['b', 0, 10],
      ['c', 10, 20],
      ['d', 20, 30],
      ['e', 30, 40],
    ]);
  });

  it('failFast aborts running siblings through their AbortSignal and cancels unstarted ones', async () => {
    const p = probe();
    const h = harness({ tools: [p.tool] });
    const run = h.run(wf(`steps:
  - id: fan
    failFast: true
    concurrency: 2
    parallel:
      - { id: slow, tool: probe.work, with: { key: slow, ms: 1000 } }
      - { id: bad, tool: probe.work, with: { key: bad, ms: 10, fail: E_BAD } }
      - { id: later, tool: probe.work, with: { key: later, ms: 10 } }
`));
    await vi.advanceTimersByTimeAsync(10);
    const r = await run;
    expect(r.status).toBe('failed');
    expect(r.error).toMatchObject({ code: 'E_BAD', step: 'fan/bad' });
    const slow = p.calls.find((c) => c.key === 'slow');
    expect(slow?.aborted).toBe(true);
    expect(slow?.abortCode).toBe('CANCELLED');
    expect(p.starts).toEqual(['slow', 'bad']);
    expect(pathsOf(h.events, 'step.cancelled').sort()).toEqual(['fan/later', 'fan/slow']);
    expect(eventAt(h.events, 'step.cancelled', 'fan/later')).toMatchObject({ attempt: 0 });
    const steps = await h.engine.store.getSteps(r.runId);
    expect(steps.find((s) => s.path === 'fan/later')?.status).toBe('cancelled');
    expect(steps.find((s) => s.path === 'fan/slow')?.status).toBe('cancelled');
  });

  it('failFast: a cancelled sibling does not run its catch steps nor recover through onError', async () => {
    const p = probe();
    const h = harness({ tools: [p.tool] });
    const run = h.run(wf(`steps:
  - id: fan
    failFast: true
    parallel:
      - id: slow
        tool: probe.work
        with: { key: slow, ms: 1000 }
        catch:
          - id: compensate
            set: { compensated: true }
      - id: slow2
        tool: probe.work
        with: { key: slow2, ms: 1000 }
        onError: continue
      - id: bad
        tool: probe.work
        with: { key: bad, ms: 10, fail: E_BAD }
`));
    await vi.advanceTimersByTimeAsync(10);
    const r = await run;
    expect(r.error).toMatchObject({ code: 'E_BAD', step: 'fan/bad' });
    expect(pathsOf(h.events, 'step.started')).not.toContain('fan/slow!catch/compensate');
    const steps = await h.engine.store.getSteps(r.runId);
    expect(steps.map((s) => `${s.path}:${s.status}`).sort()).toEqual(['fan/bad:failed', 'fan/slow2:cancelled', 'fan/slow:cancelled', 'fan:failed']);
  });

  it('without failFast every branch finishes and the first failure by branch order fails the step', async () => {
    const p = probe();
    const h = harness({ tools: [p.tool] });
    const run = h.run(wf(`steps:
  - id: fan
    parallel:
      - { id: ok1, tool: probe.work, with: { key: ok1, ms: 5 } }
      - { id: late, tool: probe.work, with: { key: late, ms: 50, fail: E_LATE } }
      - { id: early, tool: probe.work, with: { key: early, ms: 10, fail: E_EARLY } }
      - { id: ok2, tool: probe.work, with: { key: ok2, ms: 100 } }
`));
    await vi.advanceTimersByTimeAsync(100);
    const r = await run;
    expect(r.status).toBe('failed');
    expect(r.error).toMatchObject({ code: 'E_LATE', step: 'fan/late' });
    expect(p.calls.every((c) => c.aborted !== true)).toBe(true);
    expect(pathsOf(h.events, 'step.completed')).toEqual(['ok1', 'ok2'].map((b) => `fan/${b}`));
    expect(pathsOf(h.events, 'step.failed')).toEqual(['fan/early', 'fan/late', 'fan']);
  });

  it('a failed branch with onError: continue leaves null in the output and the step succeeds', async () => {
    const h = harness();
    const r = await h.run(wf(`steps:
  - id: fan
    parallel:
      - id: good
        tool: test.echo
        with: { value: 1 }
      - id: bad
        tool: test.fail
        onError: continue
`));
    expect(r).toMatchObject({ status: 'completed', output: { good: 1, bad: null } });
  });

  it('branch outputs are visible afterwards as steps.<branch> and steps.<parallel>.output.<branch>', async () => {
    const h = harness();
    const r = await h.run(wf(`steps:
  - id: fan
    parallel:
      - id: left
        tool: test.echo
        with: { value: L }
      - id: right
        tool: test.echo
        with: { value: R }
  - id: join
    tool: test.echo
    with: { value: "\${ steps.left.output & steps.right.output & ':' & steps.fan.output.left }" }
`));
    expect(r.output).toBe('LR:L');
  });

  it('a wide fan-out whose tools listen on their signal raises no max-listener warning', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    try {
      const listen: ToolDefinition = {
        name: 'listen',
        // Like fetch(url, { signal }): one abort listener per call for as long as the call runs.
        run: (_a: unknown, ctx) =>
          new Promise((resolve) => {
            const onAbort = (): void => undefined;
            ctx.signal.addEventListener('abort', onAbort);
            setTimeout(() => {
              ctx.signal.removeEventListener('abort', onAbort);
              resolve(1);
            }, 10);
          }),
      };
      const h = harness({ tools: [listen] });
      const branches = Array.from({ length: 15 }, (_, i) => `      - { id: b${i}, tool: listen }`).join('\n');
      const run = h.run(wf(`steps:
  - id: fan
    parallel:
${branches}
  - id: each
    loop:
      forEach: "\${ [1..15] }"
      concurrency: 15
      steps:
        - { id: x, tool: listen }
  - id: guarded
    timeout: 1m
    steps:
      - id: fast
        failFast: true
        parallel:
${branches.replaceAll('id: b', 'id: f').replaceAll('      - ', '          - ')}
`));
      await vi.advanceTimersByTimeAsync(50);
      expect((await run).status).toBe('completed');
      await new Promise((r) => process.nextTick(r));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.filter((w) => w.startsWith('MaxListenersExceededWarning'))).toEqual([]);
  });
});
