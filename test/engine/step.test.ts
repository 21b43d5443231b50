/**
 * The common step keys end to end: when, timeout, onError, catch, output, export, step-scoped hooks,
 * and the order in which a step applies them.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { HookContext } from '../../src/index.js';
import { harness, wf } from '../helpers.js';
import { eventAt, pathsOf, probe } from './support.js';

describe('when', () => {
  it('a falsy guard skips the step: status skipped, output null, step.skipped event and step_skip hook', async () => {
    const h = harness();
    const seen: HookContext[] = [];
    h.engine.hooks.register({ id: 'obs', at: ['step_skip', 'before_step'], run: (ctx) => void seen.push(ctx) });
    const r = await h.run(wf(`steps:
  - id: guarded
    when: \${ input.go }
    tool: test.echo
    with: { value: ran }
  - id: report
    tool: test.echo
    with: { value: "\${ steps.guarded.status & ':' & $string(steps.guarded.output) & ':' & $string(steps.guarded.attempts) }" }
`), { go: false });
    expect(r.output).toBe('skipped:null:0');
    expect(eventAt(h.events, 'step.skipped', 'guarded')).toMatchObject({ reason: 'when guard is false' });
    // The guard runs before before_step hooks: a skipped step never reaches them.
    expect(seen.map((c) => `${c.point}:${c.step?.id}`)).toEqual(['step_skip:guarded', 'before_step:report']);
    expect((seen[0] as HookContext).metadata).toMatchObject({ cause: 'when' });
    const rec = (await h.engine.store.getSteps(r.runId)).find((s) => s.path === 'guarded');
    expect(rec).toMatchObject({ status: 'skipped', output: null, attempt: 0 });
  });

  it('a truthy guard runs the step', async () => {
    const h = harness();
    const r = await h.run(wf(`steps:
  - id: guarded
    when: \${ input.go }
    tool: test.echo
    with: { value: ran }
`), { go: 'yes' });
    expect(r.output).toBe('ran');
  });

  it('a guard on a composite step skips its whole body', async () => {
    const h = harness();
    const r = await h.run(wf(`steps:
  - id: first
    tool: test.echo
    with: { value: 1 }
  - id: block
    when: \${ false }
    steps:
      - id: inner
        tool: test.echo
        with: { value: 2 }
`));
    expect(r.output).toBe(1);
    expect(pathsOf(h.events, 'step.started')).toEqual(['first']);
  });
});

describe('timeout', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('expiry fails the attempt with TIMEOUT and aborts the tool through its signal', async () => {
    const p = probe();
    const h = harness({ tools: [p.tool] });
    const run = h.run(wf(`steps:
  - id: slow
    tool: probe.work
    with: { key: s, ms: 10000 }
    timeout: 250ms
`));
    await vi.advanceTimersByTimeAsync(249);
    expect(p.calls[0]?.aborted).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    const r = await run;
    expect(r.error).toMatchObject({ code: 'TIMEOUT', step: 'slow' });
    expect(r.error?.message).toMatch(/timed out after 250 ms \(attempt 1\)/);
    expect(p.calls[0]).toMatchObject({ aborted: true, abortCode: 'TIMEOUT' });
  });

  it('applies per attempt: a retried attempt gets a fresh timeout', async () => {
    let n = 0;
    const h = harness({
      tools: [{ name: 'slow.then.fast', run: (_a: unknown, ctx) => new Promise((res, rej) => {
        const t = setTimeout(() => res('fast'), ++n === 1 ? 1000 : 80);
        ctx.signal.addEventListener('abort', () => { clearTimeout(t); rej(ctx.signal.reason); });
      }) }],
    });
    const run = h.run(wf(`steps:
  - id: s
    tool: slow.then.fast
    timeout: 100
    retry: { attempts: 2, delay: 50 }
`));
    await vi.advanceTimersByTimeAsync(100 + 50 + 80);
    const r = await run;
    expect(r).toMatchObject({ status: 'completed', output: 'fast' });
    expect(h.events.filter((e) => e.type === 'step.retrying').map((e) => (e.data as { error: { code: string } }).error.code)).toEqual(['TIMEOUT']);
  });

  it('on a composite step bounds the whole body and aborts the running child', async () => {
    const p = probe();
    const h = harness({ tools: [p.tool] });
    const run = h.run(wf(`steps:
  - id: block
    timeout: 1s
    steps:
      - { id: a, tool: probe.work, with: { key: a, ms: 600 } }
      - { id: b, tool: probe.work, with: { key: b, ms: 600 } }
`));
    await vi.advanceTimersByTimeAsync(1000);
    const r = await run;
    expect(r.error).toMatchObject({ code: 'TIMEOUT', step: 'block' });
    expect(p.calls.map((c) => [c.key, c.aborted ?? false])).toEqual([['a', false], ['b', true]]);
  });

  it('an enclosing timeout is not caught by the catch of the step it interrupts; the enclosing step\'s catch handles it', async () => {
    const p = probe();
    const h = harness({ tools: [p.tool] });
    const run = h.run(wf(`steps:
  - id: block
    timeout: 100
    catch:
      - id: outer_handler
        tool: test.echo
        with: { value: "\${ 'outer caught ' & error.code }" }
    steps:
      - id: inner
        tool: probe.work
        with: { key: inner, ms: 1000 }
        onError: continue
        catch:
          - id: inner_handler
            tool: test.echo
            with: { value: inner caught }
`));
    await vi.advanceTimersByTimeAsync(100);
    const r = await run;
    expect(r).toMatchObject({ status: 'completed', output: 'outer caught TIMEOUT' });
    expect(pathsOf(h.events, 'step.started')).not.toContain('block/inner!catch/inner_handler');
    expect(p.calls[0]).toMatchObject({ aborted: true, abortCode: 'TIMEOUT' });
  });

  it('defaults.timeout applies to task steps, not to composite steps', async () => {
    const p = probe();
    const h = harness({ tools: [p.tool] });
    const run = h.run(wf(`defaults: { timeout: 100 }
steps:
  - id: block
    steps:
      - { id: a, tool: probe.work, with: { key: a, ms: 90 } }
      - { id: b, tool: probe.work, with: { key: b, ms: 90 } }
      - { id: c, tool: probe.work, with: { key: c, ms: 150 } }
`));
    await vi.advanceTimersByTimeAsync(300);
    const r = await run;
    expect(r.error).toMatchObject({ code: 'TIMEOUT', step: 'block/c' });
  });
});

describe('onError and catch', () => {
  it('onError: continue records the error, leaves output null and the run goes on', async () => {
    const h = harness();
    const r = await h.run(wf(`steps:
  - id: bad
    tool: test.fail
    with: { code: E_X, message: broken }
    onError: continue
  - id: next
    tool: test.echo
    with: { value: "\${ steps.bad.status & '|' & steps.bad.error.code & '|' & steps.bad.error.message & '|' & $string(steps.bad.output) }" }
`));
    expect(r).toMatchObject({ status: 'completed', output: 'failed|E_X|broken|null' });
    const rec = (await h.engine.store.getSteps(r.runId)).find((s) => s.path === 'bad');
    expect(rec).toMatchObject({ status: 'failed', output: null, error: { code: 'E_X', message: 'broken', step: 'bad' } });
  });

  it('onError: continue still counts the step as executed: a sequence ending in it outputs null', async () => {
    const h = harness();
    const r = await h.run(wf(`steps:
  - id: a
    tool: test.echo
    with: { value: 1 }
  - id: bad
    tool: test.fail
    onError: continue
`));
    expect(r).toMatchObject({ status: 'completed', output: null });
  });

  it('defaults.onError applies to every step', async () => {
    const h = harness();
    const r = await h.run(wf(`defaults: { onError: continue }
steps:
  - id: bad
    tool: test.fail
  - id: ok
    tool: test.echo
    with: { value: fine }
`));
    expect(r.output).toBe('fine');
  });

  it('catch runs on final failure with error bound; its last output becomes the step output', async () => {
    const h = harness();
    const r = await h.run(wf(`steps:
  - id: risky
    tool: test.flaky
    with: { key: r, failures: 5, code: E_FLAKY }
    retry: { attempts: 2 }
    catch:
      - id: log
        tool: test.echo
        with: { value: "\${ error.code }" }
      - id: fallback
        tool: test.echo
        with: { value: "\${ 'fallback after ' & error.message }" }
  - id: next
    tool: test.echo
    with: { value: "\${ steps.risky.output & ' / ' & steps.risky.status & ' / ' & steps.risky.error.code & ' / ' & steps.log.output }" }
`));
    expect(r.output).toBe('fallback after flaky failure 2 / failed / E_FLAKY / E_FLAKY');
    expect(h.calls['test.flaky']).toBe(2);
    expect(pathsOf(h.events, 'step.completed')).toEqual(['risky!catch/log', 'risky!catch/fallback', 'next']);
  });

  it('a failing catch fails the step with the catch error', async () => {
    const h = harness();
    const r = await h.run(wf(`steps:
  - id: risky
    tool: test.fail
    with: { code: FIRST }
    catch:
      - id: handler
        fail: { code: SECOND, message: "handler gave up on \${ error.code }" }
`));
    expect(r.error).toMatchObject({ code: 'SECOND', message: 'handler gave up on FIRST', step: 'risky!catch/handler' });
  });

  it('catch takes precedence over onError: continue', async () => {
    const h = harness();
    const r = await h.run(wf(`steps:
  - id: risky
    tool: test.fail
    onError: continue
    catch:
      - id: handler
        tool: test.echo
        with: { value: caught }
`));
    expect(r.output).toBe('caught');
  });
});

describe('output and export', () => {
  it('output: binds result to the raw result; the value becomes the step output', async () => {
    const h = harness();
    const r = await h.run(wf(`steps:
  - id: a
    tool: test.echo
    with: { value: { items: [1, 2, 3] } }
    output: \${ $sum(result.items) }
  - id: b
    tool: test.echo
    with: { value: "\${ steps.a.output * 10 }" }
`));
    expect(r.output).toBe(60);
  });

  it('export writes run variables after success, from the final output', async () => {
    const h = harness();
    const r = await h.run(wf(`vars: { total: 100 }
steps:
  - id: a
    tool: test.echo
    with: { value: 5 }
    output: \${ result * 2 }
    export:
      total: \${ vars.total + output }
      seen: \${ result }
  - id: b
    tool: test.echo
    with: { value: "\${ vars }" }
`));
    expect(r.output).toEqual({ total: 110, seen: 10 });
  });

  it('output and export work on composite steps too (result = the pattern output)', async () => {
    const h = harness();
    const r = await h.run(wf(`steps:
  - id: fan
    output: \${ result.x + result.y }
    export: { sum: "\${ output * 10 }" }
    parallel:
      - { id: x, tool: test.echo, with: { value: 1 } }
      - { id: y, tool: test.echo, with: { value: 2 } }
  - id: show
    tool: test.echo
    with: { value: "\${ [steps.fan.output, vars.sum] }" }
`));
    expect(r.output).toEqual([3, 30]);
  });

  it('export does not run when the step fails, even with catch or onError: continue', async () => {
    const h = harness();
    const r = await h.run(wf(`vars: { x: unset }
steps:
  - id: a
    tool: test.fail
    onError: continue
    export: { x: a }
  - id: b
    tool: test.fail
    catch:
      - { id: c, tool: test.echo, with: { value: 1 } }
    export: { x: b }
  - id: show
    tool: test.echo
    with: { value: "\${ vars.x }" }
`));
    expect(r.output).toBe('unset');
  });

  it('an output transform that fails is an EXPRESSION error naming the step', async () => {
    const h = harness();
    const r = await h.run(wf(`steps:
  - id: a
    tool: test.echo
    with: { value: 1 }
    output: \${ $notAFunction(result) }
`));
    expect(r.error).toMatchObject({ code: 'EXPRESSION', step: 'a' });
  });
});

describe('order of a step', () => {
  it('when → before_step → attempt (task, output) → after_step → export', async () => {
    const h = harness();
    const trail: string[] = [];
    h.engine.hooks.register({
      id: 'trail',
      at: ['before_step', 'after_step', 'before_tool', 'after_tool'],
      match: { step: 'a' },
      run: (ctx) => {
        trail.push(`${ctx.point}:${JSON.stringify(ctx.output ?? ctx.input)}`);
        if (ctx.point === 'before_step') return { action: 'modify', patch: { value: 7 } };
        if (ctx.point === 'after_step') return { action: 'replace', value: (ctx.output as number) + 1 };
        return undefined;
      },
    });
    const r = await h.run(wf(`steps:
  - id: a
    tool: test.echo
    with: { value: 1 }
    output: \${ result * 10 }
    export: { v: "\${ output }" }
  - id: b
    tool: test.echo
    with: { value: "\${ [vars.v, steps.a.output] }" }
`));
    expect(trail).toEqual(['before_step:{"value":1}', 'before_tool:{"value":7}', 'after_tool:7', 'after_step:70']);
    expect(r.output).toEqual([71, 71]);
  });
});

describe('step-scoped hooks', () => {
  it('apply to the step and everything nested in it, not to its siblings', async () => {
    const h = harness();
    const r = await h.run(wf(`steps:
  - id: block
    hooks:
      - id: shout
        at: after_step
        when: \${ $type(output) = 'string' }
        do: { replace: { value: "\${ $uppercase(output) }" } }
    steps:
      - id: inner
        tool: test.echo
        with: { value: quiet }
      - id: deeper
        steps:
          - id: leaf
            tool: test.echo
            with: { value: leaf }
  - id: sibling
    tool: test.echo
    with: { value: "\${ steps.inner.output & ',' & steps.leaf.output & ',' & 'calm' }" }
`));
    expect(r.output).toBe('QUIET,LEAF,calm');
  });

  it('a step hook can rescue a failing nested step through step_error retry', async () => {
    const h = harness();
    const r = await h.run(wf(`steps:
  - id: block
    hooks:
      - id: again
        at: step_error
        do: { retry: { attempts: 2 } }
    steps:
      - id: x
        tool: test.flaky
        with: { key: x, failures: 2, value: ok }
`));
    expect(r.output).toBe('ok');
    expect(h.calls['test.flaky']).toBe(3);
  });
});
