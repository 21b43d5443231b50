import { lstat, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callTool, errorOf, tempDir } from '../helpers.js';

let base: string;
let ws: string;
let outside: string;
let cleanup: () => Promise<void>;
const call = (name: string, args: unknown) => callTool(name, args, { workspace: ws });

beforeAll(async () => {
  ({ dir: base, cleanup } = await tempDir());
  ws = join(base, 'ws');
  outside = join(base, 'outside');
  await mkdir(join(ws, 'src', 'deep'), { recursive: true });
  await mkdir(outside);
  await writeFile(join(ws, 'README.md'), '# Title\nhello world\n');
  await writeFile(join(ws, 'src', 'a.ts'), 'const a = 1;\n// TODO: fix\nexport { a };\n');
  await writeFile(join(ws, 'src', 'deep', 'b.ts'), 'let todo = "TODO later";\n');
  await writeFile(join(ws, 'src', 'bin.dat'), Buffer.from([0, 1, 2, 84, 79, 68, 79]));
  await writeFile(join(outside, 'secret.txt'), 'TODO secret');
  await symlink(outside, join(ws, 'out-link'));
  await symlink(join(ws, 'README.md'), join(ws, 'readme-link'));
});

afterAll(() => cleanup());

describe('file.read', () => {
  it('reads text and binary encodings', async () => {
    expect(await call('file.read', { path: 'README.md' })).toBe('# Title\nhello world\n');
    expect(await call('file.read', { path: 'src/bin.dat', encoding: 'hex' })).toBe('000102544f444f');
    expect(await call('file.read', { path: join(ws, 'README.md') })).toContain('hello');
    expect(await call('file.read', { path: 'readme-link' })).toContain('hello');
  });

  it('refuses paths outside the workspace with SECURITY naming the path', async () => {
    for (const p of ['../outside/secret.txt', join(outside, 'secret.txt'), 'out-link/secret.txt', '/etc/passwd']) {
      const err = await errorOf(() => call('file.read', { path: p }));
      expect(err.code, p).toBe('SECURITY');
      expect(err.message).toContain(`"${p}"`);
    }
  });

  it('reports missing files, directories and oversized files clearly', async () => {
    expect((await errorOf(() => call('file.read', { path: 'nope.txt' }))).message).toBe('file.read: "nope.txt" does not exist');
    expect((await errorOf(() => call('file.read', { path: 'src' }))).message).toBe('file.read: "src" is a directory');
    expect((await errorOf(() => call('file.read', { path: 'README.md', maxBytes: 3 }))).message).toContain('more than maxBytes (3)');
  });
});

describe('file.write', () => {
  it('writes, appends and creates directories on request', async () => {
    expect(await call('file.write', { path: 'out/notes.txt', content: 'one\n', createDirs: true })).toEqual({ path: 'out/notes.txt', bytes: 4 });
    await call('file.write', { path: 'out/notes.txt', content: 'two\n', append: true });
    expect(await readFile(join(ws, 'out', 'notes.txt'), 'utf8')).toBe('one\ntwo\n');
    await call('file.write', { path: 'out/data.json', content: { a: [1] } });
    expect(JSON.parse(await readFile(join(ws, 'out', 'data.json'), 'utf8'))).toEqual({ a: [1] });
    await call('file.write', { path: 'out/bin', content: 'AAEC', encoding: 'base64' });
    expect([...(await readFile(join(ws, 'out', 'bin')))]).toEqual([0, 1, 2]);
  });

  it('explains a missing directory and never writes outside', async () => {
    expect((await errorOf(() => call('file.write', { path: 'missing/x.txt', content: 'x' }))).message).toContain('set createDirs: true');
    expect((await errorOf(() => call('file.write', { path: 'out-link/new.txt', content: 'x' }))).code).toBe('SECURITY');
    expect((await errorOf(() => call('file.write', { path: '../escape.txt', content: 'x', createDirs: true }))).code).toBe('SECURITY');
    await expect(lstat(join(outside, 'new.txt'))).rejects.toThrow();
  });
});

