/**
 * The result × point matrix of hooks.md, end to end from YAML: for every pair allowed by
 * isActionAllowed there is one case — a workflow in which the point fires, a rule hook (`do:`) that
 * returns the action there, and an assertion that the engine really carried the action out.
 * The pairs are generated from HOOK_POINTS × HOOK_ACTIONS; a pair without a case is listed in
 * `untested`, which must be empty.
 */
import { describe, expect, it } from 'vitest';
import { HOOK_ACTIONS, HOOK_POINTS, isActionAllowed, type EngineOptions, type HookAction, type HookPoint, type RunResult, type StepRecord } from '../../src/index.js';
import { dataOf, decided, hookHarness, stepEvent, wf, type HookHarness } from './support.js';

interface Ctx {
  r: RunResult;
  h: HookHarness;
  steps: Map<string, StepRecord>;
}

interface Case {
  /** The rule body, as YAML flow (`{ modify: { patch: { a: 10 } } }`). */
  do: string;
  check(c: Ctx): void | Promise<void>;
}

interface PointFixture {
  /** Workflow body (after the header) around the `hooks:` list item(s). */
  workflow(hooks: string): string;
  match?: string;
  when?: string;
  input?: unknown;
  options?: EngineOptions;
  /** Hooks besides the one under test that the point needs (e.g. a fork to join). */
  extraHooks?: string;
  /** Runs the workflow (default: one run); resume scenarios drive suspend + signal here. */
  drive?: (h: HookHarness, yaml: string, input: unknown) => Promise<RunResult>;
  /** What an undisturbed run looks like; `continue` must leave exactly this. */
  baseline(c: Ctx): void | Promise<void>;
  cases: Partial<Record<Exclude<HookAction, 'continue'>, Case>>;
}

const ADD_THEN_ECHO = (hooks: string): string =>
  wf(`hooks:
${hooks}
steps:
  - id: a
    tool: test.add
    with: { a: 1, b: 2 }
  - id: b
    tool: test.echo
    with: { value: "\${ steps.a.output }" }
  - id: c
    tool: test.echo
    with: { value: "\${ 'c saw ' & $string(steps.a.output) }" }
`);

const ECHO_OBJECT = (hooks: string): string =>
  wf(`hooks:
${hooks}
steps:
  - id: a
    tool: test.echo
    with: { value: { v: 1 } }
  - id: b
    tool: test.echo
    with: { value: "\${ steps.a.output }" }
  - id: c
    tool: test.echo
    with: { value: "\${ steps.b.output }" }
`);

const FORK_ONE = `{ fork: { branches: [ { id: f1, tool: test.echo, with: { value: forked } } ] } }`;

const completed = (c: Ctx, output: unknown): void => {
  expect(c.r.error).toBeNull();
  expect(c.r.status).toBe('completed');
  expect(c.r.output).toEqual(output);
};

const hookCancelled = (c: Ctx, path: string): void => {
  expect(c.r.status).toBe('failed');
  expect(c.r.error?.code).toBe('HOOK_CANCELLED');
  expect(c.r.error?.message).toContain('cancelled by hook "h"');
  expect(c.steps.get(path)?.status).toBe('cancelled');
};

const suspendThenSignal = async (h: HookHarness, yaml: string, input: unknown): Promise<RunResult> => {
  const first = await h.run(yaml, input);
  expect(first.status).toBe('suspended');
  const r = await h.engine.signal(first.runId, 'go', { ok: true });
  await h.engine.bus.drain();
  return r;
};

const RESUMABLE = (hooks: string): string =>
  wf(`hooks:
${hooks}
steps:
  - id: a
    tool: test.echo
    with: { value: before }
  - id: w
    wait: { signal: go }
  - id: b
    tool: test.echo
    with: { value: "\${ steps.w.output }" }
`);

const AGENT = (agent: string) => (hooks: string): string =>
  wf(`hooks:
${hooks}
steps:
  - id: ag
    agent: ${agent}
    with: { prompt: hello }
  - id: ag2
    agent: ${agent}
    with: { prompt: hello }
`);

