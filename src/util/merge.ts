/**
 * Deep merge used by `modify` hook results: plain objects merge key by key (recursively), everything
 * else (arrays, scalars, null) replaces. The inputs are never mutated.
 */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

export function deepMerge(base: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch) || !isPlainObject(base)) return patch;
  const out: Record<string, unknown> = { ...base };
  for (const key of Object.keys(patch)) {
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') continue;
    const pv = patch[key];
    out[key] = isPlainObject(pv) && isPlainObject(out[key]) ? deepMerge(out[key], pv) : pv;
  }
  return out;
}
