/**
 * YAML paths as shown to users: `steps[2].retry.attempts`, `with["content-type"]`.
 * Shared by the expression compiler (runtime error messages) and the DSL loader (diagnostics).
 */

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** One segment of a path: an object key or a list index. */
export type PathSegment = string | number;

/** Appends one segment to a rendered path; keys that are not identifiers use `["…"]`. */
export function appendPath(base: string, seg: PathSegment): string {
  if (typeof seg === 'number') return `${base}[${seg}]`;
  if (IDENT.test(seg)) return base === '' ? seg : `${base}.${seg}`;
  return `${base}[${JSON.stringify(seg)}]`;
}

/** Renders a list of segments, e.g. `['steps', 2, 'retry']` -> `steps[2].retry`. */
export function formatPath(segments: readonly PathSegment[], base = ''): string {
  let out = base;
  for (const s of segments) out = appendPath(out, s);
  return out;
}
