/**
 * In-process crash simulation for the persistence tests.
 *
 * A *crash image* is a copy of the SQLite store files taken at one instant of a run: the database file and
 * its WAL, copied synchronously from inside a tool call. Nothing can write between the two copies (the
 * process is single-threaded and the engine writes synchronously), so the image is exactly what a SIGKILL
 * at that instant would leave on disk. The original run then finishes normally and serves as the
 * uninterrupted reference; a second engine resumes the image.
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine, SqliteStore, type Engine, type EngineOptions, type RunResult, type StepRecord, type ToolContext, type ToolDefinition } from '../../src/index.js';

/** One tool execution. */
export interface Exec {
  runId: string;
  path: string;
  attempt: number;
  key: string;
}

/** Copies `db` (and its WAL) to `to`, as a kill -9 at this instant would leave it. */
export function crashImage(db: string, to: string): void {
  for (const ext of ['', '-wal', '-shm']) rmSync(to + ext, { force: true });
  copyFileSync(db, to);
  if (existsSync(`${db}-wal`)) copyFileSync(`${db}-wal`, `${to}-wal`);
}

/** A temporary folder with helpers to write workflow files into it. */
export class Lab {
  readonly dir = mkdtempSync(join(tmpdir(), 'hookflow-persist-'));
  private n = 0;

  file(name: string, text: string): string {
    const p = join(this.dir, name);
    writeFileSync(p, text);
    return p;
  }

