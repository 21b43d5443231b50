/**
 * The breaker's overhead rule on the fake clock (performance faked too, so hook times are exact): a
 * hook whose p95 exceeds 5% of the p95 of the operation it wraps is switched off after the minimum 10
 * calls; the operation is measured without the hooks around it, at every kind of point; transitions
 * are reported in the run whose call moved the breaker.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_BREAKER, type HookRegistration } from '../../src/index.js';
import { dataOf, echoSteps as steps, FAKE_TIMERS, hookHarness, settle, wf } from './support.js';

beforeEach(() => vi.useFakeTimers({ toFake: [...FAKE_TIMERS] }));
afterEach(() => vi.useRealTimers());

describe('breaker events belong to the run whose call moved the breaker', () => {
  it('with two runs interleaving on one engine, the transition is reported in the run whose call moved it', async () => {
    let n = 0;
    const h = hookHarness({ ids: () => `run-${++n}` });
    const started: string[] = [];
    h.engine.hooks.register({
      id: 'shared',
      at: 'before_step',
      // One slow call is enough for the overhead rule here: it opens when the first call (10 ms) ends,
      // while the second call (20 ms, another run) is still in flight.
      breaker: { minCalls: 1 },
      run: (ctx) =>
        new Promise((resolve) => {
          started.push(ctx.runId);
          setTimeout(() => resolve(undefined), started.length === 1 ? 10 : 20);
        }),
    });
    await settle(Promise.all([h.run(steps(1)), h.run(steps(1))]));
    expect(started).toHaveLength(2);
    const opened = h.events.filter((e) => e.type === 'breaker.opened');
    expect(opened.map((e) => e.runId)).toEqual([started[0]]);
  });
});

describe('the overhead rule', () => {
  it('a hook that takes 200 ms on a 1 ms step is switched off after the minimum 10 calls, and the run finishes', async () => {
    const h = hookHarness();
    let calls = 0;
    h.engine.hooks.register({
      id: 'sluggish',
      at: 'before_step',
      run: () => {
        calls++;
        return new Promise((resolve) => setTimeout(() => resolve(undefined), 200));
      },
    });
    const yaml = wf(`steps:
${Array.from({ length: 15 }, (_, i) => `  - { id: s${i + 1}, tool: test.sleep, with: { ms: 1, value: ${i + 1} } }`).join('\n')}
`);
    const t0 = Date.now();
    const r = await settle(h.run(yaml));
    expect(r.status).toBe('completed');
    expect(r.output).toBe(15);
    expect(calls).toBe(DEFAULT_BREAKER.minCalls);
    const opened = dataOf(h.events, 'breaker.opened');
    expect(opened).toHaveLength(1);
    expect(opened[0]?.p95Ms).toBe(200);
    expect(opened[0]?.opP95Ms).toBe(1);
    expect(String(opened[0]?.reason)).toMatch(/^p95 200\.00 ms exceeds 1\.00 ms \(5% of the wrapped operation's p95 1\.00 ms, floor 1 ms\)$/);
    // 10 slow calls, then 5 steps without the hook.
    expect(Date.now() - t0).toBeLessThan(10 * 201 + 5 * 2 + 100);
  });

  it('a hook within 5% of the operation it wraps stays on (the floor is 1 ms)', async () => {
    const h = hookHarness();
    let calls = 0;
    h.engine.hooks.register({ id: 'cheap', at: 'before_step', run: () => (calls++, new Promise((resolve) => setTimeout(() => resolve(undefined), 4))) });
    const yaml = wf(`steps:
${Array.from({ length: 12 }, (_, i) => `  - { id: s${i + 1}, tool: test.sleep, with: { ms: 100 } }`).join('\n')}
`);
    const r = await settle(h.run(yaml));
    expect(r.status).toBe('completed');
    expect(calls).toBe(12);
    expect(dataOf(h.events, 'breaker.opened')).toEqual([]);
  });
});

describe('the overhead rule compares with the operation alone', () => {
  // An after_step hook runs after the task: were its own time counted in the operation, a 52 ms hook on
  // a 1000 ms step would be judged against 5% of 1052 ms (52.6 ms) and stay on.
  for (const [hookMs, opens] of [
    [52, true],
    [48, false],
  ] as const) {
    it(`a ${hookMs} ms after_step hook on 1000 ms steps ${opens ? 'is switched off' : 'stays on'} (limit 5% = 50 ms)`, async () => {
      const h = hookHarness();
      let calls = 0;
      h.engine.hooks.register({ id: 'after', at: 'after_step', run: () => (calls++, new Promise((resolve) => setTimeout(() => resolve(undefined), hookMs))) });
      const yaml = wf(`steps:
${Array.from({ length: 12 }, (_, i) => `  - { id: s${i + 1}, tool: test.sleep, with: { ms: 1000 } }`).join('\n')}
`);
      const r = await settle(h.run(yaml));
      expect(r.status).toBe('completed');
      expect(calls).toBe(opens ? 10 : 12);
      expect(dataOf(h.events, 'breaker.opened').map((d) => d.opP95Ms)).toEqual(opens ? [1000] : []);
    });
  }
});

describe('the overhead rule at tool, pattern and run points', () => {
  // These hooks wrap the step's task too: a 4 ms hook on 100 ms steps is within 5% and stays on.
  // (Were no operation observed for them, the limit would be the 1 ms floor and they would be switched off.)
  const slow = (at: HookRegistration['at'], calls: { n: number }): HookRegistration => ({
    id: `slow-${String(at)}`,
    at,
    run: () => (calls.n++, new Promise((resolve) => setTimeout(() => resolve(undefined), 4))),
  });

  it('before_tool', async () => {
    const h = hookHarness();
    const calls = { n: 0 };
    h.engine.hooks.register(slow('before_tool', calls));
    const r = await settle(h.run(wf(`steps:
${Array.from({ length: 12 }, (_, i) => `  - { id: s${i + 1}, tool: test.sleep, with: { ms: 100 } }`).join('\n')}
`)));
    expect(r.status).toBe('completed');
    expect(calls.n).toBe(12);
    expect(dataOf(h.events, 'breaker.opened')).toEqual([]);
  });

  for (const point of ['before_branch', 'before_iteration'] as const) {
    it(point, async () => {
      const h = hookHarness();
      const calls = { n: 0 };
      h.engine.hooks.register(slow(point, calls));
      const r = await settle(h.run(wf(`steps:
  - id: loop
    loop:
      times: 12
      steps:
        - id: par
          parallel:
            - { id: p, tool: test.sleep, with: { ms: 100 } }
`)));
      expect(r.status).toBe('completed');
      expect(calls.n).toBe(12);
      expect(dataOf(h.events, 'breaker.opened')).toEqual([]);
    });
  }

  it('run_start (the operation is the run)', async () => {
    const h = hookHarness();
    const calls = { n: 0 };
    h.engine.hooks.register(slow('run_start', calls));
    for (let i = 0; i < 12; i++) expect((await settle(h.run(wf(`steps:\n  - { id: s, tool: test.sleep, with: { ms: 100 } }\n`)))).status).toBe('completed');
    expect(calls.n).toBe(12);
    expect(h.engine.breakers().find((b) => b.hookId === 'slow-run_start')?.state).toBe('closed');
  });
});

