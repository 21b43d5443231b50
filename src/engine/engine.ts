/**
 * The Engine: loads definitions, starts, resumes, signals and cancels runs; owns the engine-wide
 * services (store, bus, hook registry and runner, tools, cache, clock).
 *
 * @example
 * const engine = createEngine({ store: new MemoryStore() });
 * engine.hooks.register({ id: 'audit', at: 'after_step', run: (ctx) => { console.log(ctx.step?.path); } });
 * const { status, output } = await engine.run('./workflows/hello.yaml', { name: 'Ada' });
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { LRUCache } from 'lru-cache';
import { findAgents } from '../agents/loader.js';
import type { AgentDefinition, Provider } from '../agents/types.js';
import type { AgentSession } from '../agents/session.js';
import { loadWorkflowFile, loadWorkflowText } from '../dsl/load.js';
import type { StepDef, WorkflowDefinition } from '../dsl/types.js';
import { ErrorCode, HookflowError, toHookflowError, type ErrorInfo } from '../errors.js';
import { EventBus } from '../events/bus.js';
import type { BreakerSnapshot, BreakerTransition } from '../hooks/breaker.js';
import { BUILTIN_HOOKS, checkBuiltinOptions, metricsOf, type MetricsRegistry } from '../hooks/builtins/index.js';
import type { BuiltinEnv, BuiltinFactory, BuiltinRunApi } from '../hooks/builtins/types.js';
import { buildDeclaredHook, checkDeclaredHooks } from '../hooks/declared.js';
import { composite } from '../hooks/composites.js';
import { HookRegistry, compileMatch, nextHookSeq, type HookInstance } from '../hooks/registry.js';
import { HookRunner, type HookHost } from '../hooks/runner.js';
import type { BreakerOptions, HookContext, HookDecl, HookMatch, HookPoint, HookRegistration, HookResult } from '../hooks/types.js';
import { MemoryStore } from '../store/memory.js';
import { defaultOwnerId, isLocalOwnerAlive } from '../store/open.js';
import type { RunRecord, RunStatus, StepRecord, Store } from '../store/types.js';
import { ToolRegistry, builtinTools, loadToolModule } from '../tools/registry.js';
import type { ToolDefinition } from '../tools/types.js';
import { systemClock, type Clock } from '../util/clock.js';
import type { CacheEntry, CacheStats, ChildRunRequest, ChildRunResult, EngineCore, EngineLimits } from './core.js';
import { nestedLists, pointsOf, type Frame } from './frame.js';
import { validateInput } from './input.js';
import { runSequence } from './patterns/sequence.js';
import { RunState, type Replay } from './run-state.js';
import { Suspended } from './signals.js';
import { evalT } from './step.js';

export interface EngineOptions {
  /** Where runs are journaled. @default a new MemoryStore */
  store?: Store;
  /** Extra tools (the built-in library is always registered unless `builtinTools: false`). */
  tools?: Iterable<ToolDefinition>;
  /** @default true */
  builtinTools?: boolean;
  /** Code hooks registered at creation. */
  hooks?: HookRegistration[];
  /** @default the system clock */
  clock?: Clock;
  /** Randomness for retry jitter. @default Math.random */
  random?: () => number;
  /** Run id generator. @default crypto.randomUUID */
  ids?: () => string;
  /** Global circuit breaker defaults. */
  breaker?: Partial<BreakerOptions>;
  /** @default 100 */
  maxRedirects?: number;
  /** Output cache behind `cache` hook results. @default { max: 1000 } */
  cache?: { max?: number };
  /** Sandbox root for file tools. @default process.cwd() */
  workspace?: string;
  /** Environment visible to `env:` allow-lists, providers and builtins. @default process.env */
  env?: Record<string, string | undefined>;
  /** definitions/ directory (agents, hook sets, pricing). @default nearest definitions/ from the workflow, else <cwd>/definitions */
  definitionsDir?: string;
  /** Agent providers by name, overriding the ones built from definitions (tests, custom models). */
  providers?: Record<string, Provider>;
  /** How often a run checks the store for a cancel requested by another process (ms). @default 500 */
  cancelPollMs?: number;
}

/** What `run`, `resume` and `signal` resolve to. */
export interface RunResult {
  runId: string;
  status: RunStatus;
  output: unknown;
  error: ErrorInfo | null;
}

export interface RunOptions {
  /** Choose the run id (reusing an existing id is an error). */
  runId?: string;
  /** Aborting it cancels the run. */
  signal?: AbortSignal;
  /**
   * Called once the run exists in the store, before any hook or step runs; not called when the
   * definition or input is refused first. The CLI announces the run id here.
   */
  onCreated?: (runId: string) => void;
}

