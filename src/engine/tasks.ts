/**
 * Task steps: tool, agent, workflow (sub-workflow), set, wait, emit, fail. Tool calls — from a tool
 * step or from an agent's turn — go through one pipeline: before_tool hooks, input validation, the call
 * (raced against the AbortSignal), tool_error / after_tool hooks.
 */
import type { AgentStep, EmitStep, FailStep, SetStep, ToolStep, WaitStep, WorkflowStep } from '../dsl/types.js';
import { ErrorCode, HookflowError, toHookflowError } from '../errors.js';
import type { HookContext, HookPoint, HookResult } from '../hooks/types.js';
import type { Decision } from '../hooks/runner.js';
import type { TokenUsage, ToolContext } from '../tools/types.js';
import { sleep } from '../util/clock.js';
import { onAbort } from '../util/abort.js';
import { parseDuration } from '../util/duration.js';
import { AgentSession } from '../agents/session.js';
import type { AgentEnvironment } from '../agents/types.js';
import { cacheKeyFor, cacheLookup, cacheStore, type CacheRequest } from './cache.js';
import type { RunState } from './run-state.js';
import { SkipRequest, Suspended } from './signals.js';
import { cancelled, delayOf, evalT, grant, type StepRun } from './step.js';

/**
 * What a tool's `run` receives. A class rather than a literal: the idempotency key is built only when
 * a tool reads it, and `reportUsage` is a method instead of a closure per call (the per-step hot path).
 */
class ToolCallContext implements ToolContext {
  readonly runId: string;
  readonly workspace: string;
  readonly permissions: { exec?: boolean };
  private key: string | undefined;

  constructor(
    private readonly rs: RunState,
    readonly stepPath: string,
    readonly attempt: number,
    readonly signal: AbortSignal,
    private readonly callId: string | undefined,
  ) {
    this.runId = rs.runId;
    this.workspace = rs.core.workspace;
    this.permissions = rs.permissions;
  }

  /** `runId/stepPath/attempt` (plus `/callId` for a call made by an agent turn). */
  get idempotencyKey(): string {
    return (this.key ??= `${this.runId}/${this.stepPath}/${this.attempt}${this.callId === undefined ? '' : `/${this.callId}`}`);
  }

  reportUsage = (u: TokenUsage): void => this.rs.reportUsage(this.stepPath, u);
}

export function runTask(rs: RunState, run: StepRun, input: unknown, signal: AbortSignal): Promise<unknown> {
  const step = run.step;
  switch (step.kind) {
    case 'tool':
      return invokeTool(rs, run, (step as ToolStep).tool, input, signal);
    case 'agent':
      return runAgentStep(rs, run, step as AgentStep, input, signal);
    case 'workflow':
      return runSubWorkflow(rs, run, step as WorkflowStep, input, signal);
    case 'set':
      return runSet(rs, run, step as SetStep);
    case 'wait':
      return runWait(rs, run, step as WaitStep, signal);
    case 'emit':
      return runEmit(rs, run, step as EmitStep);
    case 'fail':
      return runFail(run, step as FailStep);
    default:
      throw new HookflowError(ErrorCode.INTERNAL, `${step.kind} is not a task`);
  }
}

function isPromise(v: unknown): v is Promise<unknown> {
  return v !== null && typeof v === 'object' && typeof (v as { then?: unknown }).then === 'function';
}

/** Races a promise against an AbortSignal so a tool that ignores its signal cannot hang the run. */
function raceAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortError(signal));
  return new Promise<T>((resolve, reject) => {
    const off = onAbort(signal, () => reject(abortError(signal)));
    p.then(
      (v) => {
        off();
        resolve(v);
      },
      (e: unknown) => {
        off();
        reject(e instanceof Error ? e : toHookflowError(e, ErrorCode.TOOL_ERROR));
      },
    );
  });
}

export function abortError(signal: AbortSignal): HookflowError {
  const r: unknown = signal.reason;
  if (r instanceof HookflowError) return r;
  return new HookflowError(ErrorCode.CANCELLED, r instanceof Error ? r.message : 'cancelled', { retryable: false });
}

function toolTarget(run: StepRun, tool: string): NonNullable<HookContext['step']> {
  const base = run.stepInfo();
  return base.tool === tool ? base : { ...base, tool };
}

async function fireTool(rs: RunState, run: StepRun, point: HookPoint, tool: string, input: unknown, output?: unknown, error?: HookflowError, metadata?: Record<string, unknown>): Promise<Decision> {
  const call: Parameters<RunState['fire']>[1] = { point, step: toolTarget(run, tool), attempt: Math.max(1, run.attempt), input, hooks: [] };
  if (output !== undefined) call.output = output;
  if (error !== undefined) call.error = error.toJSON();
  if (metadata !== undefined) call.metadata = metadata;
  (call as { scope?: unknown }).scope = run.frame.scope;
  const d = await rs.fire(run.hookList, call);
  // after_tool / tool_error breakers learn the tool call's own time below; the others, the step's.
  if (point !== 'after_tool' && point !== 'tool_error') run.addRan(d.ran);
  return d;
}


