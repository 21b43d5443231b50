/**
 * `file.archive` (write a .tar.gz) and `file.extract` (read one back) inside the workspace sandbox.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip, gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { z } from 'zod';
import { ErrorCode, HookflowError } from '../../errors.js';
import { resolveInWorkspace } from '../sandbox.js';
import { defineTool, toolError } from './define.js';
import { fsError, sandboxed, walk, workspaceOf } from './fs-common.js';
import { endOfArchive, entryHeader, padding, readTar, type TarEntry } from './tar.js';

const gunzipAsync = promisify(gunzip);
const MiB = 1024 * 1024;

interface Member extends TarEntry {
  abs: string;
}

async function collect(srcAbs: string, skip: string, signal: AbortSignal): Promise<Member[]> {
  const st = await stat(srcAbs);
  if (st.isFile()) return [{ name: basename(srcAbs), abs: srcAbs, type: 'file', size: st.size, mode: st.mode, mtimeMs: st.mtimeMs }];
  const members: Member[] = [];
  const pending: { rel: string; abs: string; dir: boolean }[] = [];
  await walk(srcAbs, true, signal, (e) => {
    // Symlinks are skipped: following them could archive files from outside the workspace.
    if (e.abs === skip || (!e.dirent.isFile() && !e.dirent.isDirectory())) return;
    pending.push({ rel: e.rel, abs: e.abs, dir: e.dirent.isDirectory() });
  });
  for (const p of pending) {
    const s = await stat(p.abs);
    members.push({ name: p.rel, abs: p.abs, type: p.dir ? 'dir' : 'file', size: p.dir ? 0 : s.size, mode: s.mode, mtimeMs: s.mtimeMs });
  }
  return members;
}

async function* tarStream(members: Member[]): AsyncGenerator<Buffer> {
  for (const m of members) {
    yield entryHeader(m);
    if (m.type !== 'file' || m.size === 0) continue;
    let read = 0;
    for await (const chunk of createReadStream(m.abs, { start: 0, end: m.size - 1 })) {
      read += (chunk as Buffer).length;
      yield chunk as Buffer;
    }
    if (read !== m.size) throw toolError('file.archive', `"${m.name}" shrank while it was being archived (${m.size} -> ${read} bytes)`, { retryable: true });
    yield padding(m.size);
  }
  yield endOfArchive();
}

const archive = defineTool({
  name: 'file.archive',
  description: 'Packs a file or a directory (recursively; symlinks skipped) into a .tar.gz archive, both inside the workspace. Member names are relative to the source directory.',
  input: z.strictObject({
    source: z.string().min(1),
    target: z.string().regex(/\.(tar\.gz|tgz)$/, 'the target must end in .tar.gz or .tgz'),
  }),
  output: '{target, files, bytes}: archive path, number of files packed, archive size in bytes',
  fileArgs: ['source', 'target'],
  async run(args, ctx) {
    const src = await sandboxed(ctx, args.source);
    const tgt = await sandboxed(ctx, args.target);
    let members: Member[];
    try {
      members = await collect(src.abs, tgt.abs, ctx.signal);
    } catch (err) {
      throw err instanceof HookflowError ? err : fsError('file.archive', src.rel, err, ctx.signal);
    }
    try {
      await pipeline(Readable.from(tarStream(members)), createGzip(), createWriteStream(tgt.abs), { signal: ctx.signal });
    } catch (err) {
      // A half-written archive would look valid to a later step; remove it before reporting the failure.
      await rm(tgt.abs, { force: true });
      throw err instanceof HookflowError ? err : fsError('file.archive', tgt.rel, err, ctx.signal);
    }
    return { target: tgt.rel, files: members.filter((m) => m.type === 'file').length, bytes: (await stat(tgt.abs)).size };
  },
});

function isInside(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

function slipError(name: string): HookflowError {
  return new HookflowError(ErrorCode.SECURITY, `file.extract: archive member "${name}" would be written outside the target directory`, {
    details: { path: name },
    retryable: false,
  });
}

const extract = defineTool({
  name: 'file.extract',
  description:
    'Unpacks a .tar.gz archive into a directory inside the workspace. Members that are absolute or climb out with ".." are a SECURITY error; links and devices are skipped.',
  input: z.strictObject({
    source: z.string().min(1),
    target: z.string().min(1).default('.'),
    maxBytes: z.number().int().positive().default(512 * MiB),
  }),
  output: '{target, files, dirs, skipped}: counts of extracted files and directories, names of skipped members',
  fileArgs: ['source', 'target'],
  async run(args, ctx) {
    const src = await sandboxed(ctx, args.source);
    const tgt = await sandboxed(ctx, args.target);
    let entries;
    try {
      const packed = await readFile(src.abs, { signal: ctx.signal });
      entries = readTar(await gunzipAsync(packed, { maxOutputLength: args.maxBytes }));
    } catch (err) {
      if (err instanceof HookflowError) throw err;
      if ((err as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') throw toolError('file.extract', `"${src.rel}" unpacks to more than maxBytes (${args.maxBytes})`, { cause: err });
      if ((err as { code?: unknown }).code === 'Z_DATA_ERROR') throw toolError('file.extract', `"${src.rel}" is not gzip data`, { cause: err });
      throw fsError('file.extract', src.rel, err, ctx.signal);
    }
    const skipped: string[] = [];
    let files = 0;
    let dirs = 0;
    for (const e of entries) {
      ctx.signal.throwIfAborted();
      if (e.name.includes('\0') || isAbsolute(e.name) || /^[A-Za-z]:/.test(e.name) || e.name.split(/[\\/]/).includes('..')) throw slipError(e.name);
      if (e.type === 'other') {
        skipped.push(e.name);
        continue;
      }
      const dest = await resolveInWorkspace(workspaceOf(ctx), join(tgt.abs, e.name));
      if (!isInside(tgt.abs, dest)) throw slipError(e.name);
      try {
        if (e.type === 'dir') {
          await mkdir(dest, { recursive: true });
          dirs++;
        } else {
          await mkdir(dirname(dest), { recursive: true });
          // Permission bits only: setuid/setgid from an archive are never honoured.
          await writeFile(dest, e.data, { mode: (e.mode & 0o777) | 0o600 });
          files++;
        }
      } catch (err) {
        throw fsError('file.extract', e.name, err, ctx.signal);
      }
    }
    return { target: tgt.rel, files, dirs, skipped };
  },
});

/** `file.archive` and `file.extract`. */
export const archiveTools = [archive, extract];