export class Engine {
  readonly hooks: HookRegistry;
  readonly bus: EventBus;
  readonly tools: ToolRegistry;
  readonly store: Store;
  readonly clock: Clock;
  readonly cache: LRUCache<string, CacheEntry>;
  readonly cacheStats: CacheStats = { hits: 0, misses: 0, evictions: 0, sets: 0 };
  private readonly runner: HookRunner;
  private readonly active = new Map<string, RunState>();
  private readonly definitions = new Map<string, Promise<WorkflowDefinition>>();
  private readonly loadedModules = new Map<string, Promise<void>>();
  private readonly definitionDirs = new Set<string>();
  private agentsCache: Map<string, AgentDefinition> | undefined;
  private readonly shared = new Map<string, unknown>();
  /** Definitions already checked by prepare(), with the tool registry version they were checked against. */
  private readonly prepared = new WeakMap<WorkflowDefinition, number>();
  private readonly hookedSteps = new WeakMap<WorkflowDefinition, StepDef[]>();
  private readonly owner = defaultOwnerId();
  private cancelTimer: ReturnType<typeof setInterval> | undefined;
  private envForBuiltins: BuiltinEnv | undefined;
  readonly core: EngineCore;

  constructor(private readonly options: EngineOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.store = options.store ?? new MemoryStore();
    this.bus = new EventBus({ clock: this.clock });
    this.hooks = new HookRegistry();
    this.tools = new ToolRegistry(options.builtinTools === false ? [] : builtinTools());
    if (options.tools) this.tools.registerAll(options.tools);
    this.cache = new LRUCache<string, CacheEntry>({
      max: options.cache?.max ?? 1000,
      dispose: (_v, _k, reason) => {
        if (reason === 'evict' || reason === 'expire') this.cacheStats.evictions++;
      },
      perf: { now: () => this.clock.now() },
    });
    this.runner = new HookRunner({ clock: this.clock, breaker: options.breaker ?? {}, onBreaker: (t, host) => this.onBreaker(t, host) });
    if (options.definitionsDir) this.definitionDirs.add(resolve(options.definitionsDir));
    const limits: EngineLimits = { maxRedirects: options.maxRedirects ?? 100 };
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const engine = this;
    this.core = {
      clock: this.clock,
      store: this.store,
      bus: this.bus,
      hooks: this.hooks,
      runner: this.runner,
      tools: this.tools,
      cache: this.cache,
      cacheStats: this.cacheStats,
      limits,
      random: options.random ?? Math.random,
      workspace: resolve(options.workspace ?? process.cwd()),
      env: options.env ?? process.env,
      builtins: BUILTIN_HOOKS,
      loadDefinition: (file) => engine.load(file),
      findAgent: (name) => engine.findAgent(name),
      providers: options.providers,
      runChild: (req) => engine.runChild(req),
    };
    this.hooks.composer = (mode, children, threshold) => composite(mode, children, this.runner, threshold);
    for (const h of options.hooks ?? []) this.hooks.register(h);
  }

  /** Loads (and caches) a workflow definition from a file. */
  load(file: string): Promise<WorkflowDefinition> {
    const abs = resolve(file);
    const cached = this.definitions.get(abs);
    if (cached) return cached;
    const p = loadWorkflowFile(abs, { definitionsDir: this.definitionsDirFor(abs), inputSchemaCheck: 'compile' });
    this.definitions.set(abs, p);
    // A failed load is not cached: the next call reads the (possibly fixed) file again.
    p.then(undefined, () => this.definitions.delete(abs));
    return p;
  }

  private definitionsDirFor(file: string): string | undefined {
    let dir = dirname(file);
    for (;;) {
      const cand = join(dir, 'definitions');
      if (existsSync(cand)) {
        this.definitionDirs.add(cand);
        return cand;
      }
      const up = dirname(dir);
      if (up === dir) break;
      dir = up;
    }
    const fallback = [...this.definitionDirs][0];
    return fallback;
  }

  /** Registers a built-in hook (`logging`, `cache`, ...) from code; returns its unregister function. */
  async use(name: string, opts: { id?: string; at?: HookPoint | HookPoint[]; order?: number; match?: HookMatch; with?: Record<string, unknown>; failure?: 'open' | 'closed' } = {}): Promise<() => void> {
    const factory = BUILTIN_HOOKS.get(name);
    if (!factory) throw new HookflowError(ErrorCode.VALIDATION, `unknown built-in hook "${name}"; available: ${[...BUILTIN_HOOKS.keys()].join(', ')}`);
    const id = opts.id ?? name;
    const at = opts.at === undefined ? undefined : Array.isArray(opts.at) ? opts.at : [opts.at];
    const spec = await factory({ id, key: id, with: opts.with ?? {}, at }, this.builtinEnv());
    const inst: HookInstance = {
      key: id,
      id,
      points: new Set(at ?? spec.points),
      order: opts.order ?? spec.order ?? 0,
      seq: nextHookSeq(),
      match: compileMatch(opts.match),
      guard: undefined,
      timeoutMs: spec.timeout,
      failure: opts.failure ?? 'open',
      breaker: spec.breaker,
      language: 'js',
      describe: `use: ${name}`,
      invoke: spec.invoke,
    };
    if (spec.dispose) inst.dispose = spec.dispose;
    const off = this.hooks.add(inst);
    return () => {
      off();
      void spec.dispose?.();
    };
  }

  /** Metrics recorded by the `metrics` and `cache` built-ins, plus breaker and output-cache state (Prometheus text or a summary). */
  metrics(): MetricsRegistry {
    return metricsOf(this.builtinEnv());
  }

  /** Breaker state of every hook that has been called. */
  breakers(): BreakerSnapshot[] {
    return this.runner.breakerSnapshots();
  }

