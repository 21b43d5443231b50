/** Matrix fixtures: tool, agent, state and system points. */
import { expect } from 'vitest';
import type { HookPoint } from '../../../src/index.js';
import { dataOf, decided, wf } from '../support.js';
import { ADD_THEN_ECHO, AGENT, ECHO_OBJECT, RESUMABLE, agentRuns, completed, hookCancelled, suspendThenSignal, type PointFixture } from './fixtures.js';

export const TOOL_STATE_FIXTURES: Partial<Record<HookPoint, PointFixture>> = {
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
