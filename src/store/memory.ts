/**
 * In-memory Store for tests and short-lived embedded runs. It keeps the same rows as the SQLite
 * store, holding deep copies with JSON semantics (json-clone.ts) where SQLite holds JSON text: values
 * are copied on the way in and out, and read back exactly as SQLite would return them, so a test
 * passing on memory also passes on SQLite. (structuredClone would keep Dates, Maps and undefined
 * members that SQLite loses, and costs several times more.)
 */
import type { UniversalEvent } from '../events/types.js';
import { definitionMismatch, duplicateSeq, runExists, runNotFound, storeClosed } from './errors.js';
import { CLONE_CODEC, decodeJson, encodeJson } from './json.js';
import type { StoreOptions } from './options.js';
import { normalizeEventQuery, normalizeRunFilter, pruneCutoff, typeSelected } from './query.js';
import {
  eventToRow,
  FINISHED_STATUSES,
  maxSeq,
  rowToEvent,
  rowToRun,
  rowToSignal,
  rowToStep,
  runToRow,
  signalToRow,
  stepToRow,
  type EventRow as Rows,
  type RunRow as RunRows,
  type SignalRow as SignalRows,
  type StepRow as StepRows,
} from './rows.js';
import { patchIndex, patchMask, patchValues, RUN_PATCH_FIELDS } from './run-patch.js';
import type { CommitBatch, EventQuery, RunFilter, RunRecord, SignalRecord, StepRecord, Store } from './types.js';

type RunRow = RunRows<unknown>;
type EventRow = Rows<unknown>;
type StepRow = StepRows<unknown>;
type SignalRow = SignalRows<unknown>;
const CODEC = CLONE_CODEC;


interface RunEntry {
  row: RunRow;
  /** Creation order, the tie-breaker of listRuns among equal createdAt (SQLite uses the rowid). */
  order: number;
  /** Sorted by seq. */
  events: EventRow[];
  steps: Map<string, StepRow>;
  signals: SignalRow[];
}

const LAST_SEQ_BIT = 1 << patchIndex('lastSeq');

interface MetaEntry {
  value: unknown;
  expiresAt: number | null;
}

/** A Store kept in process memory. Nothing survives the process. */
export class MemoryStore implements Store {
  readonly kind = 'memory';
  private readonly runs = new Map<string, RunEntry>();
  private readonly meta = new Map<string, Map<string, MetaEntry>>();
  /** Pinned definition texts by hash, shared by runs like the SQLite definitions table. */
  private readonly definitions = new Map<string, string>();
  private readonly now: () => number;
  private order = 0;
  private signalId = 0;
  private closed = false;

  constructor(opts: StoreOptions = {}) {
    this.now = opts.now ?? Date.now;
  }

  createRun(run: RunRecord): void {
    this.live();
    const row = runToRow(run, CODEC);
    const pinned = this.definitions.get(row.definition_hash);
    if (pinned !== undefined && pinned !== row.definition_text) throw definitionMismatch(row.id, row.definition_hash);
    if (this.runs.has(row.id)) throw runExists(row.id);
    this.definitions.set(row.definition_hash, row.definition_text as string);
    this.runs.set(row.id, { row, order: ++this.order, events: [], steps: new Map(), signals: [] });
  }

  getRun(runId: string): RunRecord | undefined {
    this.live();
    const entry = this.runs.get(runId);
    return entry === undefined ? undefined : readRun(entry);
  }

  listRuns(filter?: RunFilter): RunRecord[] {
    this.live();
    const f = normalizeRunFilter(filter);
    const picked: RunEntry[] = [];
    for (const entry of this.runs.values()) {
      if (f.status !== undefined && entry.row.status !== f.status) continue;
      if (f.workflow !== undefined && entry.row.workflow !== f.workflow) continue;
      picked.push(entry);
    }
    picked.sort((a, b) => (a.row.created_at < b.row.created_at ? 1 : a.row.created_at > b.row.created_at ? -1 : b.order - a.order));
    const end = f.limit < 0 ? picked.length : Math.min(f.limit, picked.length);
    const out: RunRecord[] = new Array<RunRecord>(end);
    for (let i = 0; i < end; i++) out[i] = readRun(picked[i] as RunEntry);
    return out;
  }

