import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateCommand } from '../../src/cli/commands/validate.js';
import type { CliIO } from '../../src/cli/io.js';

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

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'hookflow-validate-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

const BAD = 'hookflow: 1\nname: bad\nsteps:\n  - id: a\n    tool: util.echo\n    retry: { attempts: 0 }\n';

describe('hookflow validate', () => {
  it('prints ok per valid file and exits 0', async () => {
    const t = io(repo);
    const code = await validateCommand(['workflows/hello.yaml', 'workflows/order-triage.yaml'], t);
    expect(code).toBe(0);
    expect(t.out).toBe('ok workflows/hello.yaml\nok workflows/order-triage.yaml\n');
    expect(t.err).toBe('');
  });

  it('prints file:line:col diagnostics relative to the cwd on stderr and exits 2', async () => {
    const dir = project({ 'bad.yaml': BAD, 'good.yaml': 'hookflow: 1\nname: good\nsteps:\n  - id: a\n    set: { x: 1 }\n' });
    const t = io(dir);
    const code = await validateCommand(['bad.yaml', 'good.yaml'], t);
    expect(code).toBe(2);
    expect(t.err).toBe('bad.yaml:6:24: invalid value for "attempts" (at steps[0].retry.attempts) — expected an integer >= 1 (counts the first try), found 0 (number)\n');
    expect(t.out).toBe('ok good.yaml\n');
  });

  it('--json prints every diagnostic as a JSON array on stdout only', async () => {
    const dir = project({ 'bad.yaml': BAD });
    const t = io(dir);
    expect(await validateCommand(['--json', 'bad.yaml'], t)).toBe(2);
    expect(t.err).toBe('');
    expect(JSON.parse(t.out)).toEqual([
      {
        file: 'bad.yaml',
        line: 6,
        col: 24,
        path: 'steps[0].retry.attempts',
        message: 'invalid value for "attempts"',
        expected: 'an integer >= 1 (counts the first try)',
        found: '0 (number)',
      },
    ]);
    const ok = io(repo);
    expect(await validateCommand(['workflows/hello.yaml', '--json'], ok)).toBe(0);
    expect(JSON.parse(ok.out)).toEqual([]);
  });

  it('checks tool names against the built-ins, --tools modules and the workflow tools: modules', async () => {
    const dir = project({
      'typo.yaml': 'hookflow: 1\nname: typo\nsteps:\n  - id: a\n    tool: util.ecko\n',
      'custom.mjs': "export default [{ name: 'acme.ping', run: () => 'pong' }]\n",
      'own.yaml': 'hookflow: 1\nname: own\ntools: [./custom.mjs]\nsteps:\n  - id: a\n    tool: acme.ping\n',
      'flag.yaml': 'hookflow: 1\nname: flag\nsteps:\n  - id: a\n    tool: acme.ping\n',
    });
    const typo = io(dir);
    expect(await validateCommand(['typo.yaml'], typo)).toBe(2);
    expect(typo.err).toBe('typo.yaml:5:11: unknown tool "util.ecko" (at steps[0].tool) — expected a registered tool name; hint: did you mean "util.echo"?\n');
    const own = io(dir);
    expect(await validateCommand(['own.yaml'], own)).toBe(0);
    const withoutFlag = io(dir);
    expect(await validateCommand(['flag.yaml'], withoutFlag)).toBe(2);
    expect(withoutFlag.err).toContain('unknown tool "acme.ping"');
    const withFlag = io(dir);
    expect(await validateCommand(['flag.yaml', '--tools', './custom.mjs'], withFlag)).toBe(0);
    expect(withFlag.out).toBe('ok flag.yaml\n');
  });

  it('reports unreadable files as diagnostics', async () => {
    const t = io(project({}));
    expect(await validateCommand(['missing.yaml'], t)).toBe(2);
    expect(t.err).toBe('missing.yaml: cannot read workflow file: ENOENT\n');
  });

  it('exits 2 with usage on bad invocations and 0 for --help', async () => {
    const none = io(repo);
    expect(await validateCommand([], none)).toBe(2);
    expect(none.err).toContain('no workflow files given');
    expect(none.err).toContain('Usage: hookflow validate');
    const unknown = io(repo);
    expect(await validateCommand(['--strict', 'x.yaml'], unknown)).toBe(2);
    expect(unknown.err).toContain("Unknown option '--strict'");
    const help = io(repo);
    expect(await validateCommand(['--help'], help)).toBe(0);
    expect(help.out).toContain('Usage: hookflow validate');
  });
});