  /** Starts a run and waits for it to complete, fail, be cancelled or suspend. */
  async run(definition: WorkflowDefinition | string, input: unknown = {}, opts: RunOptions = {}): Promise<RunResult> {
    const def = typeof definition === 'string' ? await this.load(definition) : definition;
    await this.prepare(def);
    validateInput(def, input);
    const runId = opts.runId ?? (this.options.ids ?? randomUUID)();
    const now = this.clock.now();
    const iso = new Date(now).toISOString();
    const record: RunRecord = {
      id: runId,
      workflow: def.name,
      version: def.version,
      status: 'running',
      input,
      definition: { text: def.source.text, hash: def.source.hash, file: def.source.file },
      createdAt: iso,
      updatedAt: iso,
      lastSeq: 0,
      owner: this.owner,
    };
    await this.store.createRun(record);
    opts.onCreated?.(runId);
    const rs = this.newRunState(def, runId, runId, input, now, 0, [], undefined);
    return this.execute(rs, false, opts.signal);
  }

  /** Resumes a suspended or interrupted run from its journal. Finished runs return their stored result. */
  async resume(runId: string, opts: { signal?: AbortSignal } = {}): Promise<RunResult> {
    const run = await this.store.getRun(runId);
    if (!run) throw new HookflowError(ErrorCode.RUN_NOT_FOUND, `run "${runId}" not found in ${this.store.kind}`);
    if (isFinished(run.status)) return resultOf(run);
    if (this.active.has(runId)) throw new HookflowError(ErrorCode.RUN_BUSY, `run "${runId}" is already executing in this process`);
    const claimed = await this.store.claimRun(runId, this.owner, isLocalOwnerAlive);
    if (!claimed) throw new HookflowError(ErrorCode.RUN_BUSY, `run "${runId}" is being executed by another live process (${run.owner ?? 'unknown'}); it will pick up signals itself`);
    let def: WorkflowDefinition;
    try {
      def = loadWorkflowText(run.definition.text, run.definition.file, { definitionsDir: this.definitionsDirFor(run.definition.file), inputSchemaCheck: 'compile' });
      await this.prepare(def);
    } catch (err) {
      await this.store.releaseRun(runId, this.owner);
      throw err;
    }
    const [steps, decided, signals] = await Promise.all([
      this.store.getSteps(runId),
      this.store.getEvents(runId, { types: ['hook.decided'] }),
      this.store.getSignals(runId),
    ]);
    const replay: Replay = { steps: new Map(steps.map((s) => [s.path, s])), decisions: new Map() };
    for (const ev of decided) {
      const d = ev.data as { hookId: string; point: string; path?: string; attempt?: number; result?: HookResult; action: string };
      const key = `${d.path ?? ''}|${d.point}|${d.attempt ?? 1}`;
      let list = replay.decisions.get(key);
      if (!list) replay.decisions.set(key, (list = []));
      list.push({ hookId: d.hookId, result: d.result ?? ({ action: 'continue' } as HookResult) });
    }
    const rs = this.newRunState(def, runId, run.parentRunId ? correlationOf(runId) : runId, run.input, Date.parse(run.createdAt), run.lastSeq, signals, replay, run);
    if (run.totals) rs.totals = { ...run.totals };
    // A run killed before its first journal write never started: it starts now (run_start fires).
    return this.execute(rs, run.lastSeq > 0, opts.signal, run.status);
  }

  /**
   * Runs that can be carried on now by `resume`: interrupted ones (status running, no live owner) and
   * suspended ones whose earliest signal timeout has passed. Child runs are left to their parents.
   */
  async dueRuns(): Promise<string[]> {
    const now = this.clock.now();
    const [running, suspended] = await Promise.all([this.store.listRuns({ status: 'running', limit: 10_000 }), this.store.listRuns({ status: 'suspended', limit: 10_000 })]);
    const orphaned = running.filter((r) => !r.parentRunId && !this.active.has(r.id) && (!r.owner || !isLocalOwnerAlive(r.owner)));
    const timedOut = suspended.filter((r) => !r.parentRunId && typeof r.wakeAt === 'number' && r.wakeAt <= now);
    return [...orphaned, ...timedOut].map((r) => r.id);
  }

  /** Sends a signal to a run; a suspended run waiting for it carries on (in this process). */
  async signal(runId: string, name: string, data: unknown = null): Promise<RunResult> {
    const run = await this.store.getRun(runId);
    if (!run) throw new HookflowError(ErrorCode.RUN_NOT_FOUND, `run "${runId}" not found in ${this.store.kind}`);
    if (isFinished(run.status)) {
      throw new HookflowError(ErrorCode.VALIDATION, `run "${runId}" is already ${run.status}; signals are only delivered to running or suspended runs`);
    }
    await this.deliverSignal(runId, name, data);
    const live = this.active.get(runId);
    if (live) {
      live.signals = await this.store.getSignals(runId);
      return { runId, status: 'running', output: null, error: null };
    }
    // Read again now that the signal is stored: an owner that suspended in between has already looked
    // for pending signals, so deciding on the first read could strand this one.
    const now = (await this.store.getRun(runId)) ?? run;
    if (now.status === 'suspended' || (now.owner && !isLocalOwnerAlive(now.owner)) || !now.owner) {
      try {
        return await this.resume(runId);
      } catch (err) {
        if (err instanceof HookflowError && err.code === ErrorCode.RUN_BUSY) return resultOf(now);
        throw err;
      }
    }
    // Another live process owns the run: it re-reads signals before it suspends.
    return resultOf(now);
  }

