import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { callTool, errorOf, tempDir } from '../helpers.js';

describe('env.read', () => {
  const env = { API_BASE: 'https://api', APP_MODE: 'test', SECRET_KEY: 'hunter2' };
  const opts = { envAllow: ['API_BASE', 'APP_*', 'MISSING'], env };

  it('returns allow-listed variables (exact names or globs), default or null when unset', async () => {
    expect(await callTool('env.read', { name: 'API_BASE' }, {}, opts)).toBe('https://api');
    expect(await callTool('env.read', { name: 'APP_MODE' }, {}, opts)).toBe('test');
    expect(await callTool('env.read', { name: 'MISSING' }, {}, opts)).toBeNull();
    expect(await callTool('env.read', { name: 'MISSING', default: 'fallback' }, {}, opts)).toBe('fallback');
  });

  it('refuses names outside the allow-list with SECURITY, and everything by default', async () => {
    const err = await errorOf(() => callTool('env.read', { name: 'SECRET_KEY' }, {}, opts));
    expect(err.code).toBe('SECURITY');
    expect(err.message).toContain('"SECRET_KEY" is not in the allow-list');
    expect(err.message).not.toContain('hunter2');
    expect((await errorOf(() => callTool('env.read', { name: 'PATH' }))).message).toContain('allow-list (empty)');
  });

  it('reads process.env at call time when no env is injected', async () => {
    process.env.HOOKFLOW_TOOLS_TEST = 'live';
    try {
      expect(await callTool('env.read', { name: 'HOOKFLOW_TOOLS_TEST' }, {}, { envAllow: ['HOOKFLOW_TOOLS_TEST'] })).toBe('live');
    } finally {
      delete process.env.HOOKFLOW_TOOLS_TEST;
    }
  });
});

describe('process.exec', () => {
  let ws: string;
  let cleanup: () => Promise<void>;
  const node = process.execPath;
  const exec = (args: unknown, signal?: AbortSignal) => callTool('process.exec', args, { workspace: ws, permissions: { exec: true }, ...(signal ? { signal } : {}) });

  beforeAll(async () => {
    ({ dir: ws, cleanup } = await tempDir());
    await mkdir(join(ws, 'sub'));
  });
  afterAll(() => cleanup());

  it('is refused with SECURITY unless exec was granted', async () => {
    const err = await errorOf(() => callTool('process.exec', { command: node, args: ['-v'] }, { workspace: ws }));
    expect(err.code).toBe('SECURITY');
    expect(err.message).toContain('not permitted');
    expect((await errorOf(() => callTool('process.exec', { command: node }, { workspace: ws, permissions: { exec: false } }))).code).toBe('SECURITY');
  });

  it('runs a program without a shell and returns exit code and output', async () => {
    expect(await exec({ command: node, args: ['-e', 'process.stdout.write("out"); process.stderr.write("err")'] })).toEqual({
      exitCode: 0,
      signal: null,
      stdout: 'out',
      stderr: 'err',
    });
    // No shell: metacharacters reach the program literally.
    expect(await exec({ command: node, args: ['-e', 'process.stdout.write(process.argv[1])', '$(echo hi); rm -rf /'] })).toMatchObject({ stdout: '$(echo hi); rm -rf /' });
  });

  it('returns a non-zero exit code as a result and passes stdin, env and cwd', async () => {
    expect(await exec({ command: node, args: ['-e', 'process.exit(3)'] })).toMatchObject({ exitCode: 3 });
    const script = 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write(s.toUpperCase()+process.env.EXTRA+require("path").basename(process.cwd())))';
    expect(await exec({ command: node, args: ['-e', script], input: 'piped', env: { EXTRA: '!' }, cwd: 'sub' })).toMatchObject({ stdout: 'PIPED!sub' });
  });

  it('keeps cwd inside the workspace', async () => {
    expect((await errorOf(() => exec({ command: node, args: ['-v'], cwd: '..' }))).code).toBe('SECURITY');
  });

  it('times out with TIMEOUT and kills the program', async () => {
    const err = await errorOf(() => exec({ command: node, args: ['-e', 'setTimeout(() => {}, 60000)'], timeoutMs: 200 }));
    expect(err.code).toBe('TIMEOUT');
    expect(err.message).toContain('within 200ms');
  });

  it('rejects with the abort reason when cancelled', async () => {
    const ctl = new AbortController();
    const reason = new Error('run cancelled');
    const p = exec({ command: node, args: ['-e', 'setTimeout(() => {}, 60000)'] }, ctl.signal);
    ctl.abort(reason);
    await expect(p).rejects.toBe(reason);
  });

  it('kills a running program when cancelled', async () => {
    const ctl = new AbortController();
    const reason = new Error('cancelled while running');
    const p = exec({ command: node, args: ['-e', 'require("fs").writeFileSync("started", ""); setTimeout(() => {}, 60000)'] }, ctl.signal);
    await vi.waitFor(() => expect(existsSync(join(ws, 'started'))).toBe(true), { timeout: 10_000, interval: 10 });
    ctl.abort(reason);
    await expect(p).rejects.toBe(reason);
  });

  it('explains a missing program and an output overflow', async () => {
    expect((await errorOf(() => exec({ command: 'definitely-not-a-real-program-xyz' }))).message).toContain('not found');
    expect((await errorOf(() => exec({ command: node, args: ['-e', 'process.stdout.write("x".repeat(5000))'], maxBuffer: 100 }))).message).toContain('exceeded maxBuffer');
  });
});
