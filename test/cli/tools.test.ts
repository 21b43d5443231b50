import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toolsCommand } from '../../src/cli/commands/tools.js';
import type { CliIO } from '../../src/cli/io.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hookflow-cli-tools-'));
  await writeFile(
    join(dir, 'tools.mjs'),
    `export default [{ name: 'math.add', description: 'Adds two numbers', output: 'the sum',
      input: { type: 'object', required: ['a', 'b'], properties: { a: { type: 'number' }, b: { type: 'number' } } },
      run: (a) => a.a + a.b }];`,
  );
  await writeFile(join(dir, 'dupe.mjs'), `export default [{ name: 'util.echo', run: () => 1 }];`);
});

afterAll(() => rm(dir, { recursive: true, force: true }));

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIO = { stdout: (t) => (out += t), stderr: (t) => (err += t), cwd: dir, env: {}, isTTY: false };
  const code = await toolsCommand(argv, io);
  return { code, out, err };
}

describe('hookflow tools list', () => {
  it('prints every built-in with description, compact input schema and output', async () => {
    const { code, out, err } = await run(['list']);
    expect(code).toBe(0);
    expect(err).toBe('');
    expect(out).toContain('math.calc  Evaluates an arithmetic expression');
    expect(out).toContain('  input:  {"type":"object","properties":{"expression":{"type":"string","maxLength":10000}');
    expect(out).toContain('  output: a finite number');
    expect(out).toContain('  files:  path (sandboxed to the workspace)');
    expect(out).not.toContain('$schema');
    const names = [...out.matchAll(/^(\S+)/gm)].map((m) => m[1]);
    expect(names.length).toBeGreaterThanOrEqual(25);
    expect(names).toEqual([...names].sort());
  });

  it('--json prints an array with schemas, outputs and fileArgs', async () => {
    const { code, out } = await run(['list', '--json']);
    expect(code).toBe(0);
    const rows = JSON.parse(out) as { name: string; description: string; input: Record<string, unknown>; output: unknown; fileArgs: string[] }[];
    const read = rows.find((r) => r.name === 'file.read');
    expect(read).toMatchObject({ fileArgs: ['path'], input: { type: 'object', required: ['path'] } });
    expect(read?.input.$schema).toBeUndefined();
    expect(rows.find((r) => r.name === 'util.echo')?.output).toBe('the value, as given (null when absent)');
  });

  it('filters by a glob on the name', async () => {
    const { out } = await run(['list', 'csv.*', '--json']);
    expect((JSON.parse(out) as { name: string }[]).map((r) => r.name)).toEqual(['csv.format', 'csv.parse']);
    const none = await run(['list', 'zzz.*']);
    expect(none).toMatchObject({ code: 0, out: '', err: 'no tool matches "zzz.*"\n' });
  });

  it('loads --tools modules relative to the cwd', async () => {
    const { code, out } = await run(['list', 'math.*', '--tools', './tools.mjs']);
    expect(code).toBe(0);
    expect(out).toContain('math.add  Adds two numbers\n  input:  {"type":"object","required":["a","b"],"properties":{"a":{"type":"number"},"b":{"type":"number"}}}\n  output: the sum\n');
    expect(out).toContain('math.calc');
  });

  it('exits 2 with one clear line for missing modules and duplicate names', async () => {
    const missing = await run(['list', '--tools', './nope.mjs']);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/^hookflow tools: tool module "\.\/nope\.mjs" not found/);
    expect(missing.err.trim().split('\n')).toHaveLength(1);
    const dupe = await run(['list', '--tools', 'dupe.mjs']);
    expect(dupe.code).toBe(2);
    expect(dupe.err).toContain('"util.echo" is already registered');
  });

  it('exits 2 on usage errors and 0 with --help', async () => {
    expect((await run([])).code).toBe(2);
    expect((await run([])).err).toContain('missing subcommand');
    expect((await run(['show'])).err).toContain('unknown subcommand "show"');
    expect((await run(['list', 'a', 'b'])).err).toContain('unexpected arguments: b');
    const bad = await run(['list', '--verbose-nope']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('Usage: hookflow tools list');
    const help = await run(['--help']);
    expect(help).toMatchObject({ code: 0, err: '' });
    expect(help.out).toContain('Usage: hookflow tools list');
  });
});
