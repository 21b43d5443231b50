import { describe, expect, it } from 'vitest';
import { createProvider, openAIOptions, OpenAIProvider, ScriptedProvider } from '../../../src/agents/providers/index.js';
import { def } from '../fakes.js';

const openaiDef = (over = {}) => def({ name: 'assistant', provider: 'openai', model: 'gpt-4o-mini', script: undefined, ...over });

describe('createProvider', () => {
  it('builds a scripted provider from the script', () => {
    expect(createProvider(def({ script: [{ content: 'hi' }] }), { env: {} })).toBeInstanceOf(ScriptedProvider);
  });

  it('prefers injected providers: by agent name, then by provider kind', () => {
    const byName = new ScriptedProvider([]);
    const byKind = new ScriptedProvider([]);
    expect(createProvider(def(), { env: {}, providers: { tester: byName, scripted: byKind } })).toBe(byName);
    expect(createProvider(def(), { env: {}, providers: { scripted: byKind } })).toBe(byKind);
  });

  it('reads the base URL and key from the default variables', () => {
    const opts = openAIOptions(openaiDef({ limits: { maxTurns: 2, timeoutMs: 1234 } }), { OPENAI_BASE_URL: 'http://localhost:11434/v1', OPENAI_API_KEY: 'k1' });
    expect(opts).toEqual({ baseUrl: 'http://localhost:11434/v1', apiKey: 'k1', timeoutMs: 1234 });
    expect(createProvider(openaiDef(), { env: { OPENAI_API_KEY: 'k' } })).toBeInstanceOf(OpenAIProvider);
  });

  it('honours renamed variables, a fixed baseUrl, stream and retries', () => {
    const d = openaiDef({ openai: { baseUrlEnv: 'LLM_URL', apiKeyEnv: 'LLM_KEY', stream: true, retries: 0 } });
    expect(openAIOptions(d, { LLM_URL: 'http://gw/v1', LLM_KEY: 'k2', OPENAI_API_KEY: 'ignored' })).toEqual({ baseUrl: 'http://gw/v1', apiKey: 'k2', stream: true, retries: 0 });
    const fixed = openaiDef({ openai: { baseUrl: 'http://fixed/v1' } });
    expect(openAIOptions(fixed, { OPENAI_BASE_URL: 'http://env/v1' }).baseUrl).toBe('http://fixed/v1');
  });

  it('requires a key only for api.openai.com, naming the variable', () => {
    expect(() => openAIOptions(openaiDef({ openai: { apiKeyEnv: 'MY_KEY' } }), {})).toThrow(/set the environment variable MY_KEY/);
    expect(openAIOptions(openaiDef(), { OPENAI_BASE_URL: 'http://127.0.0.1:8000/v1' })).toEqual({ baseUrl: 'http://127.0.0.1:8000/v1' });
  });

  it('explains a malformed base URL and where it came from', () => {
    expect(() => openAIOptions(openaiDef(), { OPENAI_BASE_URL: 'localhost:8000' })).toThrow(
      'agent "assistant" (/defs/tester.yaml): expected the base URL from the environment variable OPENAI_BASE_URL to be an http(s) URL like https://api.openai.com/v1, found "localhost:8000"',
    );
  });
});
