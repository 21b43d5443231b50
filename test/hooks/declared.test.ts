/**
 * Hooks declared in YAML, run by the engine: rule hooks (`do:`) with templates, module hooks (JS and
 * TS, async, default export, `export:` name, object with `run`), `include:` of hook sets,
 * workflow- vs step-scoped hooks, and code hooks next to them.
 */
import { describe, expect, it } from 'vitest';
import { decided, hookHarness, wf } from './support.js';

describe('rule hooks (do:)', () => {
  it('evaluate their templates against the hook context when they fire', async () => {
    const h = hookHarness();
    const r = await h.run(wf(`vars: { suffix: "!" }
hooks:
  - id: shout
    at: after_step
    match: { step: greet }
    do: { replace: { value: "\${ $uppercase(output) & vars.suffix & ' (' & step.path & ', attempt ' & $string(attempt) & ')' }" } }
  - id: refuse
    at: before_tool
    match: { tool: test.fail }
    do: { cancel: "\${ 'refusing ' & input.code & ' at ' & point }" }
steps:
  - id: greet
    tool: test.echo
    with: { value: "\${ 'hello ' & input.name }" }
  - id: bad
    tool: test.fail
    with: { code: NOPE }
    onError: continue
  - id: report
    tool: test.echo
    with: { value: "\${ [steps.greet.output, steps.bad.error.message] }" }
`), { name: 'ada' });
    expect(r.output).toEqual(['HELLO ADA! (greet, attempt 1)', 'cancelled by hook "refuse" at before_tool: refusing NOPE at before_tool']);
  });

  it('see the run input as `runInput` and the step scope (steps, item, index)', async () => {
    const h = hookHarness();
    const r = await h.run(wf(`hooks:
  - id: label
    at: after_step
    match: { step: body }
    do: { replace: { value: "\${ runInput.prefix & $string(index) & ':' & item & ':' & $string(steps.first.output) }" } }
steps:
  - id: first
    tool: test.add
    with: { a: 2, b: 2 }
  - id: l
    loop:
      forEach: \${ ['x', 'y'] }
      steps:
        - id: body
          tool: test.echo
          with: { value: "\${ item }" }
`), { prefix: '#' });
    expect(r.output).toEqual(['#0:x:4', '#1:y:4']);
  });

  it('a rule that cannot be evaluated fails the hook, handled by its failure policy', async () => {
    const h = hookHarness();
    const r = await h.run(wf(`hooks:
  - id: broken
    at: after_step
    do: { replace: { value: "\${ $number('not a number') }" } }
steps:
  - id: a
    tool: test.echo
    with: { value: kept }
`));
    expect(r.output).toBe('kept');
    const failed = h.events.filter((e) => e.type === 'hook.failed').map((e) => e.data as { hookId: string; error: { code: string; message: string } });
    expect(failed[0]?.hookId).toBe('broken');
    expect(failed[0]?.error.code).toBe('EXPRESSION');
    expect(failed[0]?.error.message).toContain('hook "broken"');
  });
});

describe('module hooks', () => {
  it('default export: an async function (ctx) => HookResult', async () => {
    const h = hookHarness();
    const r = await h.run(wf(`hooks:
  - id: doubler
    module: ./modules/default-fn.mjs
    at: before_tool
    match: { tool: test.echo }
steps:
  - id: a
    tool: test.echo
    with: { value: 21 }
`));
    expect(r.output).toBe(42);
    expect(decided(h.events, 'before_tool', 'doubler')[0]).toMatchObject({ action: 'modify', result: { patch: { value: 42 } } });
    // Module hooks are reported as JavaScript in the event envelope, rule hooks as YAML.
    expect(h.events.find((e) => e.type === 'hook.decided')?.source.language).toBe('js');
  });

  it('`export:` picks a named function or an object with a run method (not the default export)', async () => {
    const h = hookHarness();
    const r = await h.run(wf(`hooks:
  - id: shout
    module: ./modules/named.mjs
    export: shout
    at: after_step
    match: { step: a }
  - id: guard
    module: ./modules/named.mjs
    export: guard
    at: before_tool
steps:
  - id: a
    tool: test.echo
    with: { value: quiet }
  - id: b
    tool: test.echo
    with: { value: forbidden }
    onError: continue
  - id: report
    tool: test.echo
    with: { value: "\${ [steps.a.output, steps.b.status, steps.b.error.message] }" }
`));
    expect(r.output).toEqual(['QUIET', 'cancelled', 'cancelled by hook "guard" at before_tool: forbidden value']);
  });

  it('default export: an object with a run method; undefined means continue', async () => {
    const h = hookHarness();
    const r = await h.run(wf(`hooks:
  - id: obj
    module: ./modules/object-default.mjs
    at: before_step
steps:
  - id: keep
    tool: test.echo
    with: { value: kept }
  - id: skip-me
    tool: test.echo
    with: { value: lost }
  - id: report
    tool: test.echo
    with: { value: "\${ [steps.keep.output, steps.\`skip-me\`.status] }" }
`));
    expect(r.output).toEqual(['kept', 'skipped']);
    expect(decided(h.events, 'before_step', 'obj').map((d) => d.action)).toEqual(['continue', 'skip', 'continue']);
  });

  it('TypeScript modules load through tsx (named async export and default export)', async () => {
    const h = hookHarness();
    const r = await h.run(wf(`hooks:
  - id: boost
    module: ./modules/typed.ts
    export: boost
    at: after_step
    match: { step: score }
  - id: plain
    module: ./modules/typed.ts
    at: after_step
steps:
  - id: score
    tool: test.echo
    with: { value: { score: 1 } }
`));
    expect(r.output).toEqual({ score: 101, by: 'typed.ts' });
    expect(decided(h.events, 'after_step', 'plain').map((d) => d.action)).toEqual(['continue']);
  });

  it('a module without the export, or a missing file, is a clear VALIDATION error before any step runs', async () => {
    const h = hookHarness();
    await expect(
      h.run(wf(`hooks:
  - id: nope
    module: ./modules/named.mjs
    export: missing
    at: before_step
steps:
  - id: a
    tool: test.echo
`)),
    ).rejects.toThrow(/hook "nope": module .*named\.mjs has no usable export "missing"; expected an async function .* \(exports: default, shout, guard\)/);
    await expect(
      h.run(wf(`hooks:
  - id: gone
    module: ./modules/does-not-exist.mjs
    at: before_step
steps:
  - id: a
    tool: test.echo
`)),
    ).rejects.toThrow(/hook "gone": cannot load module .*does-not-exist\.mjs/);
    expect(h.calls['test.echo']).toBeUndefined();
    // Found before the run exists: no run row is left behind.
    expect(await h.engine.store.listRuns()).toEqual([]);
  });
});

