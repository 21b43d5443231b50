import { describe, expect, it } from 'vitest';
import { harness, wf } from '../../helpers.js';
import { pathsOf } from '../support.js';

const ifWf = (cond: string, withElse = true): string =>
  wf(`steps:
  - id: pick
    if: ${cond}
    then:
      - id: t1
        tool: test.echo
        with: { value: then-1 }
      - id: t2
        tool: test.echo
        with: { value: then-2 }${
          withElse
            ? `
    else:
      - id: e1
        tool: test.echo
        with: { value: else-1 }`
            : ''
        }
`);

describe('conditional pattern: if/then/else', () => {
  it('a truthy condition runs then; the output is the last output of then', async () => {
    const h = harness();
    const r = await h.run(ifWf('${ input.n > 1 }'), { n: 2 });
    expect(r.output).toBe('then-2');
    expect(pathsOf(h.events, 'step.completed')).toEqual(['pick/t1', 'pick/t2', 'pick']);
  });

  it('a falsy condition runs else', async () => {
    const h = harness();
    const r = await h.run(ifWf('${ input.n > 1 }'), { n: 0 });
    expect(r.output).toBe('else-1');
    expect(pathsOf(h.events, 'step.started')).toEqual(['pick', 'pick/e1']);
  });

  it('a falsy condition without else outputs null and runs nothing', async () => {
    const h = harness();
    const r = await h.run(ifWf('${ false }', false));
    expect(r).toMatchObject({ status: 'completed', output: null });
    expect(pathsOf(h.events, 'step.started')).toEqual(['pick']);
    expect(h.calls['test.echo']).toBeUndefined();
  });

  it('uses JSONata truthiness: empty string, empty array and 0 are false; non-empty values true', async () => {
    const h = harness();
    const cases: Array<[unknown, string]> = [
      ['', 'else-1'],
      [[], 'else-1'],
      [0, 'else-1'],
      [null, 'else-1'],
      ['x', 'then-2'],
      [[0, 1], 'then-2'],
      [{ k: 1 }, 'then-2'],
    ];
    for (const [v, want] of cases) {
      const r = await h.run(ifWf('${ input.v }'), { v });
      expect([v, r.output]).toEqual([v, want]);
    }
  });

  it('the output is null when every step of the chosen list is skipped', async () => {
    const h = harness();
    const r = await h.run(wf(`steps:
  - id: pick
    if: \${ true }
    then:
      - id: t
        when: \${ false }
        tool: test.echo
        with: { value: 1 }
`));
    expect(r.output).toBeNull();
  });

  it('a condition that fails to evaluate is an EXPRESSION error naming the step', async () => {
    const h = harness();
    const r = await h.run(ifWf('${ $number("abc") + $undefinedFn() }'));
    expect(r.status).toBe('failed');
    expect(r.error?.code).toBe('EXPRESSION');
    expect(r.error?.step).toBe('pick');
  });
});

describe('conditional pattern: switch/default', () => {
  const sw = wf(`steps:
  - id: route
    switch:
      - when: \${ input.kind = 'a' }
        steps:
          - id: a1
            tool: test.echo
            with: { value: A }
      - when: \${ input.n > 10 }
        steps:
          - id: big
            tool: test.echo
            with: { value: BIG }
      - when: \${ input.n > 5 }
        steps:
          - id: mid
            tool: test.echo
            with: { value: MID }
    default:
      - id: d1
        tool: test.echo
        with: { value: D1 }
      - id: d2
        tool: test.echo
        with: { value: D2 }
`);

  it('the first matching case wins, even when later ones match too', async () => {
    const h = harness();
    expect((await h.run(sw, { kind: 'a', n: 50 })).output).toBe('A');
    expect((await h.run(sw, { kind: 'b', n: 50 })).output).toBe('BIG');
    expect((await h.run(sw, { kind: 'b', n: 7 })).output).toBe('MID');
    expect(pathsOf(h.events, 'step.completed').filter((p) => p !== 'route')).toEqual(['route/a1', 'route/big', 'route/mid']);
  });

  it('no matching case runs default; its last output is the step output', async () => {
    const h = harness();
    const r = await h.run(sw, { kind: 'z', n: 1 });
    expect(r.output).toBe('D2');
    expect(pathsOf(h.events, 'step.completed')).toEqual(['route/d1', 'route/d2', 'route']);
  });

  it('no matching case and no default outputs null', async () => {
    const h = harness();
    const r = await h.run(wf(`steps:
  - id: route
    switch:
      - when: \${ false }
        steps:
          - id: a
            tool: test.echo
            with: { value: A }
  - id: after
    tool: test.echo
    with: { value: "\${ steps.route.status & ':' & $string(steps.route.output) }" }
`));
    expect(r.output).toBe('completed:null');
  });

  it('stops evaluating cases after the first match', async () => {
    const h = harness();
    const r = await h.run(wf(`steps:
  - id: route
    switch:
      - when: \${ true }
        steps:
          - id: a
            tool: test.echo
            with: { value: A }
      - when: \${ $error('must not be evaluated') }
        steps:
          - id: b
            tool: test.echo
            with: { value: B }
`));
    expect(r).toMatchObject({ status: 'completed', output: 'A' });
  });
});
