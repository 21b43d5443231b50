/**
 * What each HookResult does, beyond the one-case-per-pair matrix: the modify waterfall, cancel with
 * onError/catch, redirect rules and limits, retry budgets and delays (fake clock), fork wait/detach
 * joins, cache hits, misses and ttl.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { probe } from '../engine/support.js';
import { dataOf, decided, hookHarness, settle, stepEvent, wf } from './support.js';

afterEach(() => vi.useRealTimers());

describe('modify: waterfall', () => {
  it('two hooks at one point: the second sees the first one`s patch (input before, output after)', async () => {
    const h = hookHarness();
    const r = await h.run(wf(`hooks:
  - { id: first-in, at: before_tool, do: { modify: { patch: { value: { text: hi, by: [first] } } } } }
  - { id: second-in, at: before_tool, do: { modify: { patch: { value: { text: "\${ input.value.text & ' there' }" } } } } }
  - { id: first-out, at: after_step, do: { modify: { patch: { n: 1 } } } }
  - { id: second-out, at: after_step, do: { modify: { patch: { n: "\${ output.n + 1 }", saw: "\${ output.text }" } } } }
steps:
  - id: a
    tool: test.echo
    with: { value: { text: original } }
`));
    expect(r.output).toEqual({ text: 'hi there', by: ['first'], n: 2, saw: 'hi there' });
    expect(decided(h.events, 'before_tool').map((d) => d.hookId)).toEqual(['first-in', 'second-in']);
  });

  it('arrays and scalars in a patch replace; objects merge key by key', async () => {
    const h = hookHarness();
    const r = await h.run(wf(`hooks:
  - { id: m, at: after_step, do: { modify: { patch: { list: [9], deep: { b: 2 }, s: new } } } }
steps:
  - id: a
    tool: test.echo
    with: { value: { list: [1, 2], deep: { a: 1 }, s: old } }
`));
    expect(r.output).toEqual({ list: [9], deep: { a: 1, b: 2 }, s: 'new' });
  });

  it('modify of a step without arguments is HOOK_RESULT_INVALID (the patch would have nothing to apply to)', async () => {
    const h = hookHarness();
    const r = await h.run(wf(`hooks:
  - { id: m, at: before_step, match: { step: s }, do: { modify: { patch: { x: 2 } } } }
steps:
  - id: s
    set: { x: 1 }
`));
    expect(r.status).toBe('failed');
    expect(r.error).toMatchObject({ code: 'HOOK_RESULT_INVALID', step: 's' });
    expect(r.error?.message).toContain('hook "m" at before_step returned modify, but step "s" (set) has no arguments to patch');
  });
});

describe('cancel', () => {
  it('the step ends cancelled with HOOK_CANCELLED; onError: continue lets the run go on', async () => {
    const h = hookHarness();
    const r = await h.run(wf(`hooks:
  - { id: no, at: before_step, match: { step: risky }, do: { cancel: "\${ 'too risky: ' & $string(input.a) }" } }
steps:
  - id: risky
    tool: test.add
    with: { a: 1, b: 2 }
    onError: continue
  - id: after
    tool: test.echo
    with: { value: "\${ [steps.risky.status, steps.risky.output, steps.risky.error.code, steps.risky.error.message] }" }
`));
    expect(r.output).toEqual(['cancelled', null, 'HOOK_CANCELLED', 'cancelled by hook "no" at before_step: too risky: 1']);
    expect(h.calls['test.add']).toBeUndefined();
    expect(stepEvent(h.events, 'step.cancelled', 'risky')).toMatchObject({ code: 'HOOK_CANCELLED' });
  });

  it('catch: steps run with `error` bound; their output becomes the step output', async () => {
    const h = hookHarness();
    const r = await h.run(wf(`hooks:
  - { id: no, at: before_tool, match: { tool: test.add }, do: { cancel: not now } }
steps:
  - id: risky
    tool: test.add
    with: { a: 1, b: 2 }
    catch:
      - id: fallback
        tool: test.echo
        with: { value: "\${ 'fallback after ' & error.code }" }
  - id: after
    tool: test.echo
    with: { value: "\${ steps.risky.output }" }
`));
    expect(r.output).toBe('fallback after HOOK_CANCELLED');
  });

  it('without onError/catch the run fails with the step`s HOOK_CANCELLED error', async () => {
    const h = hookHarness();
    const r = await h.run(wf(`hooks:
  - { id: no, at: before_step, match: { step: b }, do: { cancel: stop } }
steps:
  - { id: a, tool: test.echo, with: { value: 1 } }
  - { id: b, tool: test.echo, with: { value: 2 } }
  - { id: c, tool: test.echo, with: { value: 3 } }
`));
    expect(r).toMatchObject({ status: 'failed', error: { code: 'HOOK_CANCELLED', step: 'b', message: 'cancelled by hook "no" at before_step: stop' } });
    expect(h.calls['test.echo']).toBe(1);
  });
});

describe('redirect', () => {
  it('jumps back to an earlier step; revisited steps get an @N path; a `when` on vars ends the loop', async () => {
    const h = hookHarness();
    const r = await h.run(wf(`vars: { round: 0 }
hooks:
  - { id: again, at: after_step, match: { step: check }, when: "\${ vars.round < 3 }", do: { redirect: { to: work } } }
steps:
  - id: work
    set: { round: "\${ vars.round + 1 }" }
  - id: check
    tool: test.echo
    with: { value: "\${ vars.round }" }
`));
    expect(r.output).toBe(3);
    expect(dataOf(h.events, 'step.completed').map((d) => d.path)).toEqual(['work', 'check', 'work@2', 'check@2', 'work@3', 'check@3']);
  });

  it('a redirect from a nested step may target a step of an enclosing sequence', async () => {
    const h = hookHarness();
    const r = await h.run(wf(`hooks:
  - { id: out, at: before_step, match: { step: inner2 }, do: { redirect: { to: last } } }
steps:
  - id: group
    steps:
      - { id: inner1, tool: test.echo, with: { value: 1 } }
      - { id: inner2, tool: test.echo, with: { value: 2 } }
      - { id: inner3, tool: test.echo, with: { value: 3 } }
  - { id: skipped-too, tool: test.echo, with: { value: never } }
  - { id: last, tool: test.echo, with: { value: "\${ steps.group.output }" } }
`));
    expect(r.output).toBe(1);
    expect(dataOf(h.events, 'step.started').map((d) => d.path)).toEqual(['group', 'group/inner1', 'last']);
  });

  it('a YAML redirect to a step that does not exist is found by validation, before any run', () => {
    const h = hookHarness();
    expect(() =>
      h.load(wf(`hooks:
  - { id: bad, at: after_step, do: { redirect: { to: nowhere } } }
steps:
  - { id: a, tool: test.echo }
`)),
    ).toThrow(/redirect to unknown step "nowhere"/);
  });

  it('a code hook redirecting to a step outside every enclosing sequence fails the run with HOOK_RESULT_INVALID', async () => {
    const h = hookHarness();
    h.engine.hooks.register({ id: 'lost', at: 'after_step', match: { step: 'a' }, run: () => ({ action: 'redirect', to: 'ghost' }) });
    const r = await h.run(wf(`steps:
  - { id: a, tool: test.echo, with: { value: 1 } }
  - { id: b, tool: test.echo, with: { value: 2 } }
`));
    expect(r.status).toBe('failed');
    expect(r.error?.code).toBe('HOOK_RESULT_INVALID');
    expect(r.error?.message).toContain('redirect target "ghost" is not a step of the sequence it was issued in or of any enclosing sequence');
  });

  it('a redirect cannot leave a parallel branch', async () => {
    const h = hookHarness();
    const r = await h.run(wf(`hooks:
  - { id: escape, at: after_step, match: { step: p1 }, do: { redirect: { to: before } } }
steps:
  - { id: before, tool: test.echo, with: { value: 0 } }
  - id: par
    parallel:
      - { id: p1, tool: test.echo, with: { value: 1 } }
`));
    expect(r.status).toBe('failed');
    expect(r.error?.message).toContain('redirect to "before" cannot leave parallel branch "p1"');
  });
});

describe('retry', () => {
  it('waits `delay` on the clock between attempts; after `attempts` the step`s own outcome stands', async () => {
    vi.useFakeTimers();
    const h = hookHarness();
    const t0 = Date.now();
    const r = await settle(
      h.run(wf(`hooks:
  - { id: picky, at: after_step, match: { step: a }, do: { retry: { attempts: 2, delay: 1s } } }
steps:
  - id: a
    tool: test.flaky
    with: { key: k, failures: 0, value: final }
`)),
    );
    expect(r.output).toBe('final');
    expect(h.calls['test.flaky']).toBe(3);
    expect(dataOf(h.events, 'step.retrying')).toEqual([
      expect.objectContaining({ path: 'a', attempt: 1, delayMs: 1000, reason: 'hook' }),
      expect.objectContaining({ path: 'a', attempt: 2, delayMs: 1000, reason: 'hook' }),
    ]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2000);
  });

  it('step_error: a retry re-runs a failing step; once the budget is spent its own error stands', async () => {
    const h = hookHarness();
    const r = await h.run(wf(`hooks:
  - { id: again, at: step_error, do: { retry: { attempts: 2 } } }
steps:
  - id: a
    tool: test.fail
    with: { code: STILL_BROKEN }
`));
    expect(r.status).toBe('failed');
    expect(r.error?.code).toBe('STILL_BROKEN');
    expect(h.calls['test.fail']).toBe(3);
  });

  it('budgets are per hook: two retrying hooks give two extra attempts each', async () => {
    const h = hookHarness();
    h.engine.hooks.register({ id: 'one', at: 'step_error', run: () => ({ action: 'retry', attempts: 2 }) });
    h.engine.hooks.register({ id: 'two', at: 'step_error', order: -1, when: (ctx) => ctx.attempt >= 3, run: () => ({ action: 'retry', attempts: 2 }) });
    const r = await h.run(wf(`steps:
  - { id: a, tool: test.fail, with: { code: NOPE } }
`));
    expect(r.status).toBe('failed');
    expect(h.calls['test.fail']).toBe(5);
  });

  it('tool_error / after_tool retries stay inside the step attempt (same attempt number)', async () => {
    const h = hookHarness();
    const r = await h.run(wf(`hooks:
  - { id: again, at: tool_error, do: { retry: { attempts: 3 } } }
steps:
  - id: a
    tool: test.flaky
    with: { key: t, failures: 2, value: ok }
`));
    expect(r.output).toBe('ok');
    expect(h.calls['test.flaky']).toBe(3);
    expect(dataOf(h.events, 'step.started').map((d) => d.attempt)).toEqual([1]);
  });
});

describe('fork', () => {
  it('join: wait — branches run before the next step starts; outputs land in steps.<id>.forks', async () => {
    vi.useFakeTimers();
    const p = probe();
    const h = hookHarness({ tools: [p.tool] });
    const r = await settle(
      h.run(wf(`hooks:
  - id: fan
    at: after_step
    match: { step: plan }
    do:
      fork:
        forEach: "\${ output }"
        steps:
          - { id: work, tool: probe.work, with: { key: "\${ item }", ms: "\${ index * 10 + 10 }", value: "\${ 'did ' & item }" } }
steps:
  - { id: plan, tool: test.echo, with: { value: [x, y, z] } }
  - { id: next, tool: probe.work, with: { key: next, value: "\${ steps.plan.forks }" } }
`)),
    );
    expect(r.output).toEqual(['did x', 'did y', 'did z']);
    const next = p.calls.find((c) => c.key === 'next');
    for (const k of ['x', 'y', 'z']) expect(p.calls.find((c) => c.key === k)?.end).toBeLessThanOrEqual(next?.start as number);
    expect(stepEvent(h.events, 'step.completed', 'plan#fork[2]/work')).toBeDefined();
  });

  it('join: detach — the next step does not wait; the run joins the branches before it ends', async () => {
    vi.useFakeTimers();
    const p = probe();
    const h = hookHarness({ tools: [p.tool] });
    const run = h.run(wf(`hooks:
  - id: background
    at: after_step
    match: { step: plan }
    do:
      fork:
        join: detach
        branches:
          - { id: slow, tool: probe.work, with: { key: slow, ms: 500, value: late } }
steps:
  - { id: plan, tool: test.echo, with: { value: go } }
  - { id: next, tool: probe.work, with: { key: next, ms: 10, value: "\${ steps.plan.forks }" } }
`));
    const r = await settle(run);
    expect(r.status).toBe('completed');
    // next ran while the detached branch was still working; forks holds the outputs of `wait` forks only.
    expect(r.output).toEqual([]);
    const slow = p.calls.find((c) => c.key === 'slow');
    const next = p.calls.find((c) => c.key === 'next');
    expect(next?.end).toBeLessThan(slow?.end as number);
    // The run completed only after the detached branch did.
    const completedAt = h.events.findIndex((e) => e.type === 'run.completed');
    const slowDone = h.events.findIndex((e) => e.type === 'step.completed' && (e.data as { path: string }).path === 'plan#fork[0]/slow');
    expect(slowDone).toBeGreaterThan(-1);
    expect(slowDone).toBeLessThan(completedAt);
  });

  it('a failing wait-fork branch fails the origin step', async () => {
    const h = hookHarness();
    const r = await h.run(wf(`hooks:
  - id: fan
    at: before_step
    match: { step: a }
    do:
      fork:
        branches:
          - { id: ok, tool: test.echo, with: { value: 1 } }
          - { id: boom, tool: test.fail, with: { code: BRANCH_DOWN } }
steps:
  - { id: a, tool: test.echo, with: { value: a } }
`));
    expect(r.status).toBe('failed');
    expect(r.error?.code).toBe('BRANCH_DOWN');
  });
});

describe('cache', () => {
  it('miss: execute and store; hit: served from the cache (not executed, step.cached); expired after ttl', async () => {
    vi.useFakeTimers();
    const h = hookHarness();
    const yaml = wf(`hooks:
  - { id: memo, at: before_step, match: { step: sum }, do: { cache: { key: "\${ 'sum:' & $string(input.a) }", ttl: 1m } } }
steps:
  - { id: sum, tool: test.add, with: { a: "\${ input.a }", b: 1 } }
`);
    expect((await settle(h.run(yaml, { a: 1 }))).output).toBe(2);
    expect((await settle(h.run(yaml, { a: 1 }))).output).toBe(2);
    expect(h.calls['test.add']).toBe(1);
    expect(dataOf(h.events, 'step.cached')).toEqual([expect.objectContaining({ path: 'sum', key: 'sum:1' })]);
    // Another key is a miss.
    expect((await settle(h.run(yaml, { a: 5 }))).output).toBe(6);
    expect(h.calls['test.add']).toBe(2);
    // After the ttl the entry is gone: executed again.
    await vi.advanceTimersByTimeAsync(61_000);
    expect((await settle(h.run(yaml, { a: 1 }))).output).toBe(2);
    expect(h.calls['test.add']).toBe(3);
  });

  it('without a key: a stable hash of workflow, step and canonical input (key order does not matter)', async () => {
    const h = hookHarness();
    const yaml = (args: string): string =>
      wf(`hooks:
  - { id: memo, at: before_tool, do: { cache: {} } }
steps:
  - { id: sum, tool: test.add, with: ${args} }
`);
    await h.run(yaml('{ a: 1, b: 2 }'));
    await h.run(yaml('{ b: 2, a: 1 }'));
    await h.run(yaml('{ a: 2, b: 2 }'));
    expect(h.calls['test.add']).toBe(2);
  });

  it('a failing step is never cached', async () => {
    const h = hookHarness();
    const yaml = wf(`hooks:
  - { id: memo, at: before_step, do: { cache: { key: fixed } } }
steps:
  - { id: f, tool: test.flaky, with: { key: c, failures: 1, value: ok }, onError: continue }
`);
    await h.run(yaml);
    const second = await h.run(yaml);
    expect(second.output).toBe('ok');
    expect(h.calls['test.flaky']).toBe(2);
  });
});

describe('skip', () => {
  it('before_tool skip ends the step skipped; a failing step_skip hook on that path fails the step', async () => {
    const h = hookHarness();
    h.engine.hooks.register({ id: 'not-now', at: 'before_tool', run: () => ({ action: 'skip', reason: 'later' }) });
    h.engine.hooks.register({ id: 'bad-observer', at: 'step_skip', run: () => ({ action: 'skip' }) });
    const r = await h.run(wf(`steps:
  - { id: a, tool: test.echo, with: { value: 1 } }
`));
    expect(r.status).toBe('failed');
    expect(r.error?.code).toBe('HOOK_RESULT_INVALID');
    expect((await h.engine.store.getSteps(r.runId))[0]?.status).toBe('failed');
  });
});
