/**
 * The hook registry through the engine: call order (order, then registration order), `match` globs,
 * `when` guards (YAML template and code predicate), unregister, the tap-only facade and id rules.
 */
import { describe, expect, it } from 'vitest';
import { HookRegistry, type HookContext, type HookRegistration } from '../../src/index.js';
import { dataOf, decided, hookHarness, wf } from './support.js';

/** A before_tool hook that appends its id to the echoed value (a modify waterfall records call order). */
function tagger(id: string, extra: Partial<HookRegistration> = {}): HookRegistration {
  return { id, at: 'before_tool', run: (ctx) => ({ action: 'modify', patch: { value: `${String((ctx.input as { value: string }).value)}>${id}` } }), ...extra };
}

const ECHO = wf(`steps:
  - id: a
    tool: test.echo
    with: { value: start }
`);

describe('call order', () => {
  it('runs hooks by order (lower first), then by registration order', async () => {
    const h = hookHarness();
    h.engine.hooks.register(tagger('late', { order: 10 }));
    h.engine.hooks.register(tagger('first-zero'));
    h.engine.hooks.register(tagger('early', { order: -5 }));
    h.engine.hooks.register(tagger('second-zero', { order: 0 }));
    const r = await h.run(ECHO);
    expect(r.output).toBe('start>early>first-zero>second-zero>late');
  });

  it('interleaves engine, workflow and step hooks by order; at equal order earlier registrations go first', async () => {
    const h = hookHarness();
    h.engine.hooks.register(tagger('code-0'));
    h.engine.hooks.register(tagger('code-3', { order: 3 }));
    const r = await h.run(wf(`hooks:
  - { id: wf-1, at: before_tool, order: 1, do: { modify: { patch: { value: "\${ input.value & '>wf-1' }" } } } }
  - { id: wf-0, at: before_tool, do: { modify: { patch: { value: "\${ input.value & '>wf-0' }" } } } }
steps:
  - id: a
    tool: test.echo
    with: { value: start }
    hooks:
      - { id: step-2, at: before_tool, order: 2, do: { modify: { patch: { value: "\${ input.value & '>step-2' }" } } } }
      - { id: step-neg, at: before_tool, order: -1, do: { modify: { patch: { value: "\${ input.value & '>step-neg' }" } } } }
`));
    // Code hooks were registered before the run built its YAML hooks.
    expect(r.output).toBe('start>step-neg>code-0>wf-0>wf-1>step-2>code-3');
  });

  it('a decisive result ends the chain: later hooks are not called', async () => {
    const h = hookHarness();
    const called: string[] = [];
    h.engine.hooks.register({ id: 'one', at: 'before_tool', run: () => void called.push('one') });
    h.engine.hooks.register({ id: 'two', at: 'before_tool', run: () => (called.push('two'), { action: 'replace', value: 'two won' }) });
    h.engine.hooks.register({ id: 'three', at: 'before_tool', run: () => void called.push('three') });
    const r = await h.run(ECHO);
    expect(r.output).toBe('two won');
    expect(called).toEqual(['one', 'two']);
  });
});

