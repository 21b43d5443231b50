/**
 * Row shapes of the store tables and their conversion to and from the records of the Store
 * contract. The SQLite store binds these rows; the memory store keeps them as they are, so both
 * stores validate, encode and decode values with the same code and hand back identical records.
 */
import type { ErrorInfo } from '../errors.js';
import { ErrorCode, HookflowError } from '../errors.js';
import type { UniversalEvent } from '../events/types.js';
import type { CommitBatch, RunRecord, RunStatus, SignalRecord, StepRecord, StepStatus } from './types.js';
import { corruptJson, decodeJson, encodeJson, missing, notSerialisable, required, serialisable, toJson, type SqlValue } from './json.js';

/** A `runs` table row. */
export interface RunRow {
  id: string;
  workflow: string;
  version: string | number | null;
  status: string;
  input: string | null;
  output: string | null;
  error: string | null;
  /** Null only when the pinned definition row is missing (a damaged database). */
  definition_text: string | null;
  definition_hash: string;
  definition_file: string;
  parent_run_id: string | null;
  parent_step_path: string | null;
  created_at: string;
  updated_at: string;
  ended_at: string | null;
  last_seq: number;
  wake_at: number | null;
  owner: string | null;
  totals: string | null;
}

/** An `events` table row. */
export interface EventRow {
  run_id: string;
  seq: number;
  id: string;
  type: string;
  time: string;
  correlation_id: string;
  causation_id: string | null;
  source: string;
  data: string | null;
}

/** A `steps` table row. */
export interface StepRow {
  run_id: string;
  path: string;
  /**
   * Orders getSteps (ties by path): the highest event seq of the batch that first wrote the path, or
   * the run's journal head when that batch had no events. Later writes of the path keep it.
   */
  first_seq: number;
  step_id: string;
  kind: string;
  status: string;
  attempt: number;
  output: string | null;
  error: string | null;
  started_at: string | null;
  ended_at: string | null;
  effects: string | null;
}

/** A `signals` table row; `id` orders signals by arrival. */
export interface SignalRow {
  id: number;
  run_id: string;
  name: string;
  data: string | null;
  created_at: string;
}

/** Statuses after which a run never changes again (the ones `prune` deletes). */
export const FINISHED_STATUSES: readonly RunStatus[] = ['completed', 'failed', 'cancelled'];

export function runToRow(run: RunRecord): RunRow {
  const id = required(run.id, 'run.id');
  const def = required(run.definition, `run ${id}: definition`);
  return {
    id,
    workflow: required(run.workflow, `run ${id}: workflow`),
    version: run.version ?? null,
    status: required(run.status, `run ${id}: status`),
    input: encodeJson(run.input, `run ${id}: input`),
    output: encodeJson(run.output, `run ${id}: output`),
    error: encodeJson(run.error ?? undefined, `run ${id}: error`),
    definition_text: required(def.text, `run ${id}: definition.text`),
    definition_hash: required(def.hash, `run ${id}: definition.hash`),
    definition_file: required(def.file, `run ${id}: definition.file`),
    parent_run_id: run.parentRunId ?? null,
    parent_step_path: run.parentStepPath ?? null,
    created_at: required(run.createdAt, `run ${id}: createdAt`),
    updated_at: required(run.updatedAt, `run ${id}: updatedAt`),
    ended_at: run.endedAt ?? null,
    last_seq: required(run.lastSeq, `run ${id}: lastSeq`),
    wake_at: run.wakeAt ?? null,
    owner: run.owner ?? null,
    totals: encodeJson(run.totals ?? undefined, `run ${id}: totals`),
  };
}

export function rowToRun(row: RunRow): RunRecord {
  if (row.definition_text === null) {
    throw new HookflowError(
      ErrorCode.STORE_CORRUPT,
      `the pinned definition ${row.definition_hash} of run '${row.id}' is missing from the store; hint: restore the database from a backup`,
      { retryable: false },
    );
  }
  const run: RunRecord = {
    id: row.id,
    workflow: row.workflow,
    version: row.version,
    status: row.status as RunStatus,
    input: decodeJson(row.input, `run ${row.id}: input`),
    error: (decodeJson(row.error, `run ${row.id}: error`) as ErrorInfo | undefined) ?? null,
    definition: { text: row.definition_text, hash: row.definition_hash, file: row.definition_file },
    parentRunId: row.parent_run_id,
    parentStepPath: row.parent_step_path,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    endedAt: row.ended_at,
    lastSeq: row.last_seq,
    wakeAt: row.wake_at,
    owner: row.owner,
    totals: (decodeJson(row.totals, `run ${row.id}: totals`) as Record<string, unknown> | undefined) ?? null,
  };
  if (row.output !== null) run.output = decodeJson(row.output, `run ${row.id}: output`);
  return run;
}

