/**
 * The embedded SQLite Store (better-sqlite3). One file holds every run's journal; a `run` and a
 * `signal` from another shell share it through WAL mode and a busy timeout.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { ErrorCode, HookflowError } from '../errors.js';
import type { UniversalEvent } from '../events/types.js';
import { definitionMismatch, duplicateSeq, runExists, runNotFound, storeClosed } from './errors.js';
import { decodeJson, encodeJson, TEXT_CODEC } from './json.js';
import type { StoreOptions } from './options.js';
import { migrate, SCHEMA_VERSION } from './migrations.js';
import { normalizeEventQuery, normalizeRunFilter, pruneCutoff } from './query.js';
import {
  eventToRow,
  maxSeq,
  rowToEvent,
  rowToRun,
  rowToSignal,
  rowToStep,
  runToRow,
  signalToRow,
  stepToRow,
  type EventRow,
  type RunRow,
  type SignalRow,
} from './rows.js';
import { isSqliteCode, toStoreError } from './sqlite-errors.js';
import { probeStoreFile } from './sqlite-probe.js';
import { SqliteStatements } from './sqlite-statements.js';
import type { CommitBatch, EventQuery, RunFilter, RunRecord, SignalRecord, StepRecord, Store } from './types.js';

/** Options of {@link SqliteStore.open}. */
export interface SqliteStoreOptions extends StoreOptions {
  /** Open without writing: no WAL switch, no migration, no lazy deletion of expired meta. @default false */
  readonly?: boolean;
  /** How long a statement waits for another process's write lock before failing with STORE. @default 5000 */
  busyTimeoutMs?: number;
}

/**
 * Pages the WAL may hold before a commit checkpoints it (SQLite's default is 1000). A checkpoint
 * costs two fsyncs; at 3-4 pages per step commit the default paid them every ~250-330 commits, which
 * was most of the commit time. 4000 pages (16 MiB) pays them 4x less often and writes each hot page
 * (run row, journal tail) back once instead of four times.
 */
const WAL_AUTOCHECKPOINT_PAGES = 4000;
/** After a checkpoint the WAL file is truncated back to this size, so a burst does not pin disk space. */
const JOURNAL_SIZE_LIMIT = 32 * 1024 * 1024;

/** A Store in one SQLite file. Create it with {@link SqliteStore.open}. */
export class SqliteStore implements Store {
  /** `sqlite:<absolute path>`. */
  readonly kind: string;
  /** Absolute path of the database file. */
  readonly file: string;
  /** Schema version found in the file before this open migrated it (equal to the current one when nothing ran). */
  readonly migratedFrom: number;
  private readonly db: Database.Database;
  private readonly st: SqliteStatements;
  private readonly now: () => number;
  private readonly commitTx: Database.Transaction<(runId: string, batch: CommitBatch) => void>;
  private readonly claimTx: Database.Transaction<(runId: string, owner: string, alive: (owner: string) => boolean) => boolean>;
  private readonly pruneTx: (cutoff: string, now: number) => number;
  private readonly createTx: Database.Transaction<(row: RunRow) => void>;