const agentRuns = (c: Ctx): number => dataOf(c.h.events, 'agent.state').filter((d) => d.event === 'INIT_OK').length;

const FIXTURES: Record<HookPoint, PointFixture> = {
  run_start: {
    workflow: (hooks) =>
      wf(`hooks:
${hooks}
steps:
  - id: a
    tool: test.echo
    with: { value: "\${ input.n }" }
`),
    input: { n: 1 },
    baseline: (c) => completed(c, 1),
    cases: {
      modify: { do: '{ modify: { patch: { n: 5 } } }', check: (c) => completed(c, 5) },
      cancel: {
        do: '{ cancel: not today }',
        check: (c) => {
          expect(c.r.status).toBe('cancelled');
          expect(c.r.error?.code).toBe('CANCELLED');
          expect(c.r.error?.message).toContain('not today');
          expect(c.h.calls['test.echo']).toBeUndefined();
        },
      },
    },
  },
  run_end: {
    workflow: ADD_THEN_ECHO,
    baseline: (c) => completed(c, 'c saw 3'),
    cases: {},
  },
  run_error: {
    workflow: (hooks) =>
      wf(`hooks:
${hooks}
steps:
  - id: a
    tool: test.fail
    with: { code: E_X }
`),
    baseline: (c) => {
      expect(c.r.status).toBe('failed');
      expect(c.r.error?.code).toBe('E_X');
    },
    cases: {},
  },
  run_suspend: {
    workflow: RESUMABLE,
    baseline: (c) => {
      expect(c.r.status).toBe('suspended');
      expect(c.steps.get('w')?.status).toBe('suspended');
    },
    cases: {},
  },
  run_resume: {
    workflow: RESUMABLE,
    drive: suspendThenSignal,
    baseline: (c) => completed(c, { ok: true }),
    cases: {},
  },
  run_cancel: {
    workflow: RESUMABLE,
    drive: async (h, yaml) => {
      const first = await h.run(yaml);
      expect(first.status).toBe('suspended');
      // Resume it with a signal that is already aborted: the run is cancelled while it runs again.
      const r = await h.engine.resume(first.runId, { signal: AbortSignal.abort(new Error('stop')) });
      await h.engine.bus.drain();
      return r;
    },
    baseline: (c) => {
      expect(c.r.status).toBe('cancelled');
      expect(c.r.error?.code).toBe('CANCELLED');
    },
    cases: {},
  },
  before_step: {
    workflow: ADD_THEN_ECHO,
    match: '{ step: a }',
    baseline: (c) => {
      completed(c, 'c saw 3');
      expect(c.h.calls['test.add']).toBe(1);
    },
    cases: {
      modify: { do: '{ modify: { patch: { a: 10 } } }', check: (c) => completed(c, 'c saw 12') },
      cancel: { do: '{ cancel: no adding }', check: (c) => (hookCancelled(c, 'a'), expect(c.h.calls['test.add']).toBeUndefined()) },
      redirect: {
        do: '{ redirect: { to: c } }',
        check: (c) => {
          completed(c, 'c saw null');
          expect(c.h.calls['test.add']).toBeUndefined();
          expect(c.steps.get('a')?.status).toBe('skipped');
          expect(c.steps.has('b')).toBe(false);
          expect(c.h.calls['test.echo']).toBe(1);
        },
      },
      replace: {
        do: '{ replace: { value: 40 } }',
        check: (c) => {
          completed(c, 'c saw 40');
          expect(c.h.calls['test.add']).toBeUndefined();
          expect(c.steps.get('a')?.status).toBe('completed');
        },
      },
      fork: {
        do: FORK_ONE,
        check: (c) => {
          completed(c, 'c saw 3');
          expect(c.steps.get('a')?.effects?.forks).toEqual(['forked']);
          expect(c.steps.get('a#fork[0]/f1')?.status).toBe('completed');
        },
      },
      cache: {
        do: '{ cache: { key: k1, ttl: 1m } }',
        check: (c) => {
          expect(c.r.status).toBe('completed');
          expect(c.r.output).toBe('c saw 3');
          // The workflow runs twice on one engine: the second run's step a is served from the cache.
          expect(c.h.calls['test.add']).toBe(1);
          expect(dataOf(c.h.events, 'step.cached').map((d) => d.path)).toEqual(['a']);
        },
      },
      skip: {
        do: '{ skip: not needed }',
        check: (c) => {
          completed(c, 'c saw null');
          expect(c.h.calls['test.add']).toBeUndefined();
          expect(c.steps.get('a')?.status).toBe('skipped');
          expect(c.steps.get('a')?.output).toBeNull();
          expect(stepEvent(c.h.events, 'step.skipped', 'a')?.reason).toBe('not needed');
        },
      },
    },
  },
  after_step: {
    workflow: ECHO_OBJECT,
    match: '{ step: a }',
    baseline: (c) => completed(c, { v: 1 }),
    cases: {
      modify: { do: '{ modify: { patch: { extra: 1 } } }', check: (c) => completed(c, { v: 1, extra: 1 }) },
      redirect: {
        do: '{ redirect: { to: c } }',
        check: (c) => {
          completed(c, null);
          expect(c.steps.get('a')?.status).toBe('completed');
          expect(c.steps.has('b')).toBe(false);
        },
      },
      replace: {
        do: '{ replace: { value: swapped } }',
        check: (c) => {
          completed(c, 'swapped');
          expect(c.h.calls['test.echo']).toBe(3);
        },
      },
      retry: {
        do: '{ retry: { attempts: 2 } }',
        check: (c) => {
          completed(c, { v: 1 });
          expect(c.h.calls['test.echo']).toBe(3 + 2);
          expect(c.steps.get('a')?.attempt).toBe(3);
          expect(dataOf(c.h.events, 'step.retrying').filter((d) => d.path === 'a')).toHaveLength(2);
        },
      },
      fork: {
        do: FORK_ONE,
        check: (c) => {
          completed(c, { v: 1 });
          expect(c.steps.get('a')?.effects?.forks).toEqual(['forked']);
        },
      },
    },
  },
  step_error: {
    workflow: (hooks) =>
      wf(`hooks:
${hooks}
steps:
  - id: a
    tool: test.flaky
    with: { key: a, failures: 1, value: recovered }
`),
    match: '{ step: a }',
    baseline: (c) => {
      expect(c.r.status).toBe('failed');
      expect(c.r.error?.message).toContain('flaky failure 1');
    },
    cases: {
      retry: {
        do: '{ retry: { attempts: 1 } }',
        check: (c) => {
          completed(c, 'recovered');
          expect(c.h.calls['test.flaky']).toBe(2);
        },
      },
    },
  },
  step_retry: {
    workflow: (hooks) =>
      wf(`hooks:
${hooks}
steps:
  - id: a
    tool: test.flaky
    with: { key: a, failures: 1, value: recovered }
    retry: { attempts: 2, delay: 0 }
`),
    baseline: (c) => {
      completed(c, 'recovered');
      expect(c.h.calls['test.flaky']).toBe(2);
    },
    cases: {},
  },
  step_skip: {
    workflow: (hooks) =>
      wf(`hooks:
${hooks}
steps:
  - id: a
    when: \${ false }
    tool: test.echo
    with: { value: never }
  - id: b
    tool: test.echo
    with: { value: "\${ steps.a.status }" }
`),
    baseline: (c) => completed(c, 'skipped'),
    cases: {},
  },
  before_branch: {
    workflow: (hooks) =>
      wf(`hooks:
${hooks}
steps:
  - id: par
    parallel:
      - id: p1
        tool: test.add
        with: { a: 1, b: 2 }
      - id: p2
        tool: test.echo
        with: { value: two }
`),
    match: '{ step: p1 }',
    baseline: (c) => completed(c, { p1: 3, p2: 'two' }),
    cases: {
      modify: { do: '{ modify: { patch: { a: 10 } } }', check: (c) => completed(c, { p1: 12, p2: 'two' }) },
      cancel: {
        do: '{ cancel: no branch }',
        check: (c) => {
          expect(c.r.status).toBe('failed');
          expect(c.r.error?.code).toBe('HOOK_CANCELLED');
          expect(c.h.calls['test.add']).toBeUndefined();
          expect(c.steps.get('par')?.status).toBe('cancelled');
        },
      },
    },
  },
  after_branch: {
    workflow: (hooks) =>
      wf(`hooks:
${hooks}
steps:
  - id: par
    parallel:
      - id: p1
        tool: test.echo
        with: { value: { v: 1 } }
      - id: p2
        tool: test.echo
        with: { value: two }
`),
    match: '{ step: p1 }',
    baseline: (c) => completed(c, { p1: { v: 1 }, p2: 'two' }),
    cases: {
      modify: { do: '{ modify: { patch: { extra: 1 } } }', check: (c) => completed(c, { p1: { v: 1, extra: 1 }, p2: 'two' }) },
      replace: { do: '{ replace: { value: swapped } }', check: (c) => completed(c, { p1: 'swapped', p2: 'two' }) },
    },
  },
  before_condition: {
    workflow: (hooks) =>
      wf(`hooks:
${hooks}
steps:
  - id: cond
    if: \${ input.flag }
    then:
      - id: t
        tool: test.echo
        with: { value: then }
    else:
      - id: e
        tool: test.echo
        with: { value: else }
`),
    input: { flag: true },
    baseline: (c) => completed(c, 'then'),
    cases: {
      modify: { do: '{ modify: { patch: { branch: else } } }', check: (c) => completed(c, 'else') },
      cancel: { do: '{ cancel: undecided }', check: (c) => (hookCancelled(c, 'cond'), expect(c.h.calls['test.echo']).toBeUndefined()) },
    },
  },
  after_condition: {
    workflow: (hooks) =>
      wf(`hooks:
${hooks}
steps:
  - id: cond
    if: \${ input.flag }
    then:
      - id: t
        tool: test.echo
        with: { value: then }
    else:
      - id: e
        tool: test.echo
        with: { value: else }
`),
    input: { flag: true },
    baseline: (c) => completed(c, 'then'),
    cases: {
      modify: { do: '{ modify: { patch: { branch: else } } }', check: (c) => completed(c, 'else') },
      cancel: { do: '{ cancel: undecided }', check: (c) => (hookCancelled(c, 'cond'), expect(c.h.calls['test.echo']).toBeUndefined()) },
      redirect: {
        do: '{ redirect: { to: e } }',
        check: (c) => {
          completed(c, 'else');
          expect(c.steps.has('cond/t')).toBe(false);
          expect(c.steps.get('cond/e')?.status).toBe('completed');
        },
      },
      replace: {
        do: '{ replace: { value: neither } }',
        check: (c) => {
          completed(c, 'neither');
          expect(c.h.calls['test.echo']).toBeUndefined();
        },
      },
    },
  },
  before_iteration: {
    workflow: (hooks) =>
      wf(`hooks:
${hooks}
steps:
  - id: l
    loop:
      forEach: \${ [1, 2, 3] }
      steps:
        - id: body
          tool: test.echo
          with: { value: "\${ item }" }
`),
    when: '${ metadata.index = 1 }',
    baseline: (c) => completed(c, [1, 2, 3]),
    cases: {
      modify: { do: '{ modify: { patch: { item: 20 } } }', check: (c) => completed(c, [1, 20, 3]) },
      cancel: {
        do: '{ cancel: stop here }',
        check: (c) => {
          hookCancelled(c, 'l');
          expect(c.h.calls['test.echo']).toBe(1);
        },
      },
      skip: {
        do: '{ skip: not this one }',
        check: (c) => {
          completed(c, [1, null, 3]);
          expect(c.h.calls['test.echo']).toBe(2);
          expect(c.steps.has('l[1]/body')).toBe(false);
        },
      },
    },
  },
  after_iteration: {
    workflow: (hooks) =>
      wf(`hooks:
${hooks}
steps:
  - id: l
    loop:
      forEach: \${ [1, 2, 3] }
      steps:
        - id: body
          tool: test.echo
          with: { value: { v: "\${ item }" } }
  - id: after
    tool: test.echo
    with: { value: { out: "\${ steps.l.output }", forks: "\${ steps.l.forks }" } }
`),
    when: '${ metadata.index = 1 }',
    baseline: (c) => completed(c, { out: [{ v: 1 }, { v: 2 }, { v: 3 }], forks: null }),
    cases: {
      modify: { do: '{ modify: { patch: { extra: true } } }', check: (c) => completed(c, { out: [{ v: 1 }, { v: 2, extra: true }, { v: 3 }], forks: null }) },
      replace: { do: '{ replace: { value: swapped } }', check: (c) => completed(c, { out: [{ v: 1 }, 'swapped', { v: 3 }], forks: null }) },
      fork: {
        do: FORK_ONE,
        check: (c) => {
          completed(c, { out: [{ v: 1 }, { v: 2 }, { v: 3 }], forks: ['forked'] });
          expect(c.steps.get('l[1]#fork[0]/f1')?.status).toBe('completed');
        },
      },
    },
  },
  fork: {
    workflow: ADD_THEN_ECHO,
    extraHooks: `  - id: spawn
    at: after_step
    match: { step: a }
    do: ${FORK_ONE}`,
    baseline: (c) => {
      completed(c, 'c saw 3');
      expect(c.steps.get('a')?.effects?.forks).toEqual(['forked']);
    },
    cases: {},
  },
  join: {
    workflow: ADD_THEN_ECHO,
    extraHooks: `  - id: spawn
    at: after_step
    match: { step: a }
    do: ${FORK_ONE}`,
    baseline: (c) => {
      completed(c, 'c saw 3');
      expect(c.steps.get('a')?.effects?.forks).toEqual(['forked']);
    },
    cases: {},
  },
  before_tool: {
    workflow: ADD_THEN_ECHO,
    match: '{ tool: test.add }',
    baseline: (c) => completed(c, 'c saw 3'),
    cases: {
      modify: { do: '{ modify: { patch: { b: 20 } } }', check: (c) => completed(c, 'c saw 21') },
      cancel: { do: '{ cancel: no tools }', check: (c) => (hookCancelled(c, 'a'), expect(c.h.calls['test.add']).toBeUndefined()) },
      replace: {
        do: '{ replace: { value: 7 } }',
        check: (c) => {
          completed(c, 'c saw 7');
          expect(c.h.calls['test.add']).toBeUndefined();
        },
      },
      cache: {
        do: '{ cache: { ttl: 1m } }',
        check: (c) => {
          expect(c.r.output).toBe('c saw 3');
          expect(c.h.calls['test.add']).toBe(1);
          expect(dataOf(c.h.events, 'step.cached').map((d) => d.tool)).toEqual(['test.add']);
        },
      },
      skip: {
        do: '{ skip: tool not needed }',
        check: (c) => {
          completed(c, 'c saw null');
          expect(c.h.calls['test.add']).toBeUndefined();
          expect(c.steps.get('a')?.status).toBe('skipped');
          expect(c.steps.get('a')?.output).toBeNull();
        },
      },
    },
  },
  after_tool: {
    workflow: ECHO_OBJECT,
    match: '{ step: a }',
    baseline: (c) => completed(c, { v: 1 }),
    cases: {
      modify: { do: '{ modify: { patch: { extra: 1 } } }', check: (c) => completed(c, { v: 1, extra: 1 }) },
      replace: { do: '{ replace: { value: swapped } }', check: (c) => completed(c, 'swapped') },
      retry: {
        do: '{ retry: { attempts: 1 } }',
        check: (c) => {
          completed(c, { v: 1 });
          expect(c.h.calls['test.echo']).toBe(3 + 1);
        },
      },
    },
  },
  tool_error: {
    workflow: (hooks) =>
      wf(`hooks:
${hooks}
steps:
  - id: a
    tool: test.flaky
    with: { key: a, failures: 1, value: recovered }
`),
    baseline: (c) => {
      expect(c.r.status).toBe('failed');
      expect(c.h.calls['test.flaky']).toBe(1);
    },
    cases: {
      retry: {
        do: '{ retry: { attempts: 1 } }',
        check: (c) => {
          completed(c, 'recovered');
          expect(c.h.calls['test.flaky']).toBe(2);
          // A tool-level retry stays inside one step attempt.
          expect(c.steps.get('a')?.attempt).toBe(1);
        },
      },
    },
  },
  agent_state_change: {
    workflow: AGENT('hook-agent'),
    baseline: (c) => completed(c, { answer: 42, tone: 'plain' }),
    cases: {},
  },
  before_agent: {
    workflow: AGENT('echo-agent'),
    match: '{ step: ag }',
    baseline: (c) => {
      completed(c, { answer: 'default' });
      expect(agentRuns(c)).toBe(2);
    },
    cases: {
      modify: {
        do: '{ modify: { patch: { prompt: changed } } }',
        check: (c) => {
          completed(c, { answer: 'default' });
          expect(c.steps.get('ag')?.output).toEqual({ answer: 'saw-changed' });
        },
      },
      cancel: { do: '{ cancel: no agents }', check: (c) => (hookCancelled(c, 'ag'), expect(agentRuns(c)).toBe(0)) },
      replace: {
        do: '{ replace: { value: { answer: canned } } }',
        check: (c) => {
          completed(c, { answer: 'default' });
          expect(c.steps.get('ag')?.output).toEqual({ answer: 'canned' });
          expect(agentRuns(c)).toBe(1);
        },
      },
      cache: {
        do: '{ cache: { key: agent-answer } }',
        check: (c) => {
          // Run twice on one engine: the second run's `ag` is a hit (ag2 is not matched).
          completed(c, { answer: 'default' });
          expect(agentRuns(c)).toBe(3);
          expect(dataOf(c.h.events, 'step.cached').map((d) => d.agent)).toEqual(['echo-agent']);
        },
      },
    },
  },
  after_agent: {
    workflow: AGENT('echo-agent'),
    match: '{ step: ag }',
    baseline: (c) => completed(c, { answer: 'default' }),
    cases: {
      modify: { do: '{ modify: { patch: { extra: 1 } } }', check: (c) => expect(c.steps.get('ag')?.output).toEqual({ answer: 'default', extra: 1 }) },
      replace: { do: '{ replace: { value: swapped } }', check: (c) => expect(c.steps.get('ag')?.output).toBe('swapped') },
      retry: {
        do: '{ retry: { attempts: 1 } }',
        check: (c) => {
          completed(c, { answer: 'default' });
          expect(agentRuns(c)).toBe(3);
        },
      },
    },
  },
  agent_error: {
    workflow: AGENT('shaky-agent'),
    baseline: (c) => completed(c, { answer: 7 }),
    cases: {},
  },
  before_state_save: {
    workflow: ADD_THEN_ECHO,
    baseline: (c) => completed(c, 'c saw 3'),
    cases: {
      modify: {
        do: '{ modify: { patch: { run: { totals: { audited: true } } } } }',
        check: async (c) => {
          completed(c, 'c saw 3');
          const run = await c.h.engine.store.getRun(c.r.runId);
          expect(run?.totals).toEqual({ audited: true });
        },
      },
      cancel: {
        do: '{ cancel: read-only journal }',
        check: async (c) => {
          // The first save (the run's start) is refused: the run stops before any step acts.
          expect(c.r.status).toBe('cancelled');
          expect(c.r.error?.code).toBe('CANCELLED');
          expect(c.r.error?.message).toBe('state save cancelled by hook "h" at before_state_save: read-only journal');
          expect(c.h.calls['test.add']).toBeUndefined();
          // The journal is still complete and gap-free (written without the hooks from then on).
          const run = await c.h.engine.store.getRun(c.r.runId);
          expect(run?.status).toBe('cancelled');
          const seqs = (await c.h.engine.store.getEvents(c.r.runId)).map((e) => e.seq);
          expect(seqs).toEqual(seqs.map((_, i) => i + 1));
          expect(decided(c.h.events, 'before_state_save', 'h')).toHaveLength(1);
        },
      },
    },
  },
  after_state_save: {
    workflow: ADD_THEN_ECHO,
    baseline: (c) => completed(c, 'c saw 3'),
    cases: {
      modify: {
        // The output is the rows as written; a patched output is written back.
        do: '{ modify: { patch: { run: { totals: { replicated: true } } } } }',
        check: async (c) => {
          completed(c, 'c saw 3');
          expect((await c.h.engine.store.getRun(c.r.runId))?.totals).toEqual({ replicated: true });
        },
      },
      replace: {
        do: "{ replace: { value: { run: { totals: { replica: r1 } } } } }",
        check: async (c) => {
          completed(c, 'c saw 3');
          expect((await c.h.engine.store.getRun(c.r.runId))?.totals).toEqual({ replica: 'r1' });
          // Only the run row is rewritten: step rows are as the engine wrote them.
          expect(c.steps.get('a')?.output).toBe(3);
        },
      },
    },
  },
  state_restore: {
    workflow: RESUMABLE,
    drive: suspendThenSignal,
    baseline: (c) => completed(c, { ok: true }),
    cases: {},
  },
  breaker_open: {
    workflow: (hooks) =>
      wf(`hooks:
${hooks}
  - id: brittle
    at: after_step
    module: ./modules/throws.mjs
    breaker: { consecutiveFailures: 1, coolDownMs: 0, floorMs: 1m }
steps:
  - id: one
    tool: test.echo
    with: { value: 1 }
  - id: two
    tool: test.echo
    with: { value: 2 }
`),
    baseline: (c) => {
      completed(c, 2);
      expect(dataOf(c.h.events, 'breaker.opened').map((d) => d.hookId)).toEqual(['hooks-test:brittle']);
    },
    cases: {},
  },
  breaker_close: {
    workflow: (hooks) =>
      wf(`hooks:
${hooks}
  - id: brittle
    at: after_step
    module: ./modules/throws.mjs
    breaker: { consecutiveFailures: 1, coolDownMs: 0, floorMs: 1m }
steps:
  - id: one
    tool: test.echo
    with: { value: 1 }
  - id: two
    tool: test.echo
    with: { value: 2 }
`),
    baseline: (c) => {
      completed(c, 2);
      expect(dataOf(c.h.events, 'breaker.closed').map((d) => d.hookId)).toEqual(['hooks-test:brittle']);
    },
    cases: {},
  },
  budget_exceeded: {
    workflow: (hooks) =>
      wf(`hooks:
${hooks}
  - id: spend
    use: cost
    with: { budget: { perRun: 0.000001 } }
steps:
  - id: ag
    agent: hook-agent
    with: { prompt: hello }
`),
    baseline: (c) => {
      expect(c.r.status).toBe('failed');
      expect(c.r.error?.code).toBe('BUDGET_EXCEEDED');
    },
    cases: {},
  },
};

