/**
 * Group commit: the journal is durable before every tool that acts on the world, and pure tools
 * (sideEffects: false) do not wait for it. Counted through the store's commits.
 */
import { describe, expect, it } from 'vitest';
import { createEngine, loadWorkflowText, MemoryStore, type CommitBatch, type StepRecord } from '../../src/index.js';

function countingStore(): { store: MemoryStore; commits: CommitBatch[]; completedAt: (path: string) => number } {
  const store = new MemoryStore();
  const commits: CommitBatch[] = [];
  const commit = store.commit.bind(store);
  store.commit = (runId, batch) => {
    commits.push(batch);
    return commit(runId, batch);
  };
  const completedAt = (path: string): number => commits.findIndex((b) => (b.steps ?? []).some((s: StepRecord) => s.path === path && s.status === 'completed'));
  return { store, commits, completedAt };
}

const chain = (tool: string, n: number): string =>
  `hookflow: 1\nname: chain\nsteps:\n${Array.from({ length: n }, (_, i) => `  - id: s${i}\n    tool: ${tool}\n    with: { value: ${i} }\n`).join('')}`;

describe('group commit', () => {
  it('makes each completed step durable before the next tool with side effects runs', async () => {
    const { store, commits, completedAt } = countingStore();
    const seen: number[] = [];
    const engine = createEngine({
      store,
      tools: [{ name: 'effect', run: async (a: { value: number }) => { seen.push(commits.length); return a.value; } }],
    });
    const r = await engine.run(loadWorkflowText(chain('effect', 5), '/virtual/effect.yaml'), {});
    expect(r.status).toBe('completed');
    // Step i+1's tool ran only after a commit holding step i's completion.
    for (let i = 0; i < 4; i++) expect(completedAt(`s${i}`)).toBeLessThan(seen[i + 1] as number);
    // One transaction per step (plus run start and end), not two.
    expect(commits.length).toBeLessThanOrEqual(5 + 2);
  });

  it('lets pure tools run without waiting for the journal', async () => {
    const { store, commits } = countingStore();
    const engine = createEngine({ store, tools: [{ name: 'pure', sideEffects: false, run: (a: { value: number }) => a.value }] });
    const r = await engine.run(loadWorkflowText(chain('pure', 50), '/virtual/pure.yaml'), {});
    expect(r.status).toBe('completed');
    expect(r.output).toBe(49);
    expect(commits.length).toBeLessThan(10);
    const steps = await store.getSteps(r.runId);
    expect(steps.filter((s) => s.status === 'completed')).toHaveLength(50);
  });

  it('marks the deterministic built-ins pure and leaves the others alone', () => {
    const engine = createEngine();
    expect(engine.tools.get('math.calc')?.definition.sideEffects).toBe(false);
    expect(engine.tools.get('text.template')?.definition.sideEffects).toBe(false);
    expect(engine.tools.get('file.write')?.definition.sideEffects).toBeUndefined();
    expect(engine.tools.get('util.uuid')?.definition.sideEffects).toBeUndefined();
    expect(() => engine.tools.register({ name: 'bad.flag', sideEffects: 'no' as unknown as boolean, run: () => null })).toThrow(/sideEffects/);
  });
});
