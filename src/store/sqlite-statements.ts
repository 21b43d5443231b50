/**
 * Prepared statements of the SQLite store, prepared once per connection. Statements whose shape
 * depends on the call (run patches, event type filters) are built on first use and cached by shape.
 */
import type Database from 'better-sqlite3';
import { TEXT_CODEC, type SqlValue } from './json.js';
import { FINISHED_STATUSES, type EventRow, type RunRow, type SignalRow, type StepRow } from './rows.js';
import { patchIndex, patchMask, patchValues, RUN_PATCH_FIELDS, type RunPatch } from './run-patch.js';

type Stmt<P extends unknown[], R = unknown> = Database.Statement<P, R>;

interface MetaRow {
  key: string;
  value: string | null;
  expires_at: number | null;
}

/**
 * A run's journal head: the stored last_seq (an explicit floor set by patches) or the highest seq in
 * its journal, whichever is higher. Deriving it lets a commit that only appends events leave the run
 * row alone: one page write fewer per step (the max is one seek on the events key).
 */
const HEAD = (runs: string): string => `max(${runs}.last_seq, coalesce((SELECT max(seq) FROM events WHERE events.run_id = ${runs}.id), 0))`;
/** `input` lives in run_inputs (see migration 2), so its bit is written by its own statement. */
const INPUT_INDEX = patchIndex('input');
const INPUT_BIT = 1 << INPUT_INDEX;
/** Shape caches are bounded so that unusual call patterns cannot grow them without limit. */
const MAX_CACHED_SHAPES = 128;

/** Columns of the runs table proper (input and definition text live in their own tables). */
const RUN_TABLE_COLUMNS = [
  'id',
  'workflow',
  'version',
  'status',
  'output',
  'error',
  'definition_hash',
  'definition_file',
  'parent_run_id',
  'parent_step_path',
  'created_at',
  'updated_at',
  'ended_at',
  'last_seq',
  'wake_at',
  'owner',
  'totals',
] as const satisfies ReadonlyArray<keyof RunRow>;

const SELECT_RUN = `SELECT ${RUN_TABLE_COLUMNS.map((c) => (c === 'last_seq' ? `${HEAD('r')} AS last_seq` : `r.${c}`)).join(', ')}, i.input, d.text AS definition_text
  FROM runs r LEFT JOIN run_inputs i ON i.run_id = r.id LEFT JOIN definitions d ON d.hash = r.definition_hash`;
const LIST_ORDER = 'ORDER BY r.created_at DESC, r.rowid DESC LIMIT ?';
const FINISHED_SQL = FINISHED_STATUSES.map((s) => `'${s}'`).join(', ');
const PRUNABLE = `SELECT id FROM runs WHERE status IN (${FINISHED_SQL}) AND ended_at IS NOT NULL AND ended_at < ?`;

/** The statements of one connection. */
export class SqliteStatements {
  readonly insertRun: Stmt<[Omit<RunRow, 'input' | 'definition_text'>]>;
  readonly insertInput: Stmt<[string, string | null]>;
  readonly insertDefinition: Stmt<[string, string]>;
  readonly definitionText: Stmt<[string], string>;
  readonly getRun: Stmt<[string], RunRow>;
  readonly listAll: Stmt<[number], RunRow>;
  readonly listByStatus: Stmt<[string, number], RunRow>;
  readonly listByWorkflow: Stmt<[string, number], RunRow>;
  readonly listByStatusWorkflow: Stmt<[string, string, number], RunRow>;
  readonly insertEvent: Stmt<[string, number, string, string, string, string, string | null, string | null, string | null]>;
  readonly upsertStep: Stmt<
    [string, string, number, string, string, string, number, string | null, string | null, string | null, string | null, string | null]
  >;
  readonly headSeq: Stmt<[string], number>;
  readonly getSteps: Stmt<[string], StepRow>;
  readonly selectOwner: Stmt<[string], { owner: string | null }>;
  readonly setOwner: Stmt<[string, string]>;
  readonly releaseOwner: Stmt<[string, string]>;
  readonly insertSignal: Stmt<[Omit<SignalRow, 'id'>]>;
  readonly getSignals: Stmt<[string], SignalRow>;
  readonly getSignalsByName: Stmt<[string, string], SignalRow>;
  readonly getMeta: Stmt<[string, string], MetaRow>;
  readonly putMeta: Stmt<[string, string, string | null, number | null]>;
  readonly deleteExpiredMeta: Stmt<[string, string, number]>;
  readonly deleteExpiredNs: Stmt<[string, number]>;
  readonly listMeta: Stmt<[string], MetaRow>;
  /** Deletes the journal, steps, signals and inputs of prunable runs; run before {@link pruneRuns}. */
  readonly pruneChildren: ReadonlyArray<Stmt<[string]>>;
  readonly pruneRuns: Stmt<[string]>;
  readonly pruneDefinitions: Stmt<[]>;
  readonly pruneMeta: Stmt<[number]>;
  private readonly db: Database.Database;
  private readonly updateInput: Stmt<[string | null, string]>;
  private readonly patches = new Map<number, Stmt<SqlValue[], number>>();
  private readonly eventQueries = new Map<string, Stmt<SqlValue[], EventRow>>();

