/**
 * Resolves a store spec (the `--store` flag, else HOOKFLOW_STORE, else `<cwd>/.hookflow/hookflow.db`)
 * to a Store.
 */
import { isAbsolute, join, resolve } from 'node:path';
import { ErrorCode, HookflowError } from '../errors.js';
import { MemoryStore } from './memory.js';
import { SqliteStore, type SqliteStoreOptions } from './sqlite.js';
import type { Store } from './types.js';

export { defaultOwnerId, isLocalOwnerAlive } from './owner.js';

/** Default store location, relative to the working directory. */
export const DEFAULT_STORE_PATH = join('.hookflow', 'hookflow.db');

/** Where a store spec points. */
export type StoreTarget = { kind: 'memory' } | { kind: 'sqlite'; file: string };

/**
 * Resolves a spec without opening anything: `memory` / `memory:` is the in-memory store,
 * `sqlite:<path>` or a plain path is a SQLite file (relative paths resolve against `cwd`).
 * An unset or empty spec falls back to `env.HOOKFLOW_STORE`, then to `<cwd>/.hookflow/hookflow.db`.
 */
export function resolveStoreTarget(spec: string | undefined, cwd: string, env: Record<string, string | undefined>): StoreTarget {
  const raw = nonEmpty(spec) ?? nonEmpty(env.HOOKFLOW_STORE);
  if (raw === undefined) return { kind: 'sqlite', file: resolve(cwd, DEFAULT_STORE_PATH) };
  const from = nonEmpty(spec) !== undefined ? '--store' : 'HOOKFLOW_STORE';
  if (raw === 'memory' || raw === 'memory:') return { kind: 'memory' };
  let path = raw;
  if (raw.startsWith('sqlite:')) {
    path = raw.slice('sqlite:'.length);
    if (path.startsWith('//')) path = path.slice(2);
    if (path.trim() === '') throw badSpec(raw, from, 'the sqlite: prefix needs a file path after it');
  } else if (raw.startsWith('memory:')) {
    throw badSpec(raw, from, 'named in-memory stores are not supported');
  } else if (/^[a-z][a-z0-9+.-]+:\/\//i.test(raw)) {
    throw badSpec(raw, from, `the ${raw.slice(0, raw.indexOf(':'))} backend is not available`);
  }
  return { kind: 'sqlite', file: isAbsolute(path) ? resolve(path) : resolve(cwd, path) };
}

/**
 * Opens the store named by `spec` (see {@link resolveStoreTarget}); SQLite files are created on first use.
 *
 * @example const store = openStore(flags.store, process.cwd(), process.env);
 */
export function openStore(
  spec: string | undefined,
  cwd: string,
  env: Record<string, string | undefined>,
  opts: SqliteStoreOptions = {},
): Store {
  const target = resolveStoreTarget(spec, cwd, env);
  return target.kind === 'memory' ? new MemoryStore(opts) : SqliteStore.open(target.file, opts);
}

function nonEmpty(value: string | undefined): string | undefined {
  const v = value?.trim();
  return v === undefined || v === '' ? undefined : v;
}

function badSpec(raw: string, from: string, why: string): HookflowError {
  return new HookflowError(
    ErrorCode.INPUT,
    `invalid store '${raw}' (from ${from}): ${why}; expected \`memory\`, \`sqlite:<path>\` or a file path such as .hookflow/hookflow.db`,
    { retryable: false },
  );
}
