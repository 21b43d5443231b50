import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/store/migrations.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import type { StepRecord } from '../../src/store/types.js';
import { hookflowError, iso, makeEvent, makeStep, tempDir, type TempDir } from './fixtures.js';

/** The v1 schema as hookflow 0.1 wrote it, typed out by hand (not taken from MIGRATIONS). */
const V1_SCHEMA = `
  CREATE TABLE hookflow_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
  INSERT INTO hookflow_meta (key, value) VALUES ('app', 'hookflow');
  CREATE TABLE runs (
    id TEXT PRIMARY KEY, workflow TEXT NOT NULL, version, status TEXT NOT NULL, input TEXT, output TEXT, error TEXT,
    definition_text TEXT NOT NULL, definition_hash TEXT NOT NULL, definition_file TEXT NOT NULL,
    parent_run_id TEXT, parent_step_path TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, ended_at TEXT,
    last_seq INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX runs_status_updated ON runs (status, updated_at);
  CREATE INDEX runs_ended ON runs (ended_at) WHERE ended_at IS NOT NULL;
  CREATE TABLE events (
    run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE, seq INTEGER NOT NULL, id TEXT NOT NULL, type TEXT NOT NULL,
    time TEXT NOT NULL, correlation_id TEXT NOT NULL, causation_id TEXT, source TEXT NOT NULL, data TEXT,
    PRIMARY KEY (run_id, seq)
  ) WITHOUT ROWID;
  CREATE TABLE steps (
    run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE, path TEXT NOT NULL, step_id TEXT NOT NULL, kind TEXT NOT NULL,
    status TEXT NOT NULL, attempt INTEGER NOT NULL, output TEXT, error TEXT, started_at TEXT, ended_at TEXT, effects TEXT,
    PRIMARY KEY (run_id, path)
  );
  CREATE TABLE signals (
    id INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    name TEXT NOT NULL, data TEXT, created_at TEXT NOT NULL
  );
  CREATE INDEX signals_run ON signals (run_id, name, id);
  CREATE TABLE meta (ns TEXT NOT NULL, key TEXT NOT NULL, value TEXT, expires_at INTEGER, PRIMARY KEY (ns, key)) WITHOUT ROWID;
  PRAGMA user_version = 1;
`;