describe('match globs', () => {
  const WORKFLOW = wf(`steps:
  - id: classify-a
    tool: test.echo
    with: { value: ca }
  - id: classify-b
    tool: test.add
    with: { a: 1, b: 1 }
  - id: group
    steps:
      - id: inner
        tool: test.echo
        with: { value: in }
      - id: l
        loop:
          times: 2
          steps:
            - id: body
              set: { x: 1 }
  - id: ag
    agent: echo-agent
    with: { prompt: p }
`);

  async function pathsMatched(match: HookRegistration['match'], at: HookRegistration['at'] = 'before_step'): Promise<string[]> {
    const h = hookHarness();
    const seen: string[] = [];
    h.engine.hooks.register({ id: 'm', at, match, run: (ctx) => void seen.push(ctx.step?.path ?? '-') });
    const r = await h.run(WORKFLOW);
    expect(r.status).toBe('completed');
    return seen;
  }

  it('step: glob over the step id', async () => {
    expect(await pathsMatched({ step: 'classify*' })).toEqual(['classify-a', 'classify-b']);
    expect(await pathsMatched({ step: 'inner' })).toEqual(['group/inner']);
  });

  it('path: glob over the stable path (* also crosses /)', async () => {
    expect(await pathsMatched({ path: 'group/*' })).toEqual(['group/inner', 'group/l', 'group/l[0]/body', 'group/l[1]/body']);
    expect(await pathsMatched({ path: 'group/l[?]/body' })).toEqual(['group/l[0]/body', 'group/l[1]/body']);
  });

  it('tool: glob over the tool name; a tool glob never matches a step without a tool', async () => {
    expect(await pathsMatched({ tool: 'test.*' })).toEqual(['classify-a', 'classify-b', 'group/inner']);
    expect(await pathsMatched({ tool: 'test.add' }, 'before_tool')).toEqual(['classify-b']);
  });

  it('agent: glob over the agent name', async () => {
    expect(await pathsMatched({ agent: 'echo-*' })).toEqual(['ag']);
  });

  it('kind: glob over the step kind; several globs must all match', async () => {
    expect(await pathsMatched({ kind: 'loop' })).toEqual(['group/l']);
    expect(await pathsMatched({ kind: 'set' })).toEqual(['group/l[0]/body', 'group/l[1]/body']);
    expect(await pathsMatched({ kind: 'tool', step: '*-b' })).toEqual(['classify-b']);
  });

  it('a hook with a step glob never fires at run-level points (they have no step)', async () => {
    const h = hookHarness();
    const seen: string[] = [];
    h.engine.hooks.register({ id: 'm', at: ['run_start', 'before_step'], match: { step: '*' }, run: (ctx) => void seen.push(ctx.point) });
    await h.run(ECHO);
    expect(seen).toEqual(['before_step']);
  });
});

