import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveInWorkspace } from '../../src/tools/sandbox.js';
import { errorOf, tempDir } from './helpers.js';

let base: string;
let ws: string;
let outside: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ dir: base, cleanup } = await tempDir());
  ws = join(base, 'ws');
  outside = join(base, 'outside');
  await mkdir(join(ws, 'docs'), { recursive: true });
  await mkdir(outside);
  await writeFile(join(ws, 'docs', 'a.txt'), 'a');
  await writeFile(join(outside, 'secret.txt'), 's');
  await symlink(outside, join(ws, 'escape-dir'));
  await symlink(join(outside, 'secret.txt'), join(ws, 'escape-file'));
  await symlink(join(outside, 'not-yet.txt'), join(ws, 'dangling-out'));
  await symlink(join(ws, 'docs', 'new.txt'), join(ws, 'dangling-in'));
  await symlink(join(ws, 'docs'), join(ws, 'docs-link'));
  await symlink(ws, join(base, 'ws-link'));
});

afterAll(() => cleanup());

async function securityError(p: string, workspace = ws) {
  const err = await errorOf(() => resolveInWorkspace(workspace, p));
  expect(err.code).toBe('SECURITY');
  return err;
}

describe('resolveInWorkspace', () => {
  it('resolves relative paths, existing or not, inside the workspace', async () => {
    expect(await resolveInWorkspace(ws, 'docs/a.txt')).toBe(join(ws, 'docs', 'a.txt'));
    expect(await resolveInWorkspace(ws, 'docs/new/deep.txt')).toBe(join(ws, 'docs', 'new', 'deep.txt'));
    expect(await resolveInWorkspace(ws, '.')).toBe(ws);
    expect(await resolveInWorkspace(ws, 'docs/../docs/a.txt')).toBe(join(ws, 'docs', 'a.txt'));
  });

  it('accepts absolute paths inside the workspace, also spelled through a symlinked root', async () => {
    expect(await resolveInWorkspace(ws, join(ws, 'docs/a.txt'))).toBe(join(ws, 'docs', 'a.txt'));
    const viaLink = join(base, 'ws-link');
    expect(await resolveInWorkspace(viaLink, join(viaLink, 'docs/a.txt'))).toBe(join(ws, 'docs', 'a.txt'));
    expect(await resolveInWorkspace(viaLink, join(ws, 'docs/a.txt'))).toBe(join(ws, 'docs', 'a.txt'));
  });

  it('follows symlinks that stay inside', async () => {
    expect(await resolveInWorkspace(ws, 'docs-link/a.txt')).toBe(join(ws, 'docs', 'a.txt'));
    expect(await resolveInWorkspace(ws, 'dangling-in')).toBe(join(ws, 'docs', 'new.txt'));
  });

  it('rejects absolute paths outside, naming the path', async () => {
    const err = await securityError('/etc/passwd');
    expect(err.message).toContain('"/etc/passwd"');
    expect(err.message).toContain('outside the workspace');
    expect(err.details).toEqual({ path: '/etc/passwd', workspace: ws });
    await securityError(join(outside, 'secret.txt'));
  });

  it('rejects .. traversal out of the workspace', async () => {
    expect((await securityError('../outside/secret.txt')).message).toContain('".." climbs out');
    await securityError('docs/../../outside');
    await securityError('..');
  });

  it('rejects symlinks whose real path escapes, including dangling ones and paths below them', async () => {
    expect((await securityError('escape-file')).message).toContain('symlink resolves to');
    await securityError('escape-dir');
    await securityError('escape-dir/secret.txt');
    await securityError('escape-dir/new/file.txt');
    await securityError('dangling-out');
  });

  it('rejects a NUL byte, an empty path and a missing workspace', async () => {
    expect((await securityError('a\0b')).message).toContain('NUL');
    await securityError('');
    expect((await securityError('a', join(base, 'nope'))).message).toContain('does not exist');
  });

  it('does not let a sibling directory with a common prefix pass as inside', async () => {
    await mkdir(join(base, 'ws-other'), { recursive: true });
    await securityError(join(base, 'ws-other', 'x'));
    await securityError('../ws-other/x');
  });
});
