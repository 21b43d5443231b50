import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { graphCommand } from '../../src/cli/commands/graph.js';
import type { CliIO } from '../../src/cli/io.js';
import { toDot, toMermaid } from '../../src/dsl/graph.js';
import { loadWorkflowFile } from '../../src/dsl/load.js';

const repo = path.resolve(import.meta.dirname, '..', '..');

function io(cwd: string): CliIO & { out: string; err: string } {
  const self = {
    out: '',
    err: '',
    cwd,
    env: {},
    isTTY: false,
    stdout: (t: string) => {
      self.out += t;
    },
    stderr: (t: string) => {
      self.err += t;
    },
  };
  return self;
}

describe('hookflow graph', () => {
  it('prints a Mermaid flowchart by default', async () => {
    const t = io(repo);
    expect(await graphCommand(['workflows/loop-refine.yaml'], t)).toBe(0);
    expect(t.out).toBe(toMermaid(await loadWorkflowFile(path.join(repo, 'workflows', 'loop-refine.yaml'))));
    expect(t.out.startsWith('---\ntitle: loop-refine\n---\nflowchart TD\n')).toBe(true);
    expect(t.err).toBe('');
  });

  it('prints Graphviz DOT with --format dot', async () => {
    const t = io(repo);
    expect(await graphCommand(['--format', 'dot', 'workflows/nested-everything.yaml'], t)).toBe(0);
    expect(t.out).toBe(toDot(await loadWorkflowFile(path.join(repo, 'workflows', 'nested-everything.yaml'))));
    expect(t.out.startsWith('digraph "nested-everything" {')).toBe(true);
  });

  it('prints diagnostics and exits 2 for an invalid workflow', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hookflow-graph-'));
    writeFileSync(path.join(dir, 'bad.yaml'), 'hookflow: 1\nname: bad\nsteps:\n  - id: a\n    tol: util.echo\n');
    const t = io(dir);
    expect(await graphCommand(['bad.yaml'], t)).toBe(2);
    expect(t.out).toBe('');
    expect(t.err).toBe(
      'bad.yaml:4:5: step has no kind (at steps[0]) — expected exactly one of tool, agent, workflow, steps, parallel, if, switch, loop, set, wait, emit, fail, found keys id, tol; hint: did you mean "tool" instead of "tol"?\n',
    );
  });

  it('exits 2 on usage errors', async () => {
    for (const argv of [[], ['a.yaml', 'b.yaml'], ['--format', 'svg', 'workflows/hello.yaml'], ['--bogus']]) {
      const t = io(repo);
      expect(await graphCommand(argv, t), argv.join(' ')).toBe(2);
      expect(t.err).toContain('Usage: hookflow graph');
    }
    const help = io(repo);
    expect(await graphCommand(['-h'], help)).toBe(0);
    expect(help.out).toContain('--format mermaid|dot');
  });
});
