/**
 * The state of one executing run: identity, variables, the event sequence and the journal writer, the
 * replay data of a resumed run, and the hook host the HookRunner talks to.
 */
import { setMaxListeners } from 'node:events';
import type { StepDef, WorkflowDefinition } from '../dsl/types.js';
import type { TokenUsage } from '../tools/types.js';
import type { AgentSession } from '../agents/session.js';
import { isoTime } from '../util/iso.js';
import { ErrorCode, HookflowError, toHookflowError, type ErrorInfo } from '../errors.js';
import type { UniversalEvent } from '../events/types.js';
import type { ExprScope } from '../expr/types.js';
import type { HookInstance } from '../hooks/registry.js';
import type { Decision, HookHost, PointCall } from '../hooks/runner.js';
import type { HookPoint, HookResult } from '../hooks/types.js';
import { isPlainObject } from '../util/merge.js';
import type { CommitBatch, RunRecord, RunStatus, SignalRecord, StepRecord } from '../store/types.js';
import { createActor } from 'xstate';
import { runMachine } from './machines.js';
import type { EngineCore } from './core.js';
import type { Frame } from './frame.js';

/** Replay data of a resumed run, rebuilt from its journal. */
export interface Replay {
  /** Latest record per step path. */
  steps: Map<string, StepRecord>;
  /** Recorded hook results per `path|point|attempt`, in call order. */
  decisions: Map<string, Array<{ hookId: string; result: HookResult }>>;
}

/** A function that rewrites event data / step records before they leave the engine (secret redaction). */
export type Redactor = (value: unknown) => unknown;

export interface RunStateInit {
  core: EngineCore;
  def: WorkflowDefinition;
  runId: string;
  correlationId: string;
  input: unknown;
  startedAt: number;
  replay?: Replay;
  seq: number;
  signals: SignalRecord[];
  parentRunId?: string;
  parentStepPath?: string;
  env: Record<string, string>;
}

export class RunState implements HookHost {
  readonly core: EngineCore;
  readonly def: WorkflowDefinition;
  readonly runId: string;
  readonly correlationId: string;
  readonly workflow: string;
  input: unknown;
  readonly vars: Record<string, unknown>;
  readonly scope: ExprScope;
  readonly controller = unboundedListeners(new AbortController());
  readonly replay: Replay | undefined;
  readonly startedAt: number;
  readonly parentRunId: string | undefined;
  readonly parentStepPath: string | undefined;
  /** Workflow-scoped hook instances (built from the definition), in call order. */
  workflowHooks: HookInstance[] = [];
  seq: number;
  redirects = 0;
  /** Set when the run is being cancelled (by API, CLI, another process or a hook). */
  cancelReason: string | undefined;
  /** Signals received so far, and how many of each name have been consumed by waits. */
  signals: SignalRecord[];
  readonly signalCursor = new Map<string, number>();
  /** Forks with join: detach, awaited at run end. */
  readonly detached: Array<Promise<unknown>> = [];
  readonly redactors: Redactor[] = [];
  /** Totals shown by `hookflow show` (cost, tokens...), persisted on the run row. */
  totals: Record<string, unknown> | null = null;
  /** Every hook instance this run created (disposed at run end). */
  readonly owned: HookInstance[] = [];
  /** Instances of each step's own `hooks:`. */
  readonly stepHookInstances = new Map<StepDef, HookInstance[]>();
  /** Compiled fork steps of rule hooks, by hook id (journaled forks refer to them by `$ref`). */
  readonly ruleForks = new Map<string, { steps?: StepDef[]; branches?: StepDef[] }>();
  /** Capabilities granted to tools (the security hook grants `exec`). */
  permissions: { exec?: boolean } = {};
  readonly usageListeners: Array<(u: TokenUsage, path: string) => void> = [];
  /** Agent sessions running now, by step path (engine.pauseAgent / resumeAgent). */
  readonly agents = new Map<string, AgentSession>();
  /** Synchronous observers of every event of the run, after redaction (logging and metrics built-ins). */
  readonly eventTaps: Array<(ev: UniversalEvent) => void> = [];
  private readonly forkCounts = new Map<string, number>();
  private readonly lifecycle = createActor(runMachine).start();
  private pending: UniversalEvent[] = [];
  private pressure: Promise<void> | undefined;
  private readonly stagedSteps = new Map<string, StepRecord>();
  private stagedRun: CommitBatch['run'] | undefined;
  private saveHooks: readonly HookInstance[] | undefined;
  private microFlush: Promise<void> | undefined;
  private flushing: Promise<void> | undefined;
  private immediate: ReturnType<typeof setImmediate> | undefined;
  private flushError: unknown;
  /** Set once a state-save hook refused a save or failed: the run stops and the journal is completed without them. */
  private saveHooksOff = false;
  private readonly decisionCursor = new Map<string, number>();

