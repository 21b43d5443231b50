/** Matrix fixtures: run and step points. */
import { expect } from 'vitest';
import type { HookPoint } from '../../../src/index.js';
import { dataOf, stepEvent, wf } from '../support.js';
import { ADD_THEN_ECHO, ECHO_OBJECT, FORK_ONE, RESUMABLE, completed, hookCancelled, suspendThenSignal, type PointFixture } from './fixtures.js';

export const RUN_STEP_FIXTURES: Partial<Record<HookPoint, PointFixture>> = {
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
};
