/**
 * How stored values are kept. Both stores give values JSON semantics, so a value reads back the same
 * whichever store wrote it (Dates become ISO strings, `undefined` object members disappear,
 * `undefined` itself reads back as absent): SQLite keeps JSON text, the memory store keeps deep
 * copies made by {@link jsonClone}, which equal a JSON round trip without building the text.
 */
import { ErrorCode, HookflowError } from '../errors.js';
import { jsonClone } from './json-clone.js';

/** A value bound to or read from a SQL column. */
export type SqlValue = string | number | null;

/** A store's representation of JSON values. `J` is what a row holds. */
export interface Codec<J> {
  /** What a row holds for "no value" (SQL NULL, or undefined in memory). */
  readonly none: J;
  /** Stores a value; `undefined` becomes `none`. Throws what JSON.stringify throws (cycles, BigInt). */
  encode(value: unknown): J;
  /** Reads back a stored value other than `none`. Throws when stored text is not JSON. */
  decode(stored: J): unknown;
}

/** JSON text, for SQL columns. */
export const TEXT_CODEC: Codec<string | null> = {
  none: null,
  encode: (value) => (value === undefined ? null : (JSON.stringify(value) ?? null)),
  decode: (stored) => JSON.parse(stored as string) as unknown,
};

/** Deep copies with JSON semantics, for the memory store; copies are made on the way in and out. */
export const CLONE_CODEC: Codec<unknown> = { none: undefined, encode: jsonClone, decode: jsonClone };

/** Encodes with `codec`, turning a serialisation failure into STORE naming `field`. */
export function encodeJson<J>(codec: Codec<J>, value: unknown, field: string): J {
  try {
    return codec.encode(value);
  } catch (err) {
    throw notSerialisable(field, err);
  }
}

/** Decodes with `codec` (`none` reads as undefined), turning unparsable text into STORE_CORRUPT naming `field`. */
export function decodeJson<J>(codec: Codec<J>, stored: J, field: string): unknown {
  if (stored === codec.none) return undefined;
  try {
    return codec.decode(stored);
  } catch (err) {
    throw corruptJson(field, err);
  }
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

/** STORE error for a value JSON rejected; callers build `field` only on this failure path. */
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

export function isNil(value: unknown): value is null | undefined {
  return value === null || value === undefined;
}
