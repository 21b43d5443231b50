import { createHash } from 'node:crypto';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWorkflowFile, loadWorkflowText, validateWorkflowText, ValidationError } from '../../src/dsl/load.js';
import type { IfStep, LoopStep, ParallelStep, SwitchStep, StepDef, ToolStep, WaitStep, WorkflowStep } from '../../src/dsl/types.js';
import type { ExprScope } from '../../src/expr/types.js';

const scope: ExprScope = { input: { x: 5, items: [1, 2] }, vars: {}, steps: {}, run: { id: 'r', workflow: 'w', version: null, startedAt: '' }, env: {} };

function load(body: string, header = 'hookflow: 1\nname: demo\n'): ReturnType<typeof loadWorkflowText> {
  return loadWorkflowText(header + body, 'demo.yaml');
}

function step<T extends StepDef>(def: ReturnType<typeof load>, id: string): T {
  const s = def.stepsById.get(id);
  if (!s) throw new Error(`no step ${id}`);
  return s as T;
}

describe('loadWorkflowText: file keys', () => {
  it('normalises the file: version, vars, env, source hash, output', async () => {
    const text = `hookflow: 1
name: order-triage
version: 3
description: Triage orders
input: { type: object, required: [orderId], properties: { orderId: { type: string } } }
vars: { attempts: 0, nested: { a: [1] } }
env: [API_BASE]
steps:
  - id: only
    tool: util.echo
    with: { value: 1 }
output: \${ steps.only.output }
`;
    const def = loadWorkflowText(text, 'wf.yaml');
    expect(def.hookflow).toBe(1);
    expect(def.name).toBe('order-triage');
    expect(def.version).toBe(3);
    expect(def.description).toBe('Triage orders');
    expect(def.input).toEqual({ type: 'object', required: ['orderId'], properties: { orderId: { type: 'string' } } });
    expect(def.vars).toEqual({ attempts: 0, nested: { a: [1] } });
    expect(def.env).toEqual(['API_BASE']);
    expect(def.source).toEqual({ file: path.resolve('wf.yaml'), text, hash: createHash('sha256').update(text).digest('hex') });
    expect(def.output?.stepRefs).toEqual(['only']);
    expect(await def.output?.evaluate({ ...scope, steps: { only: { output: 7, status: 'completed', attempts: 1, error: null, startedAt: null, endedAt: null } } })).toBe(7);
  });

  it('keeps pseudo file names such as <inline> as given and defaults version to null', () => {
    const def = loadWorkflowText('hookflow: 1\nname: x\nsteps:\n  - id: a\n    set: { v: 1 }\n', '<inline>');
    expect(def.source.file).toBe('<inline>');
    expect(def.version).toBeNull();
    expect(def.vars).toEqual({});
    expect(def.hooks).toEqual([]);
  });
});