/**
 * Carries out an after_tool / after_agent decision: modify or replace give the new output, cancel
 * throws, and a retry within its hook's budget waits its delay and asks the caller to call again.
 */
async function carryOutAfter(rs: RunState, d: Decision, point: 'after_tool' | 'after_agent', output: unknown, budgets: Map<string, number>, signal: AbortSignal): Promise<{ output: unknown; retry: boolean }> {
  switch (d.action) {
    case 'modify':
      return { output: d.output, retry: false };
    case 'replace':
      return { output: (d.result as { value: unknown }).value, retry: false };
    case 'cancel':
      throw cancelled(d, point);
    case 'retry':
      if (!grant(d, budgets)) break;
      await sleep(rs.core.clock, delayOf(d.result), signal);
      return { output, retry: true };
    default:
      break;
  }
  return { output, retry: false };
}

/**
 * Calls a tool through the hook pipeline. `meta` is set for calls made by an agent turn (then a
 * `skip` ends the call with null instead of skipping the step).
 */
export async function invokeTool(rs: RunState, run: StepRun, name: string, args: unknown, signal: AbortSignal, meta?: Record<string, unknown>): Promise<unknown> {
  const core = rs.core;
  const tool = core.tools.get(name);
  if (tool === undefined) {
    const names = core.tools.names();
    throw new HookflowError(
      ErrorCode.TOOL_NOT_FOUND,
      `tool "${name}" is not registered (step ${run.path}); ${names.length} tools are: ${names.slice(0, 12).join(', ')}${names.length > 12 ? ', ...' : ''}. Hint: pass --tools ./module.js or list the module under \`tools:\``,
      { step: run.path, retryable: false },
    );
  }
  let a = args;
  let cacheReq: CacheRequest | undefined;
  if (run.has('before_tool')) {
    const d = await fireTool(rs, run, 'before_tool', name, a, undefined, undefined, meta);
    switch (d.action) {
      case 'modify':
        a = d.input;
        break;
      case 'cancel':
        throw cancelled(d, 'before_tool');
      case 'skip':
        if (meta) return null;
        throw new SkipRequest(typeof (d.result as { reason?: unknown }).reason === 'string' ? String((d.result as { reason: string }).reason) : `tool call skipped by hook "${d.hookId}"`);
      case 'replace':
        return (d.result as { value: unknown }).value;
      case 'cache': {
        const r = d.result as Extract<HookResult, { action: 'cache' }> & { persist?: boolean };
        const key = r.key ?? `tool:${cacheKeyFor(rs, run.step, `${run.path}>${name}`, a)}`;
        const hit = await cacheLookup(rs, key, r);
        if (hit !== undefined) {
          rs.emit('step.cached', { path: run.path, stepId: run.step.id, key, tool: name }, run.frame.cause);
          return hit.value;
        }
        cacheReq = { key, ttl: r.ttl, persist: r.persist === true };
        break;
      }
      default:
        break;
    }
  }
  const validated = tool.validate(a);
  const ctx = new ToolCallContext(rs, run.path, run.attempt, signal, meta === undefined ? undefined : String(meta.callId));
  let budgets: Map<string, number> | undefined;
  for (;;) {
    // Group commit: whatever is staged (this step's start, earlier completions) is durable before the
    // tool acts on the world. A pure tool (sideEffects: false) acts on nothing, so it does not wait.
    if (tool.definition.sideEffects !== false) {
      const b = rs.barrier();
      if (b) await b;
    }
    let out: unknown;
    const t0 = performance.now();
    try {
      // A branch cancelled while this step was starting (failFast, run cancel) must not act at all.
      if (signal.aborted) throw abortError(signal);
      const r = tool.definition.run(validated, ctx);
      out = isPromise(r) ? await raceAbort(r, signal) : r;
    } catch (err) {
      if (signal.aborted) throw abortError(signal);
      const e = toHookflowError(err, ErrorCode.TOOL_ERROR, run.path);
      if (run.has('tool_error')) {
        const d = await fireTool(rs, run, 'tool_error', name, validated, undefined, e, meta);
        if (d.action === 'retry' && grant(d, (budgets ??= new Map()))) {
          await sleep(core.clock, delayOf(d.result), signal);
          continue;
        }
        if (d.action === 'cancel') throw cancelled(d, 'tool_error');
        core.runner.observe(d.ran, performance.now() - t0);
      }
      throw e;
    }
    if (run.has('after_tool')) {
      const opMs = performance.now() - t0;
      const d = await fireTool(rs, run, 'after_tool', name, validated, out, undefined, meta);
      core.runner.observe(d.ran, opMs);
      const after = await carryOutAfter(rs, d, 'after_tool', out, (budgets ??= new Map()), signal);
      if (after.retry) continue;
      out = after.output;
    }
    if (cacheReq) await cacheStore(rs, cacheReq, out);
    return out;
  }
}

