/**
 * The OpenAI chat-completions wire format: request bodies from {@link ChatRequest}, and
 * {@link ChatResponse} from a JSON answer or from streamed chunks.
 */
import { HookflowError } from '../../errors.js';
import { AgentErrorCode } from '../codes.js';
import { estimateTokens, messageChars } from '../conversation.js';
import type { ChatMessage, ChatRequest, ChatResponse, ToolCallRequest } from '../types.js';

interface WireToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

type WireMessage =
  | { role: 'system' | 'user'; content: string }
  | { role: 'assistant'; content: string | null; tool_calls?: WireToolCall[] }
  | { role: 'tool'; content: string; tool_call_id: string };

/** The JSON body of `POST /chat/completions`. */
export function toWireBody(req: ChatRequest, stream: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = { model: req.model, messages: req.messages.map(toWireMessage) };
  if (req.tools.length > 0) {
    body.tools = req.tools.map((t) => ({
      type: 'function',
      function: { name: t.name, description: t.description, parameters: t.parameters },
    }));
  }
  if (req.temperature !== undefined) body.temperature = req.temperature;
  if (req.maxTokens !== undefined) body.max_tokens = req.maxTokens;
  if (stream) {
    body.stream = true;
    body.stream_options = { include_usage: true };
  }
  return body;
}

function toWireMessage(m: ChatMessage): WireMessage {
  switch (m.role) {
    case 'system':
    case 'user':
      return { role: m.role, content: m.content ?? '' };
    case 'assistant': {
      const out: WireMessage = { role: 'assistant', content: m.content };
      if (m.toolCalls !== undefined && m.toolCalls.length > 0) {
        out.tool_calls = m.toolCalls.map((c) => ({
          id: c.id,
          type: 'function',
          function: { name: c.name, arguments: typeof c.arguments === 'string' && c.parseError !== undefined ? c.arguments : JSON.stringify(c.arguments ?? {}) },
        }));
      }
      return out;
    }
    case 'tool':
      return { role: 'tool', content: m.content ?? '', tool_call_id: m.toolCallId ?? '' };
  }
}

/** Parses the `arguments` JSON string of a tool call. Malformed JSON keeps the text and sets `parseError`. */
export function parseToolCall(id: string, name: string, args: string): ToolCallRequest {
  if (args.trim() === '') return { id, name, arguments: {} };
  try {
    return { id, name, arguments: JSON.parse(args) as unknown };
  } catch (err) {
    return { id, name, arguments: args, parseError: (err as Error).message };
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function badResponse(what: string, found: unknown): HookflowError {
  const excerpt = JSON.stringify(found)?.slice(0, 200) ?? String(found);
  return new HookflowError(AgentErrorCode.PROVIDER_RESPONSE, `openai: the answer is not a chat completion: ${what}; found ${excerpt}`, {
    retryable: false,
  });
}

function usageOf(raw: unknown): { inputTokens: number; outputTokens: number } | undefined {
  if (!isRecord(raw)) return undefined;
  const p = raw.prompt_tokens;
  const c = raw.completion_tokens;
  if (typeof p !== 'number' || typeof c !== 'number') return undefined;
  return { inputTokens: p, outputTokens: c };
}

/** Reads a non-streamed chat completion. `sent` estimates usage when the server reports none. */
export function parseCompletion(json: unknown, sent: readonly ChatMessage[]): ChatResponse {
  if (!isRecord(json) || !Array.isArray(json.choices) || json.choices.length === 0) {
    throw badResponse('expected an object with a non-empty `choices` array', json);
  }
  const choice = json.choices[0] as unknown;
  if (!isRecord(choice) || !isRecord(choice.message)) throw badResponse('expected `choices[0].message` to be an object', choice);
  const raw = choice.message;
  const content = typeof raw.content === 'string' ? raw.content : null;
  const message: ChatMessage = { role: 'assistant', content };
  if (Array.isArray(raw.tool_calls) && raw.tool_calls.length > 0) {
    message.toolCalls = raw.tool_calls.map((tc: unknown, i: number) => {
      if (!isRecord(tc) || !isRecord(tc.function) || typeof tc.function.name !== 'string') {
        throw badResponse(`expected \`tool_calls[${i}].function.name\` to be a string`, tc);
      }
      const args = tc.function.arguments;
      return parseToolCall(typeof tc.id === 'string' ? tc.id : `call_${i + 1}`, tc.function.name, typeof args === 'string' ? args : JSON.stringify(args ?? {}));
    });
  }
  const usage = usageOf(json.usage) ?? estimateUsage(sent, message);
  const finishReason = typeof choice.finish_reason === 'string' ? choice.finish_reason : message.toolCalls ? 'tool_calls' : 'stop';
  return { message, usage, finishReason };
}

function estimateUsage(sent: readonly ChatMessage[], answer: ChatMessage): { inputTokens: number; outputTokens: number } {
  return { inputTokens: estimateTokens(messageChars(sent)), outputTokens: estimateTokens(messageChars([answer])) };
}

interface PartialCall {
  id: string;
  name: string;
  args: string;
}

/** Accumulates streamed `chat.completion.chunk` objects into one {@link ChatResponse}. */
export class StreamAccumulator {
  private content = '';
  private sawContent = false;
  private readonly calls: PartialCall[] = [];
  private usage: { inputTokens: number; outputTokens: number } | undefined;
  private finishReason: string | undefined;

  /** Adds one parsed chunk. */
  push(chunk: unknown): void {
    if (!isRecord(chunk)) throw badResponse('expected each streamed chunk to be an object', chunk);
    const usage = usageOf(chunk.usage);
    if (usage !== undefined) this.usage = usage;
    if (!Array.isArray(chunk.choices)) return;
    for (const choice of chunk.choices as unknown[]) {
      if (!isRecord(choice)) continue;
      if (typeof choice.finish_reason === 'string') this.finishReason = choice.finish_reason;
      const delta = choice.delta;
      if (!isRecord(delta)) continue;
      if (typeof delta.content === 'string') {
        this.content += delta.content;
        this.sawContent = true;
      }
      if (Array.isArray(delta.tool_calls)) for (const d of delta.tool_calls as unknown[]) this.pushCall(d);
    }
  }

  private pushCall(d: unknown): void {
    if (!isRecord(d)) return;
    const index = typeof d.index === 'number' ? d.index : this.calls.length;
    let call = this.calls[index];
    if (call === undefined) {
      call = { id: '', name: '', args: '' };
      this.calls[index] = call;
    }
    if (typeof d.id === 'string') call.id = d.id;
    const fn = d.function;
    if (isRecord(fn)) {
      if (typeof fn.name === 'string') call.name += fn.name;
      if (typeof fn.arguments === 'string') call.args += fn.arguments;
    }
  }

  /** The accumulated answer; usage is estimated when the stream reported none. */
  result(sent: readonly ChatMessage[]): ChatResponse {
    const message: ChatMessage = { role: 'assistant', content: this.sawContent ? this.content : null };
    const calls = this.calls.filter((c): c is PartialCall => c !== undefined);
    if (calls.length > 0) {
      message.toolCalls = calls.map((c, i) => parseToolCall(c.id || `call_${i + 1}`, c.name, c.args));
    }
    if (message.content === null && message.toolCalls === undefined) message.content = '';
    return {
      message,
      usage: this.usage ?? estimateUsage(sent, message),
      finishReason: this.finishReason ?? (message.toolCalls ? 'tool_calls' : 'stop'),
    };
  }
}