describe('loadWorkflowText: steps', () => {
  it('applies defaults: timeout and retry to task steps, onError to every step', () => {
    const def = load(`defaults:
  timeout: 30s
  retry: { attempts: 3, delay: 200ms, backoff: exponential }
  onError: continue
steps:
  - id: t
    tool: util.echo
  - id: own
    tool: util.echo
    timeout: 1m
    retry: { attempts: 2 }
    onError: fail
  - id: s
    set: { a: 1 }
  - id: seq
    steps:
      - id: inner
        agent: researcher
`);
    const t = step<ToolStep>(def, 't');
    expect(t.timeout).toBe(30_000);
    expect(t.retry).toEqual({ attempts: 3, delay: 200, backoff: 'exponential', factor: 2, jitter: 'none' });
    expect(t.onError).toBe('continue');
    const own = step<ToolStep>(def, 'own');
    expect(own.timeout).toBe(60_000);
    expect(own.retry).toEqual({ attempts: 2, delay: 0, backoff: 'constant', factor: 2, jitter: 'none' });
    expect(own.onError).toBe('fail');
    const s = step(def, 's');
    expect(s.timeout).toBeUndefined();
    expect(s.retry).toBeUndefined();
    expect(s.onError).toBe('continue');
    expect(step(def, 'seq').timeout).toBeUndefined();
    expect(step(def, 'inner').timeout).toBe(30_000);
    expect(def.defaults).toEqual({ timeout: 30_000, retry: t.retry, onError: 'continue' });
  });

  it('normalises a full retry policy', () => {
    const def = load(`steps:
  - id: t
    tool: util.echo
    retry: { attempts: 4, delay: 1.5s, backoff: linear, factor: 3, maxDelay: 1m, jitter: full, on: [TIMEOUT, HTTP_429] }
`);
    expect(step(def, 't').retry).toEqual({ attempts: 4, delay: 1500, backoff: 'linear', factor: 3, maxDelay: 60_000, jitter: 'full', on: ['TIMEOUT', 'HTTP_429'] });
  });

  it('compiles every kind with its defaults', async () => {
    const def = load(`steps:
  - id: par
    parallel:
      - id: a
        tool: util.echo
        with: { value: "\${ input.x }" }
      - id: b
        steps:
          - id: b1
            emit: { event: seen }
  - id: cond
    if: \${ input.x > 1 }
    then:
      - id: big
        set: { size: big }
    else:
      - id: small
        set: { size: small }
  - id: route
    switch:
      - when: \${ input.x = 1 }
        steps:
          - id: one
            fail: { message: "\${ 'x=' & input.x }" }
    default:
      - id: other
        wait: 2s
  - id: lp
    loop:
      times: 3
      steps:
        - id: body
          wait: \${ 100 * index }
  - id: sig
    wait: { signal: approve, timeout: 1h }
  - id: sub
    workflow: ./child.yaml
    with: { n: 1 }
`);
    const par = step<ParallelStep>(def, 'par');
    expect(par.branches.map((b) => b.id)).toEqual(['a', 'b']);
    expect(par.failFast).toBe(false);
    expect(par.concurrency).toBeUndefined();
    expect(await step<ToolStep>(def, 'a').with.evaluate(scope)).toEqual({ value: 5 });
    expect(step<ToolStep>(def, 'a').loc).toEqual({ file: 'demo.yaml', line: 6, col: 9, path: 'steps[0].parallel[0]' });
    const cond = step<IfStep>(def, 'cond');
    expect(cond.then.map((s) => s.id)).toEqual(['big']);
    expect(cond.else?.map((s) => s.id)).toEqual(['small']);
    expect(await cond.if.evaluate(scope)).toBe(true);
    const route = step<SwitchStep>(def, 'route');
    expect(route.cases).toHaveLength(1);
    expect(route.cases[0]?.loc).toMatchObject({ line: 23, col: 9, path: 'steps[2].switch[0]' });
    expect(route.default?.map((s) => s.id)).toEqual(['other']);
    const one = step(def, 'one');
    expect(one.kind === 'fail' && one.code.value).toBe('FAILED');
    expect(one.kind === 'fail' && (await one.message.evaluate(scope))).toBe('x=5');
    expect(step<WaitStep>(def, 'other').wait).toMatchObject({ kind: 'delay', ms: { constant: true, value: 2000 } });
    const lp = step<LoopStep>(def, 'lp');
    expect(lp.loop).toMatchObject({ mode: 'times', as: 'item', max: 1000, onLimit: 'fail', concurrency: 1, collect: 'all' });
    expect(lp.loop.expr.value).toBe(3);
    const body = step<WaitStep>(def, 'body');
    expect(body.wait.kind === 'delay' && (await body.wait.ms.evaluate({ ...scope, index: 2 }))).toBe(200);
    expect(step<WaitStep>(def, 'sig').wait).toEqual({ kind: 'signal', signal: 'approve', timeout: 3_600_000 });
    const sub = step<WorkflowStep>(def, 'sub');
    expect(sub.workflow).toBe(path.resolve('child.yaml'));
    expect(sub.workflowRef).toBe('./child.yaml');
    expect(step(def, 'b1').kind).toBe('emit');
  });

  it('lists every step in stepsById: nested, catch and hook fork steps', () => {
    const def = load(`hooks:
  - id: fan
    at: after_step
    do:
      fork:
        branches:
          - id: forked
            set: { f: 1 }
steps:
  - id: risky
    tool: util.echo
    catch:
      - id: recover
        set: { ok: false }
    hooks:
      - id: local
        at: after_step
        do: { fork: { forEach: "\${ output }", steps: [{ id: per, set: { x: 1 } }] } }
`);
    expect([...def.stepsById.keys()].sort()).toEqual(['forked', 'per', 'recover', 'risky']);
    expect(step(def, 'risky').catch?.[0]?.id).toBe('recover');
  });
});