  constructor(db: Database.Database) {
    this.db = db;
    this.insertRun = db.prepare<Omit<RunRow, 'input' | 'definition_text'>>(
      `INSERT INTO runs (${RUN_TABLE_COLUMNS.join(', ')}) VALUES (${RUN_TABLE_COLUMNS.map((c) => `@${c}`).join(', ')})`,
    );
    this.insertInput = db.prepare('INSERT INTO run_inputs (run_id, input) VALUES (?, ?)');
    this.updateInput = db.prepare('UPDATE run_inputs SET input = ? WHERE run_id = ?');
    this.insertDefinition = db.prepare('INSERT INTO definitions (hash, text) VALUES (?, ?) ON CONFLICT (hash) DO NOTHING');
    this.definitionText = db.prepare<[string], string>('SELECT text FROM definitions WHERE hash = ?').pluck();
    this.getRun = db.prepare(`${SELECT_RUN} WHERE r.id = ?`);
    this.listAll = db.prepare(`${SELECT_RUN} ${LIST_ORDER}`);
    this.listByStatus = db.prepare(`${SELECT_RUN} WHERE r.status = ? ${LIST_ORDER}`);
    this.listByWorkflow = db.prepare(`${SELECT_RUN} WHERE r.workflow = ? ${LIST_ORDER}`);
    this.listByStatusWorkflow = db.prepare(`${SELECT_RUN} WHERE r.status = ? AND r.workflow = ? ${LIST_ORDER}`);
    this.insertEvent = db.prepare(
      'INSERT INTO events (run_id, seq, id, type, time, correlation_id, causation_id, source, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    // first_seq is only set on insert: a step keeps its place in getSteps across later attempts.
    this.upsertStep = db.prepare(
      `INSERT INTO steps (run_id, path, first_seq, step_id, kind, status, attempt, output, error, started_at, ended_at, effects)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (run_id, path) DO UPDATE SET step_id = excluded.step_id, kind = excluded.kind, status = excluded.status,
         attempt = excluded.attempt, output = excluded.output, error = excluded.error, started_at = excluded.started_at,
         ended_at = excluded.ended_at, effects = excluded.effects`,
    );
    this.headSeq = db.prepare<[string], number>(`SELECT ${HEAD('runs')} FROM runs WHERE id = ?`).pluck();
    this.getSteps = db.prepare(
      `SELECT run_id, path, first_seq, step_id, kind, status, attempt, output, error, started_at, ended_at, effects
       FROM steps WHERE run_id = ? ORDER BY first_seq, path`,
    );
    this.selectOwner = db.prepare('SELECT owner FROM runs WHERE id = ?');
    this.setOwner = db.prepare('UPDATE runs SET owner = ? WHERE id = ?');
    this.releaseOwner = db.prepare('UPDATE runs SET owner = NULL WHERE id = ? AND owner = ?');
    this.insertSignal = db.prepare<Omit<SignalRow, 'id'>>(
      'INSERT INTO signals (run_id, name, data, created_at) VALUES (@run_id, @name, @data, @created_at)',
    );
    this.getSignals = db.prepare('SELECT id, run_id, name, data, created_at FROM signals WHERE run_id = ? ORDER BY id');
    this.getSignalsByName = db.prepare('SELECT id, run_id, name, data, created_at FROM signals WHERE run_id = ? AND name = ? ORDER BY id');
    this.getMeta = db.prepare('SELECT key, value, expires_at FROM meta WHERE ns = ? AND key = ?');
    this.putMeta = db.prepare(
      'INSERT INTO meta (ns, key, value, expires_at) VALUES (?, ?, ?, ?) ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at',
    );
    // Re-checks expiry so that a value refreshed by another process in the meantime survives.
    this.deleteExpiredMeta = db.prepare('DELETE FROM meta WHERE ns = ? AND key = ? AND expires_at IS NOT NULL AND expires_at <= ?');
    this.deleteExpiredNs = db.prepare('DELETE FROM meta WHERE ns = ? AND expires_at IS NOT NULL AND expires_at <= ?');
    this.listMeta = db.prepare('SELECT key, value, expires_at FROM meta WHERE ns = ? ORDER BY key');
    this.pruneChildren = ['events', 'steps', 'signals', 'run_inputs'].map((t) =>
      db.prepare<[string]>(`DELETE FROM ${t} WHERE run_id IN (${PRUNABLE})`),
    );
    this.pruneRuns = db.prepare(`DELETE FROM runs WHERE id IN (${PRUNABLE})`);
    this.pruneDefinitions = db.prepare<[]>('DELETE FROM definitions WHERE NOT EXISTS (SELECT 1 FROM runs WHERE runs.definition_hash = definitions.hash)');
    this.pruneMeta = db.prepare('DELETE FROM meta WHERE expires_at IS NOT NULL AND expires_at <= ?');
  }

  /**
   * Applies a run patch with a statement cached per column set. Returns the run's journal head
   * afterwards, undefined when there is no such run.
   */
  patchRun(runId: string, patch: RunPatch): number | undefined {
    const mask = patchMask(patch, runId);
    const shape = mask & ~INPUT_BIT;
    const params = patchValues(patch, mask, runId, TEXT_CODEC) as SqlValue[];
    let input: SqlValue | undefined;
    if ((mask & INPUT_BIT) !== 0) {
      // Values come in field order, so input's slot is the number of set fields before it.
      let slot = 0;
      for (let i = 0; i < INPUT_INDEX; i++) if ((mask & (1 << i)) !== 0) slot++;
      input = params.splice(slot, 1)[0] as SqlValue;
    }
    params.push(runId);
    let stmt = this.patches.get(shape);
    if (stmt === undefined) {
      stmt = this.db.prepare<SqlValue[], number>(patchSql(shape)).pluck();
      cache(this.patches, shape, stmt);
    }
    const head = stmt.get(...params);
    if (head !== undefined && input !== undefined) this.updateInput.run(input as string | null, runId);
    return head;
  }

  /** The event query for a type filter; parameters are runId, fromSeq, exact types, prefixes, limit. */
  eventQuery(types: readonly string[] | undefined): Stmt<SqlValue[], EventRow> {
    let exact = 0;
    let prefixes = 0;
    if (types !== undefined) {
      for (const t of types) {
        if (t.endsWith('.')) prefixes++;
        else exact++;
      }
    }
    const key = `${exact}:${prefixes}`;
    let stmt = this.eventQueries.get(key);
    if (stmt === undefined) {
      const terms: string[] = [];
      if (exact > 0) terms.push(`type IN (${Array.from({ length: exact }, () => '?').join(', ')})`);
      for (let i = 0; i < prefixes; i++) terms.push('instr(type, ?) = 1');
      const filter = terms.length > 0 ? ` AND (${terms.join(' OR ')})` : '';
      stmt = this.db.prepare<SqlValue[], EventRow>(
        `SELECT run_id, seq, id, type, time, correlation_id, causation_id, source, data FROM events
         WHERE run_id = ? AND seq >= ?${filter} ORDER BY seq LIMIT ?`,
      );
      cache(this.eventQueries, key, stmt);
    }
    return stmt;
  }
}

function patchSql(shape: number): string {
  const sets: string[] = [];
  for (let i = 0; i < RUN_PATCH_FIELDS.length; i++) {
    if ((shape & (1 << i)) === 0) continue;
    sets.push(`${(RUN_PATCH_FIELDS[i] as (typeof RUN_PATCH_FIELDS)[number]).column} = ?`);
  }
  // A patch with no runs column still has to match the row so that RETURNING tells whether the run exists.
  if (sets.length === 0) sets.push('last_seq = last_seq');
  return `UPDATE runs SET ${sets.join(', ')} WHERE id = ? RETURNING ${HEAD('runs')}`;
}

function cache<K, V>(map: Map<K, V>, key: K, value: V): void {
  if (map.size >= MAX_CACHED_SHAPES) {
    const oldest = map.keys().next();
    if (!oldest.done) map.delete(oldest.value);
  }
  map.set(key, value);
}
