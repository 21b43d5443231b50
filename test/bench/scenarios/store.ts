/**
 * S4 (the S1 chain journaled to SQLite; the memory-store side is S1 itself) and S7 (resume of a run whose
 * journal holds about 10,000 events).
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine, SqliteStore, type Engine } from 'hookflow';
import { expectCompleted } from './core.js';
import { reps, timeIt, type Measurement, type Profile } from './harness.js';
import { BENCH_TOOLS, chainDef, loopDef } from './workflows.js';

/**
 * Units of the S7 runs, sized for ~10,000 journal events: a chain step journals step.started and
 * step.completed; a loop iteration also journals loop.iteration.
 */
export const S7_SIZE = { chain: 4_995, loop: 3_330 } as const;

/** Runs `fn` with a fresh temporary folder, removed afterwards. */
async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'hookflow-bench-'));
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function measureSqliteChain(p: Profile, tool = 'bench.noop'): Promise<Measurement> {
  let n = 0;
  const def = chainDef(200, { tool });
  return withTempDir((dir) =>
    timeIt<{ engine: Engine; store: SqliteStore }>(
      {
        prepare: () => {
          const store = SqliteStore.open(join(dir, `s4-${n++}.db`));
          return { store, engine: createEngine({ store, tools: BENCH_TOOLS, builtinTools: false }) };
        },
        run: async ({ engine }) => expectCompleted(await engine.run(def)),
        cleanup: async ({ engine, store }) => {
          await engine.close();
          store.close();
        },
      },
      { units: 200, ...reps(p, 20, 30) },
    ),
  );
}

/**
 * Builds the suspended S7 run once, then times `resume` on a fresh copy of its database per repetition.
 * `chain` has a large definition (one step per unit), `loop` a small one with the same journal size.
 */
export function measureResume(p: Profile, shape: keyof typeof S7_SIZE): Promise<Measurement> {
  return withTempDir(async (dir) => {
    const base = join(dir, 's7.db');
    const seed = SqliteStore.open(base);
    const seeder = createEngine({ store: seed, tools: BENCH_TOOLS, builtinTools: false });
    const def = shape === 'chain' ? chainDef(S7_SIZE.chain, { waitForSignal: true }) : loopDef(S7_SIZE.loop, { waitForSignal: true });
    const first = await seeder.run(def, {}, { runId: 's7' });
    if (first.status !== 'suspended') throw new Error(`bench: S7 seed run ended ${first.status}, expected suspended`);
    await seeder.close();
    const events = (await seed.getEvents('s7')).length;
    seed.close();
    let n = 0;
    const m = await timeIt<{ engine: Engine; store: SqliteStore }>(
      {
        prepare: () => {
          const file = join(dir, `s7-${n++}.db`);
          copyFileSync(base, file);
          const store = SqliteStore.open(file);
          return { store, engine: createEngine({ store, tools: BENCH_TOOLS, builtinTools: false }) };
        },
        run: async ({ engine }) => {
          const r = await engine.resume('s7');
          // Replaying every completed step lands on the same wait: the run suspends again.
          if (r.status !== 'suspended') throw new Error(`bench: S7 resume ended ${r.status}`);
        },
        cleanup: async ({ engine, store }) => {
          await engine.close();
          store.close();
        },
      },
      { units: events, ...reps(p, 10, 2) },
    );
    return { ...m, extra: { events, [shape === 'chain' ? 'steps' : 'iterations']: S7_SIZE[shape], definitionBytes: def.source.text.length } };
  });
}
