/**
 * Diagnostics: every problem the loader finds, as data. Formatting happens at the edge
 * ({@link formatDiagnostic}, the CLI), never while collecting.
 */
import { ErrorCode, HookflowError } from '../errors.js';

/** One problem in a workflow file, with its position (1-based; 0 when the input had no source text). */
export interface Diagnostic {
  file: string;
  line: number;
  col: number;
  /** YAML path of the offending node, e.g. `steps[2].retry.attempts` (empty for the document root). */
  path: string;
  message: string;
  expected?: string;
  found?: string;
  hint?: string;
}

/**
 * Formats a diagnostic on one line:
 * `file:line:col: message (at path) — expected …, found …; hint: …`. Parts that are absent are left
 * out; `:line:col` is left out when the position is unknown (line 0).
 *
 * @example formatDiagnostic(d) // "wf.yaml:7:18: invalid value for "attempts" (at steps[0].retry.attempts) — expected an integer >= 1, found 0 (number)"
 */
export function formatDiagnostic(d: Diagnostic): string {
  let out = d.line > 0 ? `${d.file}:${d.line}:${d.col}: ${d.message}` : `${d.file}: ${d.message}`;
  if (d.path !== '') out += ` (at ${d.path})`;
  const detail: string[] = [];
  if (d.expected !== undefined) detail.push(`expected ${d.expected}`);
  if (d.found !== undefined) detail.push(`found ${d.found}`);
  if (detail.length > 0) out += ` — ${detail.join(', ')}`;
  if (d.hint !== undefined) out += `; hint: ${d.hint}`;
  return out;
}

/** Thrown when a definition is invalid; carries every diagnostic found, not just the first. */
export class ValidationError extends HookflowError {
  readonly diagnostics: Diagnostic[];
  constructor(diagnostics: Diagnostic[]) {
    super(ErrorCode.VALIDATION, diagnostics.map(formatDiagnostic).join('\n'), { details: diagnostics, retryable: false });
    this.diagnostics = diagnostics;
  }
}

/** Short human description of a value for `found`: `0 (number)`, `"x" (string)`, `a list`, `a mapping`. */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return v.length === 0 ? 'an empty list' : 'a list';
  switch (typeof v) {
    case 'string':
      return `${JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v)} (string)`;
    case 'number':
    case 'boolean':
      return `${String(v)} (${typeof v})`;
    case 'object': {
      const keys = Object.keys(v as object);
      return keys.length === 0 ? 'an empty mapping' : `a mapping with keys ${listWords(keys, 6)}`;
    }
    default:
      return typeof v;
  }
}

/** `a, b, c` (at most `max` items, then `…`). */
export function listWords(words: readonly string[], max = 12): string {
  return words.length > max ? `${words.slice(0, max).join(', ')}, …` : words.join(', ');
}

/** Sorts diagnostics by file (in first-seen order of `fileOrder`), line, then column; stable. */
export function sortDiagnostics(ds: Diagnostic[], fileOrder: readonly string[] = []): Diagnostic[] {
  const rank = (f: string): number => {
    const i = fileOrder.indexOf(f);
    return i < 0 ? fileOrder.length : i;
  };
  return ds
    .map((d, i) => ({ d, i }))
    .sort((a, b) => rank(a.d.file) - rank(b.d.file) || a.d.file.localeCompare(b.d.file) || a.d.line - b.d.line || a.d.col - b.d.col || a.i - b.i)
    .map((x) => x.d);
}
