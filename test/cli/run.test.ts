/**
 * `hookflow run` as a real child process (`node bin/hookflow.js`, which needs the build in dist/) on a
 * temp SQLite store: exit codes 0/1/2/3, the `--json` result shape, `--run-id` reuse, `--input` and
 * `--input-file`, human progress on stderr, `--events` JSON lines, `--tools`, and errors as one clear
 * line without a stack trace.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/index.js';

const root = path.resolve(import.meta.dirname, '..', '..');
const bin = path.join(root, 'bin', 'hookflow.js');
const fx = (name: string): string => path.join(root, 'test', 'fixtures', 'engine', name);
let dir: string;
let stores = 0;

beforeAll(async () => {
  if (!existsSync(path.join(root, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: build first with `npx tsc -p tsconfig.build.json` (npm test does)');
  dir = await mkdtemp(path.join(tmpdir(), 'hookflow-cli-run-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A fresh SQLite store file (tests run concurrently; each gets its own journal). */
function newStore(): string {
  return path.join(dir, `runs-${++stores}.db`);
}

function hookflow(args: string[], store = newStore()): Promise<Result> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
    delete env.HOOKFLOW_STORE;
    const child = spawn(process.execPath, [bin, ...args, '--store', store], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * An error report: one `hookflow: CODE: ...` line (plus indented detail lines), never a stack trace,
 * and no run id announced for a run that was never created.
 */
function expectCleanError(r: Result, code: string, message: RegExp): void {
  expect(r.stderr).toMatch(new RegExp(`^hookflow: ${code}: `));
  expect(r.stderr).not.toMatch(/^hookflow: run /m);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/);
  expect(r.stderr).not.toMatch(/internal error/);
}

