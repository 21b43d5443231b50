/**
 * The per-hook circuit breaker, end to end on the fake clock: consecutive failures and timeouts,
 * failure: open/closed while failing and while open (and at continue-only points), cool-down →
 * half-open trial, breaker_open/breaker_close points, per-hook and global thresholds, the AbortSignal
 * timeout and the saved snapshots. The overhead rule: breaker-overhead.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_BREAKER, type HookContext, type HookRegistration } from '../../src/index.js';
import { dataOf, decided, echoSteps as steps, FAKE_TIMERS, hookHarness, settle, wf } from './support.js';

beforeEach(() => vi.useFakeTimers({ toFake: [...FAKE_TIMERS] }));
afterEach(() => vi.useRealTimers());

function throwing(id: string, extra: Partial<HookRegistration> = {}): HookRegistration & { calls: number } {
  const reg = {
    id,
    at: 'after_step' as const,
    calls: 0,
    run() {
      reg.calls++;
      throw new Error(`${id} broke`);
    },
    ...extra,
  };
  return reg;
}


describe('consecutive failures', () => {
  it(`open the breaker after ${DEFAULT_BREAKER.consecutiveFailures} (default); then the hook is skipped (failure: open) and the run goes on`, async () => {
    const h = hookHarness();
    const hook = throwing('brittle');
    h.engine.hooks.register(hook);
    const opened: HookContext[] = [];
    h.engine.hooks.register({ id: 'watch', at: 'breaker_open', run: (ctx) => void opened.push(ctx) });
    const r = await settle(h.run(steps(8)));
    expect(r.status).toBe('completed');
    expect(r.output).toBe(8);
    expect(hook.calls).toBe(5);
    expect(dataOf(h.events, 'hook.failed')).toHaveLength(5);
    expect(dataOf(h.events, 'breaker.opened')).toEqual([expect.objectContaining({ hookId: 'brittle', from: 'closed', reason: '5 consecutive failures (last: brittle broke)' })]);
    expect(opened.map((c) => c.metadata.hookId)).toEqual(['brittle']);
    const snap = h.engine.breakers().find((b) => b.hookId === 'brittle');
    expect(snap).toMatchObject({ state: 'open', calls: 5, failures: 5, consecutiveFailures: 5, opens: 1 });
  });

  it('a success resets the count', async () => {
    const h = hookHarness();
    let n = 0;
    h.engine.hooks.register({
      id: 'every-third-ok',
      at: 'after_step',
      breaker: { consecutiveFailures: 3 },
      run: () => {
        if (++n % 3 !== 0) throw new Error('no');
      },
    });
    const r = await settle(h.run(steps(9)));
    expect(r.status).toBe('completed');
    expect(n).toBe(9);
    expect(dataOf(h.events, 'breaker.opened')).toEqual([]);
  });

  it('timeouts count as failures; the hook sees ctx.signal aborted with a TIMEOUT reason', async () => {
    const h = hookHarness();
    const seen: Array<{ aborted: boolean; code: unknown }> = [];
    h.engine.hooks.register({
      id: 'slow',
      at: 'before_step',
      timeout: 50,
      breaker: { consecutiveFailures: 2 },
      run: (ctx) =>
        new Promise((resolve) => {
          ctx.signal.addEventListener('abort', () => {
            seen.push({ aborted: ctx.signal.aborted, code: (ctx.signal.reason as { code?: unknown }).code });
            resolve(undefined);
          });
        }),
    });
    const t0 = Date.now();
    const r = await settle(h.run(steps(4)));
    expect(r.status).toBe('completed');
    expect(seen).toEqual([
      { aborted: true, code: 'TIMEOUT' },
      { aborted: true, code: 'TIMEOUT' },
    ]);
    expect(dataOf(h.events, 'hook.failed').map((d) => (d.error as { code: string; message: string }).message)).toEqual(['hook "slow" timed out after 50 ms', 'hook "slow" timed out after 50 ms']);
    expect(dataOf(h.events, 'breaker.opened')[0]?.reason).toBe('2 consecutive failures (last: timeout)');
    // Two timed-out calls of 50 ms; the last two steps skip the open breaker at once.
    expect(Date.now() - t0).toBeLessThan(200);
  });

  it(`every call has a timeout: ${DEFAULT_BREAKER.timeoutMs} ms by default, even for a hook that ignores its signal`, async () => {
    const h = hookHarness();
    let started = 0;
    h.engine.hooks.register({ id: 'hangs', at: 'before_step', run: () => (started++, new Promise(() => undefined)) });
    const run = h.run(steps(1));
    await vi.advanceTimersByTimeAsync(DEFAULT_BREAKER.timeoutMs - 1);
    expect(started).toBe(1);
    expect(h.calls['test.echo']).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    const r = await settle(run);
    expect(r.output).toBe(1);
    expect(dataOf(h.events, 'hook.failed')[0]).toMatchObject({ hookId: 'hangs', error: { code: 'TIMEOUT' }, failure: 'open' });
  });
});

describe('failure: open | closed', () => {
  it('closed: a failing hook cancels the operation it guards (HOOK_CANCELLED, honouring onError)', async () => {
    const h = hookHarness();
    h.engine.hooks.register(throwing('guard', { at: 'before_tool', failure: 'closed' }));
    const r = await settle(
      h.run(wf(`steps:
  - { id: a, tool: test.echo, with: { value: 1 }, onError: continue }
  - { id: b, tool: test.echo, with: { value: "\${ steps.a.status & ' ' & steps.a.error.code }" } }
`)),
    );
    // b's own before_tool is cancelled too: the run fails there.
    expect(r.status).toBe('failed');
    expect(r.error?.code).toBe('HOOK_CANCELLED');
    expect(r.error?.message).toContain('hook "guard" failed and fails closed: guard broke');
    expect(h.calls['test.echo']).toBeUndefined();
    const steps = await h.engine.store.getSteps(r.runId);
    expect(steps.map((s) => `${s.path}:${s.status}`)).toEqual(['a:cancelled', 'b:cancelled']);
  });

  it('closed + open breaker: the operation is cancelled without calling the hook; open + open breaker: skipped', async () => {
    for (const failure of ['open', 'closed'] as const) {
      const h = hookHarness();
      const hook = throwing('guard', { at: 'before_step', failure, breaker: { consecutiveFailures: 1 } });
      h.engine.hooks.register(hook);
      const r = await settle(h.run(steps(3, '').replace('steps:\n', 'steps:\n').replace(/(s\d), tool/g, '$1, onError: continue, tool')));
      expect(hook.calls).toBe(1);
      const records = await h.engine.store.getSteps(r.runId);
      if (failure === 'open') {
        expect(records.map((s) => s.status)).toEqual(['completed', 'completed', 'completed']);
        expect(h.calls['test.echo']).toBe(3);
      } else {
        expect(records.map((s) => s.status)).toEqual(['cancelled', 'cancelled', 'cancelled']);
        expect(h.calls['test.echo']).toBeUndefined();
        const switchedOff = decided(h.events, 'before_step', 'guard').filter((d) => d.breaker === 'open');
        expect(switchedOff).toHaveLength(2);
        expect(records[1]?.error?.message).toContain('switched off by its circuit breaker and fails closed');
      }
    }
  });
});

describe('failure: closed where only continue is allowed', () => {
  const failingAt = (at: HookRegistration['at']): HookRegistration => ({
    id: 'strict',
    at,
    failure: 'closed',
    run: () => {
      throw new Error('observer broke');
    },
  });

  it('fork / join: the fork and its origin step are cancelled', async () => {
    for (const point of ['fork', 'join'] as const) {
      const h = hookHarness();
      h.engine.hooks.register({ id: 'spawn', at: 'after_step', match: { step: 's1' }, run: () => ({ action: 'fork', branches: [{ id: 'f', tool: 'test.echo', with: { value: 1 } }] }) });
      h.engine.hooks.register(failingAt(point));
      const r = await settle(h.run(steps(2)));
      expect(r.status).toBe('failed');
      expect(r.error).toMatchObject({ code: 'HOOK_CANCELLED' });
      expect(r.error?.message).toContain(`at ${point}: hook "strict" failed and fails closed: observer broke`);
    }
  });

  it('agent_state_change: the agent stops and its step is cancelled', async () => {
    const h = hookHarness();
    h.engine.hooks.register(failingAt('agent_state_change'));
    const r = await settle(
      h.run(wf(`steps:
  - { id: ag, agent: echo-agent, with: { prompt: hi } }
`)),
    );
    expect(r.status).toBe('failed');
    expect(r.error?.code).toBe('HOOK_CANCELLED');
    expect((await h.engine.store.getSteps(r.runId))[0]?.status).toBe('cancelled');
  });

  it('run_end: the run does not complete, it is cancelled', async () => {
    const h = hookHarness();
    h.engine.hooks.register(failingAt('run_end'));
    const r = await settle(h.run(steps(1)));
    expect(r.status).toBe('cancelled');
    expect(r.error?.message).toBe('cancelled by hook "strict" at run_end: hook "strict" failed and fails closed: observer broke');
  });

  it('run_resume: the resumed run is cancelled', async () => {
    const h = hookHarness();
    h.engine.hooks.register(failingAt('run_resume'));
    const first = await settle(h.run(wf(`steps:
  - { id: w, wait: { signal: go } }
`)));
    expect(first.status).toBe('suspended');
    const r = await settle(h.engine.signal(first.runId, 'go'));
    expect(r.status).toBe('cancelled');
    expect(r.error?.message).toContain('at run_resume');
  });

  it('after the fact (run_error, step_skip...): nothing is left to cancel; the failure is reported', async () => {
    const h = hookHarness();
    h.engine.hooks.register(failingAt(['run_error', 'step_skip']));
    const r = await settle(
      h.run(wf(`steps:
  - { id: off, when: "\${ false }", tool: test.echo }
  - { id: boom, tool: test.fail, with: { code: ORIGINAL } }
`)),
    );
    expect(r.status).toBe('failed');
    expect(r.error?.code).toBe('ORIGINAL');
    expect(dataOf(h.events, 'hook.failed').map((d) => d.point)).toEqual(['step_skip', 'run_error']);
  });
});

describe('cool-down and half-open', () => {
  const COOLING = (coolDown: string): string =>
    wf(`steps:
  - { id: s1, tool: test.echo, with: { value: 1 } }
  - { id: s2, tool: test.echo, with: { value: 2 } }
  - { id: pause, wait: ${coolDown} }
  - { id: s3, tool: test.echo, with: { value: 3 } }
  - { id: s4, tool: test.echo, with: { value: 4 } }
`);

  it(`after the cool-down (${DEFAULT_BREAKER.coolDownMs} ms by default) one trial call half-opens it; a fast success closes it`, async () => {
    const h = hookHarness();
    let calls = 0;
    h.engine.hooks.register({
      id: 'recovering',
      at: 'after_step',
      match: { step: 's*' },
      breaker: { consecutiveFailures: 1 },
      run: () => {
        if (++calls === 1) throw new Error('first call fails');
      },
    });
    const points: string[] = [];
    h.engine.hooks.register({ id: 'watch', at: ['breaker_open', 'breaker_close'], run: (ctx) => void points.push(`${ctx.point}:${String(ctx.metadata.hookId)}`) });
    const r = await settle(h.run(COOLING('30s')));
    expect(r.status).toBe('completed');
    // s1 fails → open; s2 skipped (open); 30 s later s3 is the trial → closed; s4 called normally.
    expect(calls).toBe(3);
    expect(dataOf(h.events, 'hook.decided').filter((d) => d.hookId === 'recovering').map((d) => d.path)).toEqual(['s3', 's4']);
    expect(h.events.filter((e) => e.type.startsWith('breaker.')).map((e) => `${e.type}:${String((e.data as { from: string }).from)}`)).toEqual([
      'breaker.opened:closed',
      'breaker.half_open:open',
      'breaker.closed:half_open',
    ]);
    expect(points).toEqual(['breaker_open:recovering', 'breaker_close:recovering']);
  });

  it('before the cool-down the hook stays skipped; a failing trial re-opens it', async () => {
    const h = hookHarness();
    let calls = 0;
    h.engine.hooks.register({
      id: 'still-broken',
      at: 'after_step',
      match: { step: 's*' },
      breaker: { consecutiveFailures: 1, coolDownMs: 10_000 },
      run: () => {
        calls++;
        throw new Error('still broken');
      },
    });
    const r = await settle(h.run(COOLING('9s')));
    expect(r.status).toBe('completed');
    expect(calls).toBe(1);
    const h2 = hookHarness();
    let calls2 = 0;
    h2.engine.hooks.register({
      id: 'still-broken',
      at: 'after_step',
      match: { step: 's*' },
      breaker: { consecutiveFailures: 1, coolDownMs: 10_000 },
      run: () => {
        calls2++;
        throw new Error('still broken');
      },
    });
    await settle(h2.run(COOLING('10s')));
    // s1 fails (open), s2 skipped, s3 is the trial and fails (open again), s4 skipped.
    expect(calls2).toBe(2);
    expect(h2.engine.breakers()[0]).toMatchObject({ hookId: 'still-broken', state: 'open', opens: 2, reason: 'trial call failed: still broken' });
  });
});

describe('thresholds: per hook and global', () => {
  it('createEngine({ breaker }) sets the defaults; a hook`s own breaker options override them', async () => {
    const h = hookHarness({ breaker: { consecutiveFailures: 2 } });
    const globalDefault = throwing('global-default');
    const own = throwing('own', { breaker: { consecutiveFailures: 4 } });
    h.engine.hooks.register(globalDefault);
    h.engine.hooks.register(own);
    await settle(h.run(steps(6)));
    expect(globalDefault.calls).toBe(2);
    expect(own.calls).toBe(4);
  });

  it('YAML breaker: and timeout: on a declared hook', async () => {
    const h = hookHarness();
    const r = await settle(
      h.run(wf(`hooks:
  - id: brittle
    module: ./modules/throws.mjs
    at: after_step
    breaker: { consecutiveFailures: 1, coolDownMs: 1h }
    timeout: 20ms
steps:
  - { id: s1, tool: test.echo, with: { value: 1 } }
  - { id: s2, tool: test.echo, with: { value: 2 } }
`)),
    );
    expect(r.status).toBe('completed');
    const snap = h.engine.breakers().find((b) => b.hookId === 'hooks-test:brittle');
    expect(snap).toMatchObject({ state: 'open', calls: 1, failures: 1 });
  });
});

describe('persistence', () => {
  it('breaker snapshots are saved in the store at run end (what `hookflow hooks status` shows)', async () => {
    const h = hookHarness();
    h.engine.hooks.register(throwing('brittle', { breaker: { consecutiveFailures: 1 } }));
    await settle(h.run(steps(2)));
    const saved = await h.engine.store.listMeta('breaker');
    expect(saved.map((m) => m.value)).toEqual([expect.objectContaining({ hookId: 'brittle', state: 'open', calls: 1, failures: 1, opens: 1 })]);
  });
});