  commit(runId: string, batch: CommitBatch): void {
    this.live();
    const { events, steps, run: patch } = batch;
    const hasEvents = events !== undefined && events.length > 0;
    const hasSteps = steps !== undefined && steps.length > 0;
    if (!hasEvents && !hasSteps && patch === undefined) return;
    const entry = this.runs.get(runId);
    if (entry === undefined) throw runNotFound(runId);

    // Everything is encoded and checked before the first write, so a bad row leaves nothing behind.
    let eventRows: EventRow[] | undefined;
    let sorted = true;
    if (hasEvents) {
      eventRows = new Array<EventRow>(events.length);
      let prev = entry.events.length > 0 ? (entry.events[entry.events.length - 1] as EventRow).seq : 0;
      for (let i = 0; i < events.length; i++) {
        const row = eventToRow(runId, events[i] as UniversalEvent, CODEC);
        if (row.seq <= prev) sorted = false;
        prev = row.seq;
        eventRows[i] = row;
      }
      if (!sorted) checkNoDuplicates(runId, entry.events, eventRows);
    }
    let patchMaskBits = 0;
    let values: unknown[] | undefined;
    if (patch !== undefined) {
      patchMaskBits = patchMask(patch, runId);
      values = patchValues(patch, patchMaskBits, runId, CODEC);
    }
    let stepRows: StepRow[] | undefined;
    if (hasSteps) {
      // Same rule as SQLite: the batch's highest seq, else the run's head after the patch.
      let firstSeq: number;
      if (hasEvents) firstSeq = maxSeq(events);
      else {
        let stored = entry.row.last_seq;
        if ((patchMaskBits & LAST_SEQ_BIT) !== 0) stored = patch?.lastSeq as number;
        firstSeq = Math.max(stored, journalTop(entry.events));
      }
      stepRows = new Array<StepRow>(steps.length);
      for (let i = 0; i < steps.length; i++) stepRows[i] = stepToRow(runId, steps[i] as StepRecord, firstSeq, CODEC);
    }

    if (eventRows !== undefined) {
      for (const row of eventRows) entry.events.push(row);
      if (!sorted) entry.events.sort((a, b) => a.seq - b.seq);
    }
    if (values !== undefined) {
      const row = entry.row as unknown as Record<string, unknown>;
      let v = 0;
      for (let i = 0; i < RUN_PATCH_FIELDS.length; i++) {
        if ((patchMaskBits & (1 << i)) !== 0) row[(RUN_PATCH_FIELDS[i] as (typeof RUN_PATCH_FIELDS)[number]).column] = values[v++];
      }
    }
    if (stepRows !== undefined) {
      for (const row of stepRows) {
        const old = entry.steps.get(row.path);
        if (old !== undefined) row.first_seq = old.first_seq;
        entry.steps.set(row.path, row);
      }
    }
  }

