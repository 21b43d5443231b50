/**
 * The crash suite: each fixture workflow runs through the real CLI, is killed with SIGKILL when the
 * counting tools have logged a seeded number of executions (plus a seeded delay, so kills land inside
 * tool calls, between commits and inside the engine), and is resumed with `hookflow resume`, possibly
 * several times. The final output must equal an uninterrupted run's, the set of (run, path, attempt)
 * executions must be exactly the uninterrupted run's, a step that was journaled as completed when a kill
 * landed is never executed again, and only the steps in flight at a kill run twice.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, SqliteStore, type ToolDefinition } from '../../src/index.js';
import { FIXTURES, TOOLS, ensureBuilt, execKey, hookflow, lineCount, readExecutions, resultOf, seeded, type CliResult } from './cli-harness.js';

const WORKFLOWS = ['sequence', 'parallel', 'loops', 'hooks', 'subflow', 'mixed'] as const;
const SEEDS = [1, 2, 3, 4];

let dir: string;
const references = new Map<string, Reference>();

beforeAll(async () => {
  await ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'hookflow-crash-'));
  // Uninterrupted reference runs, in this process (one after the other: the tools read process.env).
  const tools = ((await import(TOOLS)) as { default: ToolDefinition[] }).default;
  const saved = process.env.HOOKFLOW_COUNT_FILE;
  try {
    for (const name of WORKFLOWS) references.set(name, await reference(name, tools));
  } finally {
    if (saved === undefined) delete process.env.HOOKFLOW_COUNT_FILE;
    else process.env.HOOKFLOW_COUNT_FILE = saved;
  }
}, 180_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Reference {
  output: unknown;
  keys: Set<string>;
  lines: number;
}

function args(verb: 'run' | 'resume', target: string, db: string, runId?: string): string[] {
  const a = verb === 'run' ? ['run', target, '--run-id', runId as string] : ['resume', target];
  return [...a, '--store', db, '--tools', TOOLS, '--json', '--quiet'];
}

/** Paths (`runId path`) of tool steps journaled as completed, in the run and its sub-workflow runs. */
function completedToolSteps(db: string, runId: string): Set<string> {
  const store = SqliteStore.open(db);
  try {
    const done = new Set<string>();
    for (const run of store.listRuns({ limit: 1000 })) {
      if (run.id !== runId && !run.id.startsWith(`${runId}.`)) continue;
      for (const s of store.getSteps(run.id)) if (s.kind === 'tool' && s.status === 'completed') done.add(`${run.id} ${s.path}`);
    }
    return done;
  } finally {
    store.close();
  }
}

async function reference(name: string, tools: ToolDefinition[]): Promise<Reference> {
  const count = join(dir, `${name}-ref.count`);
  process.env.HOOKFLOW_COUNT_FILE = count;
  const store = SqliteStore.open(join(dir, `${name}-ref.db`));
  const engine = createEngine({ store, tools });
  const r = await engine.run(join(FIXTURES, `${name}.yaml`), {}, { runId: 'ref' });
  await engine.close();
  store.close();
  expect(r.status, JSON.stringify(r.error)).toBe('completed');
  // Compared with what the CLI prints: the JSON form.
  const res = JSON.parse(JSON.stringify(r)) as { output: unknown };
  const execs = readExecutions(count);
  const keys = new Set(execs.map((e) => execKey(e, 'ref')));
  // An uninterrupted run executes every (run, path, attempt) once.
  expect(keys.size).toBe(execs.length);
  return { output: res.output, keys, lines: execs.length };
}

interface Segment {
  result: CliResult;
  /** Log lines written when this process ended. */
  endLine: number;
  /** Tool steps journaled as completed when the process was killed. */
  completed?: Set<string>;
}

/** Runs, kills and resumes one workflow for one seed; returns the process segments. */
async function crashAndResume(name: string, seed: number, ref: Reference): Promise<{ segments: Segment[]; runId: string; count: string }> {
  const rnd = seeded(seed * 7919 + name.length * 104_729 + name.charCodeAt(0));
  const runId = `R-${name}-${seed}`;
  const db = join(dir, `${name}-${seed}.db`);
  const count = join(dir, `${name}-${seed}.count`);
  const env = { HOOKFLOW_COUNT_FILE: count };
  // Seeds 1-2 take one kill, 3-4 up to three (a resumed process is killed too).
  const kills = seed <= 2 ? 1 : 1 + Math.floor(rnd() * 3);
  const segments: Segment[] = [];
  for (let k = 0; ; k++) {
    const done = lineCount(count);
    const killAt = k < kills && done < ref.lines ? { file: count, lines: done + 1 + Math.floor(rnd() * (ref.lines - done)), delayMs: Math.floor(rnd() * 16) } : undefined;
    const opts = killAt ? { env, killAt } : { env };
    const result = await hookflow(k === 0 ? args('run', join(FIXTURES, `${name}.yaml`), db, runId) : args('resume', runId, db), opts);
    const seg: Segment = { result, endLine: lineCount(count) };
    segments.push(seg);
    if (!result.killed) {
      expect(result.code, `exit of segment ${k}: ${result.stderr}`).toBe(0);
      return { segments, runId, count };
    }
    expect(result.signal).toBe('SIGKILL');
    seg.completed = completedToolSteps(db, runId);
  }
}

describe.concurrent('SIGKILL at seeded points, then hookflow resume', () => {
  for (const name of WORKFLOWS) {
    it(`${name}.yaml ends with the uninterrupted output and re-executes only in-flight steps`, async () => {
      const ref = references.get(name) as Reference;
      let killedSomewhere = 0;
      for (const seed of SEEDS) {
        const { segments, runId, count } = await crashAndResume(name, seed, ref);
        const why = `${name} seed ${seed}`;
        const last = segments[segments.length - 1] as Segment;
        const res = resultOf(last.result);
        expect(res.status, why).toBe('completed');
        expect(res.output, why).toEqual(ref.output);

        const execs = readExecutions(count);
        for (const e of execs) expect(e.idempotencyKey, why).toBe(`${e.runId}/${e.path}/${e.attempt}`);
        const keys = execs.map((e) => execKey(e, runId));
        // Exactly the executions of an uninterrupted run: nothing skipped, no extra path or attempt.
        expect(new Set(keys), why).toEqual(ref.keys);

        const kills = segments.filter((s) => s.result.killed).length;
        killedSomewhere += kills;
        let from = 0;
        const seen = new Map<string, number>();
        for (const [k, seg] of segments.entries()) {
          const mine = execs.slice(from, seg.endLine);
          // One process never executes the same attempt twice.
          const inSegment = mine.map((e) => execKey(e, runId));
          expect(new Set(inSegment).size, `${why} segment ${k}`).toBe(inSegment.length);
          for (const key of inSegment) seen.set(key, (seen.get(key) ?? 0) + 1);
          // Steps journaled as completed at a kill are restored, never executed again.
          if (seg.completed) {
            const later = execs.slice(seg.endLine).filter((e) => seg.completed?.has(`${e.runId} ${e.path}`));
            expect(later, `${why}: completed steps re-executed after kill ${k + 1}`).toEqual([]);
          }
          from = seg.endLine;
        }
        for (const [key, n] of seen) expect(n, `${why}: ${key}`).toBeLessThanOrEqual(1 + kills);
      }
      expect(killedSomewhere, `${name}: no kill landed before the run finished`).toBeGreaterThan(0);
    }, 180_000);
  }
});