  /**
   * Stores a signal for a run and for its suspended sub-workflow runs (at any depth): a `wait: {signal}`
   * inside a sub-workflow is woken by signalling the run the user knows, the root.
   */
  private async deliverSignal(runId: string, name: string, data: unknown): Promise<void> {
    const createdAt = new Date(this.clock.now()).toISOString();
    await this.store.putSignal({ runId, name, data, createdAt });
    const suspended = await this.store.listRuns({ status: 'suspended', limit: 10_000 });
    const children = (parent: string): RunRecord[] => suspended.filter((r) => r.parentRunId === parent);
    const queue = children(runId);
    while (queue.length > 0) {
      const child = queue.shift() as RunRecord;
      await this.store.putSignal({ runId: child.id, name, data, createdAt });
      queue.push(...children(child.id));
    }
  }

  /** Cancels a run: a live one here is aborted; an idle one is marked cancelled; one owned elsewhere is asked to stop. */
  async cancel(runId: string, reason = 'cancelled by request'): Promise<RunResult> {
    const live = this.active.get(runId);
    if (live) {
      live.cancelReason = reason;
      live.controller.abort(new HookflowError(ErrorCode.CANCELLED, reason, { retryable: false }));
      return { runId, status: 'running', output: null, error: null };
    }
    const run = await this.store.getRun(runId);
    if (!run) throw new HookflowError(ErrorCode.RUN_NOT_FOUND, `run "${runId}" not found in ${this.store.kind}`);
    if (isFinished(run.status)) return resultOf(run);
    const claimed = await this.store.claimRun(runId, this.owner, isLocalOwnerAlive);
    if (!claimed) {
      await this.store.putMeta('cancel', runId, { reason, at: this.clock.now() });
      return resultOf(run);
    }
    const error: ErrorInfo = { code: ErrorCode.CANCELLED, message: reason };
    const seq = run.lastSeq + 1;
    const now = new Date(this.clock.now()).toISOString();
    await this.store.commit(runId, {
      events: [{ id: `${runId}:${seq}`, type: 'run.cancelled', time: now, seq, runId, correlationId: correlationOf(runId), source: { component: 'engine', language: 'js' }, data: { reason }, schemaVersion: 1 }],
      run: { status: 'cancelled', error, endedAt: now, updatedAt: now, lastSeq: seq, owner: null, wakeAt: null },
    });
    return { runId, status: 'cancelled', output: null, error };
  }

  /**
   * Pauses the agent of a running agent step between turns (running → paused); resolves once paused.
   * `stepPath` is the step's path (`research`, `plan#fork[1]/ask`). Throws RUN_NOT_FOUND when no such
   * agent is running in this process.
   */
  async pauseAgent(runId: string, stepPath: string, reason = 'paused by request'): Promise<void> {
    await this.agentSession(runId, stepPath).pause(reason);
  }

  /** Resumes a paused agent (paused → running); resolves once it runs again. */
  async resumeAgent(runId: string, stepPath: string): Promise<void> {
    await this.agentSession(runId, stepPath).resume();
  }

  /** The agent sessions running now in a run, by step path, with their machine state. */
  agents(runId: string): Array<{ path: string; agent: string; state: string }> {
    const rs = this.active.get(runId);
    return rs ? [...rs.agents].map(([path, s]) => ({ path, agent: s.def.name, state: s.state })) : [];
  }

  private agentSession(runId: string, stepPath: string): AgentSession {
    const session = this.active.get(runId)?.agents.get(stepPath);
    if (!session) throw new HookflowError(ErrorCode.RUN_NOT_FOUND, `no agent is running at step "${stepPath}" of run "${runId}" in this process`);
    return session;
  }

  /** Releases timers; closes the store when the engine created it. */
  async close(): Promise<void> {
    if (this.cancelTimer) clearInterval(this.cancelTimer);
    this.cancelTimer = undefined;
    await this.bus.drain();
    if (!this.options.store) await this.store.close();
  }

  private newRunState(def: WorkflowDefinition, runId: string, correlationId: string, input: unknown, startedAt: number, seq: number, signals: RunState['signals'], replay: Replay | undefined, parent?: RunRecord): RunState {
    const env: Record<string, string> = {};
    const source = this.core.env;
    for (const name of def.env) {
      const v = source[name];
      if (v !== undefined) env[name] = v;
    }
    const init: ConstructorParameters<typeof RunState>[0] = { core: this.core, def, runId, correlationId, input, startedAt, seq, signals, env };
    if (replay) init.replay = replay;
    if (parent?.parentRunId) init.parentRunId = parent.parentRunId;
    if (parent?.parentStepPath) init.parentStepPath = parent.parentStepPath;
    return new RunState(init);
  }

