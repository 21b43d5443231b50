/**
 * Every hook point fires at its moment with the HookContext of hooks.md: {point, runId, correlationId,
 * workflow, step {id, path, kind, tool?, agent?}, attempt, input, output?, error?, vars, metadata,
 * signal}. A spy registered at every point records what each call saw; one test per point checks it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { HOOK_POINTS, type HookContext, type HookPoint, type RunResult } from '../../src/index.js';
import { hookHarness, wf, type HookHarness } from './support.js';

interface Seen {
  point: HookPoint;
  runId: string;
  correlationId: string;
  workflow: string;
  step: HookContext['step'];
  attempt: number;
  input: unknown;
  output: unknown;
  hasOutput: boolean;
  error: HookContext['error'];
  vars: Record<string, unknown>;
  metadata: Record<string, unknown>;
  signal: AbortSignal;
}

interface Scenario {
  h: HookHarness;
  seen: Seen[];
  results: RunResult[];
}

function spy(h: HookHarness): Seen[] {
  const seen: Seen[] = [];
  h.engine.hooks.register({
    id: 'spy',
    at: [...HOOK_POINTS],
    // A spy must never be switched off by the overhead rule on a loaded machine.
    breaker: { floorMs: 60_000 },
    run(ctx) {
      seen.push({
        point: ctx.point,
        runId: ctx.runId,
        correlationId: ctx.correlationId,
        workflow: ctx.workflow,
        step: ctx.step === undefined ? undefined : { ...ctx.step },
        attempt: ctx.attempt,
        input: structuredClone(ctx.input),
        output: structuredClone(ctx.output),
        hasOutput: ctx.output !== undefined,
        error: ctx.error,
        vars: { ...ctx.vars },
        metadata: { ...ctx.metadata },
        signal: ctx.signal,
      });
    },
  });
  return seen;
}

const MAIN = wf(`vars: { counter: 0 }
steps:
  - id: a
    tool: test.add
    with: { a: 1, b: 2 }
  - id: flaky
    tool: test.flaky
    with: { key: f, failures: 1, value: ok }
    retry: { attempts: 2, delay: 0 }
  - id: never
    when: \${ false }
    tool: test.echo
  - id: mark
    set: { counter: 5 }
  - id: par
    parallel:
      - id: p1
        tool: test.echo
        with: { value: one }
  - id: cond
    if: \${ true }
    then:
      - id: t
        tool: test.echo
        with: { value: then }
  - id: l
    loop:
      forEach: \${ ['x'] }
      steps:
        - id: body
          tool: test.echo
          with: { value: "\${ item }" }
  - id: ag
    agent: hook-agent
    with: { prompt: hello }
  - id: shaky
    agent: shaky-agent
    with: { prompt: hello }
  - id: w
    wait: { signal: go }
  - id: last
    tool: test.echo
    with: { value: "\${ steps.w.output }" }
`, 'ctx-main');

const scenarios: Record<string, Scenario> = {};

beforeAll(async () => {
  // main: every step, pattern, tool, agent and state point; suspends, then resumes on a signal.
  {
    const h = hookHarness();
    const seen = spy(h);
    h.engine.hooks.register({
      id: 'fanout',
      at: 'after_step',
      match: { step: 'a' },
      run: () => ({ action: 'fork', branches: [{ id: 'f1', tool: 'test.echo', with: { value: 'forked' } }] }),
    });
    const first = await h.run(MAIN, { who: 'ada' });
    const second = await h.engine.signal(first.runId, 'go', { ok: 1 });
    await h.engine.bus.drain();
    scenarios.main = { h, seen, results: [first, second] };
  }
  // failing: step_error, tool_error, run_error, breaker_open/close.
  {
    const h = hookHarness();
    const seen = spy(h);
    let calls = 0;
    h.engine.hooks.register({
      id: 'brittle',
      at: 'after_step',
      // The trial call must count as fast even on a loaded machine, so it closes the breaker.
      breaker: { consecutiveFailures: 1, coolDownMs: 0, floorMs: 60_000 },
      run: () => {
        if (++calls === 1) throw new Error('brittle once');
      },
    });
    const r = await h.run(wf(`steps:
  - id: one
    tool: test.echo
    with: { value: 1 }
  - id: two
    tool: test.echo
    with: { value: 2 }
  - id: boom
    tool: test.fail
    with: { code: E_BOOM, message: kaboom }
`, 'ctx-fail'));
    scenarios.fail = { h, seen, results: [r] };
  }
  // budget: budget_exceeded, fired by the cost built-in when the run's cost passes its budget.
  {
    const h = hookHarness();
    const seen = spy(h);
    const r = await h.run(wf(`hooks:
  - id: spend
    use: cost
    with: { budget: { perRun: 0.000001 } }
steps:
  - id: ag
    agent: hook-agent
    with: { prompt: hello }
`, 'ctx-budget'));
    scenarios.budget = { h, seen, results: [r] };
  }
  // cancelled: run_cancel.
  {
    const h = hookHarness();
    const seen = spy(h);
    const r = await h.run(wf(`steps:
  - id: a
    tool: test.echo
    with: { value: 1 }
`, 'ctx-cancel'), {}, { signal: AbortSignal.abort(new Error('caller gave up')) });
    scenarios.cancel = { h, seen, results: [r] };
  }
});

/**
 * Whether the spy's first decision at `point` was journaled before the first event of `type`
 * (`hook.decided` is emitted when the hook returns, so this pins the moment the point fired).
 */