  /**
   * Opens (creating parent folders and the file when missing) the store at `file`, refusing files
   * that are not hookflow stores with STORE_CORRUPT and newer schemas with STORE, then migrates it.
   *
   * @example const store = SqliteStore.open('.hookflow/hookflow.db');
   */
  static open(file: string, opts: SqliteStoreOptions = {}): SqliteStore {
    const abs = resolve(file);
    const readonly = opts.readonly ?? false;
    const state = probeStoreFile(abs);
    if (readonly && state.kind === 'new') {
      throw new HookflowError(ErrorCode.STORE, `no hookflow store at ${abs} to open read-only; hint: run a workflow first, or open it without readonly`, {
        retryable: false,
      });
    }
    if (readonly && state.kind === 'hookflow' && state.version < SCHEMA_VERSION) {
      throw new HookflowError(
        ErrorCode.STORE,
        `the store ${abs} has schema version ${state.version} and needs migrating to ${SCHEMA_VERSION}, which a read-only open cannot do; hint: open it once without readonly`,
        { retryable: false },
      );
    }
    if (state.kind === 'new' && !state.exists) {
      try {
        mkdirSync(dirname(abs), { recursive: true });
      } catch (err) {
        throw new HookflowError(
          ErrorCode.STORE,
          `cannot create the folder of the store ${abs}: ${(err as Error).message}; hint: check the path given to --store / HOOKFLOW_STORE`,
          { cause: err, retryable: false },
        );
      }
    }

    const timeout = opts.busyTimeoutMs ?? 5000;
    let db: Database.Database;
    try {
      db = new Database(abs, { readonly, fileMustExist: readonly, timeout });
    } catch (err) {
      throw toStoreError(err, abs, 'open the database');
    }
    try {
      let from = SCHEMA_VERSION;
      if (!readonly) {
        // Only effective before the first table exists; lets prune hand freed pages back to the OS.
        if (state.kind === 'new') db.pragma('auto_vacuum = INCREMENTAL');
        const mode = db.pragma('journal_mode = WAL', { simple: true });
        if (mode !== 'wal') {
          throw new HookflowError(ErrorCode.STORE, `cannot switch ${abs} to WAL mode (SQLite kept '${String(mode)}'); hint: put the store on a local filesystem`, {
            retryable: false,
          });
        }
        // In WAL mode a committed transaction survives a process crash or kill -9 with NORMAL; only
        // a power loss or OS crash can lose the last commits. FULL would fsync the WAL on every step.
        db.pragma('synchronous = NORMAL');
        db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
        db.pragma(`journal_size_limit = ${JOURNAL_SIZE_LIMIT}`);
        from = migrate(db, abs);
      }
      db.pragma('foreign_keys = ON');
      return new SqliteStore(db, abs, from, opts);
    } catch (err) {
      db.close();
      throw toStoreError(err, abs, 'open the database');
    }
  }

  private constructor(db: Database.Database, file: string, migratedFrom: number, opts: StoreOptions) {
    this.db = db;
    this.file = file;
    this.kind = `sqlite:${file}`;
    this.migratedFrom = migratedFrom;
    this.now = opts.now ?? Date.now;
    this.st = new SqliteStatements(db);
    this.commitTx = db.transaction((runId: string, batch: CommitBatch) => this.writeBatch(runId, batch));
    this.claimTx = db.transaction((runId: string, owner: string, alive: (owner: string) => boolean): boolean => {
      const row = this.st.selectOwner.get(runId);
      if (row === undefined) throw runNotFound(runId);
      if (row.owner !== null && row.owner !== owner && alive(row.owner)) return false;
      this.st.setOwner.run(owner, runId);
      return true;
    });
    this.createTx = db.transaction((row: RunRow): void => {
      const { input, definition_text: text, ...runColumns } = row;
      if (this.st.insertDefinition.run(row.definition_hash, text as string).changes === 0) {
        const pinned = this.st.definitionText.get(row.definition_hash);
        if (pinned !== text) throw definitionMismatch(row.id, row.definition_hash);
      }
      this.st.insertRun.run(runColumns);
      this.st.insertInput.run(row.id, input);
    });
    this.pruneTx = db.transaction((cutoff: string, now: number): number => {
      for (const stmt of this.st.pruneChildren) stmt.run(cutoff);
      const count = this.st.pruneRuns.run(cutoff).changes;
      if (count > 0) this.st.pruneDefinitions.run();
      this.st.pruneMeta.run(now);
      return count;
    });
  }

  createRun(run: RunRecord): void {
    try {
      this.createTx.immediate(runToRow(run, TEXT_CODEC));
    } catch (err) {
      if (isSqliteCode(err, 'SQLITE_CONSTRAINT_PRIMARYKEY')) throw runExists(run.id);
      throw this.fail(err, `create run '${run.id}'`);
    }
  }

  getRun(runId: string): RunRecord | undefined {
    try {
      const row = this.st.getRun.get(runId);
      return row === undefined ? undefined : rowToRun(row, TEXT_CODEC);
    } catch (err) {
      throw this.fail(err, `read run '${runId}'`);
    }
  }

