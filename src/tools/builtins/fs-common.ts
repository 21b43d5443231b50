/**
 * Shared plumbing of the file tools: sandboxed path resolution against `ctx.workspace`, workspace-
 * relative names, file-system error messages and a sorted, non-following directory walk.
 */
import type { Dirent } from 'node:fs';
import { readdir, realpath } from 'node:fs/promises';
import { basename, dirname, join, normalize, resolve } from 'node:path';
import type { ToolContext } from '../types.js';
import { resolveInWorkspace, workspaceRelative } from '../sandbox.js';
import { toolError } from './define.js';

/** The sandbox root of a call (`ctx.workspace`, else the process cwd). */
export function workspaceOf(ctx: ToolContext): string {
  return ctx.workspace || process.cwd();
}

/** A path argument resolved inside the workspace, plus the real root to report relative names. */
export async function sandboxed(ctx: ToolContext, p: string): Promise<{ abs: string; root: string; rel: string }> {
  const ws = workspaceOf(ctx);
  const abs = await resolveInWorkspace(ws, p);
  const root = await realpath(resolve(ws));
  return { abs, root, rel: workspaceRelative(root, abs) };
}

/**
 * Like {@link sandboxed}, but when the last component is a symlink (pointing inside the workspace) the
 * result is the link itself, so `file.delete` removes the link and `file.stat` reports it.
 */
export async function sandboxedEntry(ctx: ToolContext, p: string): Promise<{ abs: string; root: string; rel: string }> {
  const target = await sandboxed(ctx, p);
  const norm = normalize(p);
  const name = basename(norm);
  if (target.rel === '.' || name === '' || name === '.' || name === '..') return target;
  const abs = join(await resolveInWorkspace(workspaceOf(ctx), dirname(norm)), name);
  return { abs, root: target.root, rel: workspaceRelative(target.root, abs) };
}

const FS_MESSAGES: Record<string, string> = {
  ENOENT: 'does not exist',
  EISDIR: 'is a directory',
  ENOTDIR: 'is not a directory (or a parent is a file)',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EEXIST: 'already exists',
  ENOTEMPTY: 'is a non-empty directory (set recursive: true)',
};

/**
 * Turns a Node fs error into a `TOOL_ERROR` that names the workspace path. A cancelled call yields the
 * signal's reason unchanged, so the engine sees the cancellation, not a file error.
 */
export function fsError(tool: string, rel: string, err: unknown, signal?: AbortSignal): unknown {
  if (signal?.aborted) return signal.reason;
  if (err instanceof Error && err.name === 'AbortError') return err;
  const code = typeof (err as { code?: unknown } | null)?.code === 'string' ? (err as { code: string }).code : undefined;
  const what = (code && FS_MESSAGES[code]) ?? (err instanceof Error ? err.message : String(err));
  return toolError(tool, `"${rel}" ${what}`, { cause: err, details: { path: rel, ...(code ? { errno: code } : {}) }, retryable: code === 'EBUSY' || code === 'EMFILE' });
}

/** One entry seen by {@link walk}; `rel` is relative to the walked directory, `/`-separated. */
export interface WalkEntry {
  abs: string;
  rel: string;
  dirent: Dirent;
}

/**
 * Visits a directory in name order, depth-first when `recursive`. Symlinks are reported but never
 * followed, so a walk cannot leave the sandbox. Returning `false` from `visit` stops the walk.
 */
export async function walk(dir: string, recursive: boolean, signal: AbortSignal, visit: (e: WalkEntry) => boolean | void, base = ''): Promise<boolean> {
  signal.throwIfAborted();
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const dirent of entries) {
    const abs = join(dir, dirent.name);
    const rel = base ? `${base}/${dirent.name}` : dirent.name;
    if (visit({ abs, rel, dirent }) === false) return false;
    if (recursive && dirent.isDirectory() && !(await walk(abs, true, signal, visit, rel))) return false;
  }
  return true;
}