describe('include: hook sets', () => {
  it('includes definitions/hooks/<name>.yaml by name (workflow level)', async () => {
    const h = hookHarness();
    const r = await h.run(wf(`hooks:
  - include: tagging
steps:
  - id: a
    tool: test.echo
    with: { value: plain }
  - id: f
    tool: test.fail
    onError: continue
  - id: report
    tool: test.echo
    with: { value: "\${ [steps.a.output, steps.f.error.code, steps.f.error.message] }" }
`));
    // tag-echo also tags the report call itself.
    expect(r.output).toBe('tagged');
    expect(h.calls['test.fail']).toBeUndefined();
    const refused = decided(h.events, 'before_tool', 'refuse-fail');
    expect(refused.map((d) => d.action)).toEqual(['cancel']);
  });

  it('includes a set by relative path, at step level (it applies inside that step only)', async () => {
    const h = hookHarness();
    const r = await h.run(wf(`steps:
  - id: outside
    tool: test.echo
    with: { value: plain }
  - id: group
    hooks:
      - include: ./definitions/hooks/tagging.yaml
    steps:
      - id: inside
        tool: test.echo
        with: { value: plain }
  - id: report
    tool: test.echo
    with: { value: "\${ [steps.outside.output, steps.inside.output] }" }
`));
    expect(r.output).toEqual(['plain', 'tagged']);
  });
});

describe('scoping', () => {
  it('a step hook applies to that step and everything nested in it, never to siblings or the run', async () => {
    const h = hookHarness();
    const seen: string[] = [];
    h.engine.hooks.register({ id: 'watch', at: 'after_step', order: 100, run: (ctx) => void seen.push(`${ctx.step?.path ?? ''}=${JSON.stringify(ctx.output)}`) });
    const r = await h.run(wf(`hooks:
  - id: wf-tag
    at: after_step
    match: { kind: tool }
    do: { modify: { patch: { wf: true } } }
steps:
  - id: before
    tool: test.echo
    with: { value: { n: 1 } }
  - id: group
    hooks:
      - id: scoped
        at: [run_start, after_step]
        do: { modify: { patch: { scoped: true } } }
    steps:
      - id: inner
        tool: test.echo
        with: { value: { n: 2 } }
      - id: deeper
        steps:
          - id: deepest
            tool: test.echo
            with: { value: { n: 3 } }
  - id: after
    tool: test.echo
    with: { value: { n: 4 } }
`));
    expect(r.status).toBe('completed');
    expect(seen).toEqual([
      'before={"n":1,"wf":true}',
      'group/inner={"n":2,"wf":true,"scoped":true}',
      'group/deeper/deepest={"n":3,"wf":true,"scoped":true}',
      'group/deeper={"n":3,"wf":true,"scoped":true}',
      'group={"n":3,"wf":true,"scoped":true}',
      'after={"n":4,"wf":true}',
    ]);
    // A step-scoped hook declared at run_start never fires: the run starts outside the step.
    expect(decided(h.events, 'run_start', 'scoped')).toEqual([]);
  });

  it('code hooks (engine.hooks.register) apply to every run of the engine, next to the YAML hooks', async () => {
    const h = hookHarness();
    h.engine.hooks.register({ id: 'everywhere', at: 'after_step', order: 1, run: (ctx) => ({ action: 'modify', patch: { code: ctx.workflow } }) });
    const yaml = (name: string): string =>
      wf(`hooks:
  - { id: mine, at: after_step, do: { modify: { patch: { yaml: true } } } }
steps:
  - id: a
    tool: test.echo
    with: { value: { n: 1 } }
`, name);
    expect((await h.run(yaml('first'))).output).toEqual({ n: 1, yaml: true, code: 'first' });
    expect((await h.run(yaml('second'))).output).toEqual({ n: 1, yaml: true, code: 'second' });
  });
});