async function runAgentStep(rs: RunState, run: StepRun, step: AgentStep, input: unknown, signal: AbortSignal): Promise<unknown> {
  const core = rs.core;
  const def = await core.findAgent(step.agent);
  if (def === undefined) {
    throw new HookflowError(ErrorCode.AGENT_NOT_FOUND, `agent "${step.agent}" not found (step ${run.path}); hint: declare it in definitions/agents/${step.agent}.yaml`, { step: run.path, retryable: false });
  }
  let a = input;
  let cacheReq: CacheRequest | undefined;
  if (run.has('before_agent')) {
    const d = await fireTool(rs, run, 'before_agent', step.agent, a, undefined, undefined, { agent: step.agent });
    switch (d.action) {
      case 'modify':
        a = d.input;
        break;
      case 'cancel':
        throw cancelled(d, 'before_agent');
      case 'replace':
        return (d.result as { value: unknown }).value;
      case 'cache': {
        const r = d.result as Extract<HookResult, { action: 'cache' }> & { persist?: boolean };
        const key = r.key ?? `agent:${cacheKeyFor(rs, step, run.path, a)}`;
        const hit = await cacheLookup(rs, key, r);
        if (hit !== undefined) {
          rs.emit('step.cached', { path: run.path, stepId: step.id, key, agent: step.agent }, run.frame.cause);
          return hit.value;
        }
        cacheReq = { key, ttl: r.ttl, persist: r.persist === true };
        break;
      }
      default:
        break;
    }
  }
  let calls = 0;
  const env: AgentEnvironment = {
    callTool: (name, args, meta) => {
      if (!def.tools.includes(name)) {
        return Promise.reject(new HookflowError(ErrorCode.SECURITY, `agent "${def.name}" may not call tool "${name}"; it may call: ${def.tools.join(', ') || '(none)'}`));
      }
      calls++;
      const t0 = performance.now();
      const callId = meta.callId || String(calls);
      const done = (ok: boolean): void => {
        rs.emit('tool.called', { path: run.path, tool: name, agent: def.name, turn: meta.turn, callId, ok, ms: Math.round((performance.now() - t0) * 1000) / 1000 }, run.frame.cause);
      };
      return invokeTool(rs, run, name, args, signal, { agent: def.name, turn: meta.turn, callId }).then(
        (v) => {
          done(true);
          return v;
        },
        (e: unknown) => {
          done(false);
          throw e;
        },
      );
    },
    toolSpecs: (names) =>
      names.map((n) => {
        const t = core.tools.get(n);
        return { name: n, description: t?.description ?? '', parameters: t?.inputSchema ?? { type: 'object' } };
      }),
    onTransition: async (t) => {
      rs.emit('agent.state', { path: run.path, agent: def.name, from: t.from, to: t.to, event: t.event }, run.frame.cause);
      // Only continue is allowed here: a cancel comes from a failed `failure: closed` hook and stops the agent.
      if (run.has('agent_state_change')) {
        const d = await fireTool(rs, run, 'agent_state_change', step.agent, null, undefined, undefined, { ...t, agent: def.name });
        if (d.action === 'cancel') throw cancelled(d, 'agent_state_change');
      }
      if (t.to === 'error' && run.has('agent_error')) {
        const d = await fireTool(rs, run, 'agent_error', step.agent, null, undefined, undefined, { ...t, agent: def.name });
        if (d.action === 'cancel') throw cancelled(d, 'agent_error');
      }
    },
    reportUsage: (u) => rs.reportUsage(run.path, u),
    signal,
    env: core.env,
  };
  if (core.providers) env.providers = core.providers;
  let budgets: Map<string, number> | undefined;
  for (;;) {
    const b = rs.barrier();
    if (b) await b;
    // The session is reachable through engine.pauseAgent / resumeAgent while it runs.
    const session = new AgentSession(def, env);
    rs.agents.set(run.path, session);
    let result: Awaited<ReturnType<AgentSession['run']>>;
    try {
      result = await session.run(a);
    } finally {
      rs.agents.delete(run.path);
    }
    let out: unknown = result.output;
    if (run.has('after_agent')) {
      const d = await fireTool(rs, run, 'after_agent', step.agent, a, out, undefined, { agent: def.name, turns: result.turns, usage: result.usage });
      const after = await carryOutAfter(rs, d, 'after_agent', out, (budgets ??= new Map()), signal);
      if (after.retry) continue;
      out = after.output;
    }
    if (cacheReq) await cacheStore(rs, cacheReq, out);
    return out;
  }
}