function firedBefore(s: Scenario, point: HookPoint, type: string): boolean {
  const seqOf = (pred: (e: (typeof s.h.events)[number]) => boolean): number => s.h.events.find(pred)?.seq ?? Number.NaN;
  const hook = seqOf((e) => e.type === 'hook.decided' && (e.data as { hookId: string; point: string }).hookId === 'spy' && (e.data as { point: string }).point === point);
  const other = seqOf((e) => e.type === type);
  return hook < other;
}

function at(s: Scenario, point: HookPoint): Seen[] {
  return s.seen.filter((x) => x.point === point);
}

/** Which scenario fires each point. */
const WHERE = Object.fromEntries(HOOK_POINTS.map((p) => [p, 'main'])) as Record<HookPoint, string>;
Object.assign(WHERE, { step_error: 'fail', tool_error: 'fail', run_error: 'fail', breaker_open: 'fail', breaker_close: 'fail', run_cancel: 'cancel', budget_exceeded: 'budget' });

function common(s: Scenario, x: Seen): void {
  const runId = s.results[0]?.runId as string;
  expect(x.runId).toBe(runId);
  expect(x.correlationId).toBe(runId);
  expect(x.workflow).toMatch(/^ctx-/);
  expect(x.signal).toBeInstanceOf(AbortSignal);
  expect(typeof x.attempt).toBe('number');
  expect(x.attempt).toBeGreaterThanOrEqual(1);
  expect(x.metadata).toBeTypeOf('object');
  expect(x.vars).toBeTypeOf('object');
}

