/**
 * `hookflow hooks list <file>` and `hookflow hooks status` as a real child process (`node
 * bin/hookflow.js`, which runs the build in dist/): hooks per point in call order, JSON rows, clear
 * errors, and the breaker snapshots a run left in a temp SQLite store.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..', '..');
const bin = path.join(root, 'bin', 'hookflow.js');
const fx = (name: string): string => path.join(root, 'test', 'fixtures', 'hooks', 'cli', name);
let dir: string;

beforeAll(async () => {
  if (!existsSync(path.join(root, 'dist', 'cli', 'main.js'))) {
    // A direct `vitest run` without `npm test`: build once (npm test builds before the suite).
    const r = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`build failed:\n${r.stdout}\n${r.stderr}`);
  }
  dir = await mkdtemp(path.join(tmpdir(), 'hookflow-cli-hooks-'));
}, 120_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function hookflow(args: string[]): Promise<Result> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
    delete env.HOOKFLOW_STORE;
    const child = spawn(process.execPath, [bin, ...args], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('hookflow hooks list <file>', () => {
  it('prints the hooks of each point in call order (points in contract order, then order), with source, scope and match', async () => {
    const r = await hookflow(['hooks', 'list', fx('listed.yaml')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.filter((l) => !l.startsWith(' '))).toEqual(['before_step', 'after_step', 'before_tool']);
    const rows = lines.filter((l) => l.startsWith(' ')).map((l) => l.trim().split(/\s+/)[1]);
    expect(rows).toEqual(['audit', 'panel', 'local', 'audit', 'guard', 'tag-echo', 'refuse-fail']);
    expect(r.stdout).toMatch(/-5 {2}panel +compose: firstMatch \[first, second\] workflow/);
    expect(r.stdout).toMatch(/-1 {2}local +do: modify +step a/);
    expect(r.stdout).toMatch(/guard +do: cancel +workflow {2}match \{"tool":"util\.\*"\}/);
  });

  it('--json: one row per (point, hook)', async () => {
    const r = await hookflow(['hooks', 'list', fx('listed.yaml'), '--json']);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    expect(rows.map((x) => `${String(x.point)}:${String(x.id)}`)).toEqual([
      'before_step:audit',
      'after_step:panel',
      'after_step:local',
      'after_step:audit',
      'before_tool:guard',
      'before_tool:tag-echo',
      'before_tool:refuse-fail',
    ]);
    expect(rows.find((x) => x.id === 'local')).toEqual({ point: 'after_step', id: 'local', order: -1, scope: 'step a', source: 'do: modify', match: '' });
  });

  it('an invalid file is one clear line and exit code 2', async () => {
    const r = await hookflow(['hooks', 'list', fx('missing.yaml')]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^hookflow: .*missing\.yaml/);
    expect(r.stderr).not.toMatch(/\bat .*\.js:\d+/);
  });

  it('without a file: says that only declared hooks can be listed', async () => {
    const r = await hookflow(['hooks', 'list']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('no hooks declared');
  });

  it('an unknown subcommand is a usage error (exit 2)', async () => {
    const r = await hookflow(['hooks', 'frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('usage: hookflow hooks list [<file>] | hookflow hooks status');
  });
});

describe('hookflow hooks status', () => {
  it('after a run on a SQLite store: each breaker with its state, calls, failures, p95s and reason', async () => {
    const store = path.join(dir, 'status.db');
    const empty = await hookflow(['hooks', 'status', '--store', store]);
    expect(empty.code).toBe(0);
    expect(empty.stdout).toContain('no breaker state recorded yet');

    const run = await hookflow(['run', fx('status.yaml'), '--store', store]);
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe('3');
    expect(run.stderr).toContain('hook cli-status:brittle opened: 2 consecutive failures (last: always fails)');

    const r = await hookflow(['hooks', 'status', '--store', store]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^cli-status:brittle +open +calls +2 +failures +2 +p95 [\d.]+ ms +op p95 [\d.]+ ms +opens 1 +\(2 consecutive failures \(last: always fails\)\)$/);
    expect(lines[1]).toMatch(/^cli-status:fine +closed +calls +3 +failures +0 /);

    const json = await hookflow(['hooks', 'status', '--store', store, '--json']);
    const snaps = JSON.parse(json.stdout) as Array<Record<string, unknown>>;
    expect(snaps.map((s) => [s.hookId, s.state, s.calls, s.failures, s.opens])).toEqual([
      ['cli-status:brittle', 'open', 2, 2, 1],
      ['cli-status:fine', 'closed', 3, 0, 0],
    ]);
  });
});