  /** Loads the workflow's tool modules and checks that every tool step names a registered tool. */
  private async prepare(def: WorkflowDefinition): Promise<void> {
    for (const mod of def.tools) {
      let p = this.loadedModules.get(mod);
      if (!p) {
        p = loadToolModule(mod, dirname(def.source.file)).then((tools) => this.tools.registerAll(tools));
        this.loadedModules.set(mod, p);
      }
      await p;
    }
    // A definition is immutable: once checked against this registry version, it stays checked.
    if (this.prepared.get(def) === this.tools.version) return;
    const missing: string[] = [];
    for (const step of def.stepsById.values()) {
      if (step.kind === 'tool' && !this.tools.has(step.tool)) {
        missing.push(`${step.loc.file}:${step.loc.line}:${step.loc.col}: unknown tool "${step.tool}" (at ${step.loc.path}); hint: register it with --tools ./module.js or list the module under \`tools:\``);
      }
    }
    if (missing.length > 0) throw new HookflowError(ErrorCode.VALIDATION, missing.join('\n'), { retryable: false });
    // A hook module that cannot load is a definition error, found before a run row exists.
    const decls = [...def.hooks, ...[...def.stepsById.values()].flatMap((st) => st.hooks)];
    await checkDeclaredHooks(decls, BUILTIN_HOOKS);
    // Built-in options too, so a bad `with:` is refused before a run exists.
    const checkUse = (d: HookDecl): void => {
      if (d.source.kind === 'use') checkBuiltinOptions(d.source.use, { id: d.id, key: d.id, with: d.source.with, at: d.at.length > 0 ? d.at : undefined });
      else if (d.source.kind === 'composite') d.source.hooks.forEach(checkUse);
    };
    decls.forEach(checkUse);
    this.prepared.set(def, this.tools.version);
  }

  private async buildHooks(rs: RunState): Promise<void> {
    const env = { keyPrefix: rs.workflow, runner: this.runner, builtins: BUILTIN_HOOKS, builtinEnv: this.builtinEnv(), ruleForks: rs.ruleForks };
    // Built one by one and owned as soon as built, so a failure half-way still disposes the others.
    const build = async (decls: HookDecl[]): Promise<HookInstance[]> => {
      const out: HookInstance[] = [];
      for (const d of decls) {
        const inst = await buildDeclaredHook(d, env);
        rs.owned.push(inst);
        out.push(inst);
      }
      return out;
    };
    rs.workflowHooks = await build(rs.def.hooks);
    for (const step of this.stepsWithHooks(rs.def)) rs.stepHookInstances.set(step, await build(step.hooks));
  }

  /** Steps (at any depth, catch lists included) that declare their own hooks; computed once per definition. */
  private stepsWithHooks(def: WorkflowDefinition): StepDef[] {
    const cached = this.hookedSteps.get(def);
    if (cached) return cached;
    const found: StepDef[] = [];
    const visit = (list: StepDef[]): void => {
      for (const step of list) {
        if (step.hooks.length > 0) found.push(step);
        for (const nested of nestedLists(step)) visit(nested);
        if (step.catch) visit(step.catch);
      }
    };
    visit(def.steps);
    this.hookedSteps.set(def, found);
    return found;
  }

  private async execute(rs: RunState, resumed: boolean, external: AbortSignal | undefined, previous?: RunStatus): Promise<RunResult> {
    this.active.set(rs.runId, rs);
    const onExternal = (): void => {
      rs.cancelReason ??= 'cancelled by the caller';
      rs.controller.abort(new HookflowError(ErrorCode.CANCELLED, rs.cancelReason, { retryable: false }));
    };
    if (external) {
      if (external.aborted) onExternal();
      else external.addEventListener('abort', onExternal, { once: true });
    }
    this.ensureCancelPoll();
    let result: RunResult;
    try {
      const began = this.clock.now();
      try {
        result = await this.executeInner(rs, resumed, previous);
      } finally {
        const ran = runLevelHooks.get(rs);
        if (ran !== undefined && ran.length > 0) this.runner.observe(ran, this.clock.now() - began);
      }
    } finally {
      rs.close();
      external?.removeEventListener('abort', onExternal);
      this.active.delete(rs.runId);
      for (const h of rs.owned) await h.dispose?.();
      await this.saveBreakers();
      await this.store.releaseRun(rs.runId, this.owner);
      if (this.active.size === 0 && this.cancelTimer) {
        clearInterval(this.cancelTimer);
        this.cancelTimer = undefined;
      }
    }
    if (result.status === 'suspended' && (await this.hasPendingSignal(rs))) {
      try {
        return await this.resume(rs.runId);
      } catch (err) {
        // The signaller (another process) claimed the run first and carries it on.
        if (err instanceof HookflowError && err.code === ErrorCode.RUN_BUSY) return result;
        throw err;
      }
    }
    return result;
  }

