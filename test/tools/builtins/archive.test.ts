import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endOfArchive, entryHeader, padding } from '../../../src/tools/builtins/tar.js';
import { callTool, errorOf, tempDir } from '../helpers.js';

let base: string;
let ws: string;
let cleanup: () => Promise<void>;
const call = (name: string, args: unknown, signal?: AbortSignal) => callTool(name, args, { workspace: ws, ...(signal ? { signal } : {}) });

const longDir = `${'d'.repeat(60)}/${'e'.repeat(60)}`;
const longName = `${'f'.repeat(95)}.txt`;
const veryLong = `${'g'.repeat(120)}/${'h'.repeat(120)}.txt`;

const files: Record<string, string> = {
  'top.txt': 'top level\n',
  'empty.txt': '',
  'nested/inner.md': '# inner\n'.repeat(200),
  'nested/ünïcødé ✓.txt': 'unicode name',
  [`${longDir}/${longName}`]: 'needs the ustar prefix field',
  [veryLong]: 'needs a PAX path record',
};

beforeAll(async () => {
  ({ dir: base, cleanup } = await tempDir());
  ws = join(base, 'ws');
  for (const [name, text] of Object.entries(files)) {
    await mkdir(join(ws, 'project', name, '..'), { recursive: true });
    await writeFile(join(ws, 'project', name), text);
  }
  await mkdir(join(base, 'outside'));
  await writeFile(join(base, 'outside', 'secret'), 'secret');
  await symlink(join(base, 'outside'), join(ws, 'project', 'link-out'));
});

afterAll(() => cleanup());

async function readTree(dir: string, prefix = ''): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) Object.assign(out, await readTree(join(dir, e.name), rel));
    else if (e.isFile()) out[rel] = await readFile(join(dir, e.name), 'utf8');
  }
  return out;
}

function gzTar(members: { name: string; data?: string; type?: 'file' | 'dir' }[]): Buffer {
  const parts: Buffer[] = [];
  for (const m of members) {
    const data = Buffer.from(m.data ?? '');
    parts.push(entryHeader({ name: m.name, type: m.type ?? 'file', size: data.length, mode: 0o644, mtimeMs: 0 }), data, padding(data.length));
  }
  parts.push(endOfArchive());
  return gzipSync(Buffer.concat(parts));
}

describe('file.archive / file.extract', () => {
  it('packs a directory (skipping symlinks) and unpacks it back identically', async () => {
    await mkdir(join(ws, 'out'));
    const res = (await call('file.archive', { source: 'project', target: 'out/project.tar.gz' })) as { target: string; files: number; bytes: number };
    expect(res.target).toBe('out/project.tar.gz');
    expect(res.files).toBe(Object.keys(files).length);
    expect(res.bytes).toBeGreaterThan(20);
    const ex = (await call('file.extract', { source: 'out/project.tar.gz', target: 'restored' })) as { files: number; dirs: number; skipped: string[] };
    expect(ex.files).toBe(Object.keys(files).length);
    expect(ex.skipped).toEqual([]);
    expect(await readTree(join(ws, 'restored'))).toEqual(files);
  });

  it('writes archives that GNU tar reads, long names included', async () => {
    const list = execFileSync('tar', ['-tzf', join(ws, 'out', 'project.tar.gz')], { encoding: 'utf8' }).split('\n');
    for (const name of Object.keys(files)) expect(list).toContain(name);
    expect(list).toContain('nested/');
    const dest = join(ws, 'gnu');
    await mkdir(dest);
    execFileSync('tar', ['-xzf', join(ws, 'out', 'project.tar.gz'), '-C', dest]);
    expect(await readTree(dest)).toEqual(files);
  });

  it('extracts archives made by GNU tar', async () => {
    execFileSync('tar', ['-czf', join(ws, 'gnu.tgz'), '-C', join(ws, 'project'), 'top.txt', 'nested']);
    await call('file.extract', { source: 'gnu.tgz', target: 'from-gnu' });
    expect(await readTree(join(ws, 'from-gnu'))).toEqual({ 'top.txt': files['top.txt'], 'nested/inner.md': files['nested/inner.md'], 'nested/ünïcødé ✓.txt': 'unicode name' });
  });

  it('archives a single file under its base name', async () => {
    await call('file.archive', { source: 'project/top.txt', target: 'single.tgz' });
    await call('file.extract', { source: 'single.tgz', target: 'single' });
    expect(await readTree(join(ws, 'single'))).toEqual({ 'top.txt': 'top level\n' });
  });

  it('refuses members that climb out of the target (zip-slip) or are absolute', async () => {
    await writeFile(join(ws, 'evil.tgz'), gzTar([{ name: 'ok.txt', data: 'fine' }, { name: '../../escaped.txt', data: 'bad' }]));
    const err = await errorOf(() => call('file.extract', { source: 'evil.tgz', target: 'evil' }));
    expect(err.code).toBe('SECURITY');
    expect(err.message).toContain('"../../escaped.txt"');
    expect(existsSync(join(base, 'escaped.txt'))).toBe(false);
    await writeFile(join(ws, 'abs.tgz'), gzTar([{ name: '/tmp/abs-escape.txt', data: 'bad' }]));
    expect((await errorOf(() => call('file.extract', { source: 'abs.tgz' }))).code).toBe('SECURITY');
  });

  it('refuses sources and targets outside the workspace', async () => {
    expect((await errorOf(() => call('file.archive', { source: '../outside', target: 'x.tgz' }))).code).toBe('SECURITY');
    expect((await errorOf(() => call('file.archive', { source: 'project', target: '../x.tgz' }))).code).toBe('SECURITY');
    expect((await errorOf(() => call('file.extract', { source: 'single.tgz', target: 'project/link-out' }))).code).toBe('SECURITY');
    expect((await errorOf(() => call('file.archive', { source: 'project', target: 'x.zip' }))).message).toContain('.tar.gz or .tgz');
  });

  it('reports non-archives and corrupted headers', async () => {
    await writeFile(join(ws, 'plain.tgz'), 'not gzip');
    expect((await errorOf(() => call('file.extract', { source: 'plain.tgz' }))).message).toContain('not gzip data');
    const bad = Buffer.alloc(1024);
    bad.write('name.txt', 0);
    await writeFile(join(ws, 'bad.tgz'), gzipSync(bad));
    expect((await errorOf(() => call('file.extract', { source: 'bad.tgz' }))).message).toContain('not a valid tar archive');
  });

  it('enforces maxBytes on the unpacked size', async () => {
    expect((await errorOf(() => call('file.extract', { source: 'out/project.tar.gz', target: 'small', maxBytes: 1024 }))).message).toContain('more than maxBytes');
  });

  it('stops when aborted and leaves no partial archive', async () => {
    const ctl = new AbortController();
    const reason = new Error('stop now');
    ctl.abort(reason);
    await expect(call('file.archive', { source: 'project', target: 'aborted.tgz' }, ctl.signal)).rejects.toBe(reason);
    await expect(call('file.extract', { source: 'single.tgz', target: 'aborted' }, ctl.signal)).rejects.toBe(reason);
    expect(existsSync(join(ws, 'aborted.tgz'))).toBe(false);
  });
});
