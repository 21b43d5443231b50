/**
 * One tool call of the loop: checks the model may use the tool, runs it through the engine, and turns
 * the outcome (result or failure) into the `tool` message the model sees next.
 */
import { ErrorCode, HookflowError, toHookflowError } from '../errors.js';
import { toolErrorContent, toolResultContent } from './conversation.js';
import type { ToolNameMap } from './tool-names.js';
import type { AgentEnvironment, ChatMessage, ToolCallRequest } from './types.js';

/**
 * Runs `call` (wire-named) via `env.callTool` with its dotted name. Tool failures, unknown tools and
 * unparsable arguments become error content for the model; only an aborted `signal` rejects
 * (with `cancelled()`).
 */
export async function runToolCall(
  call: ToolCallRequest,
  names: ToolNameMap,
  env: Pick<AgentEnvironment, 'callTool'>,
  turn: number,
  signal: AbortSignal,
  cancelled: () => Error,
): Promise<ChatMessage> {
  const reply = (content: string): ChatMessage => ({ role: 'tool', content, toolCallId: call.id, name: call.name });
  const name = names.fromWire(call.name);
  if (name === undefined) {
    const allowed = names.names.map((n) => names.toWire(n)).join(', ') || '(none)';
    return reply(toolErrorContent(new HookflowError(ErrorCode.TOOL_NOT_FOUND, `tool "${call.name}" is not available to this agent; available tools: ${allowed}`)));
  }
  if (call.parseError !== undefined) {
    return reply(toolErrorContent(new HookflowError(ErrorCode.TOOL_INPUT, `the arguments of "${call.name}" are not valid JSON (${call.parseError}); send a JSON object`)));
  }
  try {
    const result = await abortable(env.callTool(name, call.arguments, { turn, callId: call.id }), signal);
    return reply(toolResultContent(result));
  } catch (err) {
    if (signal.aborted) throw cancelled();
    // The contract: tool failures are the model's to handle, not the loop's.
    return reply(toolErrorContent(toHookflowError(err, ErrorCode.TOOL_ERROR)));
  }
}

/** Settles like `promise`, or rejects with the signal's reason as soon as it aborts. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