  constructor(init: RunStateInit) {
    this.core = init.core;
    this.def = init.def;
    this.runId = init.runId;
    this.correlationId = init.correlationId;
    this.workflow = init.def.name;
    this.input = init.input;
    this.startedAt = init.startedAt;
    this.replay = init.replay;
    this.seq = init.seq;
    this.signals = init.signals;
    this.parentRunId = init.parentRunId;
    this.parentStepPath = init.parentStepPath;
    this.vars = { ...structuredClone(init.def.vars) };
    this.scope = {
      input: init.input,
      vars: this.vars,
      steps: Object.create(null) as ExprScope['steps'],
      run: { id: init.runId, workflow: init.def.name, version: init.def.version, startedAt: new Date(init.startedAt).toISOString() },
      env: init.env,
    };
    if (this.replay === undefined) delete (this as { replayDecision?: unknown }).replayDecision;
  }

  /** Run lifecycle (XState actor of runMachine): running → completed | failed | cancelled | suspended. */
  get status(): RunStatus {
    return this.lifecycle.getSnapshot().value as RunStatus;
  }

  /** Sends a lifecycle event; an illegal one (an engine bug) throws. */
  transition(event: 'COMPLETE' | 'FAIL' | 'CANCEL' | 'SUSPEND'): void {
    const before = this.lifecycle.getSnapshot();
    if (!before.can({ type: event })) throw new HookflowError(ErrorCode.INTERNAL, `illegal run transition ${event} in state ${String(before.value)}`);
    this.lifecycle.send({ type: event });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Creates, publishes and queues (for the next journal commit) one event of this run. */
  emit(type: string, data: unknown, causationId?: string, language: 'js' | 'yaml' = 'js'): string {
    const seq = ++this.seq;
    const id = `${this.runId}:${seq}`;
    const ev: UniversalEvent = {
      id,
      type,
      time: isoTime(this.core.clock.now()),
      seq,
      runId: this.runId,
      correlationId: this.correlationId,
      source: { component: 'engine', language },
      data: this.redactors.length ? this.redact(data) : data,
      schemaVersion: 1,
    };
    if (causationId !== undefined) ev.causationId = causationId;
    this.pending.push(ev);
    if (this.eventTaps.length !== 0) this.tapEvent(ev);
    if (this.immediate === undefined) this.scheduleFlush();
    const bus = this.core.bus;
    if (bus.hasSubscribers) {
      const p = bus.publish(ev);
      if (p) {
        this.pressure = this.pressure ? this.pressure.then(() => p) : p;
        this.scheduleFlush();
      }
    }
    return id;
  }

  private tapEvent(ev: UniversalEvent): void {
    for (const t of this.eventTaps) {
      try {
        t(ev);
      } catch (err) {
        // A tap only observes: its failure is reported, never allowed to break the run.
        process.emitWarning(`hookflow: an event tap failed on ${ev.type}: ${err instanceof Error ? err.message : String(err)}`, { code: 'HOOKFLOW_EVENT_TAP' });
      }
    }
  }

  redact(value: unknown): unknown {
    let v = value;
    for (const r of this.redactors) v = r(v);
    return v;
  }

  /**
   * Stages step rows and a run patch (with the events emitted so far) for the journal. Nothing is
   * written yet: see {@link barrier} and {@link flush}. Several rows for one path keep the last.
   */
  commit(steps?: StepRecord[], run?: CommitBatch['run'], frame?: Frame): void {
    if (steps) for (const r of steps) this.stagedSteps.set(r.path, r);
    if (run) this.stagedRun = this.stagedRun ? { ...this.stagedRun, ...run } : { ...run };
    if (frame && frame.hooks !== this.workflowHooks) this.saveHooks = frame.hooks;
    this.scheduleFlush();
  }

  /**
   * Group commit. Every transition is staged; the staged transitions are written in ONE transaction
   * before the next side effect (a tool call, an agent turn, a child run, a sleep), and in any case
   * before the event loop turns (setImmediate). Transitions are atomic (never half-written) and a
   * completed step is durable before anything that could depend on it touches the outside world.
   * Branches that reach their side effect in the same tick share one flush.
   * Returns a promise to await, or undefined when nothing is staged.
   */
  barrier(): Promise<void> | undefined {
    if (this.pending.length === 0 && this.stagedSteps.size === 0 && this.stagedRun === undefined && this.pressure === undefined) {
      return this.flushing;
    }
    if (this.microFlush === undefined) {
      this.microFlush = Promise.resolve().then(() => {
        this.microFlush = undefined;
        return this.writeSync() ? undefined : this.flush();
      });
    }
    return this.microFlush;
  }

  /** Writes everything staged now, in one transaction (awaiting bus backpressure and state-save hooks). */
  flush(): Promise<void> {
    const prev = this.flushing;
    const next = (prev ? prev.then(() => this.write()) : this.write()).finally(() => {
      if (this.flushing === next) this.flushing = undefined;
    });
    this.flushing = next;
    return next;
  }

  /**
   * The common case without a promise chain: nothing in flight, no backpressure, no state-save hooks
   * and a synchronous store. Returns false when the asynchronous path must be taken.
   */
  private writeSync(): boolean {
    if (this.flushing !== undefined || this.pressure !== undefined || this.flushError !== undefined) return false;
    const hooks = this.saveHooks ?? this.workflowHooks;
    if (!this.saveHooksOff && (this.hasHooks('before_state_save', hooks) || this.hasHooks('after_state_save', hooks))) return false;
    const batch = this.takeBatch();
    if (batch === undefined) return true;
    const w = this.core.store.commit(this.runId, batch);
    if (w) {
      this.flushing = w.finally(() => {
        if (this.flushing === w) this.flushing = undefined;
      });
    }
    return true;
  }

  /** Takes everything staged as one batch (undefined when nothing is staged). */
  private takeBatch(): CommitBatch | undefined {
    if (this.pending.length === 0 && this.stagedSteps.size === 0 && this.stagedRun === undefined) return undefined;
    const batch: CommitBatch = { events: this.pending };
    this.pending = [];
    if (this.stagedSteps.size > 0) {
      const steps = [...this.stagedSteps.values()];
      batch.steps = this.redactors.length ? steps.map((r) => (r.error ? { ...r, output: this.redact(r.output), error: this.redact(r.error) as StepRecord['error'] } : { ...r, output: this.redact(r.output) })) : steps;
      this.stagedSteps.clear();
    }
    batch.run = this.stagedRun ? { ...this.stagedRun, lastSeq: this.seq } : { lastSeq: this.seq };
    this.stagedRun = undefined;
    this.saveHooks = undefined;
    return batch;
  }

  private scheduleFlush(): void {
    if (this.immediate !== undefined) return;
    this.immediate = setImmediate(() => {
      this.immediate = undefined;
      this.flush().catch((err: unknown) => {
        this.flushError ??= err;
      });
    });
  }

  private async write(): Promise<void> {
    if (this.flushError !== undefined) {
      const e = this.flushError;
      this.flushError = undefined;
      throw e;
    }
    const p = this.pressure;
    this.pressure = undefined;
    if (p) await p;
    const hooks = this.saveHooks ?? this.workflowHooks;
    const batch = this.takeBatch();
    if (batch === undefined) return;
    if (!this.saveHooksOff && (this.hasHooks('before_state_save', hooks) || this.hasHooks('after_state_save', hooks))) {
      await this.commitWithHooks(batch, hooks);
      return;
    }
    const w = this.core.store.commit(this.runId, batch);
    if (w) await w;
  }

  /**
   * A journal write wrapped by the state-save hooks. before_state_save: `modify` patches the batch,
   * `cancel` stops the run. after_state_save sees the rows as written (`{seq, events, run, steps}`);
   * `modify`/`replace` of that output are written back (run-row patch and step upserts) in a second
   * transaction. Events are append-only and cannot be changed after the fact.
   */
  private async commitWithHooks(batch: CommitBatch, hooks: readonly HookInstance[]): Promise<void> {
    let d: Decision;
    try {
      d = await this.fire(hooks, { point: 'before_state_save', attempt: 1, input: batch, hooks: [] });
    } catch (err) {
      await this.stopForSave(toHookflowError(err, ErrorCode.HOOK_FAILED), false, batch);
      return;
    }
    let toWrite = batch;
    if (d.action === 'modify') toWrite = d.input as CommitBatch;
    else if (d.action === 'cancel') {
      const reason = (d.result as { reason?: string }).reason ?? '';
      await this.stopForSave(new HookflowError(ErrorCode.HOOK_CANCELLED, `state save cancelled by hook "${d.hookId}" at before_state_save: ${reason}`, { retryable: false }), true, batch);
      return;
    }
    const w = this.core.store.commit(this.runId, toWrite);
    if (w) await w;
    const saved = { seq: toWrite.run?.lastSeq ?? this.seq, events: toWrite.events?.length ?? 0, run: toWrite.run ?? {}, steps: toWrite.steps ?? [] };
    let a: Decision;
    try {
      a = await this.fire(hooks, { point: 'after_state_save', attempt: 1, input: toWrite, output: saved, hooks: [] });
    } catch (err) {
      await this.stopForSave(toHookflowError(err, ErrorCode.HOOK_FAILED), false, undefined);
      return;
    }
    if (a.action !== 'modify' && a.action !== 'replace') return;
    const value = a.action === 'modify' ? a.output : (a.result as { value: unknown }).value;
    const rewrite: CommitBatch = {};
    if (isPlainObject(value) && isPlainObject(value.run)) rewrite.run = value.run as CommitBatch['run'];
    if (isPlainObject(value) && Array.isArray(value.steps)) rewrite.steps = value.steps as StepRecord[];
    if (rewrite.run === undefined && rewrite.steps === undefined) return;
    const w2 = this.core.store.commit(this.runId, rewrite);
    if (w2) await w2;
  }

  /**
   * A state-save hook refused a save (`cancel`) or failed (e.g. an invalid result): the run stops —
   * cancelled, or failed with that error — and the journal is completed without the state-save hooks,
   * starting with `unsaved`: a journal with gaps could neither be resumed nor traced.
   */
  private async stopForSave(err: HookflowError, cancel: boolean, unsaved: CommitBatch | undefined): Promise<void> {
    this.saveHooksOff = true;
    if (!this.signal.aborted) {
      if (cancel) this.cancelReason ??= err.message;
      this.controller.abort(err);
    }
    if (unsaved === undefined) return;
    const w = this.core.store.commit(this.runId, unsaved);
    if (w) await w;
  }

  /** Stops the backstop flush timer (the run has ended and flushed). */
  close(): void {
    if (this.immediate !== undefined) clearImmediate(this.immediate);
    this.immediate = undefined;
  }

  /** True when any hook (engine-wide or in `hooks`) listens at `point`. */
  hasHooks(point: HookPoint, hooks: readonly HookInstance[]): boolean {
    if (this.core.hooks.at(point).length > 0) return true;
    for (const h of hooks) if (h.points.has(point)) return true;
    return false;
  }

  /** Runs the hooks at a point: engine-wide hooks merged with `hooks` (workflow + step-scoped). */
  fire(hooks: readonly HookInstance[], call: PointCall): Promise<Decision> {
    const global = this.core.hooks.at(call.point);
    call.hooks = global.length === 0 ? hooks : hooks.length === 0 ? global : [...global, ...hooks].sort((a, b) => a.order - b.order || a.seq - b.seq);
    return this.core.runner.run(this, call);
  }

  /** Recorded decision for a hook call of a resumed run. Removed from instances when not resuming. */
  replayDecision(key: string, hookId: string): HookResult | undefined {
    const list = this.replay?.decisions.get(key);
    if (!list) return undefined;
    const i = this.decisionCursor.get(key) ?? 0;
    const entry = list[i];
    if (!entry || entry.hookId !== hookId) return undefined;
    this.decisionCursor.set(key, i + 1);
    return entry.result;
  }

  /** Takes the next unconsumed signal of `name`, or undefined. */
  takeSignal(name: string): { data: unknown; index: number } | undefined {
    const want = this.signalCursor.get(name) ?? 0;
    let seen = 0;
    for (const s of this.signals) {
      if (s.name !== name) continue;
      if (seen === want) {
        this.signalCursor.set(name, want + 1);
        return { data: s.data, index: want };
      }
      seen++;
    }
    return undefined;
  }

  /** Index of the next fork started from `path` (0 for the first). */
  nextForkIndex(path: string): number {
    const n = this.forkCounts.get(path) ?? 0;
    this.forkCounts.set(path, n + 1);
    return n;
  }

  /** Token usage reported by a tool or agent: totals, then listeners (the cost hook may throw BUDGET_EXCEEDED). */
  reportUsage(path: string, u: TokenUsage): void {
    const t = (this.totals ??= {});
    const tokens = (t.tokens as { input: number; output: number } | undefined) ?? { input: 0, output: 0 };
    t.tokens = { input: tokens.input + u.inputTokens, output: tokens.output + u.outputTokens };
    for (const l of this.usageListeners) l(u, path);
  }

  addTotals(patch: Record<string, unknown>): void {
    this.totals = { ...(this.totals ?? {}), ...patch };
  }

  /** Run row fields for the end of the run. */
  endPatch(status: RunRecord['status'], output: unknown, error: ErrorInfo | null): CommitBatch['run'] {
    const now = new Date(this.core.clock.now()).toISOString();
    const patch: CommitBatch['run'] = { status, output: this.redactors.length ? this.redact(output) : output, error: error && this.redactors.length ? (this.redact(error) as ErrorInfo) : error, updatedAt: now, owner: null };
    if (status !== 'suspended') patch.endedAt = now;
    if (this.totals) patch.totals = this.totals;
    return patch;
  }
}

/**
 * Lifts Node's 10-listener warning on a controller's signal: every tool of a wide fan-out may listen
 * on the same signal (fetch does), which is expected here, not a leak.
 */
export function unboundedListeners(c: AbortController): AbortController {
  setMaxListeners(0, c.signal);
  return c;
}
