/**
 * The workspace sandbox of the file tools, reused by the `security` hook: every path must resolve,
 * symlinks included, to a location inside the workspace root.
 */
import { lstat, readlink, realpath } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { ErrorCode, HookflowError } from '../errors.js';

/** Symlink hops followed for not-yet-existing targets before giving up (the kernel's ELOOP limit). */
const MAX_LINKS = 40;

function isInside(root: string, candidate: string): boolean {
  const rel = relative(root, candidate);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

function escapeError(p: string, workspace: string, why: string): HookflowError {
  return new HookflowError(ErrorCode.SECURITY, `path "${p}" is outside the workspace ${workspace}: ${why}`, {
    details: { path: p, workspace },
    retryable: false,
  });
}

function fsCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * realpath for paths that may not exist yet (write targets): the existing prefix is resolved by the
 * OS, dangling symlinks are followed by hand (a write through them would land at their target), and
 * the missing remainder is appended.
 */
async function realpathLoose(p: string, hops = 0): Promise<string> {
  try {
    return await realpath(p);
  } catch (err) {
    const code = fsCode(err);
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
  }
  let isLink = false;
  try {
    isLink = (await lstat(p)).isSymbolicLink();
  } catch (err) {
    const code = fsCode(err);
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
  }
  if (isLink) {
    if (hops >= MAX_LINKS) throw new HookflowError(ErrorCode.SECURITY, `path "${p}": too many levels of symbolic links`, { retryable: false });
    return realpathLoose(resolve(dirname(p), await readlink(p)), hops + 1);
  }
  const parent = dirname(p);
  if (parent === p) return p;
  return join(await realpathLoose(parent, hops), basename(p));
}

/**
 * Resolves `p` (relative to `workspace`, or absolute) to a real absolute path inside `workspace`.
 * Throws `SECURITY` naming the path when it is absolute outside the workspace, climbs out with `..`,
 * or reaches outside through a symlink; `..` that stays inside (`a/../b`) is allowed.
 *
 * @example
 * const abs = await resolveInWorkspace('/srv/ws', 'reports/today.md'); // '/srv/ws/reports/today.md'
 */
export async function resolveInWorkspace(workspace: string, p: string): Promise<string> {
  if (typeof p !== 'string' || p === '') {
    throw new HookflowError(ErrorCode.SECURITY, `expected a non-empty path string, got ${JSON.stringify(p)}`, { retryable: false });
  }
  if (p.includes('\0')) throw escapeError(p.replace(/\0/g, '\\0'), workspace, 'it contains a NUL byte');
  const root = resolve(workspace);
  let realRoot: string;
  try {
    realRoot = await realpath(root);
  } catch (err) {
    throw new HookflowError(ErrorCode.SECURITY, `workspace ${root} does not exist or is not accessible (needed to check path "${p}")`, {
      cause: err,
      retryable: false,
    });
  }
  let candidate: string;
  if (isAbsolute(p)) {
    candidate = resolve(p);
    // The workspace may be given through a symlink (macOS /tmp): accept either spelling of the root.
    if (isInside(root, candidate)) candidate = join(realRoot, relative(root, candidate));
    else if (!isInside(realRoot, candidate)) throw escapeError(p, workspace, 'absolute paths must point inside the workspace');
  } else {
    candidate = resolve(realRoot, p);
    if (!isInside(realRoot, candidate)) throw escapeError(p, workspace, '".." climbs out of it');
  }
  const real = await realpathLoose(candidate);
  if (!isInside(realRoot, real)) throw escapeError(p, workspace, `a symlink resolves to ${real}`);
  return real;
}

/** The path of `abs` relative to the workspace, with `/` separators (what file tools report). */
export function workspaceRelative(realRoot: string, abs: string): string {
  const rel = relative(realRoot, abs);
  return rel === '' ? '.' : rel.split(sep).join('/');
}