  listRuns(filter?: RunFilter): RunRecord[] {
    const f = normalizeRunFilter(filter);
    try {
      const rows: RunRow[] =
        f.status !== undefined
          ? f.workflow !== undefined
            ? this.st.listByStatusWorkflow.all(f.status, f.workflow, f.limit)
            : this.st.listByStatus.all(f.status, f.limit)
          : f.workflow !== undefined
            ? this.st.listByWorkflow.all(f.workflow, f.limit)
            : this.st.listAll.all(f.limit);
      return rows.map((row) => rowToRun(row, TEXT_CODEC));
    } catch (err) {
      throw this.fail(err, 'list runs');
    }
  }

  commit(runId: string, batch: CommitBatch): void {
    try {
      // IMMEDIATE: a batch may read (the run head) before it writes, and a deferred transaction
      // whose snapshot another process outdated fails at once instead of waiting out the busy timeout.
      this.commitTx.immediate(runId, batch);
    } catch (err) {
      throw this.fail(err, `commit to run '${runId}'`);
    }
  }

  getSteps(runId: string): StepRecord[] {
    try {
      return this.st.getSteps.all(runId).map((row) => rowToStep(row, TEXT_CODEC));
    } catch (err) {
      throw this.fail(err, `read the steps of run '${runId}'`);
    }
  }

  getEvents(runId: string, query?: EventQuery): UniversalEvent[] {
    const q = normalizeEventQuery(query);
    try {
      if (q.limit === 0) return [];
      const rows = this.st.eventQuery(q.types).all(...eventParams(runId, q.fromSeq, q.types, q.limit)) as EventRow[];
      return rows.map((row) => rowToEvent(row, TEXT_CODEC));
    } catch (err) {
      throw this.fail(err, `read the events of run '${runId}'`);
    }
  }

  claimRun(runId: string, owner: string, isOwnerAlive: (owner: string) => boolean): boolean {
    try {
      // IMMEDIATE takes the write lock before reading the owner, so two claimers cannot both win.
      return this.claimTx.immediate(runId, owner, isOwnerAlive);
    } catch (err) {
      throw this.fail(err, `claim run '${runId}'`);
    }
  }

  releaseRun(runId: string, owner: string): void {
    try {
      this.st.releaseOwner.run(runId, owner);
    } catch (err) {
      throw this.fail(err, `release run '${runId}'`);
    }
  }

  putSignal(signal: SignalRecord): void {
    try {
      this.st.insertSignal.run(signalToRow(signal, TEXT_CODEC));
    } catch (err) {
      if (isSqliteCode(err, 'SQLITE_CONSTRAINT_FOREIGNKEY')) throw runNotFound(signal.runId);
      throw this.fail(err, `signal run '${signal.runId}'`);
    }
  }

  getSignals(runId: string, name?: string): SignalRecord[] {
    try {
      const rows: SignalRow[] = name === undefined ? this.st.getSignals.all(runId) : this.st.getSignalsByName.all(runId, name);
      return rows.map((row) => rowToSignal(row, TEXT_CODEC));
    } catch (err) {
      throw this.fail(err, `read the signals of run '${runId}'`);
    }
  }

  getMeta(ns: string, key: string): unknown {
    try {
      const row = this.st.getMeta.get(ns, key);
      if (row === undefined) return undefined;
      if (row.expires_at !== null) {
        const now = this.now();
        if (row.expires_at <= now) {
          if (!this.db.readonly) this.st.deleteExpiredMeta.run(ns, key, now);
          return undefined;
        }
      }
      return decodeJson(TEXT_CODEC, row.value, `meta ${ns}/${key}`);
    } catch (err) {
      throw this.fail(err, `read meta ${ns}/${key}`);
    }
  }

  putMeta(ns: string, key: string, value: unknown, expiresAt?: number | null): void {
    try {
      this.st.putMeta.run(ns, key, encodeJson(TEXT_CODEC, value, `meta ${ns}/${key}`), expiresAt ?? null);
    } catch (err) {
      throw this.fail(err, `write meta ${ns}/${key}`);
    }
  }

