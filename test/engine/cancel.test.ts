/**
 * Cancellation: engine.cancel and the caller's AbortSignal stop a live run — the running tool sees its
 * signal abort, nothing after it starts, onError/catch do not swallow it — and a suspended run is
 * marked cancelled in the store.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadWorkflowText } from '../../src/index.js';
import { harness, wf } from '../helpers.js';
import { pathsOf, probe } from './support.js';

const def = (body: string) => loadWorkflowText(wf(body), `/virtual/cancel-${Math.random().toString(36).slice(2)}.yaml`);

describe('cancellation', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('engine.cancel aborts the running tool, skips the rest, and ends the run cancelled', async () => {
    const p = probe();
    const h = harness({ tools: [p.tool] });
    const run = h.engine.run(
      def(`steps:
  - id: slow
    tool: probe.work
    with: { key: slow, ms: 10000 }
    onError: continue
    catch:
      - { id: handler, tool: test.echo, with: { value: caught } }
  - id: next
    tool: test.echo
    with: { value: never }
`),
      {},
      { runId: 'to-cancel' },
    );
    await vi.advanceTimersByTimeAsync(100);
    const ack = await h.engine.cancel('to-cancel', 'operator said stop');
    expect(ack.runId).toBe('to-cancel');
    const r = await run;
    await h.engine.bus.drain();
    expect(r).toMatchObject({ status: 'cancelled', output: null, error: { code: 'CANCELLED', message: 'operator said stop' } });
    expect(p.calls[0]).toMatchObject({ aborted: true, abortCode: 'CANCELLED' });
    expect(h.calls['test.echo']).toBeUndefined();
    expect(pathsOf(h.events, 'step.cancelled')).toEqual(['slow']);
    expect(h.events.at(-1)?.type).toBe('run.cancelled');
    const stored = await h.engine.store.getRun('to-cancel');
    expect(stored).toMatchObject({ status: 'cancelled', error: { code: 'CANCELLED' } });
  });

  it('the caller\'s AbortSignal cancels the run, inside nested patterns too', async () => {
    const p = probe();
    const h = harness({ tools: [p.tool] });
    const ac = new AbortController();
    const run = h.engine.run(
      def(`steps:
  - id: l
    loop:
      times: 3
      steps:
        - id: fan
          parallel:
            - { id: a, tool: probe.work, with: { key: "a\${ index }", ms: 100 } }
            - { id: b, tool: probe.work, with: { key: "b\${ index }", ms: 1000 } }
`),
      {},
      { signal: ac.signal },
    );
    await vi.advanceTimersByTimeAsync(500);
    ac.abort();
    const r = await run;
    expect(r.status).toBe('cancelled');
    expect(p.calls.map((c) => [c.key, c.aborted ?? false])).toEqual([
      ['a0', false],
      ['b0', true],
    ]);
  });

  it('cancels a durable wait', async () => {
    const h = harness();
    const run = h.engine.run(def(`steps:
  - id: pause
    wait: 1h
`), {}, { runId: 'waiting' });
    await vi.advanceTimersByTimeAsync(1000);
    await h.engine.cancel('waiting');
    expect((await run).status).toBe('cancelled');
  });

  it('a suspended run is cancelled in the store; a finished run keeps its result', async () => {
    const h = harness();
    const r = await h.run(wf(`steps:
  - id: approve
    wait: { signal: ok }
`));
    expect(r.status).toBe('suspended');
    const c = await h.engine.cancel(r.runId, 'no longer needed');
    expect(c).toMatchObject({ status: 'cancelled', error: { code: 'CANCELLED', message: 'no longer needed' } });
    expect((await h.engine.store.getRun(r.runId))?.status).toBe('cancelled');
    await expect(h.engine.signal(r.runId, 'ok')).rejects.toThrow(/already cancelled/);
    const done = await h.run(wf(`steps:
  - { id: a, tool: test.echo, with: { value: 1 } }
`));
    expect(await h.engine.cancel(done.runId)).toEqual(done);
  });

  it('a run_start hook can cancel the run before any step', async () => {
    const h = harness();
    h.engine.hooks.register({ id: 'closed', at: 'run_start', run: () => ({ action: 'cancel', reason: 'maintenance' }) });
    const r = await h.run(wf(`steps:
  - { id: a, tool: test.echo, with: { value: 1 } }
`));
    expect(r.status).toBe('cancelled');
    expect(r.error?.message).toMatch(/cancelled by hook "closed" at run_start: maintenance/);
    expect(h.calls['test.echo']).toBeUndefined();
  });
});