function hookItem(point: HookPoint, f: PointFixture, body: string): string {
  const lines = [`  - id: h`, `    at: ${point}`];
  if (f.match) lines.push(`    match: ${f.match}`);
  if (f.when) lines.push(`    when: "${f.when}"`);
  lines.push(`    do: ${body}`);
  if (f.extraHooks) lines.push(f.extraHooks);
  return lines.join('\n');
}

/** Runs one case: twice on one engine for `cache` (the second run is the one checked). */
async function runCase(point: HookPoint, action: HookAction): Promise<Ctx> {
  const f = FIXTURES[point];
  const body = action === 'continue' ? '{ continue: {} }' : (f.cases[action] as Case).do;
  const yaml = f.workflow(hookItem(point, f, body));
  const h = hookHarness(f.options);
  const input = f.input ?? {};
  const drive = f.drive ?? ((hh: HookHarness, y: string, i: unknown) => hh.run(y, i));
  let r = await drive(h, yaml, input);
  if (action === 'cache') r = await drive(h, yaml, input);
  const steps = new Map((await h.engine.store.getSteps(r.runId)).map((s) => [s.path, s]));
  return { r, h, steps };
}

const PAIRS = HOOK_POINTS.flatMap((point) => HOOK_ACTIONS.filter((action) => isActionAllowed(point, action)).map((action) => ({ point, action })));

