import { afterEach, describe, expect, it, vi } from 'vitest';
import { AgentSession, runAgent } from '../../src/agents/session.js';
import { ErrorCode, HookflowError } from '../../src/errors.js';
import { FakeProvider, answer, askTools, deferred, def, fakeEnv, httpFailure, rateLimited } from './fakes.js';

afterEach(() => {
  vi.useRealTimers();
});

/** Lets pending promise callbacks run (no timers involved). */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

async function rejection(p: Promise<unknown>): Promise<HookflowError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HookflowError);
  return err as HookflowError;
}

describe('AgentSession: the tool-calling loop', () => {
  it('calls tools in order, feeds results and errors back, and ends with the parsed answer', async () => {
    const provider = new FakeProvider([
      askTools([['math.calc', { expression: '6*7' }]]),
      askTools([['text.template', { template: 'x={{x}}', data: { x: 42 } }], ['fs.delete', { path: '/' }], ['math.calc', { expression: 'boom' }]]),
      answer('```json\n{"answer": 42}\n```'),
    ]);
    const env = fakeEnv({
      providers: { tester: provider },
      tools: {
        'math.calc': (args) => {
          const expr = (args as { expression: string }).expression;
          if (expr === 'boom') throw new HookflowError(ErrorCode.TOOL_INPUT, 'cannot parse "boom"');
          return 42;
        },
        'text.template': () => 'x=42',
      },
    });
    const result = await runAgent(
      def({ tools: ['math.calc', 'text.template'], system: 'Be exact.', output: 'json' }),
      { prompt: 'What is 6*7?', ignored: true },
      env,
    );

    expect(result.output).toEqual({ answer: 42 });
    expect(result.turns).toBe(3);
    expect(result.toolCalls).toBe(4);
    expect(result.finalState).toBe('terminated');
    expect(result.usage).toEqual({ inputTokens: 50, outputTokens: 21 });
    expect(env.usageLog).toEqual([
      { model: 'fake-model', inputTokens: 20, outputTokens: 8 },
      { model: 'fake-model', inputTokens: 20, outputTokens: 8 },
      { model: 'fake-model', inputTokens: 10, outputTokens: 5 },
    ]);
    // The engine sees dotted names, in the model's order, with the turn and call id.
    expect(env.toolLog.map((c) => [c.name, c.meta])).toEqual([
      ['math.calc', { turn: 1, callId: 'c1' }],
      ['text.template', { turn: 2, callId: 'c1' }],
      ['math.calc', { turn: 2, callId: 'c3' }],
    ]);
    // The provider gets wire names and the conversation so far.
    const first = provider.requests[0];
    expect(first?.tools.map((t) => t.name)).toEqual(['math_calc', 'text_template']);
    expect(first?.model).toBe('fake-model');
    expect(first?.messages).toEqual([
      { role: 'system', content: 'Be exact.' },
      { role: 'user', content: 'What is 6*7?' },
    ]);
    const third = provider.requests[2]?.messages ?? [];
    expect(third.slice(-3)).toEqual([
      { role: 'tool', content: 'x=42', toolCallId: 'c1', name: 'text_template' },
      {
        role: 'tool',
        content: JSON.stringify({ error: { code: 'TOOL_NOT_FOUND', message: 'tool "fs_delete" is not available to this agent; available tools: math_calc, text_template' } }),
        toolCallId: 'c2',
        name: 'fs_delete',
      },
      { role: 'tool', content: JSON.stringify({ error: { code: 'TOOL_INPUT', message: 'cannot parse "boom"' } }), toolCallId: 'c3', name: 'math_calc' },
    ]);
    // The result history uses dotted names again.
    expect(result.messages[2]?.toolCalls?.[0]?.name).toBe('math.calc');
    expect(result.messages[3]).toEqual({ role: 'tool', content: '42', toolCallId: 'c1', name: 'math.calc' });
    expect(result.messages).toHaveLength(9);
    expect(env.path()).toEqual(['initializing>ready:INIT_OK', 'ready>running:START', 'running>ready:TURN_DONE', 'ready>terminated:FINISH']);
    expect(env.transitions.map((t) => t.turn)).toEqual([0, 0, 3, 3]);
  });

  it('sends non-prompt input as JSON, a string input as is, and keeps text output as text', async () => {
    const p1 = new FakeProvider([answer('{"a":1}')]);
    const r1 = await runAgent(def(), { orderId: 7 }, fakeEnv({ providers: { tester: p1 } }));
    expect(p1.requests[0]?.messages).toEqual([{ role: 'user', content: '{"orderId":7}' }]);
    expect(r1.output).toBe('{"a":1}');
    const p2 = new FakeProvider([answer('not json')]);
    const r2 = await runAgent(def({ output: 'json' }), 'hello', fakeEnv({ providers: { tester: p2 } }));
    expect(p2.requests[0]?.messages).toEqual([{ role: 'user', content: 'hello' }]);
    expect(r2.output).toBe('not json');
  });

  it('feeds malformed tool arguments back as TOOL_INPUT without calling the tool', async () => {
    const provider = new FakeProvider([
      { message: { role: 'assistant', content: null, toolCalls: [{ id: 'k', name: 'math_calc', arguments: '{oops', parseError: 'Unexpected token' }] }, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'tool_calls' },
      answer('done'),
    ]);
    const env = fakeEnv({ providers: { tester: provider }, tools: { 'math.calc': () => 1 } });
    const result = await runAgent(def({ tools: ['math.calc'] }), 'x', env);
    expect(env.toolLog).toEqual([]);
    expect(result.messages.at(-2)?.content).toContain('"code":"TOOL_INPUT"');
    expect(result.messages.at(-2)?.content).toContain('not valid JSON (Unexpected token)');
  });

  it('uses the model named by openai.modelEnv when it is set', async () => {
    const provider = new FakeProvider([answer('ok')]);
    const env = fakeEnv({ providers: { openai: provider }, env: { MY_MODEL: 'gpt-4.1-nano' } });
    await runAgent(def({ name: 'a', provider: 'openai', model: 'gpt-4o-mini', openai: { modelEnv: 'MY_MODEL' }, script: undefined }), 'x', env);
    expect(provider.requests[0]?.model).toBe('gpt-4.1-nano');
    expect(env.usageLog[0]?.model).toBe('gpt-4.1-nano');
  });

  it('passes temperature and maxTokens to the provider', async () => {
    const provider = new FakeProvider([answer('ok')]);
    await runAgent(def({ temperature: 0.3, limits: { maxTurns: 2, maxTokens: 64 } }), 'x', fakeEnv({ providers: { tester: provider } }));
    expect(provider.requests[0]).toMatchObject({ temperature: 0.3, maxTokens: 64 });
  });

  it('fails with AGENT_MAX_TURNS when the model still wants tools after maxTurns calls', async () => {
    const provider = new FakeProvider([1, 2, 3, 4].map(() => askTools([['math.calc', { expression: '1' }]])));
    const env = fakeEnv({ providers: { tester: provider }, tools: { 'math.calc': () => 1 } });
    const err = await rejection(runAgent(def({ tools: ['math.calc'], limits: { maxTurns: 3 } }), 'x', env));
    expect(err.code).toBe('AGENT_MAX_TURNS');
    expect(err.message).toContain('used its 3 turns');
    expect(provider.requests).toHaveLength(3);
    expect(env.toolLog).toHaveLength(2);
    expect(env.path().slice(-2)).toEqual(['running>error:FAIL', 'error>terminated:TERMINATE']);
    expect(env.transitions.at(-2)).toMatchObject({ recoverable: false, error: { code: 'AGENT_MAX_TURNS' } });
  });

  it('terminates with BUDGET_EXCEEDED when reportUsage refuses, without further model calls', async () => {
    const provider = new FakeProvider([askTools([['math.calc', { expression: '1' }]]), answer('never')]);
    const env = fakeEnv({
      providers: { tester: provider },
      tools: { 'math.calc': () => 1 },
      reportUsage: () => {
        throw new HookflowError(ErrorCode.BUDGET_EXCEEDED, 'run budget of $0.01 exceeded');
      },
    });
    const err = await rejection(runAgent(def({ tools: ['math.calc'] }), 'x', env));
    expect(err.code).toBe('BUDGET_EXCEEDED');
    expect(provider.requests).toHaveLength(1);
    expect(env.toolLog).toHaveLength(0);
    expect(env.path()).toEqual(['initializing>ready:INIT_OK', 'ready>running:START', 'running>error:FAIL', 'error>terminated:TERMINATE']);
  });
});

