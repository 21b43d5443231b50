import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWorkflowText, validateWorkflowText } from '../../src/dsl/load.js';
import type { ExprScope } from '../../src/expr/types.js';
import type { HookDecl, RuleResult } from '../../src/hooks/types.js';

const scope: ExprScope = { input: { a: 1 }, vars: {}, steps: {}, run: { id: 'r', workflow: 'w', version: null, startedAt: '' }, env: {}, output: { tasks: ['x', 'y'] } };

function hooksOf(yaml: string, file = 'hooks.yaml', opts = {}): HookDecl[] {
  return loadWorkflowText(`hookflow: 1\nname: h\nhooks:\n${yaml}steps:\n  - id: a\n    set: { x: 1 }\n  - id: b\n    set: { x: 2 }\n`, file, opts).hooks;
}

function rule(h: HookDecl | undefined): RuleResult {
  if (h?.source.kind !== 'rule') throw new Error('not a rule');
  return h.source.do;
}

describe('rule hooks (do:)', () => {
  it('normalises every action', async () => {
    const hooks = hooksOf(`  - { id: c, at: before_step, do: { continue: {} } }
  - { id: m1, at: before_step, do: { modify: { patch: { x: 1 } } } }
  - { id: m2, at: before_step, do: { modify: { x: 2, y: "\${ input.a }" } } }
  - { id: m3, at: before_step, do: { modify: "\${ {'z': input.a} }" } }
  - { id: c1, at: before_step, do: { cancel: too risky } }
  - { id: c2, at: before_step, do: { cancel: { reason: "\${ 'no ' & input.a }" } } }
  - { id: c3, at: before_step, do: { cancel: } }
  - { id: r1, at: after_step, do: { redirect: b } }
  - { id: r2, at: after_step, do: { redirect: { to: a } } }
  - { id: rp, at: before_step, do: { replace: { value: { cached: true } } } }
  - { id: rt1, at: after_step, do: { retry: } }
  - { id: rt2, at: step_error, do: { retry: { attempts: 3, delay: 1.5s } } }
  - { id: ca, at: before_tool, do: { cache: { key: "\${ input.a }", ttl: 10m } } }
  - { id: sk, at: before_step, do: { skip: { reason: later } } }
`);
    const byId = new Map(hooks.map((h) => [h.id, rule(h)]));
    expect(byId.get('c')).toEqual({ action: 'continue' });
    const m1 = byId.get('m1') as Extract<RuleResult, { action: 'modify' }>;
    expect(m1.patch.value).toEqual({ x: 1 });
    const m2 = byId.get('m2') as Extract<RuleResult, { action: 'modify' }>;
    expect(await m2.patch.evaluate(scope)).toEqual({ x: 2, y: 1 });
    const m3 = byId.get('m3') as Extract<RuleResult, { action: 'modify' }>;
    expect(await m3.patch.evaluate(scope)).toEqual({ z: 1 });
    const reason = async (id: string) => (byId.get(id) as { reason: { evaluate(s: ExprScope): Promise<unknown> } }).reason.evaluate(scope);
    expect(await reason('c1')).toBe('too risky');
    expect(await reason('c2')).toBe('no 1');
    expect(await reason('c3')).toBe('cancelled by hook c3');
    expect(await reason('sk')).toBe('later');
    expect(byId.get('r1')).toEqual({ action: 'redirect', to: 'b' });
    expect(byId.get('r2')).toEqual({ action: 'redirect', to: 'a' });
    expect((byId.get('rp') as Extract<RuleResult, { action: 'replace' }>).value.value).toEqual({ cached: true });
    expect(byId.get('rt1')).toEqual({ action: 'retry', attempts: 1, delay: 0 });
    expect(byId.get('rt2')).toEqual({ action: 'retry', attempts: 3, delay: 1500 });
    const ca = byId.get('ca') as Extract<RuleResult, { action: 'cache' }>;
    expect(ca.ttl).toBe(600_000);
    expect(await ca.key?.evaluate(scope)).toBe(1);
  });

  it('compiles fork steps (branches or forEach) as steps of the file', async () => {
    const text = `hookflow: 1
name: forks
hooks:
  - id: fan-out
    at: after_step
    match: { step: plan }
    do:
      fork:
        forEach: \${ output.tasks }
        as: task
        concurrency: 4
        steps:
          - id: write
            tool: text.template
            with: { template: "\${ task }" }
  - id: two
    at: before_step
    do:
      fork:
        join: detach
        branches:
          - id: left
            set: { side: left }
          - id: right
            set: { side: right }
steps:
  - id: plan
    tool: util.echo
`;
    const def = loadWorkflowText(text, 'forks.yaml');
    const fan = rule(def.hooks[0]) as Extract<RuleResult, { action: 'fork' }>;
    expect(fan).toMatchObject({ action: 'fork', as: 'task', concurrency: 4, join: 'wait' });
    expect(await fan.forEach?.evaluate(scope)).toEqual(['x', 'y']);
    expect(fan.steps?.map((s) => [s.id, s.kind, s.loc.path])).toEqual([['write', 'tool', 'hooks[0].do.fork.steps[0]']]);
    const two = rule(def.hooks[1]) as Extract<RuleResult, { action: 'fork' }>;
    expect(two.join).toBe('detach');
    expect(two.branches?.map((s) => s.id)).toEqual(['left', 'right']);
    expect(def.stepsById.has('write') && def.stepsById.has('left') && def.stepsById.has('right')).toBe(true);
  });
});

