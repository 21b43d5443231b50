/**
 * `file.*` built-ins on the workspace sandbox: read, write, list, search, stat, delete. Every path goes
 * through resolveInWorkspace; see archive.ts for file.archive / file.extract.
 */
import { appendFile, lstat, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { HookflowError } from '../../errors.js';
import { globMatch } from '../../util/glob.js';
import { defineTool, toolError } from './define.js';
import { fsError, sandboxed, sandboxedEntry, walk } from './fs-common.js';

const MiB = 1024 * 1024;

const read = defineTool({
  name: 'file.read',
  description: 'Reads a file inside the workspace as UTF-8 text (or base64/hex for binary data).',
  input: z.strictObject({
    path: z.string().min(1),
    encoding: z.enum(['utf8', 'base64', 'hex']).default('utf8'),
    maxBytes: z.number().int().positive().default(10 * MiB),
  }),
  output: 'the file content as a string',
  fileArgs: ['path'],
  async run(args, ctx) {
    const { abs, rel } = await sandboxed(ctx, args.path);
    try {
      const st = await stat(abs);
      if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
      if (st.size > args.maxBytes) throw toolError('file.read', `"${rel}" is ${st.size} bytes, more than maxBytes (${args.maxBytes})`);
      return (await readFile(abs, { signal: ctx.signal })).toString(args.encoding);
    } catch (err) {
      throw err instanceof HookflowError ? err : fsError('file.read', rel, err, ctx.signal);
    }
  },
});

const write = defineTool({
  name: 'file.write',
  description: 'Writes (or appends) `content` to a file inside the workspace; non-string content is written as JSON.',
  input: z.strictObject({
    path: z.string().min(1),
    content: z.unknown(),
    encoding: z.enum(['utf8', 'base64']).default('utf8'),
    append: z.boolean().default(false),
    createDirs: z.boolean().default(false),
  }),
  output: '{path, bytes}: the workspace-relative path and the number of bytes written',
  fileArgs: ['path'],
  async run(args, ctx) {
    const { abs, rel } = await sandboxed(ctx, args.path);
    const text = typeof args.content === 'string' ? args.content : `${JSON.stringify(args.content ?? null, null, 2)}\n`;
    const data = Buffer.from(text, typeof args.content === 'string' ? args.encoding : 'utf8');
    try {
      if (args.createDirs) await mkdir(dirname(abs), { recursive: true });
      if (args.append) await appendFile(abs, data);
      else await writeFile(abs, data, { signal: ctx.signal });
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (code === 'ENOENT' && !args.createDirs) throw toolError('file.write', `the directory of "${rel}" does not exist (set createDirs: true to create it)`, { cause: err });
      throw fsError('file.write', rel, err, ctx.signal);
    }
    return { path: rel, bytes: data.length };
  },
});

function typeOf(d: { isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean }): 'file' | 'dir' | 'symlink' | 'other' {
  return d.isSymbolicLink() ? 'symlink' : d.isDirectory() ? 'dir' : d.isFile() ? 'file' : 'other';
}

const list = defineTool({
  name: 'file.list',
  description: 'Lists a directory inside the workspace (recursively with `recursive`), optionally filtered by a glob on the path relative to it (`*`, `**`, `?`). Symlinks are listed, not followed.',
  input: z.strictObject({
    path: z.string().min(1).default('.'),
    recursive: z.boolean().default(false),
    glob: z.string().optional(),
    limit: z.number().int().positive().default(10_000),
  }),
  output: '[{path, type: file|dir|symlink|other, size}] sorted by path; paths are workspace-relative with "/"',
  fileArgs: ['path'],
  async run(args, ctx) {
    const { abs, rel } = await sandboxed(ctx, args.path);
    const found: { path: string; type: string; size: number; abs: string }[] = [];
    try {
      await walk(abs, args.recursive, ctx.signal, (e) => {
        if (args.glob !== undefined && !globMatch(args.glob, e.rel, '/')) return;
        if (found.length >= args.limit) throw toolError('file.list', `more than ${args.limit} entries under "${rel}" (narrow it with glob or raise limit)`);
        found.push({ path: rel === '.' ? e.rel : `${rel}/${e.rel}`, type: typeOf(e.dirent), size: 0, abs: e.abs });
      });
      for (const f of found) if (f.type === 'file') f.size = (await lstat(f.abs)).size;
    } catch (err) {
      throw err instanceof HookflowError ? err : fsError('file.list', rel, err, ctx.signal);
    }
    return found.map(({ path, type, size }) => ({ path, type, size }));
  },
});

function compile(pattern: string, flags: string): RegExp {
  try {
    return new RegExp(pattern, flags);
  } catch (err) {
    throw toolError('file.search', `invalid regular expression /${pattern}/: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

const search = defineTool({
  name: 'file.search',
  description:
    'Searches files under a path (a file or a directory, recursively) for a regular expression, like grep -n. Binary files, files over maxFileBytes and symlinks are skipped.',
  input: z.strictObject({
    path: z.string().min(1).default('.'),
    pattern: z.string().min(1),
    flags: z.string().regex(/^[imsuv]*$/, 'flags may only contain i, m, s, u, v').default(''),
    glob: z.string().optional(),
    maxMatches: z.number().int().positive().default(1000),
    maxFileBytes: z.number().int().positive().default(5 * MiB),
  }),
  output: '[{path, line, column, text, match}] one entry per matching line (1-based line and column), at most maxMatches',
  fileArgs: ['path'],
  async run(args, ctx) {
    const re = compile(args.pattern, args.flags);
    const { abs, rel } = await sandboxed(ctx, args.path);
    const files: { abs: string; path: string }[] = [];
    try {
      const st = await stat(abs);
      if (st.isFile()) files.push({ abs, path: rel });
      else {
        await walk(abs, true, ctx.signal, (e) => {
          if (e.dirent.isFile() && (args.glob === undefined || globMatch(args.glob, e.rel, '/'))) files.push({ abs: e.abs, path: rel === '.' ? e.rel : `${rel}/${e.rel}` });
        });
      }
    } catch (err) {
      throw fsError('file.search', rel, err, ctx.signal);
    }
    const matches: { path: string; line: number; column: number; text: string; match: string }[] = [];
    for (const f of files) {
      ctx.signal.throwIfAborted();
      const st = await stat(f.abs);
      if (st.size > args.maxFileBytes) continue;
      const buf = await readFile(f.abs, { signal: ctx.signal });
      if (buf.subarray(0, 8000).includes(0)) continue;
      const lines = buf.toString('utf8').split(/\r?\n/);
      for (let i = 0; i < lines.length; i++) {
        const line = lines[i] as string;
        re.lastIndex = 0;
        const m = re.exec(line);
        if (!m) continue;
        matches.push({ path: f.path, line: i + 1, column: m.index + 1, text: line.length > 500 ? `${line.slice(0, 500)}…` : line, match: m[0] });
        if (matches.length >= args.maxMatches) return matches;
      }
    }
    return matches;
  },
});

const statTool = defineTool({
  name: 'file.stat',
  description: 'Tells whether a path exists inside the workspace and what it is (a symlink is reported as such, not followed).',
  input: z.strictObject({ path: z.string().min(1) }),
  output: '{path, exists, type: file|dir|symlink|other|null, size, modifiedAt (ISO) | null}',
  fileArgs: ['path'],
  async run(args, ctx) {
    const { abs, rel } = await sandboxedEntry(ctx, args.path);
    try {
      const st = await lstat(abs);
      return { path: rel, exists: true, type: typeOf(st), size: st.size, modifiedAt: st.mtime.toISOString() };
    } catch (err) {
      if ((err as { code?: unknown }).code === 'ENOENT') return { path: rel, exists: false, type: null, size: 0, modifiedAt: null };
      throw fsError('file.stat', rel, err, ctx.signal);
    }
  },
});

const del = defineTool({
  name: 'file.delete',
  description:
    'Deletes a file, a symlink (not its target) or, with `recursive`, a directory inside the workspace; the workspace root itself cannot be deleted.',
  input: z.strictObject({ path: z.string().min(1), recursive: z.boolean().default(false) }),
  output: '{path, deleted}: deleted is false when nothing existed',
  fileArgs: ['path'],
  async run(args, ctx) {
    const { abs, rel } = await sandboxedEntry(ctx, args.path);
    if (rel === '.') throw toolError('file.delete', 'refusing to delete the workspace root', { code: 'SECURITY' });
    try {
      const st = await lstat(abs);
      if (st.isDirectory() && !args.recursive) {
        throw Object.assign(new Error('directory'), { code: 'ENOTEMPTY' });
      }
      await rm(abs, { recursive: args.recursive, force: false });
      return { path: rel, deleted: true };
    } catch (err) {
      if ((err as { code?: unknown }).code === 'ENOENT') return { path: rel, deleted: false };
      throw fsError('file.delete', rel, err, ctx.signal);
    }
  },
});

/** The `file.*` group except archives. */
export const fileTools = [read, write, list, search, statTool, del];
