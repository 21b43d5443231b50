/**
 * Static check of the workflow's `input:` JSON Schema (draft 2020-12) with ajv in strict mode, so a
 * misspelled keyword (`requried`) is reported at load time instead of silently accepting any input.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
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

let ajv: Ajv2020 | undefined;

function getAjv(): Ajv2020 {
  if (!ajv) {
    ajv = new Ajv2020({ strict: true, allErrors: true });
    addFormats.default(ajv);
  }
  return ajv;
}

/** Reports problems of the `input:` schema at `at` (the `input` node). */
export function checkInputSchema(ctx: LoadContext, at: At, schema: Record<string, unknown>): void {
  const a = getAjv();
  const valid = a.validateSchema(schema);
  if (!valid) {
    for (const e of a.errors ?? []) {
      // Alternatives of anyOf report the same spot several times; the enum/required ones say enough.
      if (e.keyword === 'anyOf' || (e.keyword === 'type' && e.params && (e.params as { type?: string }).type === 'array')) continue;
      const segs = pointerToPath(e.instancePath);
      const allowed = (e.params as { allowedValues?: unknown[] }).allowedValues;
      ctx.report(under(at, ...segs), {
        message: `invalid input schema: ${e.instancePath || '/'} ${e.message ?? 'is invalid'}`,
        ...(allowed ? { expected: `one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}` } : {}),
      });
    }
    return;
  }
  try {
    a.compile(schema);
  } catch (err) {
    const message = (err as Error).message;
    const unknown = /unknown keyword: "([^"]+)"/.exec(message)?.[1];
    const where = unknown === undefined ? undefined : findKey(schema, unknown);
    const hint = unknown === undefined ? undefined : didYouMean(unknown, KEYWORDS);
    ctx.report(where ? under(at, ...where) : at, {
      message: `invalid input schema: ${message}`,
      ...(hint === undefined ? {} : { hint }),
    }, where ? 'key' : 'value');
  } finally {
    a.removeSchema(schema);
  }
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
