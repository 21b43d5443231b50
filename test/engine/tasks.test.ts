/**
 * Task steps end to end: set, emit, fail, wait (delay and signal), sub-workflows and tool modules.
 */
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { UniversalEvent } from '../../src/index.js';
import { harness, wf } from '../helpers.js';
import { pathsOf } from './support.js';

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/engine/${name}`, import.meta.url));

describe('set', () => {
  it('writes vars; the output is the object written; values see the vars as they were before the step', async () => {
    const h = harness();
    const r = await h.run(wf(`vars: { a: 1 }
steps:
  - id: s
    set:
      a: \${ vars.a + 10 }
      b: \${ vars.a }
      c: literal
  - id: show
    tool: test.echo
    with: { value: "\${ { 'out': steps.s.output, 'vars': vars } }" }
`));
    expect(r.output).toEqual({ out: { a: 11, b: 1, c: 'literal' }, vars: { a: 11, b: 1, c: 'literal' } });
  });

  it('vars written inside a loop are visible to the next iteration and after the loop', async () => {
    const h = harness();
    const r = await h.run(wf(`vars: { acc: [] }
steps:
  - id: l
    loop:
      forEach: [x, y, z]
      collect: none
      steps:
        - id: push
          set: { acc: "\${ $append(vars.acc, item) }" }
  - id: show
    tool: test.echo
    with: { value: "\${ vars.acc }" }
`));
    expect(r.output).toEqual(['x', 'y', 'z']);
  });
});

describe('emit', () => {
  it('publishes user.<name> on the bus with the data; the output describes the event', async () => {
    const h = harness();
    const got: UniversalEvent[] = [];
    h.engine.bus.subscribe('user.**', (e) => void got.push(e));
    const r = await h.run(wf(`steps:
  - id: e
    emit:
      event: order.shipped
      data: { id: "\${ input.id }", n: 2 }
`), { id: 'A-1' });
    expect(got).toHaveLength(1);
    const ev = got[0] as UniversalEvent;
    expect(ev).toMatchObject({ type: 'user.order.shipped', runId: r.runId, data: { id: 'A-1', n: 2 }, source: { language: 'yaml' } });
    expect(r.output).toEqual({ id: ev.id, event: 'order.shipped', data: { id: 'A-1', n: 2 } });
    const journal = await h.engine.store.getEvents(r.runId, { types: ['user.order.shipped'] });
    expect(journal.map((e) => e.id)).toEqual([ev.id]);
  });

  it('emit without data publishes null data', async () => {
    const h = harness();
    const r = await h.run(wf(`steps:
  - id: e
    emit: { event: ping }
`));
    expect(r.output).toMatchObject({ event: 'ping', data: null });
    expect(h.events.some((e) => e.type === 'user.ping')).toBe(true);
  });
});

describe('fail', () => {
  it('raises its own code and message (expressions allowed), naming the step', async () => {
    const h = harness();
    const r = await h.run(wf(`steps:
  - id: check
    fail: { code: "E_\${ $uppercase(input.why) }", message: "refused: \${ input.why }" }
`), { why: 'late' });
    expect(r).toMatchObject({ status: 'failed', error: { code: 'E_LATE', message: 'refused: late', step: 'check' } });
  });

  it('defaults its code to FAILED', async () => {
    const h = harness();
    const r = await h.run(wf(`steps:
  - id: check
    fail: { message: nope }
`));
    expect(r.error).toMatchObject({ code: 'FAILED', message: 'nope' });
  });

  it('can be caught', async () => {
    const h = harness();
    const r = await h.run(wf(`steps:
  - id: check
    fail: { code: E_USER, message: stop }
    catch:
      - id: c
        tool: test.echo
        with: { value: "\${ error.code & ':' & error.message }" }
`));
    expect(r.output).toBe('E_USER:stop');
  });
});

describe('wait', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('wait: <duration> sleeps on the clock and outputs null', async () => {
    const h = harness();
    const t0 = Date.now();
    const run = h.run(wf(`steps:
  - id: pause
    wait: 2s
  - id: after
    tool: test.echo
    with: { value: "\${ $string(steps.pause.output) }" }
`));
    await vi.advanceTimersByTimeAsync(1999);
    expect(h.calls['test.echo']).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    const r = await run;
    expect(r.output).toBe('null');
    expect(Date.now() - t0).toBe(2000);
  });

  it('the duration may be an expression', async () => {
    const h = harness();
    const run = h.run(wf(`steps:
  - id: pause
    wait: \${ input.ms }
  - id: after
    tool: test.echo
    with: { value: done }
`), { ms: 1500 });
    await vi.advanceTimersByTimeAsync(1499);
    expect(h.calls['test.echo']).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect((await run).output).toBe('done');
    const bad = h.run(wf(`steps:
  - id: pause
    wait: \${ input.ms }
`), { ms: 'soon' });
    expect((await bad).error).toMatchObject({ code: 'EXPRESSION', step: 'pause' });
  });

  it('wait: {signal} suspends the run; the signal data becomes the output', async () => {
    const h = harness();
    const r = await h.run(wf(`steps:
  - id: approve
    wait: { signal: approval }
  - id: after
    tool: test.echo
    with: { value: "\${ steps.approve.output.by }" }
