/**
 * JSON encoding of stored values. Both stores keep JSON text, so a value reads back exactly as it
 * would from SQLite whichever store wrote it (Dates become ISO strings, `undefined` object members
 * disappear, `undefined` itself becomes SQL NULL).
 */
import { ErrorCode, HookflowError } from '../errors.js';

/** A value bound to or read from a SQL column. */
export type SqlValue = string | number | null;

/**
 * Serialises `value` for a JSON column; `undefined` (and anything JSON.stringify drops) becomes null.
 * Throws STORE when the value cannot be serialised (cycles, BigInt).
 */
export function encodeJson(value: unknown, field: string): string | null {
  try {
    return toJson(value);
  } catch (err) {
    throw notSerialisable(field, err);
  }
}

/** Parses a JSON column; SQL NULL reads as undefined. Throws STORE_CORRUPT on text that is not JSON. */
export function decodeJson(text: string | null, field: string): unknown {
  if (text === null) return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw corruptJson(field, err);
  }
}

/** JSON text of `value`, or null for `undefined` (and what JSON.stringify drops). Throws what JSON.stringify throws. */
export function toJson(value: unknown): string | null {
  return value === undefined ? null : (JSON.stringify(value) ?? null);
}

/** Whether `value` can be serialised (used to name the failing field once serialising failed). */
export function serialisable(value: unknown): boolean {
  try {
    JSON.stringify(value);
    return true;
  } catch {
    // The failure itself is reported by the caller, which already holds the error.
    return false;
  }
}

/** STORE error for a value JSON.stringify rejected; `field` is formatted only on this failure path. */
export function notSerialisable(field: string, err: unknown): HookflowError {
  return new HookflowError(
    ErrorCode.STORE,
    `cannot store ${field}: expected a JSON-serialisable value, got one that fails with "${(err as Error).message}"; ` +
      'hint: remove cycles and BigInt values from outputs, inputs and event data',
    { cause: err, retryable: false },
  );
}

/** STORE_CORRUPT error for stored text that does not parse. */
export function corruptJson(field: string, err: unknown): HookflowError {
  return new HookflowError(
    ErrorCode.STORE_CORRUPT,
    `stored ${field} is not valid JSON (${(err as Error).message}); hint: the database was edited by another program, restore it from a backup`,
    { cause: err, retryable: false },
  );
}

/** STORE error for a required field that is null or undefined. */
export function missing(field: string, value: unknown): HookflowError {
  return new HookflowError(ErrorCode.STORE, `cannot store ${field}: expected a value, got ${String(value)}`, { retryable: false });
}

/** Throws STORE when a required field is null or undefined. */
export function required<T>(value: T | null | undefined, field: string): T {
  if (value === null || value === undefined) throw missing(field, value);
  return value;
}
