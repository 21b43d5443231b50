/**
 * Row shapes of the store tables and their conversion to and from the records of the Store
 * contract. Rows are generic over how JSON values are kept (`J`, see json.ts): the SQLite store binds
 * rows of JSON text, the memory store keeps rows of deep copies. Both validate, encode and decode with
 * this code, so they hand back identical records.
 *
 * The converters run on every commit and read: messages naming the run, seq or path are only built
 * on the failure path.
 */
import type { ErrorInfo } from '../errors.js';
import { ErrorCode, HookflowError } from '../errors.js';
import type { UniversalEvent } from '../events/types.js';
import { corruptJson, decodeJson, encodeJson, isNil, missing, notSerialisable, required, serialisable, type Codec } from './json.js';
import type { RunRecord, RunStatus, SignalRecord, StepRecord, StepStatus } from './types.js';

/** A `runs` row (in SQLite, `input` and `definition_text` come from their own tables). */
export interface RunRow<J = string | null> {
  id: string;
  workflow: string;
  version: string | number | null;
  status: string;
  input: J;
  output: J;
  error: J;
  /** Null only when the pinned definition row is missing (a damaged database). */
  definition_text: string | null;
  definition_hash: string;
  definition_file: string;
  parent_run_id: string | null;
  parent_step_path: string | null;
  created_at: string;
  updated_at: string;
  ended_at: string | null;
  /** The explicit floor of the journal head; the head read back is at least the journal's top seq. */
  last_seq: number;
  wake_at: number | null;
  owner: string | null;
  totals: J;
}

/** An `events` row. */
export interface EventRow<J = string | null> {
  run_id: string;
  seq: number;
  id: string;
  type: string;
  time: string;
  correlation_id: string;
  causation_id: string | null;
  source: J;
  data: J;
}

/** A `steps` row. */
export interface StepRow<J = string | null> {
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
  output: J;
  error: J;
  started_at: string | null;
  ended_at: string | null;
  effects: J;
}

/** A `signals` row; `id` orders signals by arrival. */
export interface SignalRow<J = string | null> {
  id: number;
  run_id: string;
  name: string;
  data: J;
  created_at: string;
}

/** Statuses after which a run never changes again (the ones `prune` deletes). */
export const FINISHED_STATUSES: readonly RunStatus[] = ['completed', 'failed', 'cancelled'];

export function runToRow<J>(run: RunRecord, codec: Codec<J>): RunRow<J> {
  const id = required(run.id, 'run.id');
  const def = required(run.definition, `run ${id}: definition`);
  return {
    id,
    workflow: required(run.workflow, `run ${id}: workflow`),
    version: run.version ?? null,
    status: required(run.status, `run ${id}: status`),
    input: encodeJson(codec, run.input, `run ${id}: input`),
    output: encodeJson(codec, run.output, `run ${id}: output`),
    error: encodeJson(codec, run.error ?? undefined, `run ${id}: error`),
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
    totals: encodeJson(codec, run.totals ?? undefined, `run ${id}: totals`),
  };
}

export function rowToRun<J>(row: RunRow<J>, codec: Codec<J>): RunRecord {
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
    input: decodeJson(codec, row.input, `run ${row.id}: input`),
    error: (decodeJson(codec, row.error, `run ${row.id}: error`) as ErrorInfo | undefined) ?? null,
    definition: { text: row.definition_text, hash: row.definition_hash, file: row.definition_file },
    parentRunId: row.parent_run_id,
    parentStepPath: row.parent_step_path,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    endedAt: row.ended_at,
    lastSeq: row.last_seq,
    wakeAt: row.wake_at,
    owner: row.owner,
    totals: (decodeJson(codec, row.totals, `run ${row.id}: totals`) as Record<string, unknown> | undefined) ?? null,
  };
  if (row.output !== codec.none) run.output = decodeJson(codec, row.output, `run ${row.id}: output`);
  return run;
}

export function eventToRow<J>(runId: string, e: UniversalEvent, codec: Codec<J>): EventRow<J> {
  const seq = e.seq;
  if (e.runId !== runId) {
    throw new HookflowError(ErrorCode.STORE, `cannot store event seq ${seq}: it belongs to run '${e.runId}' but was committed to run '${runId}'`, {
      retryable: false,
    });
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
  let sourceValue: J;
  let data: J;
  try {
    sourceValue = codec.encode(source);
    data = codec.encode(e.data);
  } catch (err) {
    throw notSerialisable(`run ${runId} event ${seq}: ${serialisable(source) ? 'data' : 'source'}`, err);
  }
  return { run_id: runId, seq, id, type, time, correlation_id: correlationId, causation_id: e.causationId ?? null, source: sourceValue, data };
}

export function rowToEvent<J>(row: EventRow<J>, codec: Codec<J>): UniversalEvent {
  let source: UniversalEvent['source'];
  let data: unknown;
  try {
    source = codec.decode(row.source) as UniversalEvent['source'];
    data = row.data === codec.none ? undefined : codec.decode(row.data);
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
export function stepToRow<J>(runId: string, s: StepRecord, firstSeq: number, codec: Codec<J>): StepRow<J> {
  const { path, stepId, kind, status, attempt } = s;
  if (s.runId !== runId) {
    throw new HookflowError(ErrorCode.STORE, `cannot store step '${path}': it belongs to run '${s.runId}' but was committed to run '${runId}'`, {
      retryable: false,
    });
  }
  if (isNil(path) || isNil(stepId) || isNil(kind) || isNil(status) || isNil(attempt)) {
    const [field, value] = firstNil({ path, stepId, kind, status, attempt });
    throw missing(`run ${runId} step ${String(path)}: ${field}`, value);
  }
  let output: J;
  let error: J;
  let effects: J;
  try {
    output = codec.encode(s.output);
    error = s.error === null ? codec.none : codec.encode(s.error);
    effects = s.effects === null ? codec.none : codec.encode(s.effects);
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

export function rowToStep<J>(row: StepRow<J>, codec: Codec<J>): StepRecord {
  const none = codec.none;
  let error: ErrorInfo | null;
  let effects: Record<string, unknown> | null;
  let output: unknown;
  try {
    error = row.error === none ? null : (codec.decode(row.error) as ErrorInfo);
    effects = row.effects === none ? null : (codec.decode(row.effects) as Record<string, unknown>);
    output = row.output === none ? undefined : codec.decode(row.output);
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
  if (row.output !== none) step.output = output;
  return step;
}

export function signalToRow<J>(s: SignalRecord, codec: Codec<J>): Omit<SignalRow<J>, 'id'> {
  const runId = required(s.runId, 'signal.runId');
  const name = required(s.name, `run ${runId} signal: name`);
  return {
    run_id: runId,
    name,
    data: encodeJson(codec, s.data, `run ${runId} signal ${name}: data`),
    created_at: required(s.createdAt, `run ${runId} signal ${name}: createdAt`),
  };
}

export function rowToSignal<J>(row: SignalRow<J>, codec: Codec<J>): SignalRecord {
  return {
    runId: row.run_id,
    name: row.name,
    data: decodeJson(codec, row.data, `run ${row.run_id} signal ${row.name}: data`),
    createdAt: row.created_at,
  };
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

function firstNil(fields: Record<string, unknown>): [string, unknown] {
  for (const [k, v] of Object.entries(fields)) if (isNil(v)) return [k, v];
  return ['?', undefined];
}