`));
    expect(r.status).toBe('suspended');
    expect((await h.engine.store.getRun(r.runId))?.status).toBe('suspended');
    const done = await h.engine.signal(r.runId, 'approval', { by: 'ada' });
    expect(done).toMatchObject({ status: 'completed', output: 'ada' });
  });

  it('wait: {signal, timeout} fails with SIGNAL_TIMEOUT when resumed after the deadline', async () => {
    const h = harness();
    const r = await h.run(wf(`steps:
  - id: approve
    wait: { signal: approval, timeout: 1m }
`));
    expect(r.status).toBe('suspended');
    await vi.advanceTimersByTimeAsync(60_000);
    const resumed = await h.engine.resume(r.runId);
    expect(resumed.error).toMatchObject({ code: 'SIGNAL_TIMEOUT', step: 'approve' });
  });
});

describe('sub-workflows', () => {
  it('runs the child with its input; the output is the child output; the child run is linked', async () => {
    const h = harness();
    const r = await h.engine.run(fixture('parent.yaml'), { n: 4 });
    expect(r).toMatchObject({ status: 'completed', output: 9 });
    const childId = `${r.runId}.call`;
    const child = await h.engine.store.getRun(childId);
    expect(child).toMatchObject({ workflow: 'child', version: 2, status: 'completed', parentRunId: r.runId, parentStepPath: 'call', input: { n: 4, failWith: null }, output: { doubled: 8, run: 'child' } });
    const steps = await h.engine.store.getSteps(childId);
    expect(steps.map((s) => `${s.path}:${s.status}`).sort()).toEqual(['double:completed', 'maybe-fail:skipped']);
    const events = await h.engine.store.getEvents(childId);
    expect(new Set(events.map((e) => e.correlationId))).toEqual(new Set([r.runId]));
  });

  it('a child failure fails the parent step with the child\'s code', async () => {
    const h = harness();
    const r = await h.engine.run(fixture('parent.yaml'), { n: 1, failWith: 'CHILD_BROKE' });
    expect(r.status).toBe('failed');
    expect(r.error).toMatchObject({ code: 'CHILD_BROKE', step: 'call' });
    expect(r.error?.message).toMatch(/sub-workflow "child" \(run .*\.call\) failed: child asked to fail with CHILD_BROKE/);
    expect((await h.engine.store.getRun(`${r.runId}.call`))?.status).toBe('failed');
  });

  it('input that does not match the child schema fails the step with INPUT', async () => {
    const h = harness();
    const r = await h.engine.run(fixture('parent.yaml'), { n: 'four' });
    expect(r.error).toMatchObject({ code: 'INPUT', step: 'call' });
  });
});

describe('sub-workflow cancellation', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('cancelling the parent cancels the running child', async () => {
    const h = harness();
    // Loaded up front: file reads are real I/O, which the fake clock does not wait for.
    await Promise.all([h.engine.load(fixture('slow-parent.yaml')), h.engine.load(fixture('slow-child.yaml'))]);
    const run = h.engine.run(fixture('slow-parent.yaml'), { ms: 10_000 }, { runId: 'parent-1' });
    await vi.advanceTimersByTimeAsync(100);
    expect((await h.engine.store.getRun('parent-1.call'))?.status).toBe('running');
    await h.engine.cancel('parent-1', 'stop the family');
    const r = await run;
    expect(r).toMatchObject({ status: 'cancelled', error: { code: 'CANCELLED', message: 'stop the family' } });
    expect((await h.engine.store.getRun('parent-1.call'))?.status).toBe('cancelled');
  });

  it('a timeout on the workflow step aborts the child with TIMEOUT', async () => {
    const h = harness();
    await h.engine.load(fixture('slow-child.yaml'));
    const run = h.run(wf(`steps:
  - id: call
    workflow: ${fixture('slow-child.yaml')}
    with: { ms: 10000 }
    timeout: 1s
`));
    await vi.advanceTimersByTimeAsync(1000);
    const r = await run;
    expect(r.error).toMatchObject({ code: 'TIMEOUT', step: 'call' });
    expect((await h.engine.store.getRun(`${r.runId}.call`))?.status).toBe('cancelled');
  });
});

describe('tool modules', () => {
  it('a workflow names its modules under `tools:`, resolved relative to the file', async () => {
    const h = harness();
    const r = await h.engine.run(fixture('uses-tools.yaml'), { name: 'Ada', values: [1, 2, 3.5] });
    expect(r).toMatchObject({ status: 'completed', output: 'hello Ada! (greet) / 6.5' });
  });

  it('arguments are validated against the tool input schema: TOOL_INPUT names the field', async () => {
    const h = harness();
    const r = await h.engine.run(fixture('uses-tools.yaml'), { name: 42, values: [] });
    expect(r.status).toBe('failed');
    expect(r.error).toMatchObject({ code: 'TOOL_INPUT', step: 'greet' });
    expect(r.error?.message).toMatch(/name/);
  });

  it('an unknown tool is refused before the run starts, naming file, line and tool', async () => {
    const h = harness();
    await expect(h.run(wf(`steps:
  - id: x
    tool: no.such.tool
`))).rejects.toThrow(/test-\d+\.yaml:4:5: unknown tool "no.such.tool" \(at steps\[0\]\); hint: register it with --tools/);
    expect(pathsOf(h.events, 'step.started')).toEqual([]);
  });
});
