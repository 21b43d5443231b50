import { describe, expect, it } from 'vitest';
import { initialMessages, parseOutput, toDottedMessages, toolErrorContent, toolResultContent } from '../../src/agents/conversation.js';
import { ToolNameMap } from '../../src/agents/tool-names.js';
import { HookflowError } from '../../src/errors.js';

describe('conversation helpers', () => {
  it('opens with the system prompt and one user message', () => {
    expect(initialMessages({ system: 'S' }, { prompt: 'P', extra: 1 })).toEqual([
      { role: 'system', content: 'S' },
      { role: 'user', content: 'P' },
    ]);
    expect(initialMessages({}, { prompt: 3 })).toEqual([{ role: 'user', content: '{"prompt":3}' }]);
    expect(initialMessages({ system: '' }, undefined)).toEqual([{ role: 'user', content: 'null' }]);
  });

  it('renders tool results and errors for the model', () => {
    expect(toolResultContent('text')).toBe('text');
    expect(toolResultContent({ a: [1] })).toBe('{"a":[1]}');
    expect(toolResultContent(undefined)).toBe('null');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(toolResultContent(cyclic)).toMatch(/^\[unserialisable tool result: /);
    expect(toolErrorContent(new HookflowError('TOOL_INPUT', 'bad'))).toBe('{"error":{"code":"TOOL_INPUT","message":"bad"}}');
  });

  it('parses json output, with or without a fence, and keeps text otherwise', () => {
    expect(parseOutput('{"a":1}', 'json')).toEqual({ a: 1 });
    expect(parseOutput('```json\n[1, 2]\n```', 'json')).toEqual([1, 2]);
    expect(parseOutput('  ```\n"s"\n```  ', 'json')).toBe('s');
    expect(parseOutput('The answer is 4', 'json')).toBe('The answer is 4');
    expect(parseOutput('{"a":1}', 'text')).toBe('{"a":1}');
    expect(parseOutput(null, 'json')).toBeNull();
  });

  it('maps wire names back to dotted names without touching the input', () => {
    const names = new ToolNameMap(['math.calc'], 'a');
    const wire = [{ role: 'assistant' as const, content: null, toolCalls: [{ id: '1', name: 'math_calc', arguments: {} }, { id: '2', name: 'other', arguments: {} }] }];
    const dotted = toDottedMessages(wire, names);
    expect(dotted[0]?.toolCalls?.map((c) => c.name)).toEqual(['math.calc', 'other']);
    expect(wire[0]?.toolCalls[0]?.name).toBe('math_calc');
  });
});