// The converters below run on every commit and read: messages naming the run, seq or path are only
// built on the failure path.

export function eventToRow(runId: string, e: UniversalEvent): EventRow {
  const seq = e.seq;
  if (e.runId !== runId) {
    throw new HookflowError(
      ErrorCode.STORE,
      `cannot store event seq ${seq}: it belongs to run '${e.runId}' but was committed to run '${runId}'`,
      { retryable: false },
    );
  }
  if (!Number.isSafeInteger(seq) || seq < 1) {
    throw new HookflowError(ErrorCode.STORE, `cannot store event '${e.type}' of run ${runId}: expected seq to be an integer from 1 up, got ${String(seq)}`, {
      retryable: false,
    });
  }
  const { id, type, time, correlationId, source } = e;
  if (isNil(id) || isNil(type) || isNil(time) || isNil(correlationId) || isNil(source)) {
    const [field, value] = firstNil({ id, type, time, correlationId, source });
    throw missing(`run ${runId} event ${seq}: ${field}`, value);
  }
  let sourceJson: string;
  let data: string | null;
  try {
    sourceJson = JSON.stringify(source);
    data = toJson(e.data);
  } catch (err) {
    throw notSerialisable(`run ${runId} event ${seq}: ${serialisable(source) ? 'data' : 'source'}`, err);
  }
  return { run_id: runId, seq, id, type, time, correlation_id: correlationId, causation_id: e.causationId ?? null, source: sourceJson, data };
}

export function rowToEvent(row: EventRow): UniversalEvent {
  let source: UniversalEvent['source'];
  let data: unknown;
  try {
    source = JSON.parse(row.source) as UniversalEvent['source'];
    data = row.data === null ? undefined : JSON.parse(row.data);
  } catch (err) {
    throw corruptJson(`run ${row.run_id} event ${row.seq}`, err);
  }
  const event: UniversalEvent = {
    id: row.id,
    type: row.type,
    time: row.time,
    seq: row.seq,
    runId: row.run_id,
    correlationId: row.correlation_id,
    source,
    data,
    schemaVersion: 1,
  };
  if (row.causation_id !== null) event.causationId = row.causation_id;
  return event;
}

/** The row of `s`; `firstSeq` is only kept when the path is new (upserts leave it alone). */
export function stepToRow(runId: string, s: StepRecord, firstSeq: number): StepRow {
  const { path, stepId, kind, status, attempt } = s;
  if (s.runId !== runId) {
    throw new HookflowError(
      ErrorCode.STORE,
      `cannot store step '${path}': it belongs to run '${s.runId}' but was committed to run '${runId}'`,
      { retryable: false },
    );
  }
  if (isNil(path) || isNil(stepId) || isNil(kind) || isNil(status) || isNil(attempt)) {
    const [field, value] = firstNil({ path, stepId, kind, status, attempt });
    throw missing(`run ${runId} step ${String(path)}: ${field}`, value);
  }
  let output: string | null;
  let error: string | null;
  let effects: string | null;
  try {
    output = toJson(s.output);
    error = s.error === null ? null : toJson(s.error);
    effects = s.effects === null ? null : toJson(s.effects);
  } catch (err) {
    const field = !serialisable(s.output) ? 'output' : !serialisable(s.error) ? 'error' : 'effects';
    throw notSerialisable(`run ${runId} step ${path}: ${field}`, err);
  }
  return {
    run_id: runId,
    path,
    first_seq: firstSeq,
    step_id: stepId,
    kind,
    status,
    attempt,
    output,
    error,
    started_at: s.startedAt ?? null,
    ended_at: s.endedAt ?? null,
    effects,
  };
}

export function rowToStep(row: StepRow): StepRecord {
  let error: ErrorInfo | null;
  let effects: Record<string, unknown> | null;
  let output: unknown;
  try {
    error = row.error === null ? null : (JSON.parse(row.error) as ErrorInfo);
    effects = row.effects === null ? null : (JSON.parse(row.effects) as Record<string, unknown>);
    output = row.output === null ? undefined : JSON.parse(row.output);
  } catch (err) {
    throw corruptJson(`run ${row.run_id} step ${row.path}`, err);
  }
  const step: StepRecord = {
    runId: row.run_id,
    path: row.path,
    stepId: row.step_id,
    kind: row.kind,
    status: row.status as StepStatus,
    attempt: row.attempt,
    error,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    effects,
  };
  if (row.output !== null) step.output = output;
  return step;
}

