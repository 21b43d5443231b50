/**
 * One agent run: drives the agent machine through initialization, the tool-calling loop, pauses,
 * rate-limit waits, failures and recoveries, awaiting `env.onTransition` on every transition.
 */
import { createActor, type Actor } from 'xstate';
import { ErrorCode, HookflowError, toHookflowError } from '../errors.js';
import { sleep, systemClock } from '../util/clock.js';
import { AgentErrorCode } from './codes.js';
import { initialMessages, parseOutput, toDottedMessages } from './conversation.js';
import { checkAgentDefinition } from './loader.js';
import { agentMachine } from './machine.js';
import { createProvider } from './providers/index.js';
import { ResumeGate, StateWaiters } from './resume-gate.js';
import { runToolCall } from './tool-call.js';
import { ToolNameMap } from './tool-names.js';
import type {
  AgentDefinition, AgentEnvironment, AgentEventType, AgentResult, AgentState, AgentTransition, ChatMessage,
  ChatResponse, Provider, ToolSpec,
} from './types.js';

type Extra = Partial<Omit<AgentTransition, 'from' | 'to' | 'event' | 'agent'>>;

/**
 * Wraps the agent machine actor for one run of one agent definition.
 *
 * @example
 * const session = new AgentSession(def, env);
 * const result = await session.run({ prompt: 'What is 6 * 7?' });
 */
export class AgentSession {
  private readonly actor: Actor<typeof agentMachine>;
  private readonly controller = new AbortController();
  private readonly recoverable = new WeakSet<HookflowError>();
  private readonly onEnvAbort = (): void => this.abortWith(reasonText(this.env.signal.reason));
  private provider: Provider | undefined;
  private names: ToolNameMap | undefined;
  private specs: ToolSpec[] = [];
  private model: string;
  private messages: ChatMessage[] = [];
  private turn = 0;
  private toolCallCount = 0;
  private readonly usage = { inputTokens: 0, outputTokens: 0 };
  private driving = false;
  private pauseRequested = false;
  private pauseReason = 'pause requested';
  private readonly gate = new ResumeGate();
  private readonly waiters = new StateWaiters<AgentState>();
  private queue: Promise<void> = Promise.resolve();
  private cancelReason = 'cancelled';

  constructor(
    readonly def: AgentDefinition,
    private readonly env: AgentEnvironment,
  ) {
    this.model = def.model;
    this.actor = createActor(agentMachine, { input: { maxRecoveries: def.recovery.maxRecoveries } }).start();
    if (env.signal.aborted) this.onEnvAbort();
    else env.signal.addEventListener('abort', this.onEnvAbort, { once: true });
  }

  /** The current machine state. */
  get state(): AgentState {
    return this.actor.getSnapshot().value;
  }

  /** Initializes the session (initializing -> ready). Resolves at once when already past initialization. */
  async start(): Promise<void> {
    if (this.state !== 'initializing' || this.driving) return;
    await this.drive(() => this.withRecovery(async () => undefined, false));
  }

  /**
   * Runs the agent on `input` to its final answer: the session ends `terminated`. Rejects with
   * `AGENT_MAX_TURNS`, `AGENT_ERROR` (provider failure after recoveries), `BUDGET_EXCEEDED`, `CANCELLED`,
   * or the initialization error (`VALIDATION`, `TOOL_NOT_FOUND`).
   */
  async run(input: unknown): Promise<AgentResult> {
    return this.drive(async () => {
      this.messages = initialMessages(this.def, input);
      const final = await this.withRecovery(() => this.untilAnswer());
      await this.transition('FINISH');
      return {
        output: parseOutput(final, this.def.output),
        turns: this.turn,
        messages: this.names ? toDottedMessages(this.messages, this.names) : this.messages.slice(),
        usage: { ...this.usage },
        toolCalls: this.toolCallCount,
        finalState: this.state,
      };
    });
  }

