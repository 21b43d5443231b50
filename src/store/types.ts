/**
 * Store contract. A run is an append-only journal of events plus a small current-state row and one
 * row per step path; every step transition is written in one `commit` (one transaction).
 *
 * Methods may return synchronously (SQLite, memory) or a Promise (remote backends); the engine
 * awaits only when it gets a Promise, so the embedded stores cost no extra microtask.
 */
import type { ErrorInfo } from '../errors.js';
import type { UniversalEvent } from '../events/types.js';

export type MaybePromise<T> = T | Promise<T>;

export type RunStatus = 'running' | 'completed' | 'failed' | 'cancelled' | 'suspended';
export type StepStatus = 'pending' | 'running' | 'retrying' | 'completed' | 'failed' | 'skipped' | 'cancelled' | 'suspended';

export interface RunRecord {
  id: string;
  workflow: string;
  version: string | number | null;
  status: RunStatus;
  input: unknown;
  output?: unknown;
  error?: ErrorInfo | null;
  /** Pinned definition: the YAML text, its sha256 and where it was loaded from. */
  definition: { text: string; hash: string; file: string };
  parentRunId?: string | null;
  parentStepPath?: string | null;
  createdAt: string;
  updatedAt: string;
  endedAt?: string | null;
  /** Highest journal seq written. */
  lastSeq: number;
  /** Epoch ms at which a durable `wait:` is due (suspended runs), else null. */
  wakeAt?: number | null;
  /** Process currently executing the run (`host:pid`), null when idle. */
  owner?: string | null;
  /** Free-form totals kept by hooks (e.g. cost), shown by `hookflow show`. */
  totals?: Record<string, unknown> | null;
}

/** Current state of one step path (latest attempt). */
export interface StepRecord {
  runId: string;
  /** Stable path, e.g. `analyze/summarize`, `refine[3]/draft`, `plan#fork[2]/write`. */
  path: string;
  stepId: string;
  kind: string;
  status: StepStatus;
  attempt: number;
  output?: unknown;
  error?: ErrorInfo | null;
  startedAt?: string | null;
  endedAt?: string | null;
  /** Engine data needed to replay the step without executing it (vars written, flow decisions, forks). */
  effects?: Record<string, unknown> | null;
}

/** Everything written for one step (or run) transition, atomically. */
export interface CommitBatch {
  events?: UniversalEvent[];
  steps?: StepRecord[];
  run?: Partial<Omit<RunRecord, 'id' | 'definition' | 'createdAt'>>;
}

export interface RunFilter {
  status?: RunStatus;
  workflow?: string;
  limit?: number;
}

export interface EventQuery {
  fromSeq?: number;
  /** Exact types or a prefix ending in `.` (e.g. `hook.`). */
  types?: string[];
  limit?: number;
}

export interface SignalRecord {
  runId: string;
  name: string;
  data: unknown;
  createdAt: string;
}

export interface Store {
  /** Human-readable description, e.g. `sqlite:/path/to/hookflow.db` or `memory`. */
  readonly kind: string;
  /** Creates a run; rejects with RUN_EXISTS when the id is taken. */
  createRun(run: RunRecord): MaybePromise<void>;
  getRun(runId: string): MaybePromise<RunRecord | undefined>;
  listRuns(filter?: RunFilter): MaybePromise<RunRecord[]>;
  /** Appends events, upserts step rows and patches the run row in one transaction. */
  commit(runId: string, batch: CommitBatch): MaybePromise<void>;
  getSteps(runId: string): MaybePromise<StepRecord[]>;
  getEvents(runId: string, query?: EventQuery): MaybePromise<UniversalEvent[]>;
  /** Atomically claims a run for this process unless another live owner holds it. Returns false if busy. */
  claimRun(runId: string, owner: string, isOwnerAlive: (owner: string) => boolean): MaybePromise<boolean>;
  releaseRun(runId: string, owner: string): MaybePromise<void>;
  /** Signals sent to a run, in arrival order; a signal is consumed by the wait that takes it. */
  putSignal(signal: SignalRecord): MaybePromise<void>;
  getSignals(runId: string, name?: string): MaybePromise<SignalRecord[]>;
  /** Small namespaced key/value space (persistent cache, breaker snapshots, ...). Expired keys read as undefined. */
  getMeta(ns: string, key: string): MaybePromise<unknown>;
  putMeta(ns: string, key: string, value: unknown, expiresAt?: number | null): MaybePromise<void>;
  listMeta(ns: string): MaybePromise<Array<{ key: string; value: unknown }>>;
  /** Deletes finished runs (and their journal, steps, signals) that ended before `before`. Returns the count. */
  prune(before: Date): MaybePromise<number>;
  close(): MaybePromise<void>;
}
