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
  if (value === undefined) return null;
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (err) {
    throw new HookflowError(
      ErrorCode.STORE,
      `cannot store ${field}: expected a JSON-serialisable value, got one that fails with "${(err as Error).message}"; ` +
        'hint: remove cycles and BigInt values from outputs, inputs and event data',
      { cause: err, retryable: false },
    );
  }
  return text ?? null;
}

/** Parses a JSON column; SQL NULL reads as undefined. Throws STORE_CORRUPT on text that is not JSON. */
export function decodeJson(text: string | null, field: string): unknown {
  if (text === null) return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new HookflowError(
      ErrorCode.STORE_CORRUPT,
      `stored ${field} is not valid JSON (found ${JSON.stringify(text.slice(0, 40))}); ` +
        'hint: the database was edited by another program, restore it from a backup',
      { cause: err, retryable: false },
    );
  }
}

/** Throws STORE when a required field is null or undefined. */
export function required<T>(value: T | null | undefined, field: string): T {
  if (value === null || value === undefined) {
    throw new HookflowError(ErrorCode.STORE, `cannot store ${field}: expected a value, got ${String(value)}`, {
      retryable: false,
    });
  }
  return value;
}