  /**
   * Pauses between turns (running -> paused; the loop waits for {@link resume}); in `ready` outside a
   * run it pauses at once. Resolves when paused, or when the run ends first.
   */
  async pause(reason = 'pause requested'): Promise<void> {
    const s = this.state;
    if (s === 'terminated') return;
    this.pauseReason = reason;
    if (!this.driving && s === 'ready') {
      await this.transition('PAUSE', { reason });
      return;
    }
    this.pauseRequested = true;
    if (!this.driving) return;
    await this.waiters.until(this.state, (st) => st === 'paused' || st === 'terminated');
  }

  /** Resumes a paused session (or cancels a pause that has not taken effect). Resolves when resumed. */
  async resume(): Promise<void> {
    this.pauseRequested = false;
    if (this.state !== 'paused') return;
    if (!this.driving) {
      await this.transition('RESUME');
      return;
    }
    this.gate.open();
    await this.waiters.until(this.state, (st) => st !== 'paused');
  }

  /** Stops the session: an active run rejects with `CANCELLED`. Resolves once `terminated`. */
  async terminate(reason = 'terminated'): Promise<void> {
    if (this.state === 'terminated') return;
    this.abortWith(reason);
    if (this.driving) {
      await this.waiters.until(this.state, (st) => st === 'terminated');
      return;
    }
    try {
      await this.transition('TERMINATE', { reason, error: this.cancelledError().toJSON() });
    } finally {
      this.dispose();
    }
  }

  private get signal(): AbortSignal {
    return this.controller.signal;
  }

  private async drive<T>(work: () => Promise<T>): Promise<T> {
    if (this.driving) {
      throw new HookflowError(ErrorCode.INTERNAL, `agent "${this.def.name}": a run is already in progress on this session`, { retryable: false });
    }
    if (this.state === 'terminated') {
      throw new HookflowError(ErrorCode.AGENT_ERROR, `agent "${this.def.name}": the session is terminated; create a new AgentSession for another run`, { retryable: false });
    }
    this.driving = true;
    try {
      return await work();
    } catch (err) {
      throw await this.terminateAfter(err);
    } finally {
      this.driving = false;
      this.waiters.flush();
    }
  }

  /**
   * Runs `body` from a ready session; provider failures go error -> initializing and `body` runs again.
   * `hold: false` (start()) takes a pending pause without waiting for resume().
   */
  private async withRecovery<T>(body: () => Promise<T>, hold = true): Promise<T> {
    for (;;) {
      try {
        await this.ensureReady(hold);
        return await body();
      } catch (err) {
        const e = this.signal.aborted ? this.cancelledError() : toHookflowError(err, ErrorCode.AGENT_ERROR);
        if (e.code === ErrorCode.CANCELLED || !this.actor.getSnapshot().can({ type: 'FAIL' })) throw e;
        const { recoveries, maxRecoveries } = this.actor.getSnapshot().context;
        const providerFailure = this.recoverable.has(e);
        const recoverable = providerFailure && e.retryable && recoveries < maxRecoveries;
        const backoffMs = this.def.recovery.backoffMs;
        await this.transition('FAIL', { error: e.toJSON(), recoverable, ...(recoverable ? { backoffMs } : {}) });
        if (!recoverable) throw providerFailure ? this.agentError(e) : e;
        await this.wait(backoffMs);
        await this.transition('RECOVER');
      }
    }
  }

  private async ensureReady(hold: boolean): Promise<void> {
    if (this.state === 'initializing') {
      this.initialize();
      await this.transition('INIT_OK');
    }
    if (!hold) {
      if (this.pauseRequested && this.state === 'ready') {
        this.pauseRequested = false;
        await this.transition('PAUSE', { reason: this.pauseReason });
      }
      return;
    }
    if (this.state === 'paused') {
      await this.gate.wait(this.signal, () => this.cancelledError());
      await this.transition('RESUME');
    }
    if (this.state === 'ready') await this.checkpoint();
  }

