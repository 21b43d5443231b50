/** Matrix fixtures: parallel, conditional, loop and fork points. */
import { expect } from 'vitest';
import type { HookPoint } from '../../../src/index.js';
import { wf } from '../support.js';
import { ADD_THEN_ECHO, FORK_ONE, completed, hookCancelled, type PointFixture } from './fixtures.js';

export const PATTERN_FIXTURES: Partial<Record<HookPoint, PointFixture>> = {
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
};
