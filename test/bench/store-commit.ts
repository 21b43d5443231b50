/**
 * Commit cost of the stores: median µs per `commit` of one event + one step row + a run patch (the
 * write of one step transition), for SqliteStore and MemoryStore, next to a raw better-sqlite3
 * autocommit insert on the same settings as the reference floor.
 *
 * Two patches are timed: `{ lastSeq }`, which is what the engine sends with every step commit (the
 * SQLite store derives the head from the journal and leaves the run row alone), and
 * `{ lastSeq, updatedAt, totals }`, which rewrites the run row as status changes and cost hooks do.
 *
 * Run: `npx tsx test/bench/store-commit.ts`
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import type { UniversalEvent } from '../../src/events/types.js';
import { MemoryStore } from '../../src/store/memory.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import type { CommitBatch, RunRecord, Store } from '../../src/store/types.js';

/** Commits per timed chunk; the median is taken over chunks so the timer's own cost is amortised. */
const CHUNK = 200;

function runRecord(id: string): RunRecord {
  const now = new Date(0).toISOString();
  return {
    id,
    workflow: 'bench',
    version: 1,
    status: 'running',
    input: { topic: 'bench' },
    definition: { text: 'steps: []', hash: 'h', file: 'bench.yaml' },
    createdAt: now,
    updatedAt: now,
    lastSeq: 0,
  };
}

function batch(runId: string, seq: number, rowPatch: boolean): CommitBatch {
  const time = new Date(seq).toISOString();
  const event: UniversalEvent = {
    id: `e${seq}`,
    type: 'step.completed',
    time,
    seq,
    runId,
    correlationId: runId,
    source: { component: 'engine', language: 'js' },
    data: { path: `s${seq}`, ms: 1.5, output: { ok: true, n: seq } },
    schemaVersion: 1,
  };
  return {
    events: [event],
    steps: [{ runId, path: `s${seq}`, stepId: `s${seq}`, kind: 'tool', status: 'completed', attempt: 1, output: { ok: true, n: seq }, startedAt: time, endedAt: time }],
    run: rowPatch ? { lastSeq: seq, updatedAt: time, totals: { cost: seq / 1000 } } : { lastSeq: seq },
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Median µs per call of `fn(i)` over `chunks` chunks of CHUNK calls, after one warm-up chunk. */
function timeChunks(chunks: number, fn: (i: number) => void): number {
  const perCall: number[] = [];
  let i = 0;
  for (let c = 0; c <= chunks; c++) {
    const start = process.hrtime.bigint();
    for (let k = 0; k < CHUNK; k++) fn(i++);
    const us = Number(process.hrtime.bigint() - start) / 1000 / CHUNK;
    if (c > 0) perCall.push(us);
  }
  return median(perCall);
}

function benchCommits(store: Store, chunks: number, rowPatch: boolean): number {
  const runId = `bench-run-${String(rowPatch)}`;
  void store.createRun(runRecord(runId));
  const batches = Array.from({ length: (chunks + 1) * CHUNK }, (_, i) => batch(runId, i + 1, rowPatch));
  return timeChunks(chunks, (i) => void store.commit(runId, batches[i] as CommitBatch));
}

function benchRawInsert(file: string, chunks: number): number {
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    const payload = JSON.stringify({ ok: true, n: 1 });
    return timeChunks(chunks, () => void insert.run(payload));
  } finally {
    db.close();
  }
}

/** Median µs per commit for SqliteStore, MemoryStore and a raw better-sqlite3 autocommit insert. */
export async function benchStore(opts: { chunks?: number } = {}): Promise<Array<{ store: string; usPerCommit: number }>> {
  const chunks = opts.chunks ?? 50;
  const dir = mkdtempSync(join(tmpdir(), 'hookflow-bench-store-'));
  try {
    const sqlite = SqliteStore.open(join(dir, 'store.db'));
    let sqliteUs: number;
    let sqliteRowUs: number;
    try {
      sqliteUs = benchCommits(sqlite, chunks, false);
      sqliteRowUs = benchCommits(sqlite, chunks, true);
    } finally {
      sqlite.close();
    }
    const memory = new MemoryStore();
    const memoryUs = benchCommits(memory, chunks, false);
    const memoryRowUs = benchCommits(memory, chunks, true);
    memory.close();
    const rawUs = benchRawInsert(join(dir, 'raw.db'), chunks);
    return [
      { store: 'sqlite', usPerCommit: sqliteUs },
      { store: 'sqlite, run row patched', usPerCommit: sqliteRowUs },
      { store: 'memory', usPerCommit: memoryUs },
      { store: 'memory, run row patched', usPerCommit: memoryRowUs },
      { store: 'raw better-sqlite3 autocommit insert', usPerCommit: rawUs },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const r of await benchStore()) console.log(`${r.store.padEnd(40)} ${r.usPerCommit.toFixed(2).padStart(8)} µs/commit`);
}