function isNil(value: unknown): value is null | undefined {
  return value === null || value === undefined;
}

function firstNil(fields: Record<string, unknown>): [string, unknown] {
  for (const [k, v] of Object.entries(fields)) if (isNil(v)) return [k, v];
  return ['?', undefined];
}

export function signalToRow(s: SignalRecord): Omit<SignalRow, 'id'> {
  const runId = required(s.runId, 'signal.runId');
  const name = required(s.name, `run ${runId} signal: name`);
  return {
    run_id: runId,
    name,
    data: encodeJson(s.data, `run ${runId} signal ${name}: data`),
    created_at: required(s.createdAt, `run ${runId} signal ${name}: createdAt`),
  };
}

export function rowToSignal(row: SignalRow): SignalRecord {
  return {
    runId: row.run_id,
    name: row.name,
    data: decodeJson(row.data, `run ${row.run_id} signal ${row.name}: data`),
    createdAt: row.created_at,
  };
}

/** Keys of a run patch (CommitBatch.run). */
export type RunPatch = NonNullable<CommitBatch['run']>;
type RunPatchKey = keyof RunPatch;

interface PatchField {
  key: RunPatchKey;
  column: keyof RunRow;
  encode: (value: unknown, runId: string) => SqlValue;
}

const plain =
  (key: string, notNull: boolean) =>
  (value: unknown, runId: string): SqlValue => {
    if (notNull && isNil(value)) throw missing(`run ${runId}: ${key}`, value);
    return (value ?? null) as SqlValue;
  };
/** `nullIsValue`: JSON null is stored as such (input, output) instead of clearing the column. */
const json =
  (key: string, nullIsValue: boolean) =>
  (value: unknown, runId: string): SqlValue => {
    try {
      return toJson(nullIsValue ? value : (value ?? undefined));
    } catch (err) {
      throw notSerialisable(`run ${runId}: ${key}`, err);
    }
  };

/**
 * The patchable run columns in a fixed order; the bit of each field is `1 << index`. A patch sets
 * every key it has as an own property (`undefined` clears the column) and leaves the others alone.
 */
export const RUN_PATCH_FIELDS: readonly PatchField[] = [
  { key: 'workflow', column: 'workflow', encode: plain('workflow', true) },
  { key: 'version', column: 'version', encode: plain('version', false) },
  { key: 'status', column: 'status', encode: plain('status', true) },
  { key: 'input', column: 'input', encode: json('input', true) },
  { key: 'output', column: 'output', encode: json('output', true) },
  { key: 'error', column: 'error', encode: json('error', false) },
  { key: 'parentRunId', column: 'parent_run_id', encode: plain('parentRunId', false) },
  { key: 'parentStepPath', column: 'parent_step_path', encode: plain('parentStepPath', false) },
  { key: 'updatedAt', column: 'updated_at', encode: plain('updatedAt', true) },
  { key: 'endedAt', column: 'ended_at', encode: plain('endedAt', false) },
  { key: 'lastSeq', column: 'last_seq', encode: plain('lastSeq', true) },
  { key: 'wakeAt', column: 'wake_at', encode: plain('wakeAt', false) },
  { key: 'owner', column: 'owner', encode: plain('owner', false) },
  { key: 'totals', column: 'totals', encode: json('totals', false) },
];

const PATCH_INDEX: ReadonlyMap<string, number> = new Map(RUN_PATCH_FIELDS.map((f, i) => [f.key, i]));

/** The bit mask of the fields a patch sets. Throws STORE on a key that is not a patchable run field. */
export function patchMask(patch: RunPatch, runId: string): number {
  let mask = 0;
  for (const key in patch) {
    const i = PATCH_INDEX.get(key);
    if (i === undefined) {
      throw new HookflowError(
        ErrorCode.STORE,
        `cannot patch run ${runId}: '${key}' is not a patchable run field; expected one of ${RUN_PATCH_FIELDS.map((f) => f.key).join(', ')}`,
        { retryable: false },
      );
    }
    mask |= 1 << i;
  }
  return mask;
}

/** The highest seq among `events`, or 0. */
export function maxSeq(events: readonly UniversalEvent[]): number {
  let max = 0;
  for (let i = 0; i < events.length; i++) {
    const seq = (events[i] as UniversalEvent).seq;
    if (seq > max) max = seq;
  }
  return max;
}
