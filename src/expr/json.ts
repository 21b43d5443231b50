/**
 * Turns what JSONata returns into plain JSON, and JSONata truthiness.
 *
 * JSONata results may be "sequences": arrays carrying extra flags (`sequence`, `keepSingleton`…)
 * that change how JSONata treats them when they are fed back in as input. A step output stored as a
 * sequence would later collapse a one-element list to its element, so every result is normalised to
 * plain arrays, and JSONata's null-prototype objects become ordinary objects. Values that were already
 * plain are returned as the same reference (no copy).
 */

import { isScopeView } from './scope-view.js';

/** @internal Raised when a result holds something JSON cannot represent (a function). */
export class NotJsonError extends Error {
  override readonly name = 'NotJsonError';
}

/** Normalises a JSONata result: `undefined` -> null, sequences -> arrays, functions rejected. */
export function toPlainJson(value: unknown): unknown {
  if (value === undefined) return null;
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'function') throw new NotJsonError('the expression produced a function, which is not JSON');
    return value;
  }
  return Array.isArray(value) ? plainArray(value) : plainObject(value as Record<string, unknown>);
}

function plainArray(arr: unknown[]): unknown[] {
  // Own non-index properties only exist on JSONata sequences.
  const flagged = (arr as { sequence?: unknown }).sequence !== undefined || Object.keys(arr).length !== arr.length;
  let out: unknown[] | undefined = flagged ? [] : undefined;
  for (let i = 0; i < arr.length; i++) {
    const v = arr[i];
    const p = v === undefined ? null : toPlainJson(v);
    if (out === undefined && p !== v) out = arr.slice(0, i);
    if (out !== undefined) out.push(p);
  }
  return out ?? arr;
}

function plainObject(obj: Record<string, unknown>): Record<string, unknown> {
  if ((obj as { _jsonata_lambda?: unknown })._jsonata_lambda === true || (obj as { _jsonata_function?: unknown })._jsonata_function === true) {
    throw new NotJsonError('the expression produced a function, which is not JSON');
  }
  // JSONata builds objects with a null prototype; results should be ordinary objects.
  // Scope views (see scope-view.ts) are copied so no Proxy leaks into step outputs.
  let out: Record<string, unknown> | undefined = Object.getPrototypeOf(obj) === null || isScopeView(obj) ? {} : undefined;
  const keys = Object.keys(obj);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string;
    const v = obj[k];
    if (v === undefined) {
      out ??= copyKeys(obj, keys, i);
      continue;
    }
    const p = toPlainJson(v);
    if (out === undefined && p !== v) out = copyKeys(obj, keys, i);
    if (out !== undefined) defineKey(out, k, p);
  }
  return out ?? obj;
}

function copyKeys(obj: Record<string, unknown>, keys: string[], upTo: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let j = 0; j < upTo; j++) {
    const k = keys[j] as string;
    if (obj[k] !== undefined) defineKey(out, k, obj[k]);
  }
  return out;
}

/** Assigns without triggering the `__proto__` setter (a key named `__proto__` stays a plain key). */
function defineKey(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/**
 * JSONata's boolean cast (`$boolean`): null, false, 0, "", [], {} and arrays of falsy values are
 * false; everything else is true.
 */
export function isTruthy(value: unknown): boolean {
  if (value === null || value === undefined) return false;
  switch (typeof value) {
    case 'boolean':
      return value;
    case 'number':
      return value !== 0;
    case 'string':
      return value.length > 0;
    case 'object':
      if (Array.isArray(value)) return value.some(isTruthy);
      return Object.keys(value).length > 0;
    default:
      return false;
  }
}