  private async executeInner(rs: RunState, resumed: boolean, previous?: RunStatus): Promise<RunResult> {
    await this.buildHooks(rs);
    const hooks = rs.workflowHooks;
    const root: Frame = { prefix: '', scope: rs.scope, hooks, hookPoints: pointsOf(hooks), signal: rs.signal, cause: undefined };
    // Run-level hooks wrap the whole run: their breakers learn its duration when it ends (see execute).
    const runRan: HookInstance[] = [];
    runLevelHooks.set(rs, runRan);
    const fireRun = async (point: HookPoint, input: unknown, extra: { output?: unknown; error?: ErrorInfo; metadata?: Record<string, unknown> } = {}) => {
      if (!rs.hasHooks(point, hooks)) return undefined;
      const d = await rs.fire(hooks, { point, attempt: 1, input, hooks: [], ...extra });
      if (d.ran) runRan.push(...d.ran);
      return d;
    };
    let startId: string;
    try {
      if (!resumed) {
        const d = await fireRun('run_start', rs.input);
        if (d?.action === 'modify') {
          rs.input = d.input;
          rs.scope.input = d.input;
        } else if (d?.action === 'cancel') {
          rs.cancelReason = `cancelled by hook "${d.hookId}" at run_start: ${(d.result as { reason?: string }).reason ?? ''}`;
          rs.emit('run.started', { workflow: rs.workflow, version: rs.def.version, input: rs.input });
          return await this.finishCancelled(rs, hooks);
        }
        startId = rs.emit('run.started', { workflow: rs.workflow, version: rs.def.version, input: rs.input });
        rs.commit(undefined, { status: 'running', input: rs.input, owner: this.owner });
        await rs.flush();
      } else {
        // Hooks at state_restore / run_resume see the variables as they were when the run stopped (the
        // walk below re-applies the same effects step by step, in the same order).
        if (rs.replay) for (const rec of restoredVarsOrder(rs.replay)) Object.assign(rs.vars, rec.effects?.vars as Record<string, unknown>);
        // Only continue is allowed at these points: a cancel comes from a failed `failure: closed` hook.
        for (const [point, input, metadata] of [['state_restore', null, { steps: rs.replay?.steps.size ?? 0 }], ['run_resume', rs.input, { from: previous }]] as const) {
          const d = await fireRun(point, input, { metadata });
          if (d?.action === 'cancel') {
            rs.cancelReason = `cancelled by hook "${String(d.hookId)}" at ${point}: ${(d.result as { reason?: string }).reason ?? ''}`;
            return await this.finishCancelled(rs, hooks);
          }
        }
        startId = rs.emit('run.resumed', { from: previous ?? 'running', steps: rs.replay?.steps.size ?? 0 });
        rs.commit(undefined, { status: 'running', owner: this.owner, wakeAt: null });
        await rs.flush();
      }
      (root as { cause: string | undefined }).cause = startId;
      const out = await runSequence(rs, root, rs.def.steps);
      if (out.redirect !== undefined) {
        throw new HookflowError(ErrorCode.HOOK_RESULT_INVALID, `redirect target "${out.redirect}" is not a step of the sequence it was issued in or of any enclosing sequence`, { retryable: false });
      }
      await this.joinDetached(rs);
      const output = rs.def.output === undefined ? out.output : await evalT(rs.def.output, rs.scope, 'output');
      const d = await fireRun('run_end', rs.input, { output });
      if (d?.action === 'cancel') {
        // A failed `failure: closed` hook at run_end: the run does not complete.
        rs.cancelReason = `cancelled by hook "${String(d.hookId)}" at run_end: ${(d.result as { reason?: string }).reason ?? ''}`;
        return await this.finishCancelled(rs, hooks);
      }
      const finalOutput = d?.action === 'modify' ? d.output : d?.action === 'replace' ? (d.result as { value: unknown }).value : output;
      rs.transition('COMPLETE');
      rs.emit('run.completed', { output: finalOutput, durationMs: this.clock.now() - rs.startedAt }, startId);
      rs.commit(undefined, rs.endPatch(rs.status, finalOutput, null));
      await rs.flush();
      return { runId: rs.runId, status: rs.status, output: finalOutput, error: null };
    } catch (err) {
      // The run already ended (its final journal write is what failed, e.g. another process took the run
      // over and wrote the same seqs): nothing more can be recorded; the error is the answer.
      if (rs.status !== 'running') throw toHookflowError(err, ErrorCode.STORE);
      try {
        // A cancelled run whose last step suspended (e.g. a wait that never saw the abort) is cancelled, not suspended.
        if (rs.signal.aborted && rs.cancelReason !== undefined) return await this.finishCancelled(rs, hooks);
        if (err instanceof Suspended) {
          await fireRun('run_suspend', rs.input, { metadata: { waiting: err.waiting } });
          const deadlines = err.waiting.map((w) => w.deadline).filter((d): d is number => d !== null);
          rs.transition('SUSPEND');
          rs.emit('run.suspended', { reason: 'signal', waiting: err.waiting, wakeAt: deadlines.length ? Math.min(...deadlines) : null });
          rs.commit(undefined, { ...rs.endPatch(rs.status, null, null), wakeAt: deadlines.length ? Math.min(...deadlines) : null });
          await rs.flush();
          return { runId: rs.runId, status: rs.status, output: null, error: null };
        }
        const info = toHookflowError(err, ErrorCode.INTERNAL).toJSON();
        await fireRun('run_error', rs.input, { error: info });
        return await this.finishFailed(rs, info);
      } catch (endErr) {
        // A hook at run_suspend / run_cancel / run_error failed the ending itself (e.g. an invalid
        // result): the run fails with that error instead of engine.run rejecting with the run left open.
        if (rs.status !== 'running') throw endErr;
        return await this.finishFailed(rs, toHookflowError(endErr, ErrorCode.INTERNAL).toJSON());
      }
    }
  }

