/**
 * What persistence costs and what a resume costs, through the public engine API:
 *
 * - µs per step of a whole run (a sequence of 1,000 tool steps whose tool returns at once), with the
 *   SQLite store next to the in-memory one: the difference is the journal (two transitions per step,
 *   written in group commits).
 * - Resume time of a run with ~10,000 journal events: a suspended run whose loop of 3,300 iterations
 *   completed (the loop is restored as a whole), and a run crashed inside such a loop (iterations are
 *   replayed one by one, the last 100 executed). Timed from `engine.resume` to its result, in a fresh
 *   engine with a fresh store connection, as `hookflow resume` would do.
 *
 * Run: `npx tsx test/bench/persistence.ts` (or import `benchPersistence()`).
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createEngine, loadWorkflowText, MemoryStore, SqliteStore, type Store, type ToolDefinition, type WorkflowDefinition } from '../../src/index.js';

/** One line of the report. */
export interface PersistenceRow {
  case: string;
  store: 'memory' | 'sqlite';
  /** Median over repetitions. */
  value: number;
  unit: 'µs/step' | 'ms';
  /** What was measured (steps, journal events, file size). */
  detail: string;
}

export interface BenchOptions {
  /** Steps in the per-step run. @default 1000 */
  steps?: number;
  /** Timed repetitions of each case (after warm-up). @default 7 */
  reps?: number;
  /** Loop iterations of the resume runs (3 journal events each). @default 3300 */
  iterations?: number;
}

const noop: ToolDefinition = { name: 'bench.noop', run: () => 1 };

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

function sequenceDef(steps: number): WorkflowDefinition {
  const body = Array.from({ length: steps }, (_, i) => `  - id: s${i}\n    tool: bench.noop\n`).join('');
  return loadWorkflowText(`hookflow: 1\nname: bench-steps\nsteps:\n${body}`, '/virtual/bench-steps.yaml');
}

/** Median µs per step of whole runs on `store`. */
async function perStep(store: Store, def: WorkflowDefinition, steps: number, reps: number): Promise<number> {
  const engine = createEngine({ store, tools: [noop], builtinTools: false });
  const times: number[] = [];
  for (let r = 0; r < reps + 2; r++) {
    const t0 = process.hrtime.bigint();
    const res = await engine.run(def, {});
    const us = Number(process.hrtime.bigint() - t0) / 1000;
    if (res.status !== 'completed') throw new Error(`bench run ${res.status}: ${JSON.stringify(res.error)}`);
    if (r >= 2) times.push(us / steps);
  }
  await engine.close();
  return median(times);
}

function loopYaml(iterations: number, then: string): string {
  return `hookflow: 1
name: bench-resume
steps:
  - id: many
    loop:
      times: ${iterations}
      max: ${iterations + 1}
      collect: none
      steps:
        - id: s
          tool: bench.probe
${then}`;
}

/** A tool that calls `at(n)` on its n-th execution (1-based). */
function probe(at: (n: number) => void): ToolDefinition {
  let n = 0;
  return { name: 'bench.probe', run: () => (at(++n), n) };
}

function sizeOf(file: string): number {
  return statSync(file).size + (existsSync(`${file}-wal`) ? statSync(`${file}-wal`).size : 0);
}

function copyStore(from: string, to: string): void {
  for (const ext of ['', '-wal', '-shm']) rmSync(to + ext, { force: true });
  copyFileSync(from, to);
  if (existsSync(`${from}-wal`)) copyFileSync(`${from}-wal`, `${to}-wal`);
}

/** Times `engine.resume` of copies of `image` in fresh engines; returns the median ms. */
async function timeResumes(image: string, dir: string, reps: number, expected: string): Promise<number> {
  const times: number[] = [];
  for (let r = 0; r < reps + 1; r++) {
    const copy = join(dir, `resume-${r}.db`);
    copyStore(image, copy);
    const t0 = process.hrtime.bigint();
    const store = SqliteStore.open(copy);
    const engine = createEngine({ store, tools: [noop, probe(() => undefined)], builtinTools: false });
    const res = await engine.resume('R');
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    await engine.close();
    store.close();
    if (res.status !== expected) throw new Error(`resume ended ${res.status}, expected ${expected}: ${JSON.stringify(res.error)}`);
    if (r >= 1) times.push(ms);
  }
  return median(times);
}