  private initialize(): void {
    if (this.signal.aborted) throw this.cancelledError();
    checkAgentDefinition(this.def);
    const modelEnv = this.def.openai?.modelEnv;
    const fromEnv = modelEnv === undefined ? undefined : this.env.env[modelEnv];
    this.model = fromEnv !== undefined && fromEnv !== '' ? fromEnv : this.def.model;
    // Built once per session: a recovery re-validates, but keeps provider state (e.g. a script's position).
    this.provider ??= createProvider(this.def, this.env);
    const names = new ToolNameMap(this.def.tools, this.def.name);
    const specs = names.names.length === 0 ? [] : this.env.toolSpecs(names.names);
    const byName = new Map(specs.map((s) => [s.name, s]));
    const missing = names.names.filter((n) => !byName.has(n));
    if (missing.length > 0) {
      throw new HookflowError(
        ErrorCode.TOOL_NOT_FOUND,
        `agent "${this.def.name}" (${this.def.file}): tools ${missing.map((m) => `"${m}"`).join(', ')} are not registered; ` +
          'register them (--tools / tools:) or remove them from the agent definition',
        { retryable: false, details: { missing } },
      );
    }
    this.specs = names.names.map((n) => ({ ...(byName.get(n) as ToolSpec), name: names.toWire(n) as string }));
    this.names = names;
  }

  /** Between turns: honours cancellation and a pending pause. */
  private async checkpoint(): Promise<void> {
    if (this.signal.aborted) throw this.cancelledError();
    if (!this.pauseRequested) return;
    this.pauseRequested = false;
    await this.transition('PAUSE', { reason: this.pauseReason });
    await this.gate.wait(this.signal, () => this.cancelledError());
    await this.transition('RESUME');
  }

  private async untilAnswer(): Promise<string | null> {
    if (this.state === 'ready') await this.transition('START');
    for (;;) {
      await this.checkpoint();
      const res = await this.callModel();
      this.turn++;
      this.usage.inputTokens += res.usage.inputTokens;
      this.usage.outputTokens += res.usage.outputTokens;
      this.env.reportUsage({ model: this.model, inputTokens: res.usage.inputTokens, outputTokens: res.usage.outputTokens });
      const message: ChatMessage = { ...res.message, role: 'assistant' };
      this.messages.push(message);
      const calls = message.toolCalls ?? [];
      if (calls.length === 0) {
        await this.transition('TURN_DONE');
        return message.content;
      }
      if (this.turn >= this.def.limits.maxTurns) {
        throw new HookflowError(
          AgentErrorCode.AGENT_MAX_TURNS,
          `agent "${this.def.name}" used its ${this.def.limits.maxTurns} turns (limits.maxTurns) and the model still asks for tools ` +
            `(${calls.map((c) => this.names?.fromWire(c.name) ?? c.name).join(', ')}); raise limits.maxTurns or tighten the prompt`,
          { retryable: false, details: { maxTurns: this.def.limits.maxTurns } },
        );
      }
      for (const call of calls) {
        this.toolCallCount++;
        this.messages.push(await runToolCall(call, this.names as ToolNameMap, this.env, this.turn, this.signal, () => this.cancelledError()));
      }
    }
  }

  /** One model call; a 429 pauses (running -> paused -> running) for Retry-After and tries again. */
  private async callModel(): Promise<ChatResponse> {
    const provider = this.provider as Provider;
    const maxPauses = this.def.recovery.maxRateLimitPauses ?? 5;
    for (let pauses = 0; ; pauses++) {
      try {
        return await provider.complete({
          model: this.model,
          messages: this.messages.slice(),
          tools: this.specs,
          signal: this.signal,
          ...(this.def.temperature === undefined ? {} : { temperature: this.def.temperature }),
          ...(this.def.limits.maxTokens === undefined ? {} : { maxTokens: this.def.limits.maxTokens }),
        });
      } catch (err) {
        if (this.signal.aborted) throw this.cancelledError();
        const e = toHookflowError(err, ErrorCode.AGENT_ERROR);
        if (e.code !== ErrorCode.RATE_LIMITED || pauses >= maxPauses) {
          this.recoverable.add(e);
          throw e;
        }
        const retryAfterMs = retryAfterOf(e) ?? this.def.recovery.backoffMs;
        await this.transition('RATE_LIMIT', { retryAfterMs, error: e.toJSON(), reason: 'rate limited' });
        await this.wait(retryAfterMs);
        if (this.pauseRequested) {
          this.pauseRequested = false;
          await this.gate.wait(this.signal, () => this.cancelledError());
        }
        await this.transition('RESUME');
      }
    }
  }