  private async finishFailed(rs: RunState, info: ErrorInfo): Promise<RunResult> {
    rs.transition('FAIL');
    rs.emit('run.failed', { error: info });
    rs.commit(undefined, rs.endPatch(rs.status, null, info));
    await rs.flush();
    return { runId: rs.runId, status: rs.status, output: null, error: info };
  }

  private async finishCancelled(rs: RunState, hooks: readonly HookInstance[]): Promise<RunResult> {
    const info: ErrorInfo = { code: ErrorCode.CANCELLED, message: rs.cancelReason ?? 'cancelled' };
    if (rs.hasHooks('run_cancel', hooks)) await rs.fire(hooks, { point: 'run_cancel', attempt: 1, input: rs.input, hooks: [], metadata: { reason: info.message } });
    rs.transition('CANCEL');
    rs.emit('run.cancelled', { reason: info.message });
    rs.commit(undefined, rs.endPatch(rs.status, null, info));
    await rs.flush();
    return { runId: rs.runId, status: rs.status, output: null, error: info };
  }

  private async joinDetached(rs: RunState): Promise<void> {
    let failure: unknown;
    const suspends: Suspended[] = [];
    // Detached forks may start more detached forks while we wait.
    for (let i = 0; i < rs.detached.length; i++) {
      try {
        await rs.detached[i];
      } catch (err) {
        if (err instanceof Suspended) suspends.push(err);
        else failure ??= err;
      }
    }
    if (failure !== undefined) throw failure;
    if (suspends.length > 0) throw Suspended.merge(suspends);
  }

  /** Whether a signal that one of the run's suspended waits is waiting for arrived and was not consumed. */
  private async hasPendingSignal(rs: RunState): Promise<boolean> {
    const steps = await this.store.getSteps(rs.runId);
    const waiting = new Set(steps.filter((s) => s.status === 'suspended').map((s) => s.path));
    if (waiting.size === 0) return false;
    // Only the names being waited for count: any other signal would wake the run into the same suspension forever.
    const names = new Set<string>();
    for (const ev of await this.store.getEvents(rs.runId, { types: ['step.suspended'] })) {
      const d = ev.data as { path?: string; signal?: string };
      if (d.path !== undefined && d.signal !== undefined && waiting.has(d.path)) names.add(d.signal);
    }
    const counts = new Map<string, number>();
    for (const s of await this.store.getSignals(rs.runId)) if (names.has(s.name)) counts.set(s.name, (counts.get(s.name) ?? 0) + 1);
    for (const [name, n] of counts) if (n > (rs.signalCursor.get(name) ?? 0)) return true;
    return false;
  }

  private async runChild(req: ChildRunRequest): Promise<ChildRunResult> {
    const existing = await this.store.getRun(req.runId);
    let result: RunResult;
    if (existing) {
      result = isFinished(existing.status) ? resultOf(existing) : await this.resume(req.runId, { signal: req.signal });
    } else {
      await this.prepare(req.def);
      validateInput(req.def, req.input);
      const now = this.clock.now();
      const iso = new Date(now).toISOString();
      await this.store.createRun({
        id: req.runId,
        workflow: req.def.name,
        version: req.def.version,
        status: 'running',
        input: req.input,
        definition: { text: req.def.source.text, hash: req.def.source.hash, file: req.def.source.file },
        parentRunId: req.parentRunId,
        parentStepPath: req.parentStepPath,
        createdAt: iso,
        updatedAt: iso,
        lastSeq: 0,
        owner: this.owner,
      });
      const rs = this.newRunState(req.def, req.runId, req.correlationId, req.input, now, 0, [], undefined, { parentRunId: req.parentRunId, parentStepPath: req.parentStepPath } as RunRecord);
      result = await this.execute(rs, false, req.signal);
    }
    return { status: result.status === 'running' ? 'suspended' : result.status, output: result.output, error: result.error };
  }

  private async findAgent(name: string): Promise<AgentDefinition | undefined> {
    if (!this.agentsCache) {
      const all = new Map<string, AgentDefinition>();
      for (const dir of this.definitionDirs) {
        const agentsDir = join(dir, 'agents');
        if (!existsSync(agentsDir)) continue;
        for (const [n, def] of await findAgents(agentsDir)) if (!all.has(n)) all.set(n, def);
      }
      this.agentsCache = all;
    }
    return this.agentsCache.get(name);
  }

  private builtinEnv(): BuiltinEnv {
    // One object for the engine's life: built-ins key per-engine state by it and by env.shared.
    if (this.envForBuiltins) return this.envForBuiltins;
    const dirs = this.definitionDirs;
    const env: BuiltinEnv = {
      random: this.core.random,
      tool: (name: string) => this.tools.get(name)?.definition,
      clock: this.clock,
      store: this.store,
      cache: this.cache,
      cacheStats: this.cacheStats,
      workspace: this.core.workspace,
      env: this.core.env,
      shared: this.shared,
      breakers: () => this.breakers(),
      run: (ctx: HookContext) => {
        const rs = this.active.get(ctx.runId);
        return rs ? runApi(rs) : undefined;
      },
      get definitionsDir() {
        return dirs.values().next().value;
      },
    };
    this.envForBuiltins = env;
    return env;
  }

