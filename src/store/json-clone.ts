/**
 * A deep copy with JSON semantics, without building text: `jsonClone(v)` equals
 * `JSON.parse(JSON.stringify(v))` (and is `undefined` where JSON.stringify returns undefined), and
 * throws the TypeError JSON.stringify would throw (BigInt, cycles). The memory store copies values
 * with it, so they come back exactly as from SQLite's JSON columns at a fraction of the cost.
 */

/** Past this depth the copy defers to JSON itself, which also detects cycles. */
const MAX_DEPTH = 128;

/** Deep-copies `value` with JSON semantics (see the module comment). */
export function jsonClone(value: unknown): unknown {
  return cloneProperty(value, '', 0);
}

function cloneProperty(input: unknown, key: string, depth: number): unknown {
  let value = input;
  if ((typeof value === 'object' && value !== null) || typeof value === 'bigint') {
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') value = (toJSON as (k: string) => unknown).call(value, key);
  }
  if (typeof value === 'object' && value !== null) {
    if (value instanceof Number) value = Number(value);
    else if (value instanceof String) value = String(value);
    else if (value instanceof Boolean || value instanceof BigInt) value = value.valueOf();
  }
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      // JSON writes non-finite numbers as null and -0 as 0.
      return Number.isFinite(value) ? (value === 0 ? 0 : value) : null;
    case 'bigint':
      throw new TypeError('Do not know how to serialize a BigInt');
    case 'object':
      if (value === null) return null;
      if (depth >= MAX_DEPTH) return JSON.parse(JSON.stringify(value)) as unknown;
      return Array.isArray(value) ? cloneArray(value, depth + 1) : cloneObject(value as Record<string, unknown>, depth + 1);
    default:
      // undefined, functions and symbols have no JSON form.
      return undefined;
  }
}

function cloneArray(list: readonly unknown[], depth: number): unknown[] {
  const n = list.length;
  const out = new Array<unknown>(n);
  for (let i = 0; i < n; i++) {
    const v = cloneProperty(list[i], String(i), depth);
    out[i] = v === undefined ? null : v;
  }
  return out;
}

function cloneObject(obj: Record<string, unknown>, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(obj)) {
    const v = cloneProperty(obj[k], k, depth);
    if (v === undefined) continue;
    // JSON.parse makes `__proto__` an own property; plain assignment would set the prototype instead.
    if (k === '__proto__') Object.defineProperty(out, k, { value: v, writable: true, enumerable: true, configurable: true });
    else out[k] = v;
  }
  return out;
}
