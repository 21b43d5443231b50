/**
 * Agent contract: definitions (definitions/agents/*.yaml), the provider interface, the environment the
 * engine hands to an agent run, and the result it gets back. See docs/agents.md.
 */
import type { ErrorInfo } from '../errors.js';

/** The six lifecycle states of an agent (architecture.md, decision 1). */
export const AGENT_STATES = ['initializing', 'ready', 'running', 'paused', 'error', 'terminated'] as const;
/** One of the six agent states. */
export type AgentState = (typeof AGENT_STATES)[number];

/** Every event the agent machine understands (see src/agents/machine.ts for the transitions). */
export const AGENT_EVENTS = [
  'INIT_OK', 'START', 'TURN_DONE', 'PAUSE', 'RATE_LIMIT', 'RESUME', 'FAIL', 'RECOVER', 'FINISH', 'TERMINATE',
] as const;
/** One of the agent machine's event names. */
export type AgentEventType = (typeof AGENT_EVENTS)[number];

/** One scripted tool call: `name` is the dotted tool name as written in the agent definition. */
export interface ScriptedToolCall {
  name: string;
  /** @default {} */
  arguments: unknown;
}

/** A failure the scripted provider raises instead of answering (to rehearse recovery offline). */
export interface ScriptedFailure {
  /** Error code, e.g. `PROVIDER_HTTP`, `TIMEOUT`, `RATE_LIMITED`. */
  code: string;
  /** @default 'scripted failure' */
  message: string;
  /** For `RATE_LIMITED`: how long the agent should pause, ms. */
  retryAfterMs?: number;
  /** Whether the session may recover from it. @default true */
  retryable: boolean;
}

/** One turn of a scripted conversation. */
export interface ScriptedTurn {
  /** Final answer text; an object is sent as its JSON. */
  content?: string | Record<string, unknown> | unknown[];
  toolCalls?: ScriptedToolCall[];
  /** @default ceil(chars / 4) of the prompt and of the completion */
  usage?: { inputTokens: number; outputTokens: number };
  /** Substring the newest user/tool messages (those after the last assistant message) must contain. */
  when?: string;
  /** Fail this call instead of answering. */
  error?: ScriptedFailure;
}

/** OpenAI-compatible provider settings of an agent definition. */
export interface OpenAISettings {
  /** Environment variable holding the base URL. @default 'OPENAI_BASE_URL' */
  baseUrlEnv?: string;
  /** Environment variable holding the API key. @default 'OPENAI_API_KEY' */
  apiKeyEnv?: string;
  /** Environment variable that, when set, overrides `model`. */
  modelEnv?: string;
  /** Fixed base URL; wins over `baseUrlEnv`. @default 'https://api.openai.com/v1' when neither is set */
  baseUrl?: string;
  /** Stream the answer with server-sent events. @default false */
  stream?: boolean;
  /** Provider-level retries on 429/5xx/network errors. @default 2 */
  retries?: number;
}

/** A normalized agent definition (what {@link loadAgentDefinition} returns). */
export interface AgentDefinition {
  name: string;
  description?: string;
  provider: 'openai' | 'scripted';
  model: string;
  system?: string;
  /** Tool names it may call (dotted, e.g. `math.calc`). @default [] */
  tools: string[];
  /** `json`: a final answer that parses as JSON becomes the parsed value. @default 'text' */
  output?: 'text' | 'json';
  limits: {
    /** Model calls per run. @default 8 */
    maxTurns: number;
    /** Per model request (each HTTP attempt), ms. @default 60000 for openai */
    timeoutMs?: number;
    /** `max_tokens` of each completion. */
    maxTokens?: number;
  };
  recovery: {
    /** Recoveries (error -> initializing) per session. @default 2 */
    maxRecoveries: number;
    /** Wait in `error` before recovering, ms. @default 500 */
    backoffMs: number;
    /** Rate-limit pauses (running -> paused -> running) per model turn. @default 5 */
    maxRateLimitPauses?: number;
  };
  temperature?: number;
  openai?: OpenAISettings;
  /** For provider: scripted. */
  script?: ScriptedTurn[];
  /** Where it was declared (absolute path, or a label for definitions built in code). */
  file: string;
}