/** The checks of each point, on the contexts recorded there (in call order). */
const CHECKS: Record<HookPoint, (list: Seen[], s: Scenario) => void> = {
  run_start: ([x], s) => {
    expect(x?.step).toBeUndefined();
    expect(x?.input).toEqual({ who: 'ada' });
    expect(x?.vars).toEqual({ counter: 0 });
    expect(firedBefore(s, 'run_start', 'run.started')).toBe(true);
  },
  run_end: ([x], s) => {
    expect(x?.output).toEqual({ ok: 1 });
    expect(x?.vars).toEqual({ counter: 5 });
    expect(firedBefore(s, 'run_end', 'run.completed')).toBe(true);
  },
  run_error: ([x], s) => {
    expect(x?.error).toMatchObject({ code: 'E_BOOM', message: 'kaboom', step: 'boom' });
    expect(firedBefore(s, 'run_error', 'run.failed')).toBe(true);
  },
  run_suspend: ([x], s) => {
    expect(x?.metadata.waiting).toEqual([{ path: 'w', signal: 'go', deadline: null }]);
    expect(firedBefore(s, 'run_suspend', 'run.suspended')).toBe(true);
  },
  run_resume: ([x]) => {
    expect(x?.metadata.from).toBe('suspended');
    expect(x?.input).toEqual({ who: 'ada' });
    expect(x?.vars).toEqual({ counter: 5 });
  },
  run_cancel: ([x]) => {
    expect(x?.metadata.reason).toBe('cancelled by the caller');
    expect(x?.signal.aborted).toBe(true);
  },
  before_step: (list) => {
    const a = list.find((x) => x.step?.path === 'a');
    expect(a?.step).toEqual({ id: 'a', path: 'a', kind: 'tool', tool: 'test.add' });
    expect(a?.input).toEqual({ a: 1, b: 2 });
    expect(a?.hasOutput).toBe(false);
    expect(a?.attempt).toBe(1);
    expect(list.find((x) => x.step?.path === 'ag')?.step).toEqual({ id: 'ag', path: 'ag', kind: 'agent', agent: 'hook-agent' });
    expect(list.find((x) => x.step?.path === 'par')?.step).toEqual({ id: 'par', path: 'par', kind: 'parallel' });
    // Nested paths: branch, chosen list, iteration, fork branch.
    const paths = list.map((x) => x.step?.path);
    expect(paths).toEqual(expect.arrayContaining(['par/p1', 'cond/t', 'l[0]/body', 'a#fork[0]/f1']));
  },
  after_step: (list) => {
    const a = list.find((x) => x.step?.path === 'a');
    expect(a?.output).toBe(3);
    expect(a?.input).toEqual({ a: 1, b: 2 });
    const mark = list.find((x) => x.step?.path === 'mark');
    expect(mark?.output).toEqual({ counter: 5 });
    expect(mark?.vars).toEqual({ counter: 5 });
    const flaky = list.find((x) => x.step?.path === 'flaky');
    expect(flaky?.attempt).toBe(2);
  },
  step_error: (list) => {
    const x = list.find((y) => y.step?.path === 'boom');
    expect(x?.step).toEqual({ id: 'boom', path: 'boom', kind: 'tool', tool: 'test.fail' });
    expect(x?.error).toMatchObject({ code: 'E_BOOM', message: 'kaboom' });
    expect(x?.input).toEqual({ code: 'E_BOOM', message: 'kaboom' });
  },
  step_retry: ([x]) => {
    expect(x?.step?.path).toBe('flaky');
    expect(x?.attempt).toBe(1);
    expect(x?.error?.code).toBe('FLAKY');
    expect(x?.metadata).toMatchObject({ delayMs: 0, reason: 'policy' });
  },
  step_skip: ([x]) => {
    expect(x?.step).toEqual({ id: 'never', path: 'never', kind: 'tool', tool: 'test.echo' });
    expect(x?.metadata).toMatchObject({ reason: 'when guard is false', cause: 'when' });
  },
  before_branch: ([x]) => {
    expect(x?.step).toEqual({ id: 'p1', path: 'par/p1', kind: 'tool' });
    // The branch's arguments: what a modify patches.
    expect(x?.input).toEqual({ value: 'one' });
    expect(x?.metadata).toEqual({ branch: 'p1', index: 0 });
  },
  after_branch: ([x]) => {
    expect(x?.step?.path).toBe('par/p1');
    expect(x?.output).toBe('one');
  },
  before_condition: ([x]) => {
    expect(x?.step).toEqual({ id: 'cond', path: 'cond', kind: 'if' });
    expect(x?.input).toEqual({ kind: 'if', branches: ['then'] });
  },
  after_condition: ([x]) => {
    expect(x?.step?.path).toBe('cond');
    expect(x?.output).toEqual({ branch: 'then', value: true });
  },
  before_iteration: ([x]) => {
    expect(x?.step).toEqual({ id: 'l', path: 'l[0]', kind: 'loop' });
    expect(x?.input).toEqual({ item: 'x', index: 0 });
    expect(x?.metadata).toEqual({ index: 0 });
  },
  after_iteration: ([x]) => {
    expect(x?.step?.path).toBe('l[0]');
    expect(x?.output).toBe('x');
  },
  fork: ([x], s) => {
    expect(x?.step).toEqual({ id: 'a', path: 'a', kind: 'fork' });
    expect(x?.metadata).toEqual({ count: 1, join: 'wait', hookId: 'fanout' });
    expect(firedBefore(s, 'fork', 'branch.forked')).toBe(false);
    expect(firedBefore(s, 'fork', 'step.completed')).toBe(true);
  },
  join: ([x]) => {
    expect(x?.step?.path).toBe('a');
    expect(x?.output).toEqual(['forked']);
  },
  before_tool: (list) => {
    const a = list.find((x) => x.step?.path === 'a');
    expect(a?.step).toEqual({ id: 'a', path: 'a', kind: 'tool', tool: 'test.add' });
    expect(a?.input).toEqual({ a: 1, b: 2 });
    // A tool called by an agent turn: the agent's step, the tool's name, the turn in metadata.
    const fromAgent = list.find((x) => x.step?.path === 'ag');
    expect(fromAgent?.step).toMatchObject({ id: 'ag', kind: 'agent', agent: 'hook-agent', tool: 'test.echo' });
    expect(fromAgent?.input).toEqual({ value: 'from-agent' });
    expect(fromAgent?.metadata).toMatchObject({ agent: 'hook-agent' });
  },
  after_tool: (list) => {
    expect(list.find((x) => x.step?.path === 'a')?.output).toBe(3);
  },
  tool_error: (list) => {
    const x = list.find((y) => y.step?.path === 'boom');
    expect(x?.step?.tool).toBe('test.fail');
    expect(x?.error).toMatchObject({ code: 'E_BOOM' });
  },
  agent_state_change: (list) => {
    const mine = list.filter((x) => x.step?.path === 'ag');
    expect(mine[0]?.step).toMatchObject({ id: 'ag', kind: 'agent', agent: 'hook-agent' });
    expect(mine.map((x) => `${String(x.metadata.from)}>${String(x.metadata.to)}`)).toEqual(
      expect.arrayContaining(['initializing>ready', 'ready>running', 'running>ready', 'ready>terminated']),
    );
  },
  before_agent: (list) => {
    const x = list.find((y) => y.step?.path === 'ag');
    expect(x?.input).toEqual({ prompt: 'hello' });
    expect(x?.metadata).toEqual({ agent: 'hook-agent' });
  },
  after_agent: (list) => {
    const x = list.find((y) => y.step?.path === 'ag');
    expect(x?.output).toEqual({ answer: 42, tone: 'plain' });
    expect(x?.metadata).toMatchObject({ agent: 'hook-agent', turns: 2 });
  },
  agent_error: ([x]) => {
    expect(x?.step).toMatchObject({ id: 'shaky', agent: 'shaky-agent' });
    expect(x?.metadata).toMatchObject({ to: 'error', event: 'FAIL', recoverable: true });
    expect((x?.metadata.error as { code: string }).code).toBe('PROVIDER_HTTP');
  },
  before_state_save: (list) => {
    expect(list.length).toBeGreaterThan(0);
    const x = list[0] as Seen;
    expect(x.step).toBeUndefined();
    const batch = x.input as { events: Array<{ type: string }>; run: { lastSeq: number } };
    expect(batch.events.map((e) => e.type)).toContain('run.started');
    expect(batch.run.lastSeq).toBeGreaterThan(0);
  },
  after_state_save: (list) => {
    const x = list[0] as Seen;
    expect((x.input as { events: unknown[] }).events.length).toBeGreaterThan(0);
    expect(x.output).toMatchObject({ seq: expect.any(Number) });
  },
  state_restore: ([x], s) => {
    expect(x?.metadata.steps).toBeGreaterThan(5);
    expect(firedBefore(s, 'state_restore', 'run.resumed')).toBe(true);
  },
  breaker_open: ([x]) => {
    expect(x?.metadata).toMatchObject({ hookId: 'brittle', from: 'closed' });
    expect(String(x?.metadata.reason)).toContain('1 consecutive failures');
  },
  breaker_close: ([x]) => {
    expect(x?.metadata).toMatchObject({ hookId: 'brittle', from: 'half_open', reason: 'trial call succeeded' });
  },
  budget_exceeded: ([x]) => {
    expect(x?.step).toBeUndefined();
    expect(x?.metadata).toMatchObject({ hookId: 'spend', scope: 'run', budget: 0.000001, currency: 'USD' });
    expect(x?.metadata.usd).toBeGreaterThan(0.000001);
  },
};

describe('HookContext at every point', () => {
  it('the scenarios ran as expected', () => {
    expect(scenarios.main?.results.map((r) => r.status)).toEqual(['suspended', 'completed']);
    expect(scenarios.fail?.results[0]?.status).toBe('failed');
    expect(scenarios.cancel?.results[0]?.status).toBe('cancelled');
    expect(scenarios.budget?.results[0]?.error?.code).toBe('BUDGET_EXCEEDED');
  });

  it.each([...HOOK_POINTS])('%s', (point) => {
    const s = scenarios[WHERE[point]] as Scenario;
    const list = at(s, point);
    expect(list.length, `${point} never fired`).toBeGreaterThan(0);
    for (const x of list) {
      expect(x.point).toBe(point);
      common(s, x);
    }
    CHECKS[point](list, s);
  });
});