describe('hook declarations', () => {
  it('normalises common keys: at, order, match, when, timeout, failure, breaker', async () => {
    const [h] = hooksOf(`  - id: guard
    at: [before_tool, before_tool, before_agent]
    order: -5
    match: { tool: "http.*", step: "fetch*" }
    when: \${ input.a = 1 }
    timeout: 50ms
    failure: closed
    breaker: { windowSize: 10, windowMs: 30s, consecutiveFailures: 3, overheadRatio: 0.1, minCalls: 5, floorMs: 2ms, coolDownMs: 1m, timeoutMs: 200 }
    do: { continue: {} }
`);
    expect(h).toMatchObject({
      id: 'guard',
      at: ['before_tool', 'before_agent'],
      order: -5,
      match: { tool: 'http.*', step: 'fetch*' },
      timeout: 50,
      failure: 'closed',
      breaker: { windowSize: 10, windowMs: 30_000, consecutiveFailures: 3, overheadRatio: 0.1, minCalls: 5, floorMs: 2, coolDownMs: 60_000, timeoutMs: 200 },
      loc: { file: 'hooks.yaml', line: 4, col: 5, path: 'hooks[0]' },
    });
    expect(await h?.when?.evaluate(scope)).toBe(true);
  });

  it('defaults order to 0, failure to open, and lets use: hooks omit at', () => {
    const [h] = hooksOf(`  - id: http-cache
    use: cache
    match: { tool: "http.*" }
    with: { ttl: 10m, max: 500 }
`);
    expect(h).toMatchObject({ id: 'http-cache', at: [], order: 0, failure: 'open', source: { kind: 'use', use: 'cache', with: { ttl: '10m', max: 500 } } });
  });

  it('resolves module paths relative to the file and keeps package names', () => {
    const hooks = hooksOf(
      `  - { id: local, at: before_tool, module: ./hooks/guard.js }
  - { id: pkg, at: before_tool, module: hookflow-guard, export: guard }
`,
      '/srv/flows/main.yaml',
    );
    expect(hooks.map((h) => h.source)).toEqual([
      { kind: 'module', module: '/srv/flows/hooks/guard.js' },
      { kind: 'module', module: 'hookflow-guard', export: 'guard' },
    ]);
  });

  it('composites: children inherit the points and are checked against them', () => {
    const [h] = hooksOf(`  - id: council
    at: after_step
    compose: vote
    threshold: 0.5
    hooks:
      - { id: j1, do: { retry: { attempts: 1 } } }
      - { id: j2, at: after_step, module: ./j2.js }
`);
    expect(h?.source.kind).toBe('composite');
    if (h?.source.kind !== 'composite') return;
    expect(h.source.compose).toBe('vote');
    expect(h.source.threshold).toBe(0.5);
    expect(h.source.hooks.map((c) => [c.id, c.at])).toEqual([
      ['j1', ['after_step']],
      ['j2', ['after_step']],
    ]);
    const bad = validateWorkflowText('hookflow: 1\nname: h\nhooks:\n  - id: p\n    at: before_tool\n    compose: firstMatch\n    hooks:\n      - { id: c1, do: { retry: {} } }\nsteps:\n  - id: a\n    set: { x: 1 }\n', 'c.yaml');
    expect(bad.diagnostics.map((d) => `${d.line}:${d.col} ${d.message}`)).toEqual(['8:25 hook "c1" cannot return "retry" at before_tool']);
  });

  it('parses step-level hooks', () => {
    const def = loadWorkflowText('hookflow: 1\nname: h\nsteps:\n  - id: a\n    tool: util.echo\n    hooks:\n      - { id: local, at: after_step, do: { retry: { attempts: 2 } } }\n', 's.yaml');
    expect(def.stepsById.get('a')?.hooks.map((h) => h.id)).toEqual(['local']);
    expect(def.stepsById.get('a')?.hooks[0]?.loc.path).toBe('steps[0].hooks[0]');
  });
});