  private onBreaker(t: BreakerTransition, host: HookHost | undefined): void {
    const rs = host as RunState | undefined;
    const type = t.to === 'open' ? 'breaker.opened' : t.to === 'closed' ? 'breaker.closed' : 'breaker.half_open';
    const data: Record<string, unknown> = { hookId: t.hookId, reason: t.reason, from: t.from };
    if (t.p95Ms !== undefined) data.p95Ms = t.p95Ms;
    if (t.opP95Ms !== undefined) data.opP95Ms = t.opP95Ms;
    if (!rs || !this.active.has(rs.runId)) return;
    rs.emit(type, data);
    const point: HookPoint | undefined = t.to === 'open' ? 'breaker_open' : t.to === 'closed' ? 'breaker_close' : undefined;
    if (point && rs.hasHooks(point, rs.workflowHooks)) {
      // Fired after the current hook call returns; breaker hooks observe, they cannot change the call.
      queueMicrotask(() => {
        void rs.fire(rs.workflowHooks, { point, attempt: 1, input: null, hooks: [], metadata: data }).catch((err: unknown) => {
          rs.emit('hook.failed', { point, error: toHookflowError(err).toJSON() });
        });
      });
    }
  }

  private async saveBreakers(): Promise<void> {
    for (const b of this.runner.breakerSnapshots()) await this.store.putMeta('breaker', b.hookId, { ...b, savedAt: this.clock.now() });
  }

  private ensureCancelPoll(): void {
    if (this.cancelTimer || this.store.kind === 'memory') return;
    this.cancelTimer = setInterval(() => {
      void this.pollCancels().catch((err: unknown) => {
        process.emitWarning(`hookflow: cancel poll failed: ${err instanceof Error ? err.message : String(err)}`);
      });
    }, this.options.cancelPollMs ?? 500);
    this.cancelTimer.unref();
  }

  private async pollCancels(): Promise<void> {
    for (const [id, rs] of this.active) {
      const req = (await this.store.getMeta('cancel', id)) as { reason?: string } | undefined;
      if (req && !rs.signal.aborted) {
        rs.cancelReason = req.reason ?? 'cancelled by request';
        rs.controller.abort(new HookflowError(ErrorCode.CANCELLED, rs.cancelReason, { retryable: false }));
        await this.store.putMeta('cancel', id, null, 0);
      }
    }
  }
}

/** One api object per live run, so built-ins can key per-run state by it (WeakMap) and it dies with the run. */
const runApis = new WeakMap<RunState, BuiltinRunApi>();

function runApi(rs: RunState): BuiltinRunApi {
  let api = runApis.get(rs);
  if (api === undefined) {
    api = makeRunApi(rs);
    runApis.set(rs, api);
  }
  return api;
}

function makeRunApi(rs: RunState): BuiltinRunApi {
  return {
    runId: rs.runId,
    workflow: rs.workflow,
    addRedactor: (fn) => {
      rs.redactors.push(fn);
    },
    onUsage: (fn) => {
      rs.usageListeners.push(fn);
    },
    addTotals: (patch) => rs.addTotals(patch),
    totals: () => rs.totals ?? {},
    emit: (type, data) => {
      rs.emit(type, data);
    },
    fire: async (point, metadata) => {
      if (rs.hasHooks(point, rs.workflowHooks)) await rs.fire(rs.workflowHooks, { point, attempt: 1, input: null, hooks: [], metadata });
    },
    grant: (p) => {
      rs.permissions = { ...rs.permissions, ...p };
    },
    onEvent: (fn) => {
      rs.eventTaps.push(fn);
      return () => {
        const i = rs.eventTaps.indexOf(fn);
        if (i >= 0) rs.eventTaps.splice(i, 1);
      };
    },
  };
}

/** Records of a resumed run that wrote variables, in the order they ended (journal order on ties). */
function restoredVarsOrder(replay: Replay): StepRecord[] {
  const order = new Map<string, number>();
  const withVars: StepRecord[] = [];
  for (const rec of replay.steps.values()) {
    order.set(rec.path, order.size);
    if (rec.effects?.vars !== undefined && (rec.status === 'completed' || rec.effects.recovered === true)) withVars.push(rec);
  }
  return withVars.sort((a, b) => {
    const ea = a.endedAt ?? '';
    const eb = b.endedAt ?? '';
    if (ea !== eb) return ea < eb ? -1 : 1;
    return (order.get(a.path) ?? 0) - (order.get(b.path) ?? 0);
  });
}

/** Hooks called at the run-level points of each executing run. */
const runLevelHooks = new WeakMap<RunState, HookInstance[]>();

function isFinished(s: RunStatus): boolean {
  return s === 'completed' || s === 'failed' || s === 'cancelled';
}

function resultOf(run: RunRecord): RunResult {
  return { runId: run.id, status: run.status, output: run.output ?? null, error: run.error ?? null };
}

/** Child run ids are `<parent>.<path>`: the root id is the correlation id. */
function correlationOf(runId: string): string {
  const i = runId.indexOf('.');
  return i < 0 ? runId : runId.slice(0, i);
}

/** Creates an engine. */
export function createEngine(options: EngineOptions = {}): Engine {
  return new Engine(options);
}

export type { BuiltinFactory, ToolDefinition };
