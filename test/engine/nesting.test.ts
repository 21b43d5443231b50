/**
 * Every pattern nested in every other (4x4, plus every 3-deep chain), generated from a small model that
 * predicts the output and the step paths; and the path grammar of revisits, composite attempts,
 * catch lists and forks.
 */
import { describe, expect, it } from 'vitest';
import { harness, wf } from '../helpers.js';
import { pathsOf } from './support.js';

type Kind = 'sequence' | 'parallel' | 'if' | 'loop';
const KINDS: readonly Kind[] = ['sequence', 'parallel', 'if', 'loop'];

interface Node {
  kind: Kind | 'leaf';
  id: string;
  child?: Node;
}

function chain(kinds: readonly Kind[]): Node {
  let node: Node = { kind: 'leaf', id: 'leaf' };
  for (let i = kinds.length - 1; i >= 0; i--) node = { kind: kinds[i] as Kind, id: `${kinds[i]}${i}`, child: node };
  return node;
}

function yamlOf(n: Node, indent: string): string {
  const inner = (): string => yamlOf(n.child as Node, `${indent}    `);
  switch (n.kind) {
    case 'leaf':
      // `index` is the innermost loop index (absent outside loops: then the value is just "L").
      return `${indent}- id: ${n.id}\n${indent}  tool: test.echo\n${indent}  with: { value: "\${ 'L' & $string(index) }" }\n`;
    case 'sequence':
      return `${indent}- id: ${n.id}\n${indent}  steps:\n${inner()}`;
    case 'parallel':
      // A second, constant branch proves the output is keyed by branch id.
      return `${indent}- id: ${n.id}\n${indent}  parallel:\n${inner()}${indent}    - id: ${n.id}_side\n${indent}      set: { side: 1 }\n`;
    case 'if':
      return `${indent}- id: ${n.id}\n${indent}  if: \${ true }\n${indent}  then:\n${inner()}${indent}  else:\n${indent}    - id: ${n.id}_else\n${indent}      fail: { code: WRONG_BRANCH, message: else ran }\n`;
    case 'loop':
      return `${indent}- id: ${n.id}\n${indent}  loop:\n${indent}    times: 2\n${indent}    steps:\n${inner()}`;
  }
}

/** Predicted output of `n` and every leaf path under it, given the path prefix and the innermost loop index. */
function model(n: Node, prefix: string, index: number | undefined): { output: unknown; leaves: string[] } {
  switch (n.kind) {
    case 'leaf':
      return { output: `L${index ?? ''}`, leaves: [`${prefix}${n.id}`] };
    case 'sequence':
    case 'if':
      return model(n.child as Node, `${prefix}${n.id}/`, index);
    case 'parallel': {
      const m = model(n.child as Node, `${prefix}${n.id}/`, index);
      return { output: { [(n.child as Node).id]: m.output, [`${n.id}_side`]: { side: 1 } }, leaves: m.leaves };
    }
    case 'loop': {
      const its = [0, 1].map((i) => model(n.child as Node, `${prefix}${n.id}[${i}]/`, i));
      return { output: its.map((m) => m.output), leaves: its.flatMap((m) => m.leaves) };
    }
  }
}

async function check(kinds: readonly Kind[]): Promise<void> {
  const root = chain(kinds);
  const h = harness();
  const r = await h.run(wf(`steps:\n${yamlOf(root, '  ')}`));
  const want = model(root, '', undefined);
  expect(r.error).toBeNull();
  expect(r.output).toEqual(want.output);
  const leafPaths = pathsOf(h.events, 'step.completed').filter((p) => p.endsWith('leaf'));
  // Sibling parallel branches may finish in any order; compare as sets, and in order for the rest.
  if (kinds.includes('parallel')) expect([...leafPaths].sort()).toEqual([...want.leaves].sort());
  else expect(leafPaths).toEqual(want.leaves);
  // Every composite step completes after its body.
  const completed = pathsOf(h.events, 'step.completed');
  expect(completed.at(-1)).toBe(root.id);
}

describe('nesting: every pattern inside every other', () => {
  for (const outer of KINDS) {
    for (const inner of KINDS) {
      it(`${inner} inside ${outer}`, () => check([outer, inner]));
    }
  }

  it('every 3-deep chain of patterns', async () => {
    for (const a of KINDS) for (const b of KINDS) for (const c of KINDS) await check([a, b, c]);
  });

  it('the model predicts concrete paths (spot check: loop in loop)', () => {
    expect(model(chain(['loop', 'loop']), '', undefined).leaves).toEqual(['loop0[0]/loop1[0]/leaf', 'loop0[0]/loop1[1]/leaf', 'loop0[1]/loop1[0]/leaf', 'loop0[1]/loop1[1]/leaf']);
    expect(model(chain(['parallel', 'if', 'sequence']), '', undefined).leaves).toEqual(['parallel0/if1/sequence2/leaf']);
  });
});

describe('path grammar', () => {
  it('a composite step retried by its policy runs its body under `id~N/`', async () => {
    const h = harness();
    const r = await h.run(wf(`steps:
  - id: block
    retry: { attempts: 3 }
    steps:
      - id: x
        tool: test.flaky
        with: { key: k, failures: 2, value: done }
`));
    expect(r.output).toBe('done');
    expect(pathsOf(h.events, 'step.failed')).toEqual(['block/x', 'block~2/x']);
    expect(pathsOf(h.events, 'step.completed')).toEqual(['block~3/x', 'block']);
    expect(h.events.filter((e) => e.type === 'step.retrying').map((e) => (e.data as { path: string; attempt: number }).attempt)).toEqual([1, 2]);
  });

  it('a retried loop numbers its iterations under `loop~N[i]/`', async () => {
    const h = harness();
    const r = await h.run(wf(`steps:
  - id: l
    retry: { attempts: 2 }
    loop:
      times: 2
      steps:
        - id: x
          tool: test.flaky
          with: { key: "k\${ index }", failures: "\${ index }" }
`));
    expect(r.status).toBe('completed');
    expect(pathsOf(h.events, 'step.completed')).toEqual(['l[0]/x', 'l~2[0]/x', 'l~2[1]/x', 'l']);
  });

  it('catch steps run under `step!catch/`', async () => {
    const h = harness();
    const r = await h.run(wf(`steps:
  - id: risky
    tool: test.fail
    catch:
      - id: recover
        tool: test.echo
        with: { value: recovered }
`));
    expect(r.output).toBe('recovered');
    expect(pathsOf(h.events, 'step.completed')).toEqual(['risky!catch/recover']);
  });

  it('forked branches run under `origin#fork[k]/`, a second fork of the same origin under `#fork2`', async () => {
    const h = harness();
    h.engine.hooks.register({
      id: 'twice',
      at: ['before_step', 'after_step'],
      match: { step: 'plan' },
      run: () => ({ action: 'fork', branches: [{ id: 'f', tool: 'test.echo', with: { value: 'F' } }] }),
    });
    const r = await h.run(wf(`steps:
  - id: plan
    tool: test.echo
    with: { value: P }
  - id: after
    tool: test.echo
    with: { value: "\${ steps.plan.forks }" }
`));
    expect(r.output).toEqual(['F', 'F']);
    expect(pathsOf(h.events, 'step.completed')).toEqual(expect.arrayContaining(['plan#fork[0]/f', 'plan#fork2[0]/f']));
  });
});