describe('result × point matrix (hooks.md table)', () => {
  it('every allowed pair has a case (the untested table is empty)', () => {
    const untested = PAIRS.filter(({ point, action }) => action !== 'continue' && FIXTURES[point].cases[action as Exclude<HookAction, 'continue'>] === undefined);
    expect(untested).toEqual([]);
    // Cases for pairs the spec does not allow would be dead code.
    const extra = HOOK_POINTS.flatMap((point) => Object.keys(FIXTURES[point].cases).filter((a) => !isActionAllowed(point, a as HookAction)).map((a) => `${point}/${a}`));
    expect(extra).toEqual([]);
    expect(PAIRS.length).toBe(83);
  });

  it.each(PAIRS.map((p) => [`${p.point} → ${p.action}`, p] as const))('%s', async (_name, { point, action }) => {
    const c = await runCase(point, action);
    const f = FIXTURES[point];
    if (action === 'continue') await f.baseline(c);
    else await (f.cases[action] as Case).check(c);
    // The hook under test really answered at its point, with the action under test.
    const own = decided(c.h.events, point, 'h');
    expect(own.length).toBeGreaterThan(0);
    expect(own.some((d) => d.action === action)).toBe(true);
  });
});

/** Points fired outside the run's control flow (their hooks observe); an invalid result there is reported, not fatal. */
const OUT_OF_BAND: ReadonlySet<HookPoint> = new Set(['breaker_open', 'breaker_close', 'budget_exceeded']);

