import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { harness, wf } from '../helpers.js';

describe('engine smoke', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('retries with exponential backoff on the fake clock', async () => {
    const h = harness();
    const p = h.run(wf(`steps:
  - id: f
    tool: test.flaky
    with: { key: a, failures: 2, value: done }
    retry: { attempts: 3, delay: 100, backoff: exponential }
`));
    await vi.advanceTimersByTimeAsync(99);
    expect(h.calls['test.flaky']).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(h.calls['test.flaky']).toBe(2);
    await vi.advanceTimersByTimeAsync(199);
    expect(h.calls['test.flaky']).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    const r = await p;
    expect(r.status).toBe('completed');
    expect(r.output).toBe('done');
    expect(h.events.filter((e) => e.type === 'step.retrying').map((e) => (e.data as { delayMs: number }).delayMs)).toEqual([100, 200]);
  });

  it('times out an attempt and aborts the tool', async () => {
    const h = harness();
    const p = h.run(wf(`steps:
  - id: slow
    tool: test.sleep
    with: { ms: 5000 }
    timeout: 1s
`));
    await vi.advanceTimersByTimeAsync(1000);
    const r = await p;
    expect(r.status).toBe('failed');
    expect(r.error?.code).toBe('TIMEOUT');
    expect(r.error?.step).toBe('slow');
  });

  it('runs catch steps with error bound and continues', async () => {
    const h = harness();
    const r = await h.run(wf(`steps:
  - id: bad
    tool: test.fail
    with: { code: E1, message: nope }
    catch:
      - id: handle
        tool: test.echo
        with: { value: "\${ 'caught ' & error.code }" }
  - id: after
    tool: test.echo
    with: { value: "\${ steps.bad.output }" }
`));
    expect(r.status).toBe('completed');
    expect(r.output).toBe('caught E1');
  });
});