/** Runs every case and returns the report rows. */
export async function benchPersistence(opts: BenchOptions = {}): Promise<PersistenceRow[]> {
  const steps = opts.steps ?? 1000;
  const reps = opts.reps ?? 7;
  const iterations = opts.iterations ?? 3300;
  const dir = mkdtempSync(join(tmpdir(), 'hookflow-bench-persist-'));
  const rows: PersistenceRow[] = [];
  try {
    const def = sequenceDef(steps);
    const mem = await perStep(new MemoryStore(), def, steps, reps);
    rows.push({ case: `run of ${steps} tool steps`, store: 'memory', value: mem, unit: 'µs/step', detail: `${reps} runs, median` });
    const sqliteFile = join(dir, 'steps.db');
    const sqlite = SqliteStore.open(sqliteFile);
    const sq = await perStep(sqlite, def, steps, reps);
    const events = sqlite.getEvents(sqlite.listRuns({ limit: 1 })[0]?.id ?? '').length;
    sqlite.close();
    rows.push({ case: `run of ${steps} tool steps`, store: 'sqlite', value: sq, unit: 'µs/step', detail: `${reps} runs, median; ${events} journal events per run` });

    // A run suspended after its loop: the loop step is restored whole from its record.
    const suspendedFile = join(dir, 'suspended.db');
    {
      const store = SqliteStore.open(suspendedFile);
      const engine = createEngine({ store, tools: [noop, probe(() => undefined)], builtinTools: false });
      const def2 = loadWorkflowText(loopYaml(iterations, `  - id: gate\n    wait: { signal: go }\n`), join(dir, 'suspended.yaml'));
      const res = await engine.run(def2, {}, { runId: 'R' });
      if (res.status !== 'suspended') throw new Error(`expected a suspended run, got ${res.status}`);
      const n = store.getEvents('R').length;
      await engine.close();
      store.close();
      const ms = await timeResumes(suspendedFile, dir, reps, 'suspended');
      rows.push({ case: 'resume: suspended after a finished loop', store: 'sqlite', value: ms, unit: 'ms', detail: `${n} journal events, ${iterations + 1} step rows, ${(sizeOf(suspendedFile) / 1024).toFixed(0)} KiB` });
    }

    // A run crashed inside its loop: every finished iteration is replayed from its records.
    const runFile = join(dir, 'crashing.db');
    const image = join(dir, 'crash-image.db');
    {
      const store = SqliteStore.open(runFile);
      const total = iterations + 100;
      const engine = createEngine({ store, tools: [noop, probe((n) => n === iterations && copyStore(runFile, image))], builtinTools: false });
      const def3 = loadWorkflowText(loopYaml(total, ''), join(dir, 'crashing.yaml'));
      const res = await engine.run(def3, {}, { runId: 'R' });
      await engine.close();
      store.close();
      if (res.status !== 'completed') throw new Error(`reference run ${res.status}`);
      const img = SqliteStore.open(image);
      const n = img.getEvents('R').length;
      img.close();
      const ms = await timeResumes(image, dir, reps, 'completed');
      rows.push({ case: `resume: crashed in iteration ${iterations} of ${total}`, store: 'sqlite', value: ms, unit: 'ms', detail: `${n} journal events at the crash; 100 iterations left to execute` });
    }
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const r of await benchPersistence()) {
    console.log(`${r.case.padEnd(44)} ${r.store.padEnd(7)} ${r.value.toFixed(r.unit === 'ms' ? 1 : 2).padStart(9)} ${r.unit.padEnd(7)} ${r.detail}`);
  }
}