function writeV1Fixture(file: string): void {
  const db = new Database(file);
  db.exec(V1_SCHEMA);
  const run = db.prepare(
    `INSERT INTO runs (id, workflow, version, status, input, output, error, definition_text, definition_hash, definition_file,
       parent_run_id, parent_step_path, created_at, updated_at, ended_at, last_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  run.run('old-1', 'summarize', 3, 'completed', '{"topic":"a"}', '{"summary":"done"}', null, 'steps: [a]', 'h1', '/w/s.yaml', null, null, iso(1), iso(5), iso(5), 2);
  run.run('old-2', 'summarize', '1.0', 'suspended', '{"topic":"b"}', null, null, 'steps: [a]', 'h1', '/w/s.yaml', 'old-1', 'a', iso(2), iso(6), null, 1);
  const event = db.prepare('INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
  event.run('old-1', 1, 'e1', 'step.started', iso(3), 'old-1', null, '{"component":"engine","language":"js"}', '{"path":"z"}');
  event.run('old-1', 2, 'e2', 'step.completed', iso(4), 'old-1', 'e1', '{"component":"engine","language":"js"}', '{"path":"z"}');
  event.run('old-2', 1, 'e3', 'run.suspended', iso(6), 'old-2', null, '{"component":"engine","language":"js"}', null);
  const step = db.prepare('INSERT INTO steps VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
  // Inserted z before a: v1 listed steps in insertion (rowid) order, and the migration keeps it.
  step.run('old-1', 'z', 'z', 'tool', 'completed', 1, '{"n":1}', null, iso(3), iso(4), '{"vars":{"x":1}}');
  step.run('old-1', 'a', 'a', 'tool', 'failed', 2, null, '{"code":"TIMEOUT","message":"slow"}', iso(4), iso(5), null);
  db.prepare('INSERT INTO signals (run_id, name, data, created_at) VALUES (?, ?, ?, ?)').run('old-2', 'approve', '{"by":"ann"}', iso(7));
  db.prepare('INSERT INTO meta VALUES (?, ?, ?, ?)').run('cache', 'k', '{"v":1}', null);
  db.close();
}

function withoutOutput(step: StepRecord): StepRecord {
  const { output: _output, ...rest } = step;
  return rest;
}

function schemaOf(file: string): Record<string, string[]> {
  const db = new Database(file, { readonly: true });
  try {
    const out: Record<string, string[]> = {};
    const objects = db.prepare("SELECT type, name, tbl_name FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY name").all() as Array<{ type: string; name: string; tbl_name: string }>;
    for (const o of objects) {
      const info = o.type === 'table' ? db.pragma(`table_info(${o.name})`) : db.pragma(`index_info(${o.name})`);
      out[`${o.type} ${o.name} on ${o.tbl_name}`] = (info as Array<{ name: string }>).map((c) => c.name);
    }
    return out;
  } finally {
    db.close();
  }
}

describe('schema migrations', () => {
  let dir: TempDir;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => dir.cleanup());

  it('numbers migrations 1, 2, ... and ends at SCHEMA_VERSION', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    expect(SCHEMA_VERSION).toBe(MIGRATIONS.length);
    expect(SCHEMA_VERSION).toBeGreaterThanOrEqual(2);
  });

  it('initialises a new file at the current version with the hookflow marker', () => {
    const file = join(dir.path, 'new.db');
    SqliteStore.open(file).close();
    const db = new Database(file, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.prepare("SELECT value FROM hookflow_meta WHERE key = 'app'").pluck().get()).toBe('hookflow');
    expect(db.pragma('auto_vacuum', { simple: true })).toBe(2);
    db.close();
  });

  it('migrates a v1 database forward, keeping every run, event, step, signal and meta value', () => {
    const file = join(dir.path, 'v1.db');
    writeV1Fixture(file);
    const store = SqliteStore.open(file);
    try {
      expect(store.migratedFrom).toBe(1);
      expect(store.getRun('old-1')).toStrictEqual({
        id: 'old-1',
        workflow: 'summarize',
        version: 3,
        status: 'completed',
        input: { topic: 'a' },
        output: { summary: 'done' },
        error: null,
        definition: { text: 'steps: [a]', hash: 'h1', file: '/w/s.yaml' },
        parentRunId: null,
        parentStepPath: null,
        createdAt: iso(1),
        updatedAt: iso(5),
        endedAt: iso(5),
        lastSeq: 2,
        wakeAt: null,
        owner: null,
        totals: null,
      });
      expect(store.getRun('old-2')).toMatchObject({ version: '1.0', parentRunId: 'old-1', parentStepPath: 'a', input: { topic: 'b' } });
      expect(store.getEvents('old-1').map((e) => [e.seq, e.type, e.causationId])).toEqual([
        [1, 'step.started', undefined],
        [2, 'step.completed', 'e1'],
      ]);
      expect(store.getSteps('old-1')).toStrictEqual([
        makeStep('old-1', 'z', { output: { n: 1 }, startedAt: iso(3), endedAt: iso(4), effects: { vars: { x: 1 } } }),
        withoutOutput(makeStep('old-1', 'a', { status: 'failed', attempt: 2, error: { code: 'TIMEOUT', message: 'slow' }, startedAt: iso(4), endedAt: iso(5) })),
      ]);
      expect(store.getSignals('old-2')).toEqual([{ runId: 'old-2', name: 'approve', data: { by: 'ann' }, createdAt: iso(7) }]);
      expect(store.getMeta('cache', 'k')).toEqual({ v: 1 });

      // The migrated run carries on: new columns work and new steps list after the old ones.
      expect(store.claimRun('old-2', 'host:1', () => true)).toBe(true);
      store.commit('old-2', { events: [makeEvent('old-2', 2)], steps: [makeStep('old-2', 'b'), makeStep('old-2', 'a')], run: { totals: { cost: 1 } } });
      store.commit('old-1', { steps: [makeStep('old-1', 'late')] });
      expect(store.getSteps('old-1').map((s) => s.path)).toEqual(['z', 'a', 'late']);
      expect(store.getRun('old-2')).toMatchObject({ owner: 'host:1', totals: { cost: 1 }, lastSeq: 2 });
    } finally {
      store.close();
    }
    const db = new Database(file, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(db.pragma('foreign_key_check')).toEqual([]);
    db.close();
  });

  it('leaves a migrated v1 database with the same tables, columns and indexes as a new one', () => {
    const old = join(dir.path, 'v1.db');
    const fresh = join(dir.path, 'fresh.db');
    writeV1Fixture(old);
    SqliteStore.open(old).close();
    SqliteStore.open(fresh).close();
    expect(schemaOf(old)).toEqual(schemaOf(fresh));
  });

  it('refuses to open a v1 database read-only, since it cannot migrate it', async () => {
    const file = join(dir.path, 'v1.db');
    writeV1Fixture(file);
    const err = await hookflowError(() => SqliteStore.open(file, { readonly: true }));
    expect(err.code).toBe('STORE');
    expect(err.message).toMatch(/schema version 1 and needs migrating/);
  });

  it('refuses a database from a newer hookflow with STORE and leaves it untouched', async () => {
    const file = join(dir.path, 'future.db');
    SqliteStore.open(file).close();
    const db = new Database(file);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    const before = readFileSync(file);
    const mtime = statSync(file).mtimeMs;
    const err = await hookflowError(() => SqliteStore.open(file));
    expect(err.code).toBe('STORE');
    expect(err.message).toContain(file);
    expect(err.message).toMatch(new RegExp(`schema version ${SCHEMA_VERSION + 1}.*supports up to version ${SCHEMA_VERSION}.*newer hookflow`));
    expect(err.message).toMatch(/hint: upgrade hookflow/);
    expect(readFileSync(file).equals(before)).toBe(true);
    expect(statSync(file).mtimeMs).toBe(mtime);
  });
});
