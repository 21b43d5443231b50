import { describe, expect, it } from 'vitest';
import { ScriptedProvider } from '../../../src/agents/providers/scripted.js';
import type { ChatMessage, ChatRequest } from '../../../src/agents/types.js';
import { HookflowError } from '../../../src/errors.js';

function req(messages: ChatMessage[]): ChatRequest {
  return { model: 'scripted', messages, tools: [], signal: new AbortController().signal };
}

describe('ScriptedProvider', () => {
  it('plays turns in order with wire tool names, JSON object content and estimated usage', async () => {
    const p = new ScriptedProvider([
      { toolCalls: [{ name: 'math.calc', arguments: { expression: '1+1' } }] },
      { content: { answer: 2 }, usage: { inputTokens: 3, outputTokens: 4 } },
    ]);
    const user: ChatMessage = { role: 'user', content: 'x'.repeat(40) };
    const r1 = await p.complete(req([user]));
    expect(r1.message).toEqual({ role: 'assistant', content: null, toolCalls: [{ id: 'call_1_1', name: 'math_calc', arguments: { expression: '1+1' } }] });
    expect(r1.finishReason).toBe('tool_calls');
    // 40 prompt chars -> 10 tokens; completion: "math_calc" + {"expression":"1+1"} = 9 + 20 chars -> 8 tokens.
    expect(r1.usage).toEqual({ inputTokens: 10, outputTokens: 8 });
    const r2 = await p.complete(req([user, r1.message, { role: 'tool', content: '2', toolCallId: 'call_1_1' }]));
    expect(r2).toEqual({ message: { role: 'assistant', content: '{"answer":2}' }, usage: { inputTokens: 3, outputTokens: 4 }, finishReason: 'stop' });
    expect(p.remaining).toBe(0);
  });

  it('prefers the first unused turn whose `when` matches the newest input, else the first without `when`', async () => {
    const p = new ScriptedProvider([
      { when: 'ERROR', content: 'handled the error' },
      { content: 'first plain' },
      { when: 'weather', content: 'sunny' },
      { content: 'second plain' },
    ]);
    const ask = (text: string): Promise<string | null> => p.complete(req([{ role: 'assistant', content: 'earlier ERROR weather' }, { role: 'user', content: text }])).then((r) => r.message.content);
    expect(await ask('what is the weather?')).toBe('sunny');
    expect(await ask('hello')).toBe('first plain');
    expect(await ask('tool said ERROR')).toBe('handled the error');
    expect(await ask('weather again')).toBe('second plain');
  });

  it('running out of script is SCRIPT_EXHAUSTED and not retryable', async () => {
    const p = new ScriptedProvider([{ when: 'never', content: 'x' }], 'bot');
    const err = await p.complete(req([{ role: 'user', content: 'hi' }])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HookflowError);
    expect((err as HookflowError).code).toBe('SCRIPT_EXHAUSTED');
    expect((err as HookflowError).retryable).toBe(false);
    expect((err as HookflowError).message).toContain('agent "bot": the script has no turn for call 1 (1 turns, 1 unused');
  });

  it('raises a scripted failure and moves on to the next turn', async () => {
    const p = new ScriptedProvider([
      { error: { code: 'RATE_LIMITED', message: 'slow down', retryAfterMs: 250, retryable: true } },
      { content: 'ok' },
    ]);
    const err = (await p.complete(req([{ role: 'user', content: 'x' }])).catch((e: unknown) => e)) as HookflowError;
    expect(err.code).toBe('RATE_LIMITED');
    expect(err.details).toEqual({ retryAfterMs: 250 });
    expect((await p.complete(req([{ role: 'user', content: 'x' }]))).message.content).toBe('ok');
  });

  it('refuses to answer on an aborted signal', async () => {
    const ac = new AbortController();
    ac.abort();
    const p = new ScriptedProvider([{ content: 'x' }]);
    const err = (await p.complete({ ...req([]), signal: ac.signal }).catch((e: unknown) => e)) as HookflowError;
    expect(err.code).toBe('CANCELLED');
    expect(p.remaining).toBe(1);
  });
});