describe('file.list', () => {
  it('lists one level, sorted, with types and sizes', async () => {
    const entries = (await call('file.list', { path: 'src' })) as { path: string; type: string; size: number }[];
    expect(entries).toEqual([
      { path: 'src/a.ts', type: 'file', size: 40 },
      { path: 'src/bin.dat', type: 'file', size: 7 },
      { path: 'src/deep', type: 'dir', size: 0 },
    ]);
  });

  it('recurses, filters by glob and reports symlinks without following them', async () => {
    const ts = (await call('file.list', { recursive: true, glob: '**.ts' })) as { path: string }[];
    expect(ts.map((e) => e.path)).toEqual(['src/a.ts', 'src/deep/b.ts']);
    const top = (await call('file.list', { path: '.', glob: '*link*' })) as { path: string; type: string }[];
    expect(top).toEqual([
      { path: 'out-link', type: 'symlink', size: 0 },
      { path: 'readme-link', type: 'symlink', size: 0 },
    ]);
    const all = (await call('file.list', { recursive: true })) as { path: string }[];
    expect(all.some((e) => e.path.includes('secret'))).toBe(false);
  });

  it('enforces the entry limit', async () => {
    expect((await errorOf(() => call('file.list', { recursive: true, limit: 2 }))).message).toContain('more than 2 entries');
  });
});

describe('file.search', () => {
  it('finds matches with 1-based line and column, skipping binaries and symlinks', async () => {
    expect(await call('file.search', { pattern: 'TODO' })).toEqual([
      { path: 'src/a.ts', line: 2, column: 4, text: '// TODO: fix', match: 'TODO' },
      { path: 'src/deep/b.ts', line: 1, column: 13, text: 'let todo = "TODO later";', match: 'TODO' },
    ]);
  });

  it('supports flags, a glob, a single file and maxMatches', async () => {
    const ci = (await call('file.search', { path: 'src', pattern: 'todo', flags: 'i', glob: 'deep/**' })) as { column: number }[];
    expect(ci).toEqual([{ path: 'src/deep/b.ts', line: 1, column: 5, text: 'let todo = "TODO later";', match: 'todo' }]);
    expect(await call('file.search', { path: 'README.md', pattern: 'w.rld' })).toEqual([{ path: 'README.md', line: 2, column: 7, text: 'hello world', match: 'world' }]);
    expect(await call('file.search', { pattern: 'TODO', maxMatches: 1 })).toHaveLength(1);
  });

  it('rejects invalid patterns', async () => {
    expect((await errorOf(() => call('file.search', { pattern: '[' }))).message).toContain('invalid regular expression');
  });
});

describe('file.stat and file.delete', () => {
  it('stats files, directories, symlinks and missing paths', async () => {
    expect(await call('file.stat', { path: 'README.md' })).toMatchObject({ path: 'README.md', exists: true, type: 'file', size: 20 });
    expect(await call('file.stat', { path: 'src' })).toMatchObject({ exists: true, type: 'dir' });
    expect(await call('file.stat', { path: 'readme-link' })).toMatchObject({ path: 'readme-link', type: 'symlink' });
    expect(await call('file.stat', { path: 'ghost' })).toEqual({ path: 'ghost', exists: false, type: null, size: 0, modifiedAt: null });
    expect((await errorOf(() => call('file.stat', { path: 'out-link' }))).code).toBe('SECURITY');
  });

  it('deletes files, links (not their targets) and directories only when recursive', async () => {
    await call('file.write', { path: 'trash/a/b.txt', content: 'x', createDirs: true });
    expect((await errorOf(() => call('file.delete', { path: 'trash' }))).message).toContain('recursive: true');
    expect(await call('file.delete', { path: 'trash', recursive: true })).toEqual({ path: 'trash', deleted: true });
    expect(await call('file.delete', { path: 'trash' })).toEqual({ path: 'trash', deleted: false });
    expect(await call('file.delete', { path: 'readme-link' })).toEqual({ path: 'readme-link', deleted: true });
    expect(await readFile(join(ws, 'README.md'), 'utf8')).toContain('hello');
  });

  it('refuses to delete the workspace root or anything outside', async () => {
    expect((await errorOf(() => call('file.delete', { path: '.', recursive: true }))).code).toBe('SECURITY');
    expect((await errorOf(() => call('file.delete', { path: '../outside', recursive: true }))).code).toBe('SECURITY');
    expect(await readFile(join(outside, 'secret.txt'), 'utf8')).toBe('TODO secret');
  });
});
