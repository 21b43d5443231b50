/**
 * Static check of the workflow's `input:` JSON Schema (draft 2020-12) with ajv in strict mode, so a
 * misspelled keyword (`requried`) is reported at load time instead of silently accepting any input.
 */
import type { ValidateFunction } from 'ajv/dist/2020.js';
import { newAjv, type Ajv2020Class } from '../util/lazy-ajv.js';
import type { PathSegment } from '../expr/path.js';
import { type At, type LoadContext, under } from './context.js';
import { didYouMean } from './suggest.js';

const KEYWORDS = [
  '$schema', '$id', '$ref', '$defs', '$comment', '$anchor', '$dynamicRef', '$dynamicAnchor', 'type', 'enum', 'const',
  'properties', 'required', 'additionalProperties', 'patternProperties', 'propertyNames', 'minProperties', 'maxProperties',
  'items', 'prefixItems', 'contains', 'minItems', 'maxItems', 'uniqueItems', 'minContains', 'maxContains',
  'minLength', 'maxLength', 'pattern', 'format', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf',
  'allOf', 'anyOf', 'oneOf', 'not', 'if', 'then', 'else', 'dependentRequired', 'dependentSchemas',
  'unevaluatedItems', 'unevaluatedProperties', 'title', 'description', 'default', 'examples', 'deprecated', 'readOnly', 'writeOnly',
];

let ajv: Ajv2020Class | undefined;

function getAjv(): Ajv2020Class {
  return (ajv ??= newAjv({ strict: true, allErrors: true, validateSchema: false }));
}

/** A problem found in a schema, relative to the schema root. */
interface SchemaProblem {
  path: PathSegment[];
  where: 'key' | 'value';
  message: string;
  expected?: string;
  hint?: string;
}

// Compiling a schema costs milliseconds; loaders see the same schema again and again (reloads,
// resumes, validate runs), so results are memoised by the schema's JSON text.
const memo = new Map<string, SchemaProblem[]>();
const MEMO_MAX = 200;

/** Reports problems of the `input:` schema at `at` (the `input` node). */
export function checkInputSchema(ctx: LoadContext, at: At, schema: Record<string, unknown>, mode: 'full' | 'compile' = 'full'): void {
  const key = `${mode}:${JSON.stringify(schema)}`;
  let problems = memo.get(key);
  if (!problems) {
    problems = analyze(schema, mode);
    if (memo.size >= MEMO_MAX) memo.delete(memo.keys().next().value as string);
    memo.set(key, problems);
  }
  for (const p of problems) {
    ctx.report(under(at, ...p.path), { message: p.message, ...(p.expected === undefined ? {} : { expected: p.expected }), ...(p.hint === undefined ? {} : { hint: p.hint }) }, p.where);
  }
}

function analyze(schema: Record<string, unknown>, mode: 'full' | 'compile'): SchemaProblem[] {
  const a = getAjv();
  if (mode === 'full' && !a.validateSchema(schema)) {
    const out: SchemaProblem[] = [];
    for (const e of a.errors ?? []) {
      // Alternatives of anyOf report the same spot several times; the enum/required ones say enough.
      if (e.keyword === 'anyOf' || (e.keyword === 'type' && (e.params as { type?: string }).type === 'array')) continue;
      const allowed = (e.params as { allowedValues?: unknown[] }).allowedValues;
      out.push({
        path: pointerToPath(e.instancePath),
        where: 'value',
        message: `invalid input schema: ${e.instancePath || '/'} ${e.message ?? 'is invalid'}`,
        ...(allowed ? { expected: `one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}` } : {}),
      });
    }
    return out;
  }
  try {
    validators.set(JSON.stringify(schema), a.compile(schema));
    return [];
  } catch (err) {
    const message = (err as Error).message;
    const unknown = /unknown keyword: "([^"]+)"/.exec(message)?.[1];
    const where = unknown === undefined ? undefined : findKey(schema, unknown);
    const hint = unknown === undefined ? undefined : didYouMean(unknown, KEYWORDS);
    return [{ path: where ?? [], where: where ? 'key' : 'value', message: `invalid input schema: ${message}`, ...(hint === undefined ? {} : { hint }) }];
  } finally {
    a.removeSchema(schema);
  }
}

/** Validators compiled while checking, reused by the engine so a schema is compiled by one ajv once. */
const validators = new Map<string, ValidateFunction>();

/**
 * The compiled validator of an `input:` schema that passed {@link checkInputSchema} (compiled now if
 * this process has not checked it yet).
 */
export function inputValidator(schema: Record<string, unknown>): ValidateFunction {
  const key = JSON.stringify(schema);
  let v = validators.get(key);
  if (!v) {
    v = getAjv().compile(schema);
    getAjv().removeSchema(schema);
    if (validators.size >= MEMO_MAX) validators.delete(validators.keys().next().value as string);
    validators.set(key, v);
  }
  return v;
}

function pointerToPath(pointer: string): PathSegment[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/** Path of the first occurrence of `key` in a nested value (depth-first). */
function findKey(value: unknown, key: string, prefix: PathSegment[] = []): PathSegment[] | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findKey(value[i], key, [...prefix, i]);
      if (found) return found;
    }
    return undefined;
  }
  const rec = value as Record<string, unknown>;
  if (Object.prototype.hasOwnProperty.call(rec, key)) return [...prefix, key];
  for (const k of Object.keys(rec)) {
    const found = findKey(rec[k], key, [...prefix, k]);
    if (found) return found;
  }
  return undefined;
}
