/**
 * Validation issues as data (`{path, message}`), shared by the JSON Schema and zod validators, and the
 * one place that turns them into a `TOOL_INPUT` error.
 */
import type { z } from 'zod';
import { ErrorCode, HookflowError } from '../errors.js';

/** One failed check: `path` like `with.items[0].url`, `message` like `expected string, got number`. */
export interface Issue {
  path: string;
  message: string;
}

/** A key or array index inside the validated value. */
export type PathSegment = string | number;

const IDENT = /^[A-Za-z_$][\w$-]*$/;

/** Formats segments as `root.a[0]["b c"]`. */
export function formatPath(root: string, segments: readonly PropertyKey[]): string {
  let out = root;
  for (const seg of segments) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (typeof seg === 'string' && IDENT.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(String(seg))}]`;
  }
  return out;
}

/** The JSON type name of a value as users read it: `null`, `array`, `integer`-less `number`, ... */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** A short JSON rendering for messages (at most ~40 characters). */
export function shortJson(value: unknown): string {
  if (value === undefined) return 'undefined';
  let s: string;
  try {
    s = JSON.stringify(value) ?? String(value);
  } catch (err) {
    // Circular or BigInt values cannot be shown as JSON; their type name is still useful.
    s = `<${describeType(value)}: ${err instanceof Error ? err.message : 'unserialisable'}>`;
  }
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let cur = data;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[seg];
  }
  return cur;
}

/** Maps zod v4 issues to hookflow issues, computing "got ..." from the validated data. */
export function zodIssues(issues: readonly z.core.$ZodIssue[], data: unknown, root: string): Issue[] {
  const out: Issue[] = [];
  for (const issue of issues) {
    const value = valueAt(data, issue.path);
    switch (issue.code) {
      case 'invalid_type':
        out.push({
          path: formatPath(root, issue.path),
          message:
            value === undefined
              ? issue.expected === 'nonoptional'
                ? 'required field missing'
                : `required field missing (expected ${issue.expected})`
              : `expected ${issue.expected}, got ${describeType(value)}`,
        });
        break;
      case 'invalid_value':
        out.push({
          path: formatPath(root, issue.path),
          message: `expected ${issue.values.length === 1 ? '' : 'one of '}${issue.values.map((v) => shortJson(v)).join(' | ')}, got ${shortJson(value)}`,
        });
        break;
      case 'unrecognized_keys':
        for (const key of issue.keys) out.push({ path: formatPath(root, [...issue.path, key]), message: 'unknown field' });
        break;
      case 'invalid_union':
        out.push({ path: formatPath(root, issue.path), message: unionMessage(issue, value) });
        break;
      default:
        out.push({ path: formatPath(root, issue.path), message: `${lowerFirst(issue.message)}, got ${shortJson(value)}` });
    }
  }
  return out;
}

function unionMessage(issue: z.core.$ZodIssueInvalidUnion, value: unknown): string {
  const options = (issue as { options?: unknown[] }).options;
  if (Array.isArray(options) && options.length > 0) {
    return `expected one of ${options.map((o) => shortJson(o)).join(' | ')}, got ${shortJson(value)}`;
  }
  const expected = new Set<string>();
  for (const branch of issue.errors) {
    const first = branch[0];
    if (branch.length === 1 && first?.code === 'invalid_type' && first.path.length === 0) expected.add(first.expected);
    else return `${shortJson(value)} matches none of the allowed shapes`;
  }
  return `expected ${[...expected].join(' | ')}, got ${describeType(value)}`;
}

function lowerFirst(s: string): string {
  return s.length > 0 ? s.charAt(0).toLowerCase() + s.slice(1) : s;
}

/** Levenshtein distance, for did-you-mean hints on unknown fields. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur.push(Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + cost));
    }
    prev = cur;
  }
  return prev[b.length] as number;
}

/** Closest known name within edit distance 2 (or a third of the length), if any. */
export function didYouMean(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const k of known) {
    const d = distance(name, k);
    if (d < bestD) {
      best = k;
      bestD = d;
    }
  }
  return best;
}

/**
 * Builds the `TOOL_INPUT` error: the message names the tool and up to three offending fields, `details`
 * holds every issue. `knownFields` (top-level input properties) adds did-you-mean hints to unknown fields.
 */
export function toolInputError(tool: string, issues: Issue[], knownFields: readonly string[] = []): HookflowError {
  for (const issue of issues) {
    if (issue.message !== 'unknown field' || !issue.path.startsWith('with.')) continue;
    const field = issue.path.slice(5);
    if (!IDENT.test(field)) continue;
    const hint = didYouMean(field, knownFields);
    issue.message = hint
      ? `unknown field (did you mean "${hint}"?)`
      : knownFields.length > 0
        ? `unknown field (allowed: ${knownFields.join(', ')})`
        : 'unknown field';
  }
  const shown = issues.slice(0, 3).map((i) => `${i.path}: ${i.message}`);
  if (issues.length > 3) shown.push(`and ${issues.length - 3} more`);
  return new HookflowError(ErrorCode.TOOL_INPUT, `invalid input for tool "${tool}": ${shown.join('; ')}`, {
    details: issues,
    retryable: false,
  });
}
