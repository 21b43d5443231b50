import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { harness, wf } from '../../helpers.js';
import { pathsOf, probe } from '../support.js';

describe('loop pattern', () => {
  it('while: checked before each iteration; index is bound; output = array of iteration outputs', async () => {
    const h = harness();
    const r = await h.run(wf(`vars: { n: 0 }
steps:
  - id: count
    loop:
      while: \${ vars.n < 3 }
      steps:
        - id: inc
          set: { n: "\${ vars.n + 1 }" }
        - id: show
          tool: test.echo
          with: { value: "\${ index & ':' & vars.n }" }
`));
    expect(r).toMatchObject({ status: 'completed', output: ['0:1', '1:2', '2:3'] });
    expect(pathsOf(h.events, 'step.completed').filter((p) => p.endsWith('/show'))).toEqual(['count[0]/show', 'count[1]/show', 'count[2]/show']);
    expect(h.events.filter((e) => e.type === 'loop.iteration').map((e) => (e.data as { index: number }).index)).toEqual([0, 1, 2]);
  });

  it('while: a false condition runs no iteration and outputs []', async () => {
    const h = harness();
    const r = await h.run(wf(`steps:
  - id: l
    loop:
      while: \${ false }
      steps:
        - id: x
          tool: test.echo
          with: { value: 1 }
`));
    expect(r.output).toEqual([]);
    expect(h.calls['test.echo']).toBeUndefined();
  });

  it('until: the body runs at least once and the condition sees this iteration\'s steps', async () => {
    const h = harness();
    const r = await h.run(wf(`steps:
  - id: l
    loop:
      until: \${ steps.x.output >= 2 }
      steps:
        - id: x
          tool: test.echo
          with: { value: "\${ index }" }
  - id: once
    loop:
      until: \${ true }
      steps:
        - id: y
          tool: test.echo
          with: { value: y }
output: "\${ { 'l': steps.l.output, 'once': steps.once.output } }"
`));
    expect(r.output).toEqual({ l: [0, 1, 2], once: ['y'] });
  });

  it('forEach: item, the `as` name and index are bound; paths are loop[i]/step', async () => {
    const h = harness();
    const r = await h.run(
      wf(`steps:
  - id: each
    loop:
      forEach: \${ input.fruits }
      as: fruit
      steps:
        - id: x
          tool: test.echo
          with: { value: "\${ index & '=' & fruit & '/' & item }" }
`),
      { fruits: ['apple', 'pear'] },
    );
    expect(r.output).toEqual(['0=apple/apple', '1=pear/pear']);
    expect(pathsOf(h.events, 'step.completed')).toEqual(['each[0]/x', 'each[1]/x', 'each']);
  });

  it('forEach over null or an empty list outputs []; over a non-list fails with EXPRESSION', async () => {
    const h = harness();
    const body = wf(`steps:
  - id: each
    loop:
      forEach: \${ input.list }
      steps:
        - id: x
          tool: test.echo
          with: { value: "\${ item }" }
`);
    expect((await h.run(body, { list: [] })).output).toEqual([]);
    expect((await h.run(body, {})).output).toEqual([]);
    const bad = await h.run(body, { list: 'abc' });
    expect(bad.status).toBe('failed');
    expect(bad.error).toMatchObject({ code: 'EXPRESSION', step: 'each' });
    expect(bad.error?.message).toMatch(/forEach expected a list, found string "abc"/);
  });

  it('times: runs N iterations with item = index; N may come from an expression', async () => {
    const h = harness();
    const r = await h.run(
      wf(`steps:
  - id: rep
    loop:
      times: \${ input.n }
      steps:
        - id: x
          tool: test.echo
          with: { value: "\${ [item, index] }" }
`),
      { n: 3 },
    );
    expect(r.output).toEqual([[0, 0], [1, 1], [2, 2]]);
    const neg = await h.run(wf(`steps:
  - id: rep
    loop:
      times: \${ input.n }
      steps:
        - { id: x, tool: test.echo, with: { value: 1 } }
`), { n: -1 });
    expect(neg.error).toMatchObject({ code: 'EXPRESSION', step: 'rep' });
  });

  it('each iteration has its own steps scope; after the loop steps.<body> is the last iteration', async () => {
    const h = harness();
    const r = await h.run(wf(`steps:
  - id: l
    loop:
      times: 3
      steps:
        - id: a
          tool: test.echo
          with: { value: "\${ index * 10 }" }
        - id: b
          tool: test.add
          with: { a: "\${ steps.a.output }", b: 1 }
  - id: after
    tool: test.echo
    with: { value: "\${ steps.b.output }" }
output: "\${ { 'l': steps.l.output, 'after': steps.after.output } }"
`));
    expect(r.output).toEqual({ l: [1, 11, 21], after: 21 });
  });

  it('nested loops: the outer `as` name stays visible; index is the innermost one', async () => {
    const h = harness();
    const r = await h.run(wf(`steps:
  - id: grid
    loop:
      forEach: [a, b]
      as: row
      steps:
        - id: cols
          loop:
            forEach: [1, 2]
            as: col
            steps:
              - id: cell
                tool: test.echo
                with: { value: "\${ row & col & ':' & $string(index) }" }
`));
    expect(r.output).toEqual([['a1:0', 'a2:1'], ['b1:0', 'b2:1']]);
    expect(pathsOf(h.events, 'step.completed').filter((p) => p.endsWith('cell'))).toEqual(['grid[0]/cols[0]/cell', 'grid[0]/cols[1]/cell', 'grid[1]/cols[0]/cell', 'grid[1]/cols[1]/cell']);
  });

  it('max with onLimit: fail raises LOOP_LIMIT after max iterations', async () => {
    const h = harness();
    const r = await h.run(wf(`steps:
  - id: l
    loop:
      while: \${ true }
      max: 3
      steps:
        - id: x
          tool: test.echo
          with: { value: "\${ index }" }
`));
    expect(r.status).toBe('failed');
    expect(r.error).toMatchObject({ code: 'LOOP_LIMIT', step: 'l' });
    expect(r.error?.message).toMatch(/max of 3 iterations \(3 done\)/);
    expect(h.calls['test.echo']).toBe(3);
  });

  it('max with onLimit: stop ends the loop with the iterations done', async () => {
    const h = harness();
    const r = await h.run(wf(`steps:
  - id: l
    loop:
      while: \${ true }
      max: 3
      onLimit: stop
      steps:
        - id: x
          tool: test.echo
          with: { value: "\${ index }" }
`));
    expect(r).toMatchObject({ status: 'completed', output: [0, 1, 2] });
  });

  it('max applies to forEach and times too; a loop that ends exactly at max does not hit the limit', async () => {
    const h = harness();
    const mk = (mode: string, onLimit: string): string =>
      wf(`steps:
  - id: l
    loop:
      ${mode}
      max: 2
      onLimit: ${onLimit}
      steps:
        - id: x
          tool: test.echo
          with: { value: "\${ index }" }
`);
    expect((await h.run(mk('forEach: ${ input.list }', 'fail'), { list: [1, 2, 3] })).error?.code).toBe('LOOP_LIMIT');
    expect((await h.run(mk('forEach: ${ input.list }', 'stop'), { list: [1, 2, 3] })).output).toEqual([0, 1]);
    expect((await h.run(mk('times: ${ input.n }', 'fail'), { n: 3 })).error?.code).toBe('LOOP_LIMIT');
    expect((await h.run(mk('times: ${ input.n }', 'fail'), { n: 2 })).output).toEqual([0, 1]);
    expect((await h.run(mk('forEach: ${ input.list }', 'fail'), { list: [1, 2] })).output).toEqual([0, 1]);
  });

  it('max defaults to 1000', async () => {
    const h = harness();
    const r = await h.run(wf(`steps:
  - id: l
    loop:
      while: \${ true }
      collect: none
      steps:
        - id: x
          set: { i: "\${ index }" }
`));
    expect(r.error?.code).toBe('LOOP_LIMIT');
    expect(r.error?.message).toMatch(/max of 1000 iterations/);
  });

  it('collect: all | last | none', async () => {
    const h = harness();
    const mk = (collect: string): string =>
      wf(`steps:
  - id: l
    loop:
      forEach: [a, b, c]
      collect: ${collect}
      steps:
        - id: x
          tool: test.echo
          with: { value: "\${ item }" }
`);
    expect((await h.run(mk('all'))).output).toEqual(['a', 'b', 'c']);
    expect((await h.run(mk('last'))).output).toBe('c');
    expect((await h.run(mk('none'))).output).toBeNull();
  });

  it('a failing iteration fails the loop and stops it', async () => {
    const h = harness();
    const r = await h.run(wf(`steps:
  - id: l
    loop:
      forEach: [1, 2, 3]
      steps:
        - id: x
          tool: test.flaky
          with: { key: "k\${ item }", failures: "\${ item = 2 ? 1 : 0 }" }
`));
    expect(r.status).toBe('failed');
    expect(r.error).toMatchObject({ code: 'FLAKY', step: 'l[1]/x' });
    expect(h.calls['test.flaky']).toBe(2);
  });
});