  getSteps(runId: string): StepRecord[] {
    this.live();
    const entry = this.runs.get(runId);
    if (entry === undefined) return [];
    const rows = [...entry.steps.values()];
    rows.sort((a, b) => a.first_seq - b.first_seq || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    return rows.map((row) => rowToStep(row, CODEC));
  }

  getEvents(runId: string, query?: EventQuery): UniversalEvent[] {
    this.live();
    const q = normalizeEventQuery(query);
    const entry = this.runs.get(runId);
    if (entry === undefined || q.limit === 0) return [];
    const list = entry.events;
    const out: UniversalEvent[] = [];
    for (let i = firstAtOrAfter(list, q.fromSeq); i < list.length; i++) {
      const row = list[i] as EventRow;
      if (!typeSelected(row.type, q.types)) continue;
      out.push(rowToEvent(row, CODEC));
      if (out.length === q.limit) break;
    }
    return out;
  }

  claimRun(runId: string, owner: string, isOwnerAlive: (owner: string) => boolean): boolean {
    this.live();
    const entry = this.runs.get(runId);
    if (entry === undefined) throw runNotFound(runId);
    const current = entry.row.owner;
    if (current !== null && current !== owner && isOwnerAlive(current)) return false;
    entry.row.owner = owner;
    return true;
  }

  releaseRun(runId: string, owner: string): void {
    this.live();
    const entry = this.runs.get(runId);
    if (entry !== undefined && entry.row.owner === owner) entry.row.owner = null;
  }

  putSignal(signal: SignalRecord): void {
    this.live();
    const row = signalToRow(signal, CODEC);
    const entry = this.runs.get(row.run_id);
    if (entry === undefined) throw runNotFound(row.run_id);
    entry.signals.push({ id: ++this.signalId, ...row });
  }

  getSignals(runId: string, name?: string): SignalRecord[] {
    this.live();
    const entry = this.runs.get(runId);
    if (entry === undefined) return [];
    const out: SignalRecord[] = [];
    for (const row of entry.signals) if (name === undefined || row.name === name) out.push(rowToSignal(row, CODEC));
    return out;
  }

  getMeta(ns: string, key: string): unknown {
    this.live();
    const space = this.meta.get(ns);
    const item = space?.get(key);
    if (space === undefined || item === undefined) return undefined;
    if (item.expiresAt !== null && item.expiresAt <= this.now()) {
      space.delete(key);
      return undefined;
    }
    return decodeJson(CODEC, item.value, `meta ${ns}/${key}`);
  }

  putMeta(ns: string, key: string, value: unknown, expiresAt?: number | null): void {
    this.live();
    const item: MetaEntry = { value: encodeJson(CODEC, value, `meta ${ns}/${key}`), expiresAt: expiresAt ?? null };
    let space = this.meta.get(ns);
    if (space === undefined) this.meta.set(ns, (space = new Map()));
    space.set(key, item);
  }

  listMeta(ns: string): Array<{ key: string; value: unknown }> {
    this.live();
    const space = this.meta.get(ns);
    if (space === undefined) return [];
    const now = this.now();
    const keys: string[] = [];
    for (const [key, item] of space) {
      if (item.expiresAt !== null && item.expiresAt <= now) space.delete(key);
      else keys.push(key);
    }
    keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return keys.map((key) => ({ key, value: decodeJson(CODEC, (space.get(key) as MetaEntry).value, `meta ${ns}/${key}`) }));
  }

  prune(before: Date): number {
    this.live();
    const cutoff = pruneCutoff(before);
    let count = 0;
    for (const [id, entry] of this.runs) {
      const ended = entry.row.ended_at;
      if (ended !== null && ended < cutoff && FINISHED_STATUSES.includes(entry.row.status as never)) {
        this.runs.delete(id);
        count++;
      }
    }
    if (count > 0) {
      const used = new Set<string>();
      for (const entry of this.runs.values()) used.add(entry.row.definition_hash);
      for (const hash of this.definitions.keys()) if (!used.has(hash)) this.definitions.delete(hash);
    }
    const now = this.now();
    for (const space of this.meta.values()) {
      for (const [key, item] of space) if (item.expiresAt !== null && item.expiresAt <= now) space.delete(key);
    }
    return count;
  }

  close(): void {
    this.closed = true;
  }

  private live(): void {
    if (this.closed) throw storeClosed(this.kind);
  }
}

/** Highest seq in a journal sorted by seq, 0 when empty. */
function journalTop(events: readonly EventRow[]): number {
  return events.length === 0 ? 0 : (events[events.length - 1] as EventRow).seq;
}

/** The run record with its head derived like SQLite's: the stored lastSeq or the journal's top seq, whichever is higher. */
function readRun(entry: RunEntry): RunRecord {
  const run = rowToRun(entry.row, CODEC);
  run.lastSeq = Math.max(entry.row.last_seq, journalTop(entry.events));
  return run;
}

/** Index of the first event with seq >= `seq` in a list sorted by seq. */
function firstAtOrAfter(list: readonly EventRow[], seq: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((list[mid] as EventRow).seq < seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function checkNoDuplicates(runId: string, existing: readonly EventRow[], added: readonly EventRow[]): void {
  const seen = new Set<number>();
  for (const row of added) {
    const i = firstAtOrAfter(existing, row.seq);
    if (seen.has(row.seq) || (i < existing.length && (existing[i] as EventRow).seq === row.seq)) {
      throw duplicateSeq(runId, row.seq);
    }
    seen.add(row.seq);
  }
}
