/**
 * Maps zod issues (data: code, path, input) to diagnostics with an expected/found pair and a hint.
 * The text comes from the issue data and from `.describe()` on the schema node the issue points at.
 */
import { z } from 'zod';
import type { PathSegment } from '../expr/path.js';
import { describeValue, listWords } from './diagnostics.js';
import { didYouMean } from './suggest.js';

/** A diagnostic before it gets a file position: where (`at`) plus the texts. */
export interface RawDiagnostic {
  /** Path relative to the validated object. */
  path: PathSegment[];
  /** Which position to report: the key naming the node, the node's value, or its parent (missing keys). */
  at: 'key' | 'value';
  message: string;
  expected?: string;
  found?: string;
  hint?: string;
}

/** Extra hints for keys that are valid somewhere else. */
const KEY_HINTS: Record<string, string> = {
  then: '"then" belongs to an "if" step (if: ${…}, then: [...], else: [...])',
  else: '"else" without "if": it belongs to an "if" step',
  default: '"default" belongs to a "switch" step',
  concurrency: '"concurrency" belongs to a "parallel" step or a loop',
  failFast: '"failFast" belongs to a "parallel" step',
  with: '"with" belongs to tool, agent and workflow steps (and to `use:` hooks)',
  export: '"export" belongs to `module:` hooks (or write step variables with export: on a step)',
  threshold: '"threshold" belongs to `compose: vote` hooks',
};

type Def = {
  type: string;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  innerType?: z.ZodType;
  options?: z.ZodType[];
  valueType?: z.ZodType;
  keyType?: z.ZodType;
  getter?: () => z.ZodType;
  in?: z.ZodType;
  values?: unknown[];
};

function defOf(s: z.ZodType): Def {
  return (s as unknown as { _zod: { def: Def } })._zod.def;
}

function unwrap(s: z.ZodType): z.ZodType {
  let cur = s;
  for (let i = 0; i < 20; i++) {
    const d = defOf(cur);
    if ((d.type === 'optional' || d.type === 'nullable' || d.type === 'default' || d.type === 'readonly') && d.innerType) cur = d.innerType;
    else if (d.type === 'lazy' && d.getter) cur = d.getter();
    else if (d.type === 'pipe' && d.in) cur = d.in;
    else break;
  }
  return cur;
}

function description(s: z.ZodType): string | undefined {
  let cur: z.ZodType | undefined = s;
  for (let i = 0; cur && i < 20; i++) {
    const desc = z.globalRegistry.get(cur)?.description;
    if (desc) return desc;
    const d = defOf(cur);
    cur = d.innerType ?? (d.type === 'pipe' ? d.in : undefined);
  }
  return undefined;
}

/** The schema node at `path` below `schema` (through objects, arrays, records and unions). */
export function schemaAt(schema: z.ZodType, path: readonly PathSegment[]): z.ZodType | undefined {
  let cur: z.ZodType | undefined = schema;
  for (const seg of path) {
    if (!cur) return undefined;
    cur = child(unwrap(cur), seg);
  }
  return cur;
}

function child(s: z.ZodType, seg: PathSegment): z.ZodType | undefined {
  const d = defOf(s);
  switch (d.type) {
    case 'object':
      return typeof seg === 'string' ? d.shape?.[seg] : undefined;
    case 'array':
      return d.element;
    case 'record':
      return d.valueType;
    case 'union':
      for (const o of d.options ?? []) {
        const c = child(unwrap(o), seg);
        if (c) return c;
      }
      return undefined;
    default:
      return undefined;
  }
}

/** Keys a (possibly union-of-objects) schema node accepts. */
export function knownKeys(s: z.ZodType | undefined): string[] {
  if (!s) return [];
  const u = unwrap(s);
  const d = defOf(u);
  if (d.type === 'object') return Object.keys(d.shape ?? {});
  if (d.type === 'union') return [...new Set((d.options ?? []).flatMap((o) => knownKeys(o)))];
  return [];
}

/** Converts the issues of one safeParse into raw diagnostics. */
export function mapIssues(schema: z.ZodType, issues: readonly z.core.$ZodIssue[], input: unknown): RawDiagnostic[] {
  const out: RawDiagnostic[] = [];
  for (const iss of issues) mapIssue(schema, iss, [], input, out);
  return out;
}

function valueAt(root: unknown, path: readonly PathSegment[]): unknown {
  let cur = root;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  return cur;
}