// Each spawn costs a Node start-up; independent tests run concurrently.
describe.concurrent('hookflow run', { timeout: 60_000 }, () => {
  it('completes with exit 0; --json prints exactly {runId, status, output, error}', async () => {
    const store = newStore();
    const r = await hookflow(['run', fx('cli-greet.yaml'), '--input', '{"name":"Ada"}', '--json', '--run-id', 'cli-ok-1'], store);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(Object.keys(result)).toEqual(['runId', 'status', 'output', 'error']);
    expect(result).toEqual({ runId: 'cli-ok-1', status: 'completed', output: { greeting: 'Hello, Ada!', shaky: 'failed' }, error: null });
    // The run id is announced on stderr before any step runs.
    const lines = r.stderr.split('\n');
    expect(lines[0]).toMatch(/^hookflow: run cli-ok-1 \(cli-greet v1\) on sqlite:/);
    const s = SqliteStore.open(store);
    try {
      expect(await s.getRun('cli-ok-1')).toMatchObject({ status: 'completed', workflow: 'cli-greet', input: { name: 'Ada' } });
    } finally {
      await s.close();
    }
  });

  it('prints human progress on stderr with per-step status and timing, and the output on stdout', async () => {
    const r = await hookflow(['run', fx('cli-greet.yaml'), '--input', '{"name":"Bo"}']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ greeting: 'Hello, Bo!', shaky: 'failed' });
    expect(r.stderr).toMatch(/^ {2}ok {3}greet {2}\d+(\.\d+)?(ms|s)$/m);
    expect(r.stderr).toMatch(/^ {2}skip never {2}when guard is false$/m);
    expect(r.stderr).toMatch(/^ {2}FAIL shaky {2}E_SHAKY: ignored failure$/m);
    expect(r.stderr).toMatch(/^hookflow: run \S+ completed in \d+(\.\d+)?(ms|s)$/m);
    expect(r.stderr).not.toContain('\u001b[');
  });

  it('a failed run exits 1 with the error in the result', async () => {
    const r = await hookflow(['run', fx('cli-fail.yaml'), '--input', '{"why":"late"}', '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'failed', output: null, error: { code: 'E_CLI', message: 'refused late', step: 'boom' } });
    expect(r.stderr).toMatch(/^ {2}FAIL boom {2}E_CLI: refused late$/m);
  });

  it('a failed run without --json names code, message and step on stderr', async () => {
    const r = await hookflow(['run', fx('cli-fail.yaml'), '--input', '{"why":"now"}']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^hookflow: run \S+ failed in \S+ — E_CLI: refused now \(step boom\)$/m);
  });

  it('a cancelled run exits 1', async () => {
    const r = await hookflow(['run', fx('cli-cancel.yaml'), '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'cancelled', error: { code: 'CANCELLED' } });
  });

  it('a suspended run exits 3 and says how to continue it', async () => {
    const r = await hookflow(['run', fx('cli-suspend.yaml'), '--run-id', 'cli-wait-1']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^ {2}wait approve {2}waiting for signal "approval"$/m);
    expect(r.stderr).toContain('hookflow signal cli-wait-1 <name>');
  });

  it('reusing a --run-id is an error (exit 2) and leaves the first run untouched', async () => {
    const store = newStore();
    const first = await hookflow(['run', fx('cli-greet.yaml'), '--input', '{"name":"Once"}', '--run-id', 'cli-ok-1'], store);
    expect(first.code).toBe(0);
    const r = await hookflow(['run', fx('cli-fail.yaml'), '--run-id', 'cli-ok-1'], store);
    expect(r.code).toBe(2);
    expectCleanError(r, 'RUN_EXISTS', /cli-ok-1/);
    const s = SqliteStore.open(store);
    try {
      expect(await s.getRun('cli-ok-1')).toMatchObject({ status: 'completed', workflow: 'cli-greet', input: { name: 'Once' } });
    } finally {
      await s.close();
    }
  });

  it('--events streams every event as a JSON line, then the result (input from --input-file)', async () => {
    const file = path.join(dir, 'input.json');
    await writeFile(file, JSON.stringify({ name: 'Ev' }));
    const r = await hookflow(['run', fx('cli-greet.yaml'), '--input-file', file, '--events', '--json']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type?: string; seq?: number; runId: string; status?: string });
    const result = lines.pop();
    expect(result).toMatchObject({ status: 'completed', output: { greeting: 'Hello, Ev!' } });
    expect(lines.map((e) => e.seq)).toEqual(lines.map((_, i) => i + 1));
    expect(lines.every((e) => e.runId === result?.runId)).toBe(true);
    expect(lines[0]?.type).toBe('run.started');
    expect(lines.at(-1)?.type).toBe('run.completed');
    expect(lines.map((e) => e.type)).toEqual(expect.arrayContaining(['step.started', 'step.completed', 'step.skipped', 'step.failed']));
    // Progress lines are replaced by the event stream.
    expect(r.stderr).not.toMatch(/^ {2}ok /m);
  });

  it('registers tool modules given with --tools', async () => {
    const r = await hookflow(['run', fx('cli-module-tool.yaml'), '--tools', fx('tools.mjs'), '--input', '{"name":"Mo"}']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('hello Mo (greet)\n');
  });

  describe('errors are one clear line with exit 2', () => {
    it('a missing workflow file', async () => {
      const r = await hookflow(['run', fx('does-not-exist.yaml')]);
      expect(r.code).toBe(2);
      expectCleanError(r, 'VALIDATION', /does-not-exist\.yaml: cannot read workflow file/);
    });

    it('an invalid definition, with file:line:col and a did-you-mean', async () => {
      const r = await hookflow(['run', fx('cli-invalid.yaml')]);
      expect(r.code).toBe(2);
      expectCleanError(r, 'VALIDATION', /cli-invalid\.yaml:7:5: unknown key "retyr" .*did you mean "retry"\?/);
    });

    it('bad JSON in --input', async () => {
      const r = await hookflow(['run', fx('cli-greet.yaml'), '--input', '{name: Ada}']);
      expect(r.code).toBe(2);
      expectCleanError(r, 'INPUT', /--input is not valid JSON: .*hint: quote it/);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    });

    it('input that does not match the workflow schema', async () => {
      const r = await hookflow(['run', fx('cli-greet.yaml'), '--input', '{"name":5}']);
      expect(r.code).toBe(2);
      expectCleanError(r, 'INPUT', /input\.name: /);
    });

    it('an unknown tool', async () => {
      const r = await hookflow(['run', fx('cli-unknown-tool.yaml')]);
      expect(r.code).toBe(2);
      expectCleanError(r, 'VALIDATION', /cli-unknown-tool\.yaml:5:5: unknown tool "nobody\.has\.this" .*hint: register it with --tools/);
    });

    it('usage: no workflow file', async () => {
      const r = await hookflow(['run']);
      expect(r.code).toBe(2);
      expectCleanError(r, 'USAGE', /usage: hookflow run <file>/);
    });
  });
});
