import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite.js';
import { iso, makeEvent, makeRun, makeStep, tempDir, type TempDir } from './fixtures.js';

/** Bytes on disk of the store: the database plus its WAL. */
function onDisk(file: string): number {
  return statSync(file).size + (existsSync(`${file}-wal`) ? statSync(`${file}-wal`).size : 0);
}

/** A run of `steps` step transitions, as the engine writes them: started then completed, one commit each. */
function runSteps(store: SqliteStore, runId: string, steps: number): void {
  store.createRun(makeRun(runId, { input: { doc: 'input text '.repeat(200) } }));
  let seq = 0;
  for (let i = 0; i < steps; i++) {
    const path = `loop[${i}]/work`;
    seq++;
    store.commit(runId, {
      events: [makeEvent(runId, seq, 'step.started', { path })],
      steps: [makeStep(runId, path, { status: 'running', endedAt: null, output: undefined })],
      run: { updatedAt: iso(seq), totals: { cost: seq * 0.001 } },
    });
    seq++;
    store.commit(runId, {
      events: [makeEvent(runId, seq, 'step.completed', { path, output: { n: i } })],
      steps: [makeStep(runId, path, { output: { n: i, text: 'result' } })],
      run: { updatedAt: iso(seq), totals: { cost: seq * 0.001 } },
    });
  }
}

describe('storage growth', () => {
  let dir: TempDir;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => dir.cleanup());

  it('grows linearly with the steps committed (4x the steps, ~4x the bytes, not 16x)', () => {
    const size = (steps: number): number => {
      const file = join(dir.path, `n${steps}.db`);
      const store = SqliteStore.open(file);
      store.createRun(makeRun('r'));
      for (let seq = 1; seq <= steps; seq++) {
        const path = `loop[${seq}]/work`;
        store.commit('r', {
          events: [makeEvent('r', seq, 'step.completed', { path, output: { n: seq } })],
          steps: [makeStep('r', path, { output: { n: seq } })],
          run: { updatedAt: iso(seq), totals: { cost: seq * 0.001 } },
        });
      }
      store.close();
      return statSync(file).size;
    };
    const empty = size(0);
    const small = size(1000);
    const large = size(4000);
    expect(large / small).toBeGreaterThan(3.3);
    expect(large / small).toBeLessThan(4.5);
    // Net of the empty store, the growth per step is the same at both sizes.
    expect((large - empty) / (small - empty)).toBeGreaterThan(3.6);
    expect((large - empty) / (small - empty)).toBeLessThan(4.4);
    // One event and one step row per step, not a growing snapshot.
    expect((large - empty) / 4000).toBeLessThan(800);
  });

  it('reclaims the space of pruned runs, so run/prune cycles keep the files at a steady size', () => {
    const file = join(dir.path, 'cycles.db');
    const store = SqliteStore.open(file);
    const afterPrune: number[] = [];
    try {
      for (let cycle = 0; cycle < 4; cycle++) {
        for (let r = 0; r < 8; r++) {
          const id = `c${cycle}-r${r}`;
          runSteps(store, id, 60);
          store.commit(id, { run: { status: 'completed', endedAt: iso(cycle) } });
        }
        const full = onDisk(file);
        expect(store.prune(new Date(iso(1_000_000)))).toBe(8);
        afterPrune.push(onDisk(file));
        expect(afterPrune[cycle]).toBeLessThan(full / 3);
      }
      const first = afterPrune[0] as number;
      for (const size of afterPrune) expect(size).toBeLessThanOrEqual(first * 1.2);
      expect(store.listRuns()).toEqual([]);
    } finally {
      store.close();
    }
  });
});