describe('AgentSession: initialization', () => {
  it('rejects tools the engine does not know with TOOL_NOT_FOUND (initializing -> error -> terminated)', async () => {
    const env = fakeEnv({ providers: { tester: new FakeProvider([]) }, tools: { 'math.calc': () => 1 } });
    const err = await rejection(runAgent(def({ tools: ['math.calc', 'web.search'] }), 'x', env));
    expect(err.code).toBe(ErrorCode.TOOL_NOT_FOUND);
    expect(err.message).toContain('"web.search"');
    expect(env.path()).toEqual(['initializing>error:FAIL', 'error>terminated:TERMINATE']);
    expect(env.transitions[0]).toMatchObject({ recoverable: false, error: { code: 'TOOL_NOT_FOUND' } });
  });

  it('rejects tool names that collide on the wire', async () => {
    const env = fakeEnv({ providers: { tester: new FakeProvider([]) }, tools: { 'a.b': () => 1, a_b: () => 2 } });
    const err = await rejection(runAgent(def({ tools: ['a.b', 'a_b'] }), 'x', env));
    expect(err.code).toBe(ErrorCode.VALIDATION);
    expect(err.message).toContain('tools "a.b" and "a_b" both become "a_b"');
  });

  it('validates definitions built in code', async () => {
    const env = fakeEnv({ providers: { tester: new FakeProvider([]) } });
    const err = await rejection(runAgent(def({ limits: { maxTurns: 0 } }), 'x', env));
    expect(err.code).toBe(ErrorCode.VALIDATION);
    expect(err.message).toContain('limits.maxTurns: expected a number >= 1, found 0 (number)');
  });

  it('start() initializes once; a session runs once', async () => {
    const provider = new FakeProvider([answer('ok')]);
    const env = fakeEnv({ providers: { tester: provider } });
    const session = new AgentSession(def(), env);
    expect(session.state).toBe('initializing');
    await session.start();
    expect(session.state).toBe('ready');
    await session.start();
    await session.run('x');
    expect(env.path()).toEqual(['initializing>ready:INIT_OK', 'ready>running:START', 'running>ready:TURN_DONE', 'ready>terminated:FINISH']);
    const again = await rejection(session.run('y'));
    expect(again.code).toBe(ErrorCode.AGENT_ERROR);
    expect(again.message).toContain('create a new AgentSession');
  });
});

