/**
 * The workflows/builtins-*.yaml examples, run offline on a SQLite journal: each produces the output
 * its header documents, and each built-in did what the header says it does.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, SqliteStore, type Engine, type UniversalEvent } from '../../../src/index.js';
import { tempDir } from './support.js';

const dir = path.resolve(import.meta.dirname, '..', '..', '..', 'workflows');

const dirs: Array<{ cleanup(): void }> = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.cleanup();
});

/** Runs one example in a fresh workspace; returns the result, the engine's events and the reopened store. */
async function runExample(name: string): Promise<{ result: Awaited<ReturnType<Engine['run']>>; events: UniversalEvent[]; engine: Engine; store: SqliteStore; ws: string }> {
  const ws = tempDir('hookflow-example-');
  dirs.push(ws);
  const store = SqliteStore.open(path.join(ws.path, 'h.db'));
  const engine = createEngine({ store, workspace: ws.path });
  const events: UniversalEvent[] = [];
  engine.bus.subscribe('**', (e) => void events.push(e));
  const file = path.join(dir, `${name}.yaml`);
  const result = await engine.run(file, {});
  await engine.bus.drain();
  const header = /# Output: (.*)/.exec(readFileSync(file, 'utf8'))?.[1];
  expect(result.output).toEqual(JSON.parse(header ?? 'null'));
  return { result, events, engine, store, ws: ws.path };
}

describe('workflows/builtins-*.yaml', () => {
  it('builtins-resilience: retry on the output, a cache hit by computed key, rate-limited fan-out', async () => {
    const { events, engine, store } = await runExample('builtins-resilience');
    expect(events.filter((e) => e.type === 'step.retrying').map((e) => (e.data as { delayMs: number }).delayMs)).toEqual([10, 20]);
    expect(events.filter((e) => e.type === 'step.cached').map((e) => e.data)).toEqual([expect.objectContaining({ path: 'count-2', key: 'memo:count' })]);
    // Burst 2 at 20/s: two calls pass at once, the third gets its token 50 ms after the bucket's first
    // use, the fourth 100 ms after. Decision times are measured from the first decision, so a branch
    // arriving late (a loaded runner) cannot make a wait look shorter than the token schedule allows.
    const decided = events
      .filter((e) => e.type === 'hook.decided' && (e.data as { hookId: string }).hookId === 'gentle')
      .map((e) => Date.parse(e.time))
      .sort((a, b) => a - b);
    expect(decided).toHaveLength(4);
    const t0 = decided[0] as number;
    expect((decided[2] as number) - t0).toBeGreaterThanOrEqual(49);
    expect((decided[3] as number) - t0).toBeGreaterThanOrEqual(99);
    await engine.close();
    store.close();
  });

  it('builtins-observability: log lines, metrics and decision snapshots', async () => {
    const { result, events, engine, store, ws } = await runExample('builtins-observability');
    const lines = readFileSync(path.join(ws, '.hookflow', 'logs', 'builtins-observability.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { run: string; point: string; path?: string });
    expect(new Set(lines.map((l) => l.run))).toEqual(new Set([result.runId]));
    expect(lines.filter((l) => l.point === 'after_step').map((l) => l.path)).toEqual(['scores[0]/square', 'scores[1]/square', 'scores[2]/square', 'scores', 'total']);
    expect(engine.metrics().value('hookflow_steps_total', { workflow: 'builtins-observability', step: 'scores[]/square', status: 'completed' })).toBe(3);
    expect(events.filter((e) => e.type === 'hook.debug')).toHaveLength(10);
    await engine.close();
    store.close();
  });

  it('builtins-guardrails: a denied tool, a redacted key, and agents stopped by the run budget', async () => {
    const { result, events, engine, store } = await runExample('builtins-guardrails');
    await engine.close();
    const run = await store.getRun(result.runId);
    expect((run?.output as { credentials: unknown }).credentials).toEqual({ apiKey: '[REDACTED]' });
    // The pinned definition text is the user's own file (its header quotes the output): not checked.
    const { definition: _definition, ...row } = run ?? {};
    const journal = JSON.stringify([await store.getEvents(result.runId), await store.getSteps(result.runId), row]);
    expect(journal.includes('not-a-real-key')).toBe(false);
    const usd = (run?.totals?.cost as { usd: number }).usd;
    expect(usd).toBeGreaterThan(0.00035);
    expect(events.filter((e) => e.type === 'budget.exceeded')).toEqual([expect.objectContaining({ data: expect.objectContaining({ scope: 'run', budget: 0.00035 }) })]);
    store.close();
  });
});