describe('when guards', () => {
  it('YAML: a template over the context; a false guard means the hook is not called at all', async () => {
    const h = hookHarness();
    const r = await h.run(wf(`hooks:
  - id: big-only
    at: after_step
    when: \${ output > 10 }
    do: { replace: { value: "\${ 'big ' & $string(output) }" } }
steps:
  - id: small
    tool: test.add
    with: { a: 1, b: 2 }
  - id: large
    tool: test.add
    with: { a: 10, b: 20 }
  - id: report
    tool: test.echo
    with: { value: "\${ [steps.small.output, steps.large.output] }" }
`));
    expect(r.output).toEqual([3, 'big 30']);
    // Guarded out means no decision at all (not even continue).
    expect(decided(h.events, 'after_step', 'big-only').map((d) => d.path)).toEqual(['large']);
    // At `report` the guard itself fails (an array is not comparable with >): that is a failure of
    // the hook, handled by its `failure:` policy (open: skipped), not a failure of the step.
    const failed = dataOf(h.events, 'hook.failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ hookId: 'big-only', point: 'after_step', path: 'report', failure: 'open', error: { code: 'EXPRESSION' } });
  });

  it('a throwing guard of a failure: closed hook cancels like any failure of the hook', async () => {
    const h = hookHarness();
    h.engine.hooks.register({
      id: 'strict',
      at: 'before_step',
      failure: 'closed',
      when: () => {
        throw new Error('guard broke');
      },
      run: () => undefined,
    });
    const r = await h.run(ECHO);
    expect(r.status).toBe('failed');
    expect(r.error?.code).toBe('HOOK_CANCELLED');
    expect(r.error?.message).toContain('guard broke');
    expect(h.calls['test.echo']).toBeUndefined();
  });

  it('code: a predicate over the context', async () => {
    const h = hookHarness();
    const guarded: string[] = [];
    h.engine.hooks.register({
      id: 'odd',
      at: 'before_tool',
      when: (ctx: HookContext) => ((ctx.input as { a: number }).a % 2 === 1),
      run: (ctx) => (guarded.push(ctx.step?.id ?? ''), { action: 'replace', value: 'odd' }),
    });
    const r = await h.run(wf(`steps:
  - id: one
    tool: test.add
    with: { a: 1, b: 0 }
  - id: two
    tool: test.add
    with: { a: 2, b: 0 }
  - id: both
    tool: test.echo
    with: { value: "\${ [steps.one.output, steps.two.output] }" }
`));
    expect(r.output).toEqual(['odd', 2]);
    expect(guarded).toEqual(['one']);
  });
});

describe('register / unregister', () => {
  it('register returns an unregister function; unregistered hooks are not called; calling it twice is harmless', async () => {
    const h = hookHarness();
    const off = h.engine.hooks.register(tagger('t'));
    expect((await h.run(ECHO)).output).toBe('start>t');
    off();
    off();
    expect(h.engine.hooks.size).toBe(0);
    expect((await h.run(ECHO)).output).toBe('start');
    // The id is free again.
    h.engine.hooks.register(tagger('t'));
    expect((await h.run(ECHO)).output).toBe('start>t');
  });

  it('duplicate ids are an error naming the id; a YAML hook may reuse a code hook id (it is scoped to its workflow)', async () => {
    const h = hookHarness();
    h.engine.hooks.register(tagger('dup'));
    expect(() => h.engine.hooks.register(tagger('dup'))).toThrow(/hook "dup" is already registered; ids must be unique/);
    const r = await h.run(wf(`hooks:
  - { id: dup, at: before_tool, order: -1, do: { modify: { patch: { value: yaml } } } }
steps:
  - id: a
    tool: test.echo
    with: { value: start }
`));
    expect(r.output).toBe('yaml>dup');
  });

  it('rejects bad registrations with a clear message', () => {
    const reg = new HookRegistry();
    expect(() => reg.register({ id: '', at: 'before_step', run: () => undefined })).toThrow(/non-empty string `id`/);
    expect(() => reg.register({ id: 'x', at: 'before_stp' as never, run: () => undefined })).toThrow(/unknown hook point "before_stp"; expected one of run_start/);
    expect(() => reg.register({ id: 'x', at: [], run: () => undefined })).toThrow(/`at` must name at least one point/);
    expect(() => reg.register({ id: 'x', at: 'before_step' } as unknown as HookRegistration)).toThrow(/`run` must be a function/);
    expect(() => reg.register({ id: 'x', at: 'before_step', failure: 'sometimes' as never, run: () => undefined })).toThrow(/`failure` must be 'open' or 'closed'/);
  });
});

describe('the tap-only facade (what plugins get)', () => {
  it('can tap and register, and undo its own taps, but cannot call or list hooks', async () => {
    const h = hookHarness();
    h.engine.hooks.register(tagger('owner-hook'));
    const facade = h.engine.hooks.facade();
    expect(Object.keys(facade).sort()).toEqual(['register', 'tap']);
    const f = facade as unknown as Record<string, unknown>;
    for (const forbidden of ['at', 'list', 'run', 'call', 'size', 'add', 'remove', 'byPoint', 'ids']) expect(f[forbidden]).toBeUndefined();
    const offTap = facade.tap('before_tool', 'plugin-tap', (ctx) => ({ action: 'modify', patch: { value: `${String((ctx.input as { value: string }).value)}>tap` } }), { order: 1 });
    const offReg = facade.register(tagger('plugin-reg', { order: 2 }));
    expect((await h.run(ECHO)).output).toBe('start>owner-hook>tap>plugin-reg');
    offTap();
    offReg();
    expect((await h.run(ECHO)).output).toBe('start>owner-hook');
    // A plugin cannot remove a hook it did not register: there is no removal by id.
    expect(h.engine.hooks.list().map((x) => x.id)).toEqual(['owner-hook']);
  });
});