/** A tool call the model asked for; `name` is a wire name inside the session and providers. */
export interface ToolCallRequest {
  id: string;
  name: string;
  arguments: unknown;
  /** Set by a provider when the model sent arguments that are not valid JSON (`arguments` is the raw text). */
  parseError?: string;
}

/** One message of a conversation, provider-neutral. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string | null;
  toolCalls?: ToolCallRequest[];
  toolCallId?: string;
  name?: string;
}

/** A tool offered to the model. */
export interface ToolSpec {
  name: string;
  description: string;
  /** JSON Schema of the arguments. */
  parameters: Record<string, unknown>;
}

/** One model call. */
export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  tools: ToolSpec[];
  signal: AbortSignal;
  temperature?: number;
  maxTokens?: number;
}

/** A model's answer to one call. */
export interface ChatResponse {
  message: ChatMessage;
  usage: { inputTokens: number; outputTokens: number };
  finishReason: string;
}

/** A chat-completion backend. Tool names it sees and returns are wire names (`math_calc`). */
export interface Provider {
  readonly name: string;
  complete(req: ChatRequest): Promise<ChatResponse>;
}

/** What a transition reports besides `from`, `to` and `event` (the engine copies it into HookContext.metadata). */
export interface AgentTransition {
  from: AgentState;
  to: AgentState;
  event: AgentEventType;
  /** Agent definition name. */
  agent: string;
  /** Model turns completed so far. */
  turn: number;
  /** Recoveries used so far in this session. */
  recoveries: number;
  /** FAIL, and TERMINATE after a failure or cancellation. */
  error?: ErrorInfo;
  /** FAIL: whether the session will recover (wait `backoffMs`, then RECOVER). */
  recoverable?: boolean;
  /** FAIL when recoverable: the wait before RECOVER, ms. */
  backoffMs?: number;
  /** RATE_LIMIT: how long the agent stays paused, ms. */
  retryAfterMs?: number;
  /** PAUSE / TERMINATE: why. */
  reason?: string;
}

/** What the engine gives the agent run. */
export interface AgentEnvironment {
  /** Runs a tool through the engine (which applies before_tool/after_tool/tool_error hooks, validation,
   *  security). Rejections are fed back to the model as a tool error message, not thrown out of the loop. */
  callTool(name: string, args: unknown, meta: { turn: number; callId: string }): Promise<unknown>;
  /** Tool specs for the agent's allowed tools (the engine builds them from its registry). */
  toolSpecs(names: string[]): ToolSpec[];
  /** Called on EVERY machine transition, awaited before the agent proceeds (the engine fires the
   *  `agent_state_change` hook and publishes `agent.state`). */
  onTransition(t: AgentTransition): void | Promise<void>;
  /** Token usage of every provider call (feeds the cost hook); may throw a HookflowError code
   *  BUDGET_EXCEEDED to stop further model calls -> the agent terminates with that error. */
  reportUsage(u: { model: string; inputTokens: number; outputTokens: number }): void;
  signal: AbortSignal;
  /** For provider base URL / key lookup. */
  env: Record<string, string | undefined>;
  /** Optional injected providers, keyed by agent name or provider kind (tests); otherwise built from the definition. */
  providers?: Record<string, Provider>;
}

/** What a finished run returns (the step output is `output`). */
export interface AgentResult {
  output: unknown;
  /** Model turns (completed provider calls). */
  turns: number;
  /** The whole conversation, with dotted tool names. */
  messages: ChatMessage[];
  usage: { inputTokens: number; outputTokens: number };
  /** Tool calls the model made (including failed ones). */
  toolCalls: number;
  finalState: AgentState;
}