  /** A fresh database path. */
  db(prefix = 'db'): string {
    return join(this.dir, `${prefix}-${++this.n}.db`);
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Called on every tool execution (`n`: its 1-based number), before (`phase: 'start'`) and after (`'end'`, also when it throws) its work. */
export type OnExec = (e: Exec, phase: 'start' | 'end', n: number) => void;

/** Wraps tools so that every execution is logged (and reported to `onExec`) before and after its work. */
export function logged(defs: ToolDefinition[], log: Exec[], onExec?: OnExec): ToolDefinition[] {
  return defs.map((def) => ({
    ...def,
    async run(args: unknown, ctx: ToolContext) {
      const e: Exec = { runId: ctx.runId, path: ctx.stepPath, attempt: ctx.attempt, key: ctx.idempotencyKey };
      log.push(e);
      const n = log.length;
      onExec?.(e, 'start', n);
      try {
        return (await def.run(args as never, ctx)) as unknown;
      } finally {
        onExec?.(e, 'end', n);
      }
    },
  }));
}

/**
 * Plain tools: `t.work {value}` returns value; `t.add {a, b}`; `t.flaky {failures, value}` fails with FLAKY
 * while `attempt <= failures`, then returns `{value, attempt}`.
 */
export function plainTools(): ToolDefinition[] {
  return [
    { name: 't.work', run: async (a: { value?: unknown }) => a.value ?? null },
    { name: 't.add', run: async (a: { a: number; b: number }) => a.a + a.b },
    {
      name: 't.flaky',
      run: async (a: { failures: number; value?: unknown }, ctx: ToolContext) => {
        if (ctx.attempt <= a.failures) throw Object.assign(new Error(`flaky failure on attempt ${ctx.attempt}`), { code: 'FLAKY' });
        return { value: a.value ?? null, attempt: ctx.attempt };
      },
    },
  ];
}

export interface Scenario {
  /** The workflow file to run. */
  file: string;
  input?: unknown;
  /** Take the crash image at this tool execution (1-based), before or after its work. */
  at: number;
  phase?: 'start' | 'end';
  /** Extra engine options for both engines (hooks, clock...). */
  options?: () => EngineOptions;
  /** Tools for both engines (each engine gets fresh instances). @default plainTools */
  tools?: () => ToolDefinition[];
  runId?: string;
}

export interface Outcome {
  reference: RunResult;
  resumed: RunResult;
  /** Executions of the uninterrupted run, those before the image, and those of the resumed run. */
  refLog: Exec[];
  before: Exec[];
  after: Exec[];
  /** Step records in the image (root run and sub-workflow runs), keyed `runId path`. */
  imaged: Map<string, StepRecord>;
  /** True when the image was taken (the run reached tool execution `at`). */
  imagedAt: boolean;
  /** Engine that resumed (closed); its store file stays readable at `image`. */
  image: string;
}

function engineOn(db: string, log: Exec[], s: Scenario, onExec?: OnExec): { engine: Engine; store: SqliteStore } {
  const store = SqliteStore.open(db);
  const extra = s.options?.() ?? {};
  const engine = createEngine({ ...extra, store, tools: logged([...(s.tools?.() ?? plainTools()), ...(extra.tools ?? [])], log, onExec) });
  return { engine, store };
}

/** Runs a scenario: reference run with a crash image at execution `at`, then a resume of the image. */
export async function crashAndResume(lab: Lab, s: Scenario): Promise<Outcome> {
  const db = lab.db('run');
  const image = lab.db('image');
  const runId = s.runId ?? 'R';
  const refLog: Exec[] = [];
  let before: Exec[] = [];
  let imagedAt = false;
  const phase = s.phase ?? 'start';
  const first = engineOn(db, refLog, s, (_e, p, n) => {
    if (p === phase && n === s.at && !imagedAt) {
      crashImage(db, image);
      before = refLog.slice();
      imagedAt = true;
    }
  });
  const reference = await first.engine.run(s.file, s.input ?? {}, { runId });
  await first.engine.close();
  first.store.close();
  if (!imagedAt) return { reference, resumed: reference, refLog, before: refLog, after: [], imaged: new Map(), imagedAt, image };

  const imaged = new Map<string, StepRecord>();
  const after: Exec[] = [];
  const second = engineOn(image, after, s);
  for (const run of second.store.listRuns({ limit: 1000 })) {
    if (run.id !== runId && !run.id.startsWith(`${runId}.`)) continue;
    for (const r of second.store.getSteps(run.id)) imaged.set(`${run.id} ${r.path}`, r);
  }
  const resumed = await second.engine.resume(runId);
  await second.engine.close();
  second.store.close();
  return { reference, resumed, refLog, before, after, imaged, imagedAt, image };
}

/** `runId path attempt` of an execution. */
export const keyOf = (e: Exec): string => `${e.runId} ${e.path} ${e.attempt}`;

/**
 * The resume invariants: same result, the executions of `before` + `after` are exactly the reference's
 * (nothing missing, no extra path or attempt), no step journaled as completed in the image ran again, and
 * only executions in flight at the image ran twice.
 */
export function checkInvariants(o: Outcome): string[] {
  const problems: string[] = [];
  const eq = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
  if (o.resumed.status !== o.reference.status) problems.push(`status ${o.resumed.status} != ${o.reference.status}`);
  if (!eq(o.resumed.output, o.reference.output)) problems.push(`output ${JSON.stringify(o.resumed.output)} != ${JSON.stringify(o.reference.output)}`);
  if (!eq(o.resumed.error, o.reference.error)) problems.push(`error ${JSON.stringify(o.resumed.error)} != ${JSON.stringify(o.reference.error)}`);
  const ref = new Set(o.refLog.map(keyOf));
  const got = new Set([...o.before, ...o.after].map(keyOf));
  for (const k of ref) if (!got.has(k)) problems.push(`missing execution ${k}`);
  for (const k of got) if (!ref.has(k)) problems.push(`extra execution ${k}`);
  const afterKeys = o.after.map(keyOf);
  if (new Set(afterKeys).size !== afterKeys.length) problems.push(`the resumed run executed an attempt twice: ${afterKeys.join(', ')}`);
  for (const e of o.after) {
    const rec = o.imaged.get(`${e.runId} ${e.path}`);
    if (rec?.status === 'completed') problems.push(`completed step re-executed: ${keyOf(e)}`);
    if (e.key !== `${e.runId}/${e.path}/${e.attempt}`) problems.push(`idempotency key ${e.key} for ${keyOf(e)}`);
  }
  const beforeKeys = new Set(o.before.map(keyOf));
  const twice = afterKeys.filter((k) => beforeKeys.has(k));
  // At most the executions in flight at the instant of the image run twice.
  const inFlight = o.before.filter((e) => o.imaged.get(`${e.runId} ${e.path}`)?.status !== 'completed').map(keyOf);
  for (const k of twice) if (!inFlight.includes(k)) problems.push(`re-executed though not in flight: ${k}`);
  return problems;
}