  listMeta(ns: string): Array<{ key: string; value: unknown }> {
    try {
      const now = this.now();
      if (!this.db.readonly) this.st.deleteExpiredNs.run(ns, now);
      const out: Array<{ key: string; value: unknown }> = [];
      for (const row of this.st.listMeta.all(ns)) {
        if (row.expires_at !== null && row.expires_at <= now) continue;
        out.push({ key: row.key, value: decodeJson(TEXT_CODEC, row.value, `meta ${ns}/${row.key}`) });
      }
      return out;
    } catch (err) {
      throw this.fail(err, `list meta ${ns}`);
    }
  }

  prune(before: Date): number {
    const cutoff = pruneCutoff(before);
    try {
      const count = this.pruneTx(cutoff, this.now());
      // Deleted pages go back to the OS, and the WAL (which held the deletions) is emptied, so
      // repeated run/prune cycles keep the files at a steady size.
      this.db.pragma('incremental_vacuum');
      this.db.pragma('wal_checkpoint(TRUNCATE)');
      return count;
    } catch (err) {
      throw this.fail(err, 'prune runs');
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** Writes one batch; runs inside the commit transaction, so any throw rolls all of it back. */
  private writeBatch(runId: string, batch: CommitBatch): void {
    const { events, steps, run: patch } = batch;
    const hasEvents = events !== undefined && events.length > 0;
    const hasSteps = steps !== undefined && steps.length > 0;
    const top = hasEvents ? maxSeq(events) : 0;
    // The head is derived from the journal, so a patch of lastSeq alone that the appended events
    // already reach needs no write to the run row (the usual step commit); the event inserts then
    // prove that the run exists through the foreign key.
    const rowPatch = patch !== undefined && !(hasEvents && onlyLastSeqWithin(patch, top)) ? patch : undefined;
    let head = top;
    if (rowPatch !== undefined) {
      const h = this.st.patchRun(runId, rowPatch);
      if (h === undefined) throw runNotFound(runId);
      if (!hasEvents) head = h;
    } else if (!hasEvents) {
      if (!hasSteps) return;
      const h = this.st.headSeq.get(runId);
      if (h === undefined) throw runNotFound(runId);
      head = h;
    }
    if (hasEvents) {
      const insert = this.st.insertEvent;
      for (let i = 0; i < events.length; i++) {
        const r = eventToRow(runId, events[i] as UniversalEvent, TEXT_CODEC);
        try {
          insert.run(r.run_id, r.seq, r.id, r.type, r.time, r.correlation_id, r.causation_id, r.source, r.data);
        } catch (err) {
          if (isSqliteCode(err, 'SQLITE_CONSTRAINT_PRIMARYKEY')) throw duplicateSeq(runId, r.seq, err);
          if (isSqliteCode(err, 'SQLITE_CONSTRAINT_FOREIGNKEY')) throw runNotFound(runId);
          throw err;
        }
      }
    }
    if (hasSteps) {
      const upsert = this.st.upsertStep;
      for (let i = 0; i < steps.length; i++) {
        const r = stepToRow(runId, steps[i] as StepRecord, head, TEXT_CODEC);
        upsert.run(r.run_id, r.path, r.first_seq, r.step_id, r.kind, r.status, r.attempt, r.output, r.error, r.started_at, r.ended_at, r.effects);
      }
    }
  }

  private fail(err: unknown, action: string): HookflowError {
    if (!this.db.open) return storeClosed(this.kind);
    return toStoreError(err, this.file, action);
  }
}

/** True when `patch` sets nothing but a lastSeq that `top` already reaches. */
function onlyLastSeqWithin(patch: NonNullable<CommitBatch['run']>, top: number): boolean {
  let only = false;
  for (const key in patch) {
    if (key !== 'lastSeq') return false;
    only = true;
  }
  const last = patch.lastSeq;
  return only && typeof last === 'number' && last <= top;
}

function eventParams(runId: string, fromSeq: number, types: readonly string[] | undefined, limit: number): Array<string | number> {
  const params: Array<string | number> = [runId, fromSeq];
  if (types !== undefined) {
    for (const t of types) if (!t.endsWith('.')) params.push(t);
    for (const t of types) if (t.endsWith('.')) params.push(t);
  }
  params.push(limit);
  return params;
}