describe('validateWorkflowText', () => {
  it('returns every diagnostic and no definition for an invalid file', () => {
    const r = validateWorkflowText('hookflow: 2\nname: Bad Name\nsteps: []\n', 'x.yaml');
    expect(r.definition).toBeUndefined();
    expect(r.diagnostics.map((d) => [d.line, d.col, d.path])).toEqual([
      [1, 11, 'hookflow'],
      [2, 7, 'name'],
      [3, 8, 'steps'],
    ]);
  });

  it('loadWorkflowText throws a ValidationError with code VALIDATION listing all diagnostics', () => {
    let err: unknown;
    try {
      loadWorkflowText('hookflow: 1\nname: x\nsteps:\n  - id: a\n    tol: x\n  - id: a\n    set: {}\n', 'x.yaml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ValidationError);
    const v = err as ValidationError;
    expect(v.code).toBe('VALIDATION');
    expect(v.diagnostics).toHaveLength(3);
    expect(v.message.split('\n')).toHaveLength(3);
    expect(v.message).toContain('x.yaml:4:5: step has no kind (at steps[0])');
  });

  it('accepts registries of tools and agents and suggests close names', () => {
    const r = validateWorkflowText('hookflow: 1\nname: x\nsteps:\n  - id: a\n    tool: util.ecko\n  - id: b\n    agent: writer\n', 'x.yaml', {
      tools: (n) => n === 'util.echo',
      toolNames: ['util.echo'],
      agentNames: ['researcher'],
    });
    expect(r.diagnostics.map((d) => `${d.line}:${d.col} ${d.message} ${d.hint ?? ''}`)).toEqual([
      '5:11 unknown tool "util.ecko" did you mean "util.echo"?',
      '7:12 unknown agent "writer" ',
    ]);
  });
});

describe('loadWorkflowFile', () => {
  function tmp(): string {
    return mkdtempSync(path.join(tmpdir(), 'hookflow-dsl-'));
  }

  it('resolves tool modules, hook modules and sub-workflows relative to the file', async () => {
    const dir = tmp();
    mkdirSync(path.join(dir, 'lib'));
    writeFileSync(path.join(dir, 'lib', 'tools.mjs'), 'export default []\n');
    writeFileSync(path.join(dir, 'lib', 'guard.js'), 'export default () => undefined\n');
    writeFileSync(path.join(dir, 'child.yaml'), 'hookflow: 1\nname: child\nsteps:\n  - id: c\n    set: { v: 1 }\n');
    writeFileSync(
      path.join(dir, 'main.yaml'),
      `hookflow: 1
name: main
tools: [./lib/tools.mjs, some-package]
hooks:
  - id: guard
    module: ./lib/guard.js
    export: guard
    at: before_tool
steps:
  - id: sub
    workflow: child.yaml
`,
    );
    const def = await loadWorkflowFile(path.join(dir, 'main.yaml'), { loadSubWorkflows: true });
    expect(def.tools).toEqual([path.join(dir, 'lib', 'tools.mjs'), 'some-package']);
    expect(def.hooks[0]?.source).toEqual({ kind: 'module', module: path.join(dir, 'lib', 'guard.js'), export: 'guard' });
    expect((def.stepsById.get('sub') as WorkflowStep).workflow).toBe(path.join(dir, 'child.yaml'));
    expect(def.source.file).toBe(path.join(dir, 'main.yaml'));
    expect([...(def.subWorkflows?.keys() ?? [])].sort()).toEqual([path.join(dir, 'child.yaml'), path.join(dir, 'main.yaml')]);
    expect(def.subWorkflows?.get(path.join(dir, 'child.yaml'))?.name).toBe('child');
  });

  it('reports missing referenced files and invalid sub-workflows with their own positions', async () => {
    const dir = tmp();
    writeFileSync(path.join(dir, 'child.yaml'), 'hookflow: 1\nname: child\nsteps:\n  - id: c\n    sett: {}\n');
    writeFileSync(
      path.join(dir, 'main.yaml'),
      'hookflow: 1\nname: main\ntools: [./nope.mjs]\nsteps:\n  - id: sub\n    workflow: ./child.yaml\n  - id: gone\n    workflow: ./missing.yaml\n',
    );
    const err = (await loadWorkflowFile(path.join(dir, 'main.yaml'), { loadSubWorkflows: true }).catch((e: unknown) => e)) as ValidationError;
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.diagnostics.map((d) => `${path.basename(d.file)}:${d.line}:${d.col} ${d.message}`)).toEqual([
      'main.yaml:3:9 tool module not found',
      'main.yaml:8:15 sub-workflow not found',
      'child.yaml:4:5 step has no kind',
    ]);
  });

  it('reports an unreadable main file as a diagnostic', async () => {
    const err = (await loadWorkflowFile(path.join(tmp(), 'absent.yaml')).catch((e: unknown) => e)) as ValidationError;
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.diagnostics[0]?.message).toBe('cannot read workflow file: ENOENT');
  });
});