  /** Sends `type` to the actor and awaits `env.onTransition`; transitions are serialized in order. */
  private transition(type: AgentEventType, extra: Extra = {}): Promise<void> {
    const step = this.queue.then(async () => {
      const before = this.actor.getSnapshot();
      if (!before.can({ type })) {
        throw new HookflowError(ErrorCode.INTERNAL, `agent "${this.def.name}": event ${type} is not allowed in state ${before.value}`, { retryable: false });
      }
      this.actor.send({ type });
      const after = this.actor.getSnapshot();
      if (after.value !== 'paused') this.gate.reset();
      const t: AgentTransition = {
        from: before.value, to: after.value, event: type, agent: this.def.name, turn: this.turn, recoveries: after.context.recoveries, ...extra,
      };
      try {
        await this.env.onTransition(t);
      } finally {
        this.waiters.notify(after.value);
      }
    });
    // The queue only orders transitions; each caller still receives its own failure through `step`.
    this.queue = step.catch(() => undefined);
    return step;
  }

  private async wait(ms: number): Promise<void> {
    try {
      await sleep(systemClock, ms, this.signal);
    } catch (err) {
      throw this.signal.aborted ? this.cancelledError() : toHookflowError(err);
    }
  }

  private async terminateAfter(err: unknown): Promise<HookflowError> {
    let e = this.signal.aborted ? this.cancelledError() : toHookflowError(err, ErrorCode.AGENT_ERROR);
    if (this.state !== 'terminated') {
      try {
        await this.transition('TERMINATE', {
          error: e.toJSON(),
          ...(e.code === ErrorCode.CANCELLED ? { reason: this.cancelReason } : {}),
        });
      } catch (hookErr) {
        e = withAlsoFailed(e, hookErr);
      }
    }
    this.dispose();
    return e;
  }

  private agentError(cause: HookflowError): HookflowError {
    const { recoveries } = this.actor.getSnapshot().context;
    return new HookflowError(ErrorCode.AGENT_ERROR, `agent "${this.def.name}": ${cause.message}`, {
      cause,
      retryable: false,
      details: { cause: cause.toJSON(), recoveries },
    });
  }

  private cancelledError(): HookflowError {
    return new HookflowError(ErrorCode.CANCELLED, `agent "${this.def.name}" cancelled: ${this.cancelReason}`, {
      retryable: false,
      details: { reason: this.cancelReason },
    });
  }

  private abortWith(reason: string): void {
    if (this.signal.aborted) return;
    this.cancelReason = reason;
    this.controller.abort(new HookflowError(ErrorCode.CANCELLED, reason, { retryable: false }));
  }

  private dispose(): void {
    this.env.signal.removeEventListener('abort', this.onEnvAbort);
  }
}

/** Runs `def` once on `input` in a new {@link AgentSession}: the one call the engine makes per agent step. */
export async function runAgent(def: AgentDefinition, input: unknown, env: AgentEnvironment): Promise<AgentResult> {
  return new AgentSession(def, env).run(input);
}

function reasonText(reason: unknown): string {
  if (reason instanceof Error) return reason.message || reason.name;
  return reason === undefined ? 'aborted' : String(reason);
}

function retryAfterOf(err: HookflowError): number | undefined {
  const v = (err.details as { retryAfterMs?: unknown } | undefined)?.retryAfterMs;
  return typeof v === 'number' && v >= 0 ? v : undefined;
}

function withAlsoFailed(e: HookflowError, other: unknown): HookflowError {
  const details = e.details !== null && typeof e.details === 'object' && !Array.isArray(e.details) ? (e.details as Record<string, unknown>) : e.details === undefined ? {} : { details: e.details };
  return new HookflowError(e.code, e.message, {
    cause: e.cause ?? e,
    retryable: e.retryable,
    details: { ...details, alsoFailed: toHookflowError(other).toJSON() },
    ...(e.step === undefined ? {} : { step: e.step }),
  });
}
