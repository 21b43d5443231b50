/**
 * A deterministic provider that plays a script instead of calling a model: for tests, offline examples
 * and demos of tool calling, recovery and cost tracking without a network.
 */
import { ErrorCode, HookflowError } from '../../errors.js';
import { AgentErrorCode } from '../codes.js';
import { estimateTokens, messageChars } from '../conversation.js';
import { toWireName } from '../tool-names.js';
import type { ChatMessage, ChatRequest, ChatResponse, Provider, ScriptedTurn, ToolCallRequest } from '../types.js';

/**
 * Plays `script` turn by turn. Each call takes the first unused turn whose `when` is a substring of the
 * newest user/tool messages (those after the last assistant message); when none matches, the first
 * unused turn without `when`. No turn left is a `SCRIPT_EXHAUSTED` error (not recoverable).
 */
export class ScriptedProvider implements Provider {
  readonly name = 'scripted';
  private readonly used: boolean[];
  private calls = 0;

  constructor(
    private readonly script: readonly ScriptedTurn[],
    private readonly agent = 'scripted',
  ) {
    this.used = script.map(() => false);
  }

  /** Number of script turns not played yet. */
  get remaining(): number {
    return this.used.filter((u) => !u).length;
  }

  async complete(req: ChatRequest): Promise<ChatResponse> {
    if (req.signal.aborted) {
      throw new HookflowError(ErrorCode.CANCELLED, `agent "${this.agent}": scripted call cancelled`, { cause: req.signal.reason, retryable: false });
    }
    this.calls++;
    const newest = newestInput(req.messages);
    const index = this.pick(newest);
    if (index < 0) {
      throw new HookflowError(
        AgentErrorCode.SCRIPT_EXHAUSTED,
        `agent "${this.agent}": the script has no turn for call ${this.calls} (${this.script.length} turns, ` +
          `${this.remaining} unused, none matching); newest input: ${JSON.stringify(newest.slice(0, 120))}. ` +
          'Add a turn to the script or a `when:` that matches',
        { retryable: false },
      );
    }
    this.used[index] = true;
    const turn = this.script[index] as ScriptedTurn;
    if (turn.error !== undefined) {
      const e = turn.error;
      throw new HookflowError(e.code, e.message, {
        retryable: e.retryable,
        ...(e.retryAfterMs === undefined ? {} : { details: { retryAfterMs: e.retryAfterMs } }),
      });
    }
    const toolCalls: ToolCallRequest[] | undefined = turn.toolCalls?.map((c, i) => ({
      id: `call_${this.calls}_${i + 1}`,
      name: toWireName(c.name),
      arguments: c.arguments ?? {},
    }));
    const content = turn.content === undefined ? (toolCalls?.length ? null : '') : typeof turn.content === 'string' ? turn.content : JSON.stringify(turn.content);
    const message: ChatMessage = { role: 'assistant', content };
    if (toolCalls !== undefined && toolCalls.length > 0) message.toolCalls = toolCalls;
    const usage = turn.usage ?? {
      inputTokens: estimateTokens(messageChars(req.messages)),
      outputTokens: estimateTokens(messageChars([message])),
    };
    return { message, usage: { ...usage }, finishReason: message.toolCalls ? 'tool_calls' : 'stop' };
  }

  private pick(newest: string): number {
    let fallback = -1;
    for (let i = 0; i < this.script.length; i++) {
      if (this.used[i]) continue;
      const when = (this.script[i] as ScriptedTurn).when;
      if (when === undefined) {
        if (fallback < 0) fallback = i;
      } else if (newest.includes(when)) {
        return i;
      }
    }
    return fallback;
  }
}

/** The text of the messages after the last assistant message (the model's new input this turn). */
function newestInput(messages: readonly ChatMessage[]): string {
  let start = 0;
  for (let i = messages.length - 1; i >= 0; i--) {
    if ((messages[i] as ChatMessage).role === 'assistant') {
      start = i + 1;
      break;
    }
  }
  const parts: string[] = [];
  for (let i = start; i < messages.length; i++) {
    const m = messages[i] as ChatMessage;
    if ((m.role === 'user' || m.role === 'tool') && m.content !== null) parts.push(m.content);
  }
  return parts.join('\n');
}
