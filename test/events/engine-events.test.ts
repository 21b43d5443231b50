/**
 * Events as the engine publishes them: gap-free per-run seq across parallel branches, causation links
 * (fork → branches → steps, retry → the failed attempt), the same envelope on the bus and in the journal.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadWorkflowText, type UniversalEvent } from '../../src/index.js';
import { harness, wf } from '../helpers.js';

function byId(events: UniversalEvent[]): Map<string, UniversalEvent> {
  return new Map(events.map((e) => [e.id, e]));
}

describe('engine events', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('seq is gap-free per run across parallel branches, and the journal holds the same envelopes', async () => {
    const h = harness();
    const branches = Array.from({ length: 8 }, (_, i) => `      - id: b${i}\n        tool: test.sleep\n        with: { ms: ${(i * 7) % 5} }\n`).join('');
    const p = h.run(wf(`steps:\n  - id: fan\n    parallel:\n${branches}    concurrency: 3\n  - id: after\n    tool: test.echo\n    with: { value: done }\n`));
    await vi.runAllTimersAsync();
    const r = await p;
    expect(r.status).toBe('completed');
    const mine = h.events.filter((e) => e.runId === r.runId);
    expect(mine.map((e) => e.seq)).toEqual(mine.map((_, i) => i + 1));
    expect(new Set(mine.map((e) => e.correlationId))).toEqual(new Set([r.runId]));
    const journal = await h.engine.store.getEvents(r.runId);
    expect(journal.map((e) => e.seq)).toEqual(mine.map((e) => e.seq));
    expect(journal.map((e) => e.type)).toEqual(mine.map((e) => e.type));
    expect(mine.filter((e) => e.type === 'branch.started')).toHaveLength(8);
    expect(mine.filter((e) => e.type === 'branch.completed').every((e) => (e.data as { status: string }).status === 'completed')).toBe(true);
  });

  it('causation links fork → branch → step, and a retry to the failed attempt', async () => {
    const h = harness();
    const p = h.run(wf(`hooks:
  - id: split
    at: after_step
    match: { step: plan }
    do:
      fork:
        forEach: "\${ output }"
        steps:
          - id: work
            tool: test.echo
            with: { value: "\${ item }" }
steps:
  - id: plan
    tool: test.echo
    with: { value: [x, y] }
  - id: flaky
    tool: test.flaky
    with: { key: k, failures: 1 }
    retry: { attempts: 2, delay: 10 }
`));
    await vi.runAllTimersAsync();
    const r = await p;
    expect(r.status).toBe('completed');
    const events = h.events.filter((e) => e.runId === r.runId);
    const ids = byId(events);
    const forked = events.find((e) => e.type === 'branch.forked') as UniversalEvent;
    const planStarted = events.find((e) => e.type === 'step.started' && (e.data as { path: string }).path === 'plan') as UniversalEvent;
    expect(forked.causationId).toBe(planStarted.id);
    const workStarts = events.filter((e) => e.type === 'step.started' && (e.data as { path: string }).path.startsWith('plan#fork['));
    expect(workStarts.map((e) => (e.data as { path: string }).path).sort()).toEqual(['plan#fork[0]/work', 'plan#fork[1]/work']);
    for (const s of workStarts) {
      const branch = ids.get(s.causationId as string) as UniversalEvent;
      expect(branch.type).toBe('branch.started');
      expect(branch.causationId).toBe(forked.id);
    }
    const retrying = events.find((e) => e.type === 'step.retrying') as UniversalEvent;
    const failedAttempt = ids.get(retrying.causationId as string) as UniversalEvent;
    expect(failedAttempt.type).toBe('step.started');
    expect(failedAttempt.data).toMatchObject({ path: 'flaky', attempt: 1 });
    expect(retrying.data).toMatchObject({ attempt: 1, delayMs: 10, reason: 'policy', error: { code: 'FLAKY' } });
  });

  it('user events from emit steps carry the data and the yaml source language', async () => {
    const h = harness();
    const r = await h.run(wf(`steps:\n  - id: tell\n    emit: { event: order.shipped, data: { id: 7 } }\n`));
    const ev = h.events.find((e) => e.type === 'user.order.shipped') as UniversalEvent;
    expect(ev.data).toEqual({ id: 7 });
    expect(ev.source.language).toBe('yaml');
    expect(r.output).toMatchObject({ event: 'order.shipped', data: { id: 7 } });
  });
});

describe('backpressure reaches the engine', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('a full `block` subscriber holds the run back until it consumes; drop policies never do', async () => {
    const h = harness();
    const seen: string[] = [];
    h.engine.bus.subscribe(
      'step.completed',
      async (e) => {
        await new Promise((r) => setTimeout(r, 100));
        seen.push((e.data as { path: string }).path);
      },
      { buffer: 1, overflow: 'block' },
    );
    const steps = Array.from({ length: 6 }, (_, i) => `  - id: s${i}\n    tool: test.echo\n    with: { value: ${i} }\n`).join('');
    let finished = false;
    const p = h.run(wf(`steps:\n${steps}`)).then((r) => {
      finished = true;
      return r;
    });
    await vi.advanceTimersByTimeAsync(150);
    // The subscriber handled at most 2 events; the run cannot have raced through all six steps.
    expect(finished).toBe(false);
    expect(h.calls['test.echo'] ?? 0).toBeLessThan(6);
    await vi.advanceTimersByTimeAsync(1000);
    const r = await p;
    expect(r.status).toBe('completed');
    expect(seen).toEqual(['s0', 's1', 's2', 's3', 's4', 's5']);
  });

  it('a slow drop-oldest subscriber does not slow the run', async () => {
    const h = harness();
    h.engine.bus.subscribe('step.*', () => new Promise((r) => setTimeout(r, 1000)), { buffer: 2, overflow: 'drop-oldest' });
    const steps = Array.from({ length: 20 }, (_, i) => `  - id: s${i}\n    tool: test.echo\n    with: { value: ${i} }\n`).join('');
    // No timer is advanced: the subscriber never finishes its first event while the run goes on.
    const r = await h.engine.run(loadWorkflowText(wf(`steps:\n${steps}`), '/virtual/drop.yaml'), {});
    expect(r.status).toBe('completed');
    const stats = h.engine.bus.stats().find((s) => s.pattern === 'step.*');
    expect(stats?.dropped).toBeGreaterThan(30);
  });
});