describe('include', () => {
  function project(): string {
    const root = mkdtempSync(path.join(tmpdir(), 'hookflow-inc-'));
    mkdirSync(path.join(root, 'definitions', 'hooks'), { recursive: true });
    mkdirSync(path.join(root, 'flows', 'deep'), { recursive: true });
    writeFileSync(
      path.join(root, 'definitions', 'hooks', 'baseline.yaml'),
      'description: shared\nhooks:\n  - id: deny-shell\n    at: before_tool\n    match: { tool: "shell.*" }\n    do: { cancel: { reason: no shell } }\n  - include: ./extra.yml\n',
    );
    writeFileSync(path.join(root, 'definitions', 'hooks', 'extra.yml'), 'hooks:\n  - id: log-all\n    use: logging\n');
    writeFileSync(path.join(root, 'flows', 'local-set.yaml'), 'hooks:\n  - id: local-one\n    at: after_step\n    do: { continue: {} }\n');
    return root;
  }

  it('loads sets from the nearest definitions/hooks/ and relative paths, pointing locations into them', () => {
    const root = project();
    const file = path.join(root, 'flows', 'deep', 'wf.yaml');
    const def = loadWorkflowText(
      'hookflow: 1\nname: inc\nhooks:\n  - include: baseline\nsteps:\n  - id: a\n    set: { x: 1 }\n    hooks:\n      - include: ../local-set.yaml\n',
      file,
    );
    expect(def.hooks.map((h) => h.id)).toEqual(['deny-shell', 'log-all']);
    expect(def.hooks[0]?.loc).toEqual({ file: path.join(root, 'definitions', 'hooks', 'baseline.yaml'), line: 3, col: 5, path: 'hooks[0]' });
    expect(def.hooks[1]?.loc.file).toBe(path.join(root, 'definitions', 'hooks', 'extra.yml'));
    expect(def.stepsById.get('a')?.hooks.map((h) => h.id)).toEqual(['local-one']);
  });

  it('uses definitionsDir when given (its hooks/ folder)', () => {
    const root = project();
    const def = loadWorkflowText('hookflow: 1\nname: inc\nhooks:\n  - include: baseline\nsteps:\n  - id: a\n    set: { x: 1 }\n', '<inline>', {
      definitionsDir: path.join(root, 'definitions'),
    });
    expect(def.hooks.map((h) => h.id)).toEqual(['deny-shell', 'log-all']);
  });

  it('reports duplicate ids across includes and redirect targets checked against the including file', () => {
    const root = project();
    writeFileSync(path.join(root, 'definitions', 'hooks', 'jump.yaml'), 'hooks:\n  - id: jump\n    at: after_step\n    do: { redirect: finish }\n');
    const r = validateWorkflowText(
      'hookflow: 1\nname: inc\nhooks:\n  - include: baseline\n  - include: jump\n  - id: deny-shell\n    use: security\nsteps:\n  - id: a\n    set: { x: 1 }\n',
      path.join(root, 'flows', 'wf.yaml'),
    );
    expect(r.diagnostics.map((d) => `${path.basename(d.file)}:${d.line}:${d.col} ${d.message}`)).toEqual([
      'wf.yaml:6:9 duplicate hook id "deny-shell"',
      'jump.yaml:4:21 redirect to unknown step "finish"',
    ]);
  });
});
