/**
 * Pure helpers for the messages of an agent conversation: the opening messages, tool results as the
 * model sees them, the final output, and the user-facing copy of the history.
 */
import type { HookflowError } from '../errors.js';
import type { ToolNameMap } from './tool-names.js';
import type { AgentDefinition, ChatMessage } from './types.js';

/**
 * The opening messages: the definition's `system` prompt, then one user message: `input` itself when it
 * is a string, `input.prompt` when that is a string, otherwise the JSON of `input`.
 */
export function initialMessages(def: Pick<AgentDefinition, 'system'>, input: unknown): ChatMessage[] {
  const messages: ChatMessage[] = [];
  if (def.system !== undefined && def.system !== '') messages.push({ role: 'system', content: def.system });
  messages.push({ role: 'user', content: userContent(input) });
  return messages;
}

function userContent(input: unknown): string {
  if (typeof input === 'string') return input;
  if (input !== null && typeof input === 'object' && typeof (input as { prompt?: unknown }).prompt === 'string') {
    return (input as { prompt: string }).prompt;
  }
  return JSON.stringify(input ?? null);
}

/** A tool's result as message content: strings as they are, anything else as JSON. */
export function toolResultContent(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return 'null';
  try {
    return JSON.stringify(value);
  } catch (err) {
    // Cyclic or BigInt results cannot be JSON; the model still deserves something readable.
    return `[unserialisable tool result: ${(err as Error).message}]`;
  }
}

/** A failed tool call as message content, so the model can react to it. */
export function toolErrorContent(err: HookflowError): string {
  return JSON.stringify({ error: { code: err.code, message: err.message } });
}

/**
 * The run's output from the final answer. With `output: json`, content that parses as JSON (optionally
 * inside one ```json fence) becomes the parsed value; otherwise the text is returned as is.
 */
export function parseOutput(content: string | null, mode: 'text' | 'json' = 'text'): unknown {
  if (content === null) return null;
  if (mode === 'text') return content;
  const fenced = /^\s*```(?:json)?\s*\n([\s\S]*?)\n\s*```\s*$/.exec(content);
  const text = fenced?.[1] ?? content;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // Not JSON: the contract says the text stands.
    return content;
  }
}

/** A copy of `messages` with wire tool names mapped back to dotted names (unknown names stay as sent). */
export function toDottedMessages(messages: readonly ChatMessage[], names: ToolNameMap): ChatMessage[] {
  return messages.map((m) => {
    if (m.toolCalls === undefined && m.name === undefined) return { ...m };
    const copy: ChatMessage = { ...m };
    if (m.toolCalls !== undefined) {
      copy.toolCalls = m.toolCalls.map((c) => ({ ...c, name: names.fromWire(c.name) ?? c.name }));
    }
    if (m.name !== undefined) copy.name = names.fromWire(m.name) ?? m.name;
    return copy;
  });
}

/** Rough token estimate (4 characters per token) for providers that report no usage. */
export function estimateTokens(chars: number): number {
  return Math.ceil(chars / 4);
}

/** Characters of a message list, for {@link estimateTokens}. */
export function messageChars(messages: readonly ChatMessage[]): number {
  let n = 0;
  for (const m of messages) {
    n += m.content?.length ?? 0;
    if (m.toolCalls !== undefined) for (const c of m.toolCalls) n += c.name.length + jsonLength(c.arguments);
  }
  return n;
}

function jsonLength(v: unknown): number {
  if (typeof v === 'string') return v.length;
  return JSON.stringify(v ?? null)?.length ?? 0;
}
