import { describe, expect, it } from 'vitest';
import { harness, wf } from '../../helpers.js';
import { pathsOf } from '../support.js';

describe('sequence pattern', () => {
  it('runs steps in order; the output is the last executed step', async () => {
    const h = harness();
    const r = await h.run(wf(`steps:
  - id: a
    tool: test.echo
    with: { value: 1 }
  - id: b
    tool: test.add
    with: { a: "\${ steps.a.output }", b: 10 }
  - id: c
    tool: test.add
    with: { a: "\${ steps.b.output }", b: 100 }
`));
    expect(r).toMatchObject({ status: 'completed', output: 111, error: null });
    expect(pathsOf(h.events, 'step.started')).toEqual(['a', 'b', 'c']);
    expect(pathsOf(h.events, 'step.completed')).toEqual(['a', 'b', 'c']);
  });

  it('skipped steps do not count as the last output', async () => {
    const h = harness();
    const r = await h.run(wf(`steps:
  - id: a
    tool: test.echo
    with: { value: first }
  - id: b
    when: \${ false }
    tool: test.echo
    with: { value: never }
`));
    expect(r.output).toBe('first');
    expect(pathsOf(h.events, 'step.skipped')).toEqual(['b']);
  });

  it('a nested sequence yields its last executed step and prefixes paths with its id', async () => {
    const h = harness();
    const r = await h.run(wf(`steps:
  - id: outer
    steps:
      - id: x
        tool: test.echo
        with: { value: 1 }
      - id: y
        tool: test.echo
        with: { value: 2 }
      - id: z
        when: \${ false }
        tool: test.echo
        with: { value: 3 }
  - id: after
    tool: test.echo
    with: { value: "\${ steps.outer.output }" }
`));
    expect(r.output).toBe(2);
    expect(pathsOf(h.events, 'step.completed')).toEqual(['outer/x', 'outer/y', 'outer', 'after']);
  });

  it('a sequence whose steps are all skipped outputs null', async () => {
    const h = harness();
    const r = await h.run(wf(`steps:
  - id: s
    steps:
      - id: x
        when: \${ false }
        tool: test.echo
        with: { value: 1 }
`));
    expect(r).toMatchObject({ status: 'completed', output: null });
  });

  it('a failed step stops the sequence and fails the run naming the step path', async () => {
    const h = harness();
    const r = await h.run(wf(`steps:
  - id: s
    steps:
      - id: ok
        tool: test.echo
        with: { value: 1 }
      - id: bad
        tool: test.fail
        with: { code: NOPE, message: it broke }
      - id: never
        tool: test.echo
        with: { value: 3 }
`));
    expect(r.status).toBe('failed');
    expect(r.error).toMatchObject({ code: 'NOPE', message: 'it broke', step: 's/bad' });
    expect(pathsOf(h.events, 'step.started')).toEqual(['s', 's/ok', 's/bad']);
    expect(pathsOf(h.events, 'step.failed')).toEqual(['s/bad', 's']);
  });

  it('the workflow `output:` overrides the last step output', async () => {
    const h = harness();
    const r = await h.run(wf(`steps:
  - id: a
    tool: test.echo
    with: { value: 5 }
  - id: b
    tool: test.echo
    with: { value: 6 }
output: "\${ { 'a': steps.a.output, 'b': steps.b.output } }"
`));
    expect(r.output).toEqual({ a: 5, b: 6 });
  });

  it('a redirect revisit gets the `@N` path suffix', async () => {
    const h = harness();
    let n = 0;
    h.engine.hooks.register({ id: 'again', at: 'after_step', match: { step: 'b' }, run: () => (n++ < 2 ? { action: 'redirect', to: 'a' } : undefined) });
    const r = await h.run(wf(`steps:
  - id: a
    tool: test.echo
    with: { value: a }
  - id: b
    tool: test.echo
    with: { value: b }
`));
    expect(r.output).toBe('b');
    expect(pathsOf(h.events, 'step.completed')).toEqual(['a', 'b', 'a@2', 'b@2', 'a@3', 'b@3']);
  });
});
