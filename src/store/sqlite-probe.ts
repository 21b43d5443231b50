/**
 * Decides, without writing anything, whether a file can be used as a hookflow store. It runs before
 * the store switches the file to WAL or migrates it, so a file that is not ours (a text file, random
 * bytes, another application's database) is refused and left byte-for-byte as it was.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { ErrorCode, HookflowError } from '../errors.js';
import { APP_MARKER, newerSchema, SCHEMA_VERSION } from './migrations.js';
import { corruptStore, toStoreError } from './sqlite-errors.js';

/** What the probe found at the store path. */
export type StoreFileState =
  /** No file, a 0-byte file, or a SQLite database with no tables and no user_version: initialise it. */
  | { kind: 'new'; exists: boolean }
  /** A hookflow store at `version` (never above SCHEMA_VERSION). */
  | { kind: 'hookflow'; version: number };

const MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

/** Inspects `file` (an absolute path). Throws STORE_CORRUPT for files that are not ours and STORE for newer schemas. */
export function probeStoreFile(file: string): StoreFileState {
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(file, { throwIfNoEntry: false });
  } catch (err) {
    throw new HookflowError(ErrorCode.STORE, `cannot use ${file} as the store: ${(err as Error).message}; hint: check the path given to --store / HOOKFLOW_STORE`, {
      cause: err,
      retryable: false,
    });
  }
  if (stat === undefined) return { kind: 'new', exists: false };
  if (!stat.isFile()) {
    throw new HookflowError(ErrorCode.STORE, `the store path ${file} is not a file (found a ${stat.isDirectory() ? 'directory' : 'special file'}); hint: give a file path such as ${file}/hookflow.db`, {
      retryable: false,
    });
  }
  if (stat.size === 0) return { kind: 'new', exists: true };

  let header: Buffer;
  try {
    header = readHeader(file);
  } catch (err) {
    throw new HookflowError(ErrorCode.STORE, `cannot read the store ${file}: ${(err as Error).message}; hint: check the file's permissions`, {
      cause: err,
      retryable: false,
    });
  }
  if (header.length < MAGIC.length || !header.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw corruptStore(file, `it is not a SQLite database (${describeBytes(header)}, ${stat.size} bytes)`);
  }

  // Read-only so that nothing (not even a hot-journal rollback) can write to a file we may refuse.
  let db: Database.Database | undefined;
  let tables: string[];
  let userVersion: number;
  let marker: unknown;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name").pluck().all() as string[];
    userVersion = db.pragma('user_version', { simple: true }) as number;
    marker = tables.includes('hookflow_meta')
      ? db.prepare("SELECT value FROM hookflow_meta WHERE key = 'app'").pluck().get()
      : undefined;
  } catch (err) {
    throw toStoreError(err, file, 'read the database schema', true);
  } finally {
    db?.close();
  }

  if (tables.length === 0) {
    if (userVersion === 0) return { kind: 'new', exists: true };
    throw corruptStore(file, `it is a SQLite database with no tables but user_version ${userVersion}, so it belongs to another application`);
  }
  if (marker !== APP_MARKER && tables.includes('hookflow_meta') && tables.includes('runs')) {
    throw corruptStore(file, `it has hookflow's tables but the '${APP_MARKER}' marker in hookflow_meta is missing or unreadable (damaged pages?)`);
  }
  if (marker !== APP_MARKER) {
    const shown = tables.slice(0, 5).join(', ') + (tables.length > 5 ? `, ... (${tables.length} tables)` : '');
    throw corruptStore(file, `it is a SQLite database of another application (tables: ${shown}; no '${APP_MARKER}' marker in hookflow_meta)`);
  }
  if (userVersion > SCHEMA_VERSION) throw newerSchema(file, userVersion);
  if (userVersion < 1) throw corruptStore(file, `it carries the hookflow marker but no schema version (user_version ${userVersion})`);
  return { kind: 'hookflow', version: userVersion };
}

function readHeader(file: string): Buffer {
  const buf = Buffer.alloc(100);
  const fd = openSync(file, 'r');
  try {
    const n = readSync(fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** A short human description of a file's first bytes: quoted text when printable, else hex. */
function describeBytes(head: Buffer): string {
  const sample = head.subarray(0, 24);
  const printable = sample.every((b) => b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127));
  if (printable) return `it starts with the text ${JSON.stringify(sample.toString('latin1'))}`;
  return `it starts with the bytes ${sample.subarray(0, 16).toString('hex').replace(/(..)(?!$)/g, '$1 ')}`;
}