async function runSubWorkflow(rs: RunState, run: StepRun, step: WorkflowStep, input: unknown, signal: AbortSignal): Promise<unknown> {
  const def = await rs.core.loadDefinition(step.workflow);
  await rs.flush();
  const runId = `${rs.runId}.${run.path}${run.attempt > 1 ? `~${run.attempt}` : ''}`;
  const res = await rs.core.runChild({ def, input, runId, parentRunId: rs.runId, parentStepPath: run.path, correlationId: rs.correlationId, signal });
  switch (res.status) {
    case 'completed':
      return res.output;
    case 'suspended':
      throw new Suspended([{ path: run.path, signal: `child:${runId}`, deadline: null }]);
    case 'failed':
    case 'cancelled': {
      const e = res.error ?? { code: ErrorCode.CANCELLED, message: 'cancelled' };
      throw new HookflowError(e.code, `sub-workflow "${def.name}" (run ${runId}) ${res.status}: ${e.message}`, { step: run.path, details: { childRunId: runId, childStep: e.step } });
    }
  }
}

async function runSet(rs: RunState, run: StepRun, step: SetStep): Promise<unknown> {
  const written: Record<string, unknown> = {};
  for (const [name, t] of Object.entries(step.set)) written[name] = await evalT(t, run.frame.scope, run.path);
  Object.assign(rs.vars, written);
  run.addEffect('vars', written);
  return written;
}

async function runWait(rs: RunState, run: StepRun, step: WaitStep, signal: AbortSignal): Promise<unknown> {
  const clock = rs.core.clock;
  const spec = step.wait;
  const prior = run.rec?.effects;
  if (spec.kind === 'delay') {
    let wakeAt = typeof prior?.wakeAt === 'number' ? prior.wakeAt : undefined;
    if (wakeAt === undefined) {
      const raw = await evalT(spec.ms, run.frame.scope, run.path);
      const ms = parseDuration(raw);
      if (ms === undefined) {
        throw new HookflowError(ErrorCode.EXPRESSION, `wait "${step.id}": expected a duration (ms or "5s"), found ${JSON.stringify(raw)}`, { step: run.path, retryable: false });
      }
      wakeAt = clock.now() + ms;
      // Durable: the wake-up time is journaled before sleeping, so a restart sleeps only the rest.
      run.addEffect('wakeAt', wakeAt);
      rs.commit([run.record('running')], { wakeAt });
    } else run.addEffect('wakeAt', wakeAt);
    const b = rs.barrier();
    if (b) await b;
    await sleep(clock, Math.max(0, wakeAt - clock.now()), signal);
    return null;
  }
  const deadline = typeof prior?.deadline === 'number' ? prior.deadline : spec.timeout !== undefined ? clock.now() + spec.timeout : null;
  const got = rs.takeSignal(spec.signal);
  if (got !== undefined) {
    if (deadline === null || !arrivedAfter(rs, spec.signal, got.index, deadline)) {
      run.addEffect('signal', spec.signal);
      return got.data;
    }
    // Sent after the wait had timed out: the timeout stands, whenever the run is looked at; the signal stays for a later wait.
    rs.signalCursor.set(spec.signal, got.index);
  }
  if (deadline !== null && clock.now() >= deadline) {
    throw new HookflowError(ErrorCode.SIGNAL_TIMEOUT, `wait "${step.id}": no "${spec.signal}" signal within ${spec.timeout} ms`, { step: run.path });
  }
  run.addEffect('deadline', deadline);
  rs.emit('step.suspended', { path: run.path, stepId: step.id, signal: spec.signal, deadline }, run.frame.cause);
  rs.commit([run.record('suspended')], { wakeAt: deadline });
  throw new Suspended([{ path: run.path, signal: spec.signal, deadline }]);
}

/** Whether the `index`-th signal named `name` was sent after `deadline` (epoch ms). */
function arrivedAfter(rs: RunState, name: string, index: number, deadline: number): boolean {
  const sent = rs.signals.filter((s) => s.name === name)[index]?.createdAt;
  return sent !== undefined && Date.parse(sent) > deadline;
}

async function runEmit(rs: RunState, run: StepRun, step: EmitStep): Promise<unknown> {
  const data = await evalT(step.data, run.frame.scope, run.path);
  const id = rs.emit(`user.${step.event}`, data as Record<string, unknown>, run.frame.cause, 'yaml');
  return { id, event: step.event, data: data ?? null };
}

async function runFail(run: StepRun, step: FailStep): Promise<never> {
  const code = await evalT(step.code, run.frame.scope, run.path);
  const message = await evalT(step.message, run.frame.scope, run.path);
  throw new HookflowError(String(code), String(message), { step: run.path });
}
