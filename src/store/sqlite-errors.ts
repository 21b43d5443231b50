/**
 * Turns better-sqlite3 failures into HookflowErrors that say which store failed, what SQLite
 * reported and what to do about it. HookflowErrors raised by the store itself pass through.
 */
import Database from 'better-sqlite3';
import { ErrorCode, HookflowError } from '../errors.js';

/** True when `err` is a SqliteError whose code starts with `prefix` (e.g. `SQLITE_CONSTRAINT_PRIMARYKEY`). */
export function isSqliteCode(err: unknown, prefix: string): boolean {
  return err instanceof Database.SqliteError && err.code.startsWith(prefix);
}

/**
 * Error for a file that SQLite reports as damaged or as not a database. `untouched` (the default) is for
 * checks made before anything could write; damage met later by a store in use is reported without
 * that claim, since earlier transactions of the same process may have been written.
 */
export function corruptStore(file: string, found: string, cause?: unknown, untouched = true): HookflowError {
  const state = untouched
    ? 'the file was left untouched'
    : 'the operation was rolled back (the checks made when a store is opened cover its header and schema, so damage deeper in the file shows up only when it is met)';
  return new HookflowError(
    ErrorCode.STORE_CORRUPT,
    `the store ${file} is not a usable hookflow database: ${found}; ${state}. ` +
      'hint: point --store / HOOKFLOW_STORE at another file, or move this one away (a new store is created in its place)',
    { cause, retryable: false },
  );
}

/**
 * Maps anything thrown while `action` ran against the store at `file` to a HookflowError. `readOnly`:
 * the failing connection could not write (the open-time probe), so a damaged file is reported untouched.
 */
export function toStoreError(err: unknown, file: string, action: string, readOnly = false): HookflowError {
  if (err instanceof HookflowError) return err;
  if (err instanceof Database.SqliteError) {
    const code = err.code;
    const detail = `${err.message} (${code})`;
    if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') {
      return corruptStore(file, `SQLite reports "${err.message}" while trying to ${action}`, err, readOnly);
    }
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
      return new HookflowError(
        ErrorCode.STORE,
        `cannot ${action}: the store ${file} stayed locked by another process past the busy timeout: ${detail}; ` +
          'hint: retry, or check for a stuck hookflow process using the same store',
        { cause: err, retryable: true },
      );
    }
    if (code.startsWith('SQLITE_READONLY')) {
      return new HookflowError(
        ErrorCode.STORE,
        `cannot ${action}: the store ${file} is read-only: ${detail}; hint: open it without readonly and check file permissions`,
        { cause: err, retryable: false },
      );
    }
    if (code === 'SQLITE_FULL') {
      return new HookflowError(ErrorCode.STORE, `cannot ${action}: the disk holding ${file} is full: ${detail}; hint: free space or prune old runs`, {
        cause: err,
      });
    }
    if (code.startsWith('SQLITE_CANTOPEN')) {
      return new HookflowError(
        ErrorCode.STORE,
        `cannot ${action}: SQLite cannot open ${file}: ${detail}; hint: check that the path is a file and its folder is writable`,
        { cause: err, retryable: false },
      );
    }
    return new HookflowError(ErrorCode.STORE, `cannot ${action} in the store ${file}: ${detail}`, { cause: err, retryable: false });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new HookflowError(ErrorCode.STORE, `cannot ${action} in the store ${file}: ${message}`, { cause: err, retryable: false });
}
