/**
 * Test doubles for agent runs: an engine-side environment backed by a map of tool functions, and a
 * provider that plays a queue of answers/failures while recording every request.
 */
import { ErrorCode, HookflowError } from '../../src/errors.js';
import { toWireName } from '../../src/agents/tool-names.js';
import type {
  AgentDefinition, AgentEnvironment, AgentTransition, ChatRequest, ChatResponse, Provider,
} from '../../src/agents/types.js';

export type ToolFn = (args: unknown, meta: { turn: number; callId: string }) => unknown;

export interface FakeEnv extends AgentEnvironment {
  controller: AbortController;
  transitions: AgentTransition[];
  toolLog: Array<{ name: string; args: unknown; meta: { turn: number; callId: string } }>;
  usageLog: Array<{ model: string; inputTokens: number; outputTokens: number }>;
  /** `from>to:EVENT` per transition, for compact sequence assertions. */
  path(): string[];
}

export function fakeEnv(opts: {
  tools?: Record<string, ToolFn>;
  providers?: Record<string, Provider>;
  onTransition?: (t: AgentTransition) => void | Promise<void>;
  reportUsage?: (u: { model: string; inputTokens: number; outputTokens: number }) => void;
  env?: Record<string, string | undefined>;
} = {}): FakeEnv {
  const controller = new AbortController();
  const tools = opts.tools ?? {};
  const env: FakeEnv = {
    controller,
    transitions: [],
    toolLog: [],
    usageLog: [],
    signal: controller.signal,
    env: opts.env ?? {},
    ...(opts.providers === undefined ? {} : { providers: opts.providers }),
    async callTool(name, args, meta) {
      env.toolLog.push({ name, args, meta });
      const fn = tools[name];
      if (fn === undefined) throw new HookflowError(ErrorCode.TOOL_NOT_FOUND, `no tool ${name}`);
      return fn(args, meta);
    },
    toolSpecs(names) {
      return names.filter((n) => tools[n] !== undefined).map((n) => ({ name: n, description: `fake ${n}`, parameters: { type: 'object' } }));
    },
    async onTransition(t) {
      env.transitions.push(t);
      await opts.onTransition?.(t);
    },
    reportUsage(u) {
      env.usageLog.push(u);
      opts.reportUsage?.(u);
    },
    path() {
      return env.transitions.map((t) => `${t.from}>${t.to}:${t.event}`);
    },
  };
  return env;
}

type Step = ChatResponse | Error | ((req: ChatRequest) => ChatResponse | Promise<ChatResponse>);

/** Plays `steps` in order; records a snapshot of each request. */
export class FakeProvider implements Provider {
  readonly name = 'fake';
  readonly requests: ChatRequest[] = [];
  constructor(private readonly steps: Step[]) {}

  async complete(req: ChatRequest): Promise<ChatResponse> {
    this.requests.push({ ...req, messages: structuredClone(req.messages), tools: structuredClone(req.tools) });
    const step = this.steps.shift();
    if (step === undefined) throw new HookflowError('FAKE_EMPTY', 'fake provider: no more steps', { retryable: false });
    if (step instanceof Error) throw step;
    if (typeof step === 'function') return step(req);
    return structuredClone(step);
  }
}

/** A final answer. */
export function answer(content: string, usage = { inputTokens: 10, outputTokens: 5 }): ChatResponse {
  return { message: { role: 'assistant', content }, usage, finishReason: 'stop' };
}

/** A turn asking for tools (dotted names are sent as wire names, as a model would). */
export function askTools(calls: Array<[name: string, args: unknown]>, usage = { inputTokens: 20, outputTokens: 8 }): ChatResponse {
  return {
    message: {
      role: 'assistant',
      content: null,
      toolCalls: calls.map(([name, args], i) => ({ id: `c${i + 1}`, name: toWireName(name), arguments: args })),
    },
    usage,
    finishReason: 'tool_calls',
  };
}

/** A provider error as the OpenAI provider raises it. */
export function httpFailure(status: number, retryable = status >= 500): HookflowError {
  return new HookflowError('PROVIDER_HTTP', `openai: POST http://x/chat/completions failed with HTTP ${status}: boom`, { retryable, details: { status } });
}

export function rateLimited(retryAfterMs?: number): HookflowError {
  return new HookflowError(ErrorCode.RATE_LIMITED, 'openai: rate limited (HTTP 429)', {
    details: { status: 429, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) },
  });
}

export function def(over: Partial<AgentDefinition> = {}): AgentDefinition {
  return {
    name: 'tester',
    provider: 'scripted',
    model: 'fake-model',
    tools: [],
    limits: { maxTurns: 8 },
    recovery: { maxRecoveries: 2, backoffMs: 500 },
    script: [{ content: 'unused' }],
    file: '/defs/tester.yaml',
    ...over,
  };
}

/** A promise with its resolve function exposed. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
