/**
 * Row shapes of the store tables and their conversion to and from the records of the Store
 * contract. The SQLite store binds these rows; the memory store keeps them as they are, so both
 * stores validate, encode and decode values with the same code and hand back identical records.
 */
import type { ErrorInfo } from '../errors.js';
import { ErrorCode, HookflowError } from '../errors.js';
import type { UniversalEvent } from '../events/types.js';
import type { CommitBatch, RunRecord, RunStatus, SignalRecord, StepRecord, StepStatus } from './types.js';
import { decodeJson, encodeJson, required, type SqlValue } from './json.js';

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
  /** The run's journal head when the path was first written; orders getSteps (ties by path). */
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

export function eventToRow(runId: string, e: UniversalEvent): EventRow {
  if (e.runId !== runId) {
    throw new HookflowError(
      ErrorCode.STORE,
      `cannot store event seq ${e.seq}: it belongs to run '${e.runId}' but was committed to run '${runId}'`,
      { retryable: false },
    );
  }
  if (!Number.isSafeInteger(e.seq) || e.seq < 1) {
    throw new HookflowError(ErrorCode.STORE, `cannot store event '${e.type}' of run ${runId}: expected seq to be an integer from 1 up, got ${String(e.seq)}`, {
      retryable: false,
    });
  }
  const where = `run ${runId} event ${e.seq}`;
  return {
    run_id: runId,
    seq: e.seq,
    id: required(e.id, `${where}: id`),
    type: required(e.type, `${where}: type`),
    time: required(e.time, `${where}: time`),
    correlation_id: required(e.correlationId, `${where}: correlationId`),
    causation_id: e.causationId ?? null,
    source: encodeJson(required(e.source, `${where}: source`), `${where}: source`) as string,
    data: encodeJson(e.data, `${where}: data`),
  };
}

export function rowToEvent(row: EventRow): UniversalEvent {
  const where = `run ${row.run_id} event ${row.seq}`;
  const event: UniversalEvent = {
    id: row.id,
    type: row.type,
    time: row.time,
    seq: row.seq,
    runId: row.run_id,
    correlationId: row.correlation_id,
    source: decodeJson(row.source, `${where}: source`) as UniversalEvent['source'],
    data: decodeJson(row.data, `${where}: data`),
    schemaVersion: 1,
  };
  if (row.causation_id !== null) event.causationId = row.causation_id;
  return event;
}

/** The row of `s`; `firstSeq` is only kept when the path is new (upserts leave it alone). */
export function stepToRow(runId: string, s: StepRecord, firstSeq: number): StepRow {
  if (s.runId !== runId) {
    throw new HookflowError(
      ErrorCode.STORE,
      `cannot store step '${s.path}': it belongs to run '${s.runId}' but was committed to run '${runId}'`,
      { retryable: false },
    );
  }
  const where = `run ${runId} step ${s.path}`;
  return {
    run_id: runId,
    path: required(s.path, `run ${runId} step: path`),
    first_seq: firstSeq,
    step_id: required(s.stepId, `${where}: stepId`),
    kind: required(s.kind, `${where}: kind`),
    status: required(s.status, `${where}: status`),
    attempt: required(s.attempt, `${where}: attempt`),
    output: encodeJson(s.output, `${where}: output`),
    error: encodeJson(s.error ?? undefined, `${where}: error`),
    started_at: s.startedAt ?? null,
    ended_at: s.endedAt ?? null,
    effects: encodeJson(s.effects ?? undefined, `${where}: effects`),
  };
}

export function rowToStep(row: StepRow): StepRecord {
  const where = `run ${row.run_id} step ${row.path}`;
  const step: StepRecord = {
    runId: row.run_id,
    path: row.path,
    stepId: row.step_id,
    kind: row.kind,
    status: row.status as StepStatus,
    attempt: row.attempt,
    error: (decodeJson(row.error, `${where}: error`) as ErrorInfo | undefined) ?? null,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    effects: (decodeJson(row.effects, `${where}: effects`) as Record<string, unknown> | undefined) ?? null,
  };
  if (row.output !== null) step.output = decodeJson(row.output, `${where}: output`);
  return step;
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
  (value: unknown, runId: string): SqlValue =>
    notNull ? (required(value, `run ${runId}: ${key}`) as SqlValue) : ((value ?? null) as SqlValue);
const json =
  (key: string) =>
  (value: unknown, runId: string): SqlValue =>
    encodeJson(value ?? undefined, `run ${runId}: ${key}`);

/**
 * The patchable run columns in a fixed order; the bit of each field is `1 << index`. A patch sets
 * every key it has as an own property (`undefined` clears the column) and leaves the others alone.
 */
export const RUN_PATCH_FIELDS: readonly PatchField[] = [
  { key: 'workflow', column: 'workflow', encode: plain('workflow', true) },
  { key: 'version', column: 'version', encode: plain('version', false) },
  { key: 'status', column: 'status', encode: plain('status', true) },
  { key: 'input', column: 'input', encode: (v, id) => encodeJson(v, `run ${id}: input`) },
  { key: 'output', column: 'output', encode: (v, id) => encodeJson(v, `run ${id}: output`) },
  { key: 'error', column: 'error', encode: json('error') },
  { key: 'parentRunId', column: 'parent_run_id', encode: plain('parentRunId', false) },
  { key: 'parentStepPath', column: 'parent_step_path', encode: plain('parentStepPath', false) },
  { key: 'updatedAt', column: 'updated_at', encode: plain('updatedAt', true) },
  { key: 'endedAt', column: 'ended_at', encode: plain('endedAt', false) },
  { key: 'lastSeq', column: 'last_seq', encode: plain('lastSeq', true) },
  { key: 'wakeAt', column: 'wake_at', encode: plain('wakeAt', false) },
  { key: 'owner', column: 'owner', encode: plain('owner', false) },
  { key: 'totals', column: 'totals', encode: json('totals') },
];

const PATCH_INDEX: ReadonlyMap<string, number> = new Map(RUN_PATCH_FIELDS.map((f, i) => [f.key, i]));
/** Bit of `lastSeq` in a patch mask. */
export const LAST_SEQ_BIT = 1 << (PATCH_INDEX.get('lastSeq') as number);

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
