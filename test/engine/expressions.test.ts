/**
 * Expressions as the engine evaluates them: whole-string values vs interpolation, the bound names
 * (`steps.<id>.*`, `run`, `env` allow-list), and EXPRESSION errors that name the step.
 */
import { describe, expect, it } from 'vitest';
import { loadWorkflowText } from '../../src/index.js';
import { harness, wf } from '../helpers.js';

describe('whole-string expressions and interpolation', () => {
  it('a string that is exactly ${ } keeps the JSON type; text around ${} interpolates to a string', async () => {
    const h = harness();
    const r = await h.run(
      wf(`steps:
  - id: v
    tool: test.echo
    with:
      value:
        num: \${ input.n }
        obj: \${ input.o }
        arr: \${ input.a }
        bool: \${ input.n > 1 }
        nothing: \${ input.missing }
        text: "n=\${ input.n }"
        objText: "o=\${ input.o }"
        nullText: "[\${ input.missing }]"
        two: "\${ input.n }\${ input.n }"
        spaced: " \${ input.n }"
        literal: "cost: $\${ input.n }"
`),
      { n: 3, o: { k: 'v' }, a: [1, 2] },
    );
    expect(r.output).toEqual({
      num: 3,
      obj: { k: 'v' },
      arr: [1, 2],
      bool: true,
      nothing: null,
      text: 'n=3',
      objText: 'o={"k":"v"}',
      nullText: '[]',
      two: '33',
      // Whitespace around a lone expression does not make it text (YAML block scalars end in a newline).
      spaced: 3,
      literal: 'cost: ${ input.n }',
    });
  });

  it('JSONata operators: = equality, and/or, string & concatenation, $count and $map', async () => {
    const h = harness();
    const r = await h.run(
      wf(`steps:
  - id: v
    tool: test.echo
    with:
      value: "\${ { 'eq': input.a = 1, 'both': input.a = 1 and input.b = 2, 'cat': 'x' & input.a, 'count': $count(input.list), 'doubled': $map(input.list, function($v) { $v * 2 }) } }"
`),
      { a: 1, b: 2, list: [1, 2, 3] },
    );
    expect(r.output).toEqual({ eq: true, both: true, cat: 'x1', count: 3, doubled: [2, 4, 6] });
  });
});

describe('bound names', () => {
  it('steps.<id> exposes output, status, attempts, error, startedAt and endedAt', async () => {
    const h = harness();
    const r = await h.run(wf(`steps:
  - id: ok
    tool: test.echo
    with: { value: { deep: [10, 20] } }
  - id: bad
    tool: test.fail
    with: { code: E_BAD, message: went wrong }
    onError: continue
  - id: off
    when: \${ false }
    tool: test.echo
  - id: view
    tool: test.echo
    with:
      value:
        okOut: \${ steps.ok.output.deep[1] }
        okStatus: \${ steps.ok.status }
        okAttempts: \${ steps.ok.attempts }
        okError: \${ steps.ok.error }
        okTimes: \${ $type(steps.ok.startedAt) & ',' & $type(steps.ok.endedAt) }
        badStatus: \${ steps.bad.status }
        badError: \${ steps.bad.error }
        offStatus: \${ steps.off.status }
        notYet: \${ steps.later.status }
  - id: later
    tool: test.echo
`));
    expect(r.status).toBe('completed');
    const v = (await h.engine.store.getSteps(r.runId)).find((s) => s.path === 'view')?.output;
    expect(v).toEqual({
      okOut: 20,
      okStatus: 'completed',
      okAttempts: 1,
      okError: null,
      okTimes: 'string,string',
      badStatus: 'failed',
      badError: { code: 'E_BAD', message: 'went wrong', step: 'bad' },
      offStatus: 'skipped',
      notYet: null,
    });
  });

  it('run exposes id, workflow, version and startedAt', async () => {
    const h = harness();
    const r = await h.run(`hookflow: 1
name: named-flow
version: 7
steps:
  - id: v
    tool: test.echo
    with: { value: "\${ run }" }
`, {}, { runId: 'fixed-run-id' });
    expect(r.output).toMatchObject({ id: 'fixed-run-id', workflow: 'named-flow', version: 7 });
    expect(Number.isNaN(Date.parse((r.output as { startedAt: string }).startedAt))).toBe(false);
  });

  it('env.X reads only the variables listed under env:', async () => {
    const h = harness({ env: { VISIBLE: 'yes', SECRET: 's3cret' } });
    const r = await h.run(wf(`env: [VISIBLE, UNSET]
steps:
  - id: v
    tool: test.echo
    with: { value: "\${ { 'visible': env.VISIBLE, 'unset': env.UNSET, 'all': $keys(env), 'sneaky': $lookup(env, 'SECRET') } }" }
`));
    // Unlisted or unset names read as undefined, which a JSONata object constructor leaves out.
    expect(r.output).toStrictEqual({ visible: 'yes', all: 'VISIBLE' });
  });

  it('a static env.X read of an unlisted variable is refused when the workflow loads', () => {
    expect(() =>
      loadWorkflowText(wf(`steps:
  - id: v
    tool: test.echo
    with: { value: "\${ env.SECRET }" }
`), '/virtual/env.yaml'),
    ).toThrow(/SECRET/);
  });
});

describe('EXPRESSION errors', () => {
  const cases: Array<[string, string, string]> = [
    ['with', `  - id: s\n    tool: test.echo\n    with: { value: "\${ $boom() }" }\n`, 's'],
    ['when', `  - id: s\n    when: \${ $boom() }\n    tool: test.echo\n`, 's'],
    ['output', `  - id: s\n    tool: test.echo\n    output: \${ $boom() }\n`, 's'],
    ['export', `  - id: s\n    tool: test.echo\n    export: { x: "\${ $boom() }" }\n`, 's'],
    ['set', `  - id: s\n    set: { x: "\${ $boom() }" }\n`, 's'],
    ['loop body', `  - id: l\n    loop:\n      times: 2\n      steps:\n        - id: s\n          tool: test.echo\n          with: { value: "\${ index = 1 ? $boom() : 0 }" }\n`, 'l[1]/s'],
    ['while', `  - id: l\n    loop:\n      while: \${ $boom() }\n      steps:\n        - { id: s, tool: test.echo }\n`, 'l'],
    ['if', `  - id: c\n    if: \${ $boom() }\n    then:\n      - { id: s, tool: test.echo }\n`, 'c'],
  ];
  for (const [where, body, step] of cases) {
    it(`in ${where}: the run fails with EXPRESSION naming the step ${step}, the expression and its YAML path`, async () => {
      const h = harness();
      const r = await h.run(wf(`steps:\n${body}`));
      expect(r.status).toBe('failed');
      expect(r.error?.code).toBe('EXPRESSION');
      expect(r.error?.step).toBe(step);
      expect(r.error?.message).toContain('$boom()');
      expect(r.error?.message).toMatch(/ at steps\[0\]\.[a-z.[\]0-9]+ failed: /);
    });
  }

  it('a syntax error is refused at load time, before any run', () => {
    expect(() =>
      loadWorkflowText(wf(`steps:
  - id: s
    tool: test.echo
    with: { value: "\${ 1 + }" }
`), '/virtual/syntax.yaml'),
    ).toThrow(/syntax\.yaml:6:\d+/);
  });
});