describe('AgentSession: pause and resume', () => {
  it('pause() takes effect between turns and the loop waits for resume()', async () => {
    const provider = new FakeProvider([askTools([['math.calc', { expression: '1' }]]), answer('done')]);
    const pauseCall = deferred<Promise<void>>();
    const env = fakeEnv({
      providers: { tester: provider },
      tools: {
        'math.calc': () => {
          pauseCall.resolve(session.pause('operator'));
          return 1;
        },
      },
    });
    const session = new AgentSession(def({ tools: ['math.calc'] }), env);
    const run = session.run('x');
    await pauseCall.promise;
    expect(session.state).toBe('paused');
    await settle();
    expect(provider.requests).toHaveLength(1);
    await session.resume();
    const result = await run;
    expect(result.output).toBe('done');
    expect(env.path()).toEqual([
      'initializing>ready:INIT_OK', 'ready>running:START', 'running>paused:PAUSE', 'paused>running:RESUME',
      'running>ready:TURN_DONE', 'ready>terminated:FINISH',
    ]);
    expect(env.transitions[2]).toMatchObject({ reason: 'operator', turn: 1 });
  });

  it('pausing a ready session holds run() until resume() (paused -> ready -> running)', async () => {
    const provider = new FakeProvider([answer('done')]);
    const env = fakeEnv({ providers: { tester: provider } });
    const session = new AgentSession(def(), env);
    await session.start();
    await session.pause();
    expect(session.state).toBe('paused');
    const run = session.run('x');
    await settle();
    expect(provider.requests).toHaveLength(0);
    await session.resume();
    await run;
    expect(env.path()).toEqual([
      'initializing>ready:INIT_OK', 'ready>paused:PAUSE', 'paused>ready:RESUME', 'ready>running:START',
      'running>ready:TURN_DONE', 'ready>terminated:FINISH',
    ]);
  });

  it('a pause requested before start() is taken once ready, without blocking start()', async () => {
    const env = fakeEnv({ providers: { tester: new FakeProvider([answer('done')]) } });
    const session = new AgentSession(def(), env);
    await session.pause('early');
    expect(session.state).toBe('initializing');
    await session.start();
    expect(session.state).toBe('paused');
    await session.resume();
    expect(session.state).toBe('ready');
    expect((await session.run('x')).output).toBe('done');
    expect(env.path().slice(0, 3)).toEqual(['initializing>ready:INIT_OK', 'ready>paused:PAUSE', 'paused>ready:RESUME']);
    expect(env.transitions[1]?.reason).toBe('early');
  });

  it('resume() before the pause took effect cancels it', async () => {
    const provider = new FakeProvider([askTools([['math.calc', {}]]), answer('done')]);
    const env = fakeEnv({
      providers: { tester: provider },
      tools: {
        'math.calc': async () => {
          void session.pause();
          await session.resume();
          return 1;
        },
      },
    });
    const session = new AgentSession(def({ tools: ['math.calc'] }), env);
    await session.run('x');
    expect(env.path()).not.toContain('running>paused:PAUSE');
  });
});

