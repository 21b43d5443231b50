/**
 * Schema migrations of the SQLite store, versioned in code and tracked with `PRAGMA user_version`.
 * A database is ours when its `hookflow_meta` table holds `app = 'hookflow'`. Migrations only ever
 * move forward; a database whose version is above {@link SCHEMA_VERSION} was written by a newer
 * hookflow and is refused rather than guessed at.
 *
 * Append new migrations at the end; never edit one that has shipped (old databases replay them).
 */
import type Database from 'better-sqlite3';
import { ErrorCode, HookflowError } from '../errors.js';

/** One forward step of the schema. `up` runs inside the migration transaction. */
export interface Migration {
  version: number;
  description: string;
  up(db: Database.Database): void;
}

/** Value of the `app` row of `hookflow_meta` that marks a database as a hookflow store. */
export const APP_MARKER = 'hookflow';

/** The ordered migrations; versions are 1, 2, 3, ... */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'journal: runs, events, steps, signals, meta',
    up(db) {
      db.exec(`
        CREATE TABLE hookflow_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
        INSERT INTO hookflow_meta (key, value) VALUES ('app', '${APP_MARKER}');

        CREATE TABLE runs (
          id TEXT PRIMARY KEY,
          workflow TEXT NOT NULL,
          version,
          status TEXT NOT NULL,
          input TEXT,
          output TEXT,
          error TEXT,
          definition_text TEXT NOT NULL,
          definition_hash TEXT NOT NULL,
          definition_file TEXT NOT NULL,
          parent_run_id TEXT,
          parent_step_path TEXT,
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL,
          ended_at TEXT,
          last_seq INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX runs_status_updated ON runs (status, updated_at);
        CREATE INDEX runs_ended ON runs (ended_at) WHERE ended_at IS NOT NULL;

        CREATE TABLE events (
          run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
          seq INTEGER NOT NULL,
          id TEXT NOT NULL,
          type TEXT NOT NULL,
          time TEXT NOT NULL,
          correlation_id TEXT NOT NULL,
          causation_id TEXT,
          source TEXT NOT NULL,
          data TEXT,
          PRIMARY KEY (run_id, seq)
        ) WITHOUT ROWID;

        CREATE TABLE steps (
          run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
          path TEXT NOT NULL,
          step_id TEXT NOT NULL,
          kind TEXT NOT NULL,
          status TEXT NOT NULL,
          attempt INTEGER NOT NULL,
          output TEXT,
          error TEXT,
          started_at TEXT,
          ended_at TEXT,
          effects TEXT,
          PRIMARY KEY (run_id, path)
        );

        CREATE TABLE signals (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
          name TEXT NOT NULL,
          data TEXT,
          created_at TEXT NOT NULL
        );
        CREATE INDEX signals_run ON signals (run_id, name, id);

        CREATE TABLE meta (
          ns TEXT NOT NULL,
          key TEXT NOT NULL,
          value TEXT,
          expires_at INTEGER,
          PRIMARY KEY (ns, key)
        ) WITHOUT ROWID;
      `);
    },
  },
  {
    version: 2,
    description: 'run ownership, durable wake-up times and totals; a hot run row kept small',
    up(db) {
      // Measured on v1: a commit rewrites the run row, and once the row carried a large input or
      // definition, any change in its size (totals growing, say) rewrote every overflow page of it
      // (10x the page writes). v2 keeps the row small: definitions move to a table keyed by hash
      // (identical definitions are stored once) and inputs to their own table. Commits also
      // rewrote updated_at, whose index cost extra page writes each time, so runs are listed by
      // creation time. Step rows move into one WITHOUT ROWID b-tree (v1 had a table plus a key
      // index), ordered by first_seq; rows from v1 get negative first_seq values in rowid order.
      db.exec(`
        CREATE TABLE definitions (hash TEXT PRIMARY KEY, text TEXT NOT NULL);
        INSERT INTO definitions (hash, text) SELECT definition_hash, min(definition_text) FROM runs GROUP BY definition_hash;
        CREATE TABLE run_inputs (run_id TEXT PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE, input TEXT);
        INSERT INTO run_inputs (run_id, input) SELECT id, input FROM runs;
        ALTER TABLE runs DROP COLUMN input;
        ALTER TABLE runs DROP COLUMN definition_text;
        ALTER TABLE runs ADD COLUMN wake_at INTEGER;
        ALTER TABLE runs ADD COLUMN owner TEXT;
        ALTER TABLE runs ADD COLUMN totals TEXT;
        DROP INDEX runs_status_updated;
        CREATE INDEX runs_status_created ON runs (status, created_at);
        CREATE INDEX runs_created ON runs (created_at);
        CREATE INDEX runs_definition ON runs (definition_hash);
        CREATE INDEX runs_wake ON runs (wake_at) WHERE wake_at IS NOT NULL;
        CREATE INDEX meta_expires ON meta (expires_at) WHERE expires_at IS NOT NULL;

        CREATE TABLE steps_v2 (
          run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
          path TEXT NOT NULL,
          first_seq INTEGER NOT NULL,
          step_id TEXT NOT NULL,
          kind TEXT NOT NULL,
          status TEXT NOT NULL,
          attempt INTEGER NOT NULL,
          output TEXT,
          error TEXT,
          started_at TEXT,
          ended_at TEXT,
          effects TEXT,
          PRIMARY KEY (run_id, path)
        ) WITHOUT ROWID;
        INSERT INTO steps_v2 (run_id, path, first_seq, step_id, kind, status, attempt, output, error, started_at, ended_at, effects)
          SELECT run_id, path, rowid - (SELECT max(rowid) FROM steps) - 1, step_id, kind, status, attempt, output, error, started_at, ended_at, effects
          FROM steps;
        DROP TABLE steps;
        ALTER TABLE steps_v2 RENAME TO steps;
      `);
    },
  },
];

/** The schema version this build writes. */
export const SCHEMA_VERSION: number = (MIGRATIONS[MIGRATIONS.length - 1] as Migration).version;

/** Error for a database written by a newer hookflow. */
export function newerSchema(file: string, found: number): HookflowError {
  return new HookflowError(
    ErrorCode.STORE,
    `the store ${file} has schema version ${found}, but this hookflow supports up to version ${SCHEMA_VERSION}: ` +
      'it was written by a newer hookflow; hint: upgrade hookflow, or point --store / HOOKFLOW_STORE at another file',
    { retryable: false },
  );
}

/**
 * Brings the database up to {@link SCHEMA_VERSION} in one IMMEDIATE transaction (so two processes
 * opening an old file at once migrate it once). Returns the version found before migrating.
 */
export function migrate(db: Database.Database, file: string): number {
  const run = db.transaction((): number => {
    const found = db.pragma('user_version', { simple: true }) as number;
    if (found > SCHEMA_VERSION) throw newerSchema(file, found);
    for (const m of MIGRATIONS) if (m.version > found) m.up(db);
    if (found !== SCHEMA_VERSION) db.pragma(`user_version = ${SCHEMA_VERSION}`);
    return found;
  });
  return run.immediate();
}