describe('a result not allowed at its point', () => {
  it.each(HOOK_POINTS.map((p) => [p] as const))('%s: fails with HOOK_RESULT_INVALID naming hook, point and action', async (point) => {
    const f = FIXTURES[point];
    const action = HOOK_ACTIONS.find((a) => !isActionAllowed(point, a)) as HookAction;
    const h = hookHarness(f.options);
    h.engine.hooks.register({ id: 'bad', at: point, run: () => ({ action, ...(action === 'redirect' ? { to: 'a' } : {}) }) as never });
    const drive = f.drive ?? ((hh: HookHarness, y: string, i: unknown) => hh.run(y, i));
    const r = await drive(h, f.workflow(hookItem(point, f, '{ continue: {} }')), f.input ?? {});
    const message = `hook "bad" at ${point} returned "${action}", which is not allowed at ${point}`;
    if (OUT_OF_BAND.has(point)) {
      const failed = dataOf(h.events, 'hook.failed').filter((d) => d.point === point);
      expect(failed).toHaveLength(1);
      expect(failed[0]?.error).toMatchObject({ code: 'HOOK_RESULT_INVALID' });
      expect((failed[0]?.error as { message: string }).message).toContain(message);
      return;
    }
    expect(r.status).toBe('failed');
    expect(r.error?.code).toBe('HOOK_RESULT_INVALID');
    expect(r.error?.message).toContain(message);
    expect(r.error?.details).toMatchObject({ hookId: 'bad', point });
  });
});