describe('AgentSession: rate limits, failures and recovery', () => {
  it('429 pauses for Retry-After (running -> paused -> running) and retries the same turn', async () => {
    vi.useFakeTimers();
    const provider = new FakeProvider([rateLimited(5000), answer('done')]);
    const env = fakeEnv({ providers: { tester: provider } });
    const session = new AgentSession(def(), env);
    const run = session.run('x');
    await vi.advanceTimersByTimeAsync(0);
    expect(session.state).toBe('paused');
    await vi.advanceTimersByTimeAsync(4999);
    expect(session.state).toBe('paused');
    expect(provider.requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    const result = await run;
    expect(result.output).toBe('done');
    expect(provider.requests[1]?.messages).toEqual(provider.requests[0]?.messages);
    expect(env.path()).toEqual([
      'initializing>ready:INIT_OK', 'ready>running:START', 'running>paused:RATE_LIMIT', 'paused>running:RESUME',
      'running>ready:TURN_DONE', 'ready>terminated:FINISH',
    ]);
    expect(env.transitions[2]).toMatchObject({ retryAfterMs: 5000, error: { code: 'RATE_LIMITED' } });
  });

  it('a 429 without Retry-After pauses for backoffMs; a pause requested meanwhile holds until resume()', async () => {
    vi.useFakeTimers();
    const provider = new FakeProvider([rateLimited(), answer('done')]);
    const env = fakeEnv({ providers: { tester: provider } });
    const session = new AgentSession(def({ recovery: { maxRecoveries: 0, backoffMs: 300 } }), env);
    const run = session.run('x');
    await vi.advanceTimersByTimeAsync(0);
    expect(env.transitions.at(-1)).toMatchObject({ event: 'RATE_LIMIT', retryAfterMs: 300 });
    await session.pause();
    await vi.advanceTimersByTimeAsync(1000);
    expect(session.state).toBe('paused');
    expect(provider.requests).toHaveLength(1);
    await session.resume();
    expect((await run).output).toBe('done');
  });

  it('too many 429s count as a provider failure and go through recovery', async () => {
    vi.useFakeTimers();
    const provider = new FakeProvider([rateLimited(10), rateLimited(10), answer('done')]);
    const env = fakeEnv({ providers: { tester: provider } });
    const run = runAgent(def({ recovery: { maxRecoveries: 1, backoffMs: 100, maxRateLimitPauses: 1 } }), 'x', env);
    await vi.advanceTimersByTimeAsync(200);
    expect((await run).output).toBe('done');
    expect(env.path()).toContain('running>error:FAIL');
    expect(env.path()).toContain('error>initializing:RECOVER');
  });

  it('5xx -> error, waits backoffMs, recovers through initializing and retries the turn', async () => {
    vi.useFakeTimers();
    const provider = new FakeProvider([askTools([['math.calc', {}]]), httpFailure(500), answer('done')]);
    const env = fakeEnv({ providers: { tester: provider }, tools: { 'math.calc': () => 1 } });
    const session = new AgentSession(def({ tools: ['math.calc'], recovery: { maxRecoveries: 2, backoffMs: 500 } }), env);
    const run = session.run('x');
    await vi.advanceTimersByTimeAsync(0);
    expect(session.state).toBe('error');
    await vi.advanceTimersByTimeAsync(499);
    expect(session.state).toBe('error');
    expect(provider.requests).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    const result = await run;
    expect(result.output).toBe('done');
    expect(result.turns).toBe(2);
    expect(provider.requests[2]?.messages).toEqual(provider.requests[1]?.messages);
    expect(env.path()).toEqual([
      'initializing>ready:INIT_OK', 'ready>running:START', 'running>error:FAIL', 'error>initializing:RECOVER',
      'initializing>ready:INIT_OK', 'ready>running:START', 'running>ready:TURN_DONE', 'ready>terminated:FINISH',
    ]);
    expect(env.transitions[2]).toMatchObject({ recoverable: true, backoffMs: 500, turn: 1, error: { code: 'PROVIDER_HTTP', details: { status: 500 } } });
    expect(env.transitions[3]).toMatchObject({ recoveries: 1 });
  });

  it('repeated failure exhausts maxRecoveries and terminates with AGENT_ERROR keeping the cause message', async () => {
    vi.useFakeTimers();
    const provider = new FakeProvider([httpFailure(503), httpFailure(503), httpFailure(503), answer('never')]);
    const env = fakeEnv({ providers: { tester: provider } });
    const run = runAgent(def({ recovery: { maxRecoveries: 2, backoffMs: 100 } }), 'x', env);
    const done = rejection(run);
    await vi.advanceTimersByTimeAsync(1000);
    const err = await done;
    expect(err.code).toBe(ErrorCode.AGENT_ERROR);
    expect(err.message).toContain('failed with HTTP 503: boom');
    expect(err.details).toMatchObject({ recoveries: 2, cause: { code: 'PROVIDER_HTTP' } });
    expect(provider.requests).toHaveLength(3);
    expect(env.path().filter((p) => p.endsWith('FAIL'))).toHaveLength(3);
    expect(env.path().filter((p) => p.endsWith('RECOVER'))).toHaveLength(2);
    expect(env.path().at(-1)).toBe('error>terminated:TERMINATE');
    expect(env.transitions.filter((t) => t.event === 'FAIL').map((t) => t.recoverable)).toEqual([true, true, false]);
  });

  it('does not recover from a non-retryable provider error (e.g. 401)', async () => {
    const provider = new FakeProvider([httpFailure(401, false)]);
    const env = fakeEnv({ providers: { tester: provider } });
    const err = await rejection(runAgent(def(), 'x', env));
    expect(err.code).toBe(ErrorCode.AGENT_ERROR);
    expect(env.path().slice(-2)).toEqual(['running>error:FAIL', 'error>terminated:TERMINATE']);
  });
});

describe('AgentSession: cancellation', () => {
  it('env.signal abort during a model call -> terminated with CANCELLED', async () => {
    const started = deferred();
    const provider = new FakeProvider([
      (req) =>
        new Promise((_, reject) => {
          started.resolve();
          req.signal.addEventListener('abort', () => reject(new Error('aborted by signal')));
        }),
    ]);
    const env = fakeEnv({ providers: { tester: provider } });
    const run = runAgent(def(), 'x', env);
    await started.promise;
    env.controller.abort(new Error('step timeout'));
    const err = await rejection(run);
    expect(err.code).toBe(ErrorCode.CANCELLED);
    expect(err.message).toContain('step timeout');
    expect(env.path().at(-1)).toBe('running>terminated:TERMINATE');
    expect(env.transitions.at(-1)).toMatchObject({ reason: 'step timeout', error: { code: 'CANCELLED' } });
  });

  it('abort during a tool call stops the loop without waiting for the tool', async () => {
    const provider = new FakeProvider([askTools([['slow.tool', {}]])]);
    const inTool = deferred();
    const env = fakeEnv({
      providers: { tester: provider },
      tools: {
        'slow.tool': () => {
          inTool.resolve();
          return new Promise(() => undefined);
        },
      },
    });
    const run = runAgent(def({ tools: ['slow.tool'] }), 'x', env);
    await inTool.promise;
    env.controller.abort();
    expect((await rejection(run)).code).toBe(ErrorCode.CANCELLED);
  });

  it('abort during the recovery backoff terminates from error', async () => {
    vi.useFakeTimers();
    const env = fakeEnv({ providers: { tester: new FakeProvider([httpFailure(500)]) } });
    const run = rejection(runAgent(def(), 'x', env));
    await vi.advanceTimersByTimeAsync(10);
    env.controller.abort();
    expect((await run).code).toBe(ErrorCode.CANCELLED);
    expect(env.path().slice(-2)).toEqual(['running>error:FAIL', 'error>terminated:TERMINATE']);
  });

  it('a signal aborted before the run terminates from initializing', async () => {
    const env = fakeEnv({ providers: { tester: new FakeProvider([]) } });
    env.controller.abort();
    expect((await rejection(runAgent(def(), 'x', env))).code).toBe(ErrorCode.CANCELLED);
    expect(env.path()).toEqual(['initializing>terminated:TERMINATE']);
  });

  it('terminate(reason) stops a paused run', async () => {
    const env = fakeEnv({ providers: { tester: new FakeProvider([answer('x')]) } });
    const session = new AgentSession(def(), env);
    await session.start();
    await session.pause();
    const run = rejection(session.run('x'));
    await settle();
    await session.terminate('operator stop');
    const err = await run;
    expect(err.code).toBe(ErrorCode.CANCELLED);
    expect(err.message).toBe('agent "tester" cancelled: operator stop');
    expect(session.state).toBe('terminated');
    expect(env.path().at(-1)).toBe('paused>terminated:TERMINATE');
  });

  it('terminate() outside a run goes straight to terminated', async () => {
    const env = fakeEnv({ providers: { tester: new FakeProvider([]) } });
    const session = new AgentSession(def(), env);
    await session.terminate('not needed');
    expect(env.path()).toEqual(['initializing>terminated:TERMINATE']);
    expect(env.transitions[0]).toMatchObject({ reason: 'not needed', error: { code: 'CANCELLED' } });
  });
});

describe('AgentSession: onTransition', () => {
  it('is awaited before the agent proceeds', async () => {
    const gate = deferred();
    const provider = new FakeProvider([answer('ok')]);
    const env = fakeEnv({
      providers: { tester: provider },
      onTransition: (t) => (t.event === 'START' ? gate.promise : undefined),
    });
    const run = runAgent(def(), 'x', env);
    await settle();
    expect(env.transitions.at(-1)?.event).toBe('START');
    expect(provider.requests).toHaveLength(0);
    gate.resolve();
    await run;
    expect(provider.requests).toHaveLength(1);
  });

  it('a throwing onTransition fails the run and still reaches terminated', async () => {
    const env = fakeEnv({
      providers: { tester: new FakeProvider([answer('ok')]) },
      onTransition: (t) => {
        if (t.event === 'START') throw new HookflowError(ErrorCode.HOOK_FAILED, 'state hook broke');
      },
    });
    const session = new AgentSession(def(), env);
    const err = await rejection(session.run('x'));
    expect(err.code).toBe(ErrorCode.HOOK_FAILED);
    expect(session.state).toBe('terminated');
    expect(env.path()).toEqual(['initializing>ready:INIT_OK', 'ready>running:START', 'running>error:FAIL', 'error>terminated:TERMINATE']);
  });
});
