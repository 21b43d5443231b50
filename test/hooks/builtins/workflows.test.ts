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
    const waits = events
      .filter((e) => e.type === 'hook.decided' && (e.data as { hookId: string }).hookId === 'gentle')
      .map((e) => (e.data as { ms: number }).ms)
      .sort((a, b) => a - b);
    // Burst 2 at 20/s: two calls pass at once, the others wait for 50 and 100 ms slots (lower bounds
    // only: wall-clock time under a loaded test runner can only be longer).
    expect(waits).toHaveLength(4);
    expect(waits[2]).toBeGreaterThanOrEqual(45);
    expect(waits[3]).toBeGreaterThanOrEqual(95);
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