describe('loop pattern: forEach with concurrency', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('keeps outputs in item order, respects the limit and refills slots at once', async () => {
    const p = probe();
    const h = harness({ tools: [p.tool] });
    const t0 = Date.now();
    const run = h.run(
      wf(`steps:
  - id: each
    loop:
      forEach: \${ input.jobs }
      concurrency: 2
      steps:
        - id: w
          tool: probe.work
          with: { key: "\${ item.k }", ms: "\${ item.ms }", value: "\${ item.k & index }" }
`),
      { jobs: [{ k: 'a', ms: 50 }, { k: 'b', ms: 10 }, { k: 'c', ms: 10 }, { k: 'd', ms: 5 }, { k: 'e', ms: 1 }] },
    );
    await vi.advanceTimersByTimeAsync(50);
    const r = await run;
    expect(r).toMatchObject({ status: 'completed', output: ['a0', 'b1', 'c2', 'd3', 'e4'] });
    expect(p.maxActive).toBe(2);
    expect(p.calls.map((c) => [c.key, c.start - t0])).toEqual([
      ['a', 0],
      ['b', 0],
      ['c', 10],
      ['d', 20],
      ['e', 25],
    ]);
    expect(p.ends).toEqual(['b', 'c', 'd', 'e', 'a']);
  });

  it('collect: last is the last item\'s output, not the last to finish', async () => {
    const p = probe();
    const h = harness({ tools: [p.tool] });
    const run = h.run(wf(`steps:
  - id: each
    loop:
      forEach: [30, 10, 20]
      concurrency: 3
      collect: last
      steps:
        - id: w
          tool: probe.work
          with: { key: "k\${ index }", ms: "\${ item }" }
`));
    await vi.advanceTimersByTimeAsync(30);
    expect((await run).output).toBe('k2');
  });

  it('a failing iteration aborts the running ones and fails the loop', async () => {
    const p = probe();
    const h = harness({ tools: [p.tool] });
    const run = h.run(wf(`steps:
  - id: each
    loop:
      forEach: [a, b, c, d]
      concurrency: 2
      steps:
        - id: w
          tool: probe.work
          with: { key: "\${ item }", ms: "\${ item = 'b' ? 5 : 100 }", fail: "\${ item = 'b' ? 'E_B' : null }" }
`));
    await vi.advanceTimersByTimeAsync(5);
    const r = await run;
    expect(r.error).toMatchObject({ code: 'E_B', step: 'each[1]/w' });
    expect(p.starts).toEqual(['a', 'b']);
    expect(p.calls[0]?.aborted).toBe(true);
  });

  it('iterations cancelled by a failing sibling never call their tools', async () => {
    const seen: Array<[string, boolean]> = [];
    const h = harness({ tools: [{ name: 'look', run: (a: { k: string }, ctx) => (seen.push([a.k, ctx.signal.aborted]), 1) }] });
    const run = h.run(wf(`steps:
  - id: each
    loop:
      forEach: [a, b, c]
      concurrency: 3
      steps:
        - id: gate
          when: \${ item = 'b' }
          fail: { code: E_B, message: b failed }
        - id: w
          tool: look
          with: { k: "\${ item }" }
`));
    await vi.runAllTimersAsync();
    const r = await run;
    expect(r.error).toMatchObject({ code: 'E_B', step: 'each[1]/gate' });
    expect(seen).toEqual([]);
    expect(pathsOf(h.events, 'step.cancelled').sort()).toEqual(['each[0]/w', 'each[2]/w']);
  });

  it('an iteration waiting for a signal lets the others finish; the loop suspends and completes on the signal', async () => {
    const p = probe();
    const h = harness({ tools: [p.tool] });
    const run = h.run(wf(`steps:
  - id: each
    loop:
      forEach: [a, b, c]
      concurrency: 3
      steps:
        - id: gate
          when: \${ item = 'b' }
          wait: { signal: go }
        - id: w
          tool: probe.work
          with: { key: "\${ item }", ms: 100 }
`));
    await vi.advanceTimersByTimeAsync(100);
    const r = await run;
    expect(r.status).toBe('suspended');
    expect(p.calls.map((c) => [c.key, c.aborted ?? false])).toEqual([['a', false], ['c', false]]);
    expect(pathsOf(h.events, 'step.cancelled')).toEqual([]);
    const resumed = h.engine.signal(r.runId, 'go', { ok: true });
    await vi.advanceTimersByTimeAsync(100);
    expect(await resumed).toMatchObject({ status: 'completed', output: ['a', 'b', 'c'] });
    // Completed iterations are not executed again.
    expect(p.starts).toEqual(['a', 'c', 'b']);
  });

  it('a redirect out of a concurrent iteration is refused with HOOK_RESULT_INVALID', async () => {
    const h = harness();
    h.engine.hooks.register({ id: 'jump', at: 'after_step', match: { step: 'x' }, run: () => ({ action: 'redirect', to: 'before' }) });
    const r = await h.run(wf(`steps:
  - id: before
    tool: test.echo
    with: { value: 0 }
  - id: each
    loop:
      forEach: [1, 2]
      concurrency: 2
      steps:
        - id: x
          tool: test.echo
          with: { value: "\${ item }" }
`));
    expect(r.error?.code).toBe('HOOK_RESULT_INVALID');
    expect(r.error?.message).toMatch(/redirect to "before" cannot leave iteration \d of loop "each"/);
  });
});