function mapIssue(schema: z.ZodType, iss: z.core.$ZodIssue, prefix: PathSegment[], root: unknown, out: RawDiagnostic[]): void {
  const path = [...prefix, ...(iss.path as PathSegment[])];
  const node = schemaAt(schema, path);
  const value = valueAt(root, path);
  const last = path[path.length - 1];
  const name = last === undefined ? 'document' : typeof last === 'number' ? `item ${last}` : `"${last}"`;
  const expected = (node && description(node)) ?? undefined;
  if (value === undefined && typeof last === 'string' && (iss.code === 'invalid_type' || iss.code === 'invalid_union')) {
    out.push({ path, at: 'value', message: `missing required key "${last}"`, expected: expected ?? (iss.code === 'invalid_type' ? typeName(iss.expected) : 'a value') });
    return;
  }
  switch (iss.code) {
    case 'unrecognized_keys': {
      const known = knownKeys(node);
      for (const key of iss.keys) {
        const suggestion = didYouMean(key, known);
        const hint = suggestion ?? KEY_HINTS[key];
        out.push({
          path: [...path, key],
          at: 'key',
          message: `unknown key "${key}"`,
          expected: known.length > 0 ? `one of ${listWords(known, 14)}` : 'no keys here',
          ...(hint === undefined ? {} : { hint }),
        });
      }
      return;
    }
    case 'invalid_type':
      out.push({ path, at: 'value', message: `invalid value for ${name}`, expected: expected ?? typeName(iss.expected), found: describeValue(value) });
      return;
    case 'invalid_value': {
      const values = iss.values as unknown[];
      const hint = typeof value === 'string' ? didYouMean(value, values.filter((v): v is string => typeof v === 'string')) : undefined;
      out.push({
        path,
        at: 'value',
        message: `invalid value for ${name}`,
        expected: values.length === 1 ? JSON.stringify(values[0]) : `one of ${listWords(values.map((v) => JSON.stringify(v)), 16)}`,
        found: describeValue(value),
        ...(hint === undefined ? {} : { hint }),
      });
      return;
    }
    case 'invalid_format':
      out.push({ path, at: 'value', message: `invalid value for ${name}`, expected: expected ?? `a string in ${iss.format} format`, found: describeValue(value) });
      return;
    case 'too_small':
    case 'too_big':
      out.push({ path, at: 'value', message: `invalid value for ${name}`, expected: boundText(iss, expected), found: describeValue(value) });
      return;
    case 'invalid_union': {
      // If exactly one alternative accepted the value's type, its issues are the precise ones.
      const relevant = iss.errors.filter((errs) => !errs.some((e) => e.code === 'invalid_type' && e.path.length === 0));
      if (relevant.length === 1) {
        for (const e of relevant[0] as z.core.$ZodIssue[]) mapIssue(schema, e, path, root, out);
        return;
      }
      out.push({ path, at: 'value', message: `invalid value for ${name}`, expected: expected ?? 'a different value', found: describeValue(value) });
      return;
    }
    case 'invalid_key': {
      const key = last;
      out.push({
        path,
        at: 'key',
        message: `invalid key ${typeof key === 'string' ? `"${key}"` : String(key)}`,
        expected: recordKeyText(schema, path.slice(0, -1)),
      });
      return;
    }
    default:
      out.push({ path, at: 'value', message: `invalid value for ${name}: ${iss.message}`, found: describeValue(value) });
  }
}

function recordKeyText(schema: z.ZodType, parent: readonly PathSegment[]): string {
  const p = schemaAt(schema, parent);
  const d = p ? defOf(unwrap(p)) : undefined;
  return (d?.keyType && description(d.keyType)) ?? 'a valid key';
}

function boundText(iss: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig, expected: string | undefined): string {
  if (expected !== undefined) return expected;
  const small = iss.code === 'too_small';
  const bound = small ? (iss as z.core.$ZodIssueTooSmall).minimum : (iss as z.core.$ZodIssueTooBig).maximum;
  const op = small ? (iss.inclusive ? '>=' : '>') : iss.inclusive ? '<=' : '<';
  switch (iss.origin) {
    case 'array':
      return small ? `at least ${String(bound)} item${Number(bound) === 1 ? '' : 's'}` : `at most ${String(bound)} items`;
    case 'string':
      return small ? 'a non-empty string' : `at most ${String(bound)} characters`;
    case 'int':
      return `an integer ${op} ${String(bound)}`;
    case 'number':
      return `a number ${op} ${String(bound)}`;
    default:
      return `a value ${op} ${String(bound)}`;
  }
}

function typeName(t: string): string {
  switch (t) {
    case 'array':
      return 'a list';
    case 'object':
      return 'a mapping';
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'int':
      return 'an integer';
    case 'boolean':
      return 'a boolean';
    default:
      return t;
  }
}
