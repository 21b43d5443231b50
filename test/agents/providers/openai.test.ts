import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { OpenAIProvider, parseRetryAfter } from '../../../src/agents/providers/openai.js';
import { runAgent } from '../../../src/agents/session.js';
import type { ChatRequest } from '../../../src/agents/types.js';
import { ErrorCode, HookflowError } from '../../../src/errors.js';
import { def, fakeEnv } from '../fakes.js';

const KEY = 'sk-test-0123456789-secret';

interface Recorded {
  url: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
  at: number;
}
type Handler = (req: Recorded, res: ServerResponse) => void;

interface TestServer {
  baseUrl: string;
  requests: Recorded[];
  close(): Promise<void>;
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

/** A chat-completions server on 127.0.0.1:0 answering request i with handlers[i] (the last one repeats). */
async function serve(handlers: Handler[]): Promise<TestServer> {
  const requests: Recorded[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rec: Recorded = { url: req.url ?? '', headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>, at: Date.now() };
      requests.push(rec);
      const h = handlers[Math.min(requests.length - 1, handlers.length - 1)] as Handler;
      h(rec, res);
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Handler {
  return (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };
}

function completion(message: Record<string, unknown>, usage = { prompt_tokens: 12, completion_tokens: 4 }, finish = 'stop'): Handler {
  return json(200, { id: 'cmpl-1', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', ...message }, finish_reason: finish }], usage });
}

function request(over: Partial<ChatRequest> = {}): ChatRequest {
  return { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], tools: [], signal: new AbortController().signal, ...over };
}

async function failure(p: Promise<unknown>): Promise<HookflowError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(HookflowError);
  return e as HookflowError;
}

describe('OpenAIProvider against a real HTTP server', () => {
  it('posts a chat completion and parses the answer and usage', async () => {
    const srv = await serve([completion({ content: 'Hello!' })]);
    const provider = new OpenAIProvider({ baseUrl: `${srv.baseUrl}/`, apiKey: KEY });
    const res = await provider.complete(request({ temperature: 0.1, maxTokens: 50, messages: [{ role: 'system', content: 'sys' }, { role: 'user', content: 'hi' }] }));
    expect(res).toEqual({ message: { role: 'assistant', content: 'Hello!' }, usage: { inputTokens: 12, outputTokens: 4 }, finishReason: 'stop' });
    const sent = srv.requests[0] as Recorded;
    expect(sent.url).toBe('/v1/chat/completions');
    expect(sent.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(sent.headers['content-type']).toBe('application/json');
    expect(sent.body).toEqual({
      model: 'gpt-4o-mini',
      messages: [{ role: 'system', content: 'sys' }, { role: 'user', content: 'hi' }],
      temperature: 0.1,
      max_tokens: 50,
    });
  });

  it('runs a tool-call round trip through a session in the OpenAI wire format', async () => {
    const srv = await serve([
      completion(
        { content: null, tool_calls: [{ id: 'call_abc', type: 'function', function: { name: 'math_calc', arguments: '{"expression":"2+2"}' } }] },
        { prompt_tokens: 30, completion_tokens: 9 },
        'tool_calls',
      ),
      completion({ content: 'It is 4.' }),
    ]);
    const env = fakeEnv({ tools: { 'math.calc': () => 4 }, env: { OPENAI_API_KEY: KEY } });
    const result = await runAgent(
      def({ name: 'assistant', provider: 'openai', model: 'gpt-4o-mini', tools: ['math.calc'], script: undefined, openai: { baseUrl: srv.baseUrl } }),
      { prompt: 'What is 2+2?' },
      env,
    );
    expect(result.output).toBe('It is 4.');
    expect(result.usage).toEqual({ inputTokens: 42, outputTokens: 13 });
    expect(env.toolLog).toEqual([{ name: 'math.calc', args: { expression: '2+2' }, meta: { turn: 1, callId: 'call_abc' } }]);
    const tools = [{ type: 'function', function: { name: 'math_calc', description: 'fake math.calc', parameters: { type: 'object' } } }];
    expect(srv.requests[0]?.body.tools).toEqual(tools);
    expect(srv.requests[1]?.body).toEqual({
      model: 'gpt-4o-mini',
      tools,
      messages: [
        { role: 'user', content: 'What is 2+2?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_abc', type: 'function', function: { name: 'math_calc', arguments: '{"expression":"2+2"}' } }] },
        { role: 'tool', content: '4', tool_call_id: 'call_abc' },
      ],
    });
  });

  it('streams with server-sent events: content and tool-call deltas, usage from the final chunk', async () => {
    const srv = await serve([
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        const ev = (o: unknown): string => `data: ${JSON.stringify(o)}\n\n`;
        res.write(': keep-alive\n\n');
        res.write(ev({ choices: [{ index: 0, delta: { role: 'assistant', content: 'Let me ' } }] }));
        const split = ev({ choices: [{ index: 0, delta: { content: 'compute €.' } }] });
        res.write(split.slice(0, 25));
        res.write(split.slice(25));
        res.write(ev({ choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'math_', arguments: '{"expr' } }] } }] }));
        res.write(ev({ choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { name: 'calc', arguments: 'ession":"1+1"}' } }] } }] }));
        res.write(ev({ choices: [{ index: 0, delta: { tool_calls: [{ index: 1, id: 'call_2', function: { name: 'text_template', arguments: '{}' } }] } }] }));
        res.write(ev({ choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] }));
        res.write(ev({ choices: [], usage: { prompt_tokens: 21, completion_tokens: 7 } }));
        res.end('data: [DONE]\n\n');
      },
    ]);
    const provider = new OpenAIProvider({ baseUrl: srv.baseUrl, apiKey: KEY, stream: true });
    const res = await provider.complete(request());
    expect(res).toEqual({
      message: {
        role: 'assistant',
        content: 'Let me compute €.',
        toolCalls: [
          { id: 'call_1', name: 'math_calc', arguments: { expression: '1+1' } },
          { id: 'call_2', name: 'text_template', arguments: {} },
        ],
      },
      usage: { inputTokens: 21, outputTokens: 7 },
      finishReason: 'tool_calls',
    });
    expect(srv.requests[0]?.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    expect(srv.requests[0]?.headers.accept).toBe('text/event-stream');
  });

  it('retries a 429, waiting as long as retry-after-ms asks, then succeeds', async () => {
    const srv = await serve([json(429, { error: { message: 'slow down' } }, { 'retry-after-ms': '80' }), completion({ content: 'ok' })]);
    const provider = new OpenAIProvider({ baseUrl: srv.baseUrl, apiKey: KEY, retries: 1, minRetryDelayMs: 1 });
    const res = await provider.complete(request());
    expect(res.message.content).toBe('ok');
    expect(srv.requests).toHaveLength(2);
    const gap = (srv.requests[1] as Recorded).at - (srv.requests[0] as Recorded).at;
    expect(gap).toBeGreaterThanOrEqual(75);
  });

  it('surfaces a 429 as RATE_LIMITED with retryAfterMs once retries are exhausted', async () => {
    const srv = await serve([json(429, { error: { message: 'Rate limit reached' } }, { 'retry-after': '2' })]);
    const provider = new OpenAIProvider({ baseUrl: srv.baseUrl, apiKey: KEY, retries: 0 });
    const err = await failure(provider.complete(request()));
    expect(err.code).toBe(ErrorCode.RATE_LIMITED);
    expect(err.details).toMatchObject({ status: 429, retryAfterMs: 2000 });
    expect(err.message).toContain('Rate limit reached');
  });

  it('retries a 500 and succeeds', async () => {
    const srv = await serve([json(500, 'upstream exploded'), completion({ content: 'ok' })]);
    const provider = new OpenAIProvider({ baseUrl: srv.baseUrl, apiKey: KEY, retries: 2, minRetryDelayMs: 1 });
    expect((await provider.complete(request())).message.content).toBe('ok');
    expect(srv.requests).toHaveLength(2);
  });

  it('a persistent 500 is PROVIDER_HTTP with status and a body excerpt after retries+1 attempts', async () => {
    const srv = await serve([json(500, { error: { message: 'internal failure '.repeat(50) } })]);
    const provider = new OpenAIProvider({ baseUrl: srv.baseUrl, apiKey: KEY, retries: 2, minRetryDelayMs: 1 });
    const err = await failure(provider.complete(request()));
    expect(err.code).toBe('PROVIDER_HTTP');
    expect(err.retryable).toBe(true);
    expect(err.message).toMatch(/failed with HTTP 500: \{"error":\{"message":"internal failure/);
    expect((err.details as { status: number; body: string }).status).toBe(500);
    expect((err.details as { body: string }).body.length).toBeLessThanOrEqual(300);
    expect(srv.requests).toHaveLength(3);
  });

  it('does not retry a 400, and marks it not retryable', async () => {
    const srv = await serve([json(400, { error: { message: 'bad model' } })]);
    const provider = new OpenAIProvider({ baseUrl: srv.baseUrl, apiKey: KEY, retries: 3, minRetryDelayMs: 1 });
    const err = await failure(provider.complete(request()));
    expect(err.retryable).toBe(false);
    expect(srv.requests).toHaveLength(1);
  });

  it('a server that never answers is a TIMEOUT after timeoutMs', async () => {
    const srv = await serve([() => undefined]);
    const provider = new OpenAIProvider({ baseUrl: srv.baseUrl, apiKey: KEY, timeoutMs: 100, retries: 2 });
    const t0 = Date.now();
    const err = await failure(provider.complete(request()));
    const elapsed = Date.now() - t0;
    expect(err.code).toBe(ErrorCode.TIMEOUT);
    expect(err.message).toContain('within 100ms');
    expect(elapsed).toBeGreaterThanOrEqual(95);
    expect(elapsed).toBeLessThan(1000);
    expect(srv.requests).toHaveLength(1);
  });

  it('an aborted request signal is CANCELLED', async () => {
    const srv = await serve([() => undefined]);
    const provider = new OpenAIProvider({ baseUrl: srv.baseUrl, apiKey: KEY });
    const ac = new AbortController();
    const pending = failure(provider.complete(request({ signal: ac.signal })));
    while (srv.requests.length === 0) await new Promise((r) => setImmediate(r));
    ac.abort(new Error('step cancelled'));
    const err = await pending;
    expect(err.code).toBe(ErrorCode.CANCELLED);
    expect(err.message).toContain('step cancelled');
  });

  it('never puts the API key in error messages or details', async () => {
    const echo: Handler = (req, res) => {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `Incorrect API key provided: ${String(req.headers.authorization)}` } }));
    };
    const srv = await serve([echo]);
    const provider = new OpenAIProvider({ baseUrl: srv.baseUrl, apiKey: KEY });
    const err = await failure(provider.complete(request()));
    expect(srv.requests[0]?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(err.message).toContain('HTTP 401 (check the API key variable)');
    expect(err.message).toContain('Bearer ***');
    expect(JSON.stringify(err.toJSON())).not.toContain(KEY);

    await srv.close();
    const offline = new OpenAIProvider({ baseUrl: srv.baseUrl, apiKey: KEY, retries: 1, minRetryDelayMs: 1 });
    const refused = await failure(offline.complete(request()));
    expect(refused.code).toBe('PROVIDER_NETWORK');
    expect(refused.message).toContain('ECONNREFUSED');
    expect(JSON.stringify(refused.toJSON())).not.toContain(KEY);
  });

  it('a session pauses on a 429 that the provider could not absorb, then finishes', async () => {
    const srv = await serve([json(429, { error: { message: 'busy' } }, { 'retry-after-ms': '20' }), completion({ content: 'done' })]);
    const env = fakeEnv({ env: { OPENAI_BASE_URL: srv.baseUrl, OPENAI_API_KEY: KEY } });
    const result = await runAgent(def({ name: 'assistant', provider: 'openai', model: 'gpt-4o-mini', script: undefined, openai: { retries: 0 } }), 'x', env);
    expect(result.output).toBe('done');
    expect(env.path()).toContain('running>paused:RATE_LIMIT');
    expect(env.transitions.find((t) => t.event === 'RATE_LIMIT')?.retryAfterMs).toBe(20);
  });

  it('rejects a 2xx body that is not a chat completion', async () => {
    const srv = await serve([json(200, { nope: true })]);
    const provider = new OpenAIProvider({ baseUrl: srv.baseUrl });
    const err = await failure(provider.complete(request()));
    expect(err.code).toBe('PROVIDER_RESPONSE');
    expect(err.message).toContain('non-empty `choices` array');
  });

  it('keeps malformed tool-call arguments as text with a parse error', async () => {
    const srv = await serve([completion({ content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{"a":' } }] })]);
    const res = await new OpenAIProvider({ baseUrl: srv.baseUrl }).complete(request());
    expect(res.message.toolCalls?.[0]).toMatchObject({ id: 'c', name: 'f', arguments: '{"a":' });
    expect(res.message.toolCalls?.[0]?.parseError).toBeTypeOf('string');
  });
});

describe('OpenAIProvider options', () => {
  it('rejects bad options with a clear message', () => {
    expect(() => new OpenAIProvider({ baseUrl: 'not a url' })).toThrow(/Expected `baseUrl` to be an http\(s\) URL/);
    expect(() => new OpenAIProvider({ baseUrl: 'ftp://x' })).toThrow(/use http or https/);
    expect(() => new OpenAIProvider({ baseUrl: 'http://x', retries: -1 })).toThrow('Expected `retries` to be a number from 0 and up, got `-1` (number)');
  });
});

describe('parseRetryAfter', () => {
  it('reads retry-after-ms, seconds and HTTP dates', () => {
    expect(parseRetryAfter(new Headers({ 'retry-after-ms': '250.4' }))).toBe(251);
    expect(parseRetryAfter(new Headers({ 'retry-after': '3' }))).toBe(3000);
    expect(parseRetryAfter(new Headers({ 'retry-after': '0.5' }))).toBe(500);
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter(new Headers({ 'retry-after': 'Wed, 01 Jan 2025 00:00:07 GMT' }), now)).toBe(7000);
    expect(parseRetryAfter(new Headers({ 'retry-after': 'Tue, 31 Dec 2024 00:00:00 GMT' }), now)).toBe(0);
    expect(parseRetryAfter(new Headers({ 'retry-after': 'soon' }))).toBeUndefined();
    expect(parseRetryAfter(new Headers())).toBeUndefined();
  });
});
