/**
 * `json.*` built-ins: query (JSONata), validate (JSON Schema 2020-12), merge, parse, stringify.
 */
import jsonata from 'jsonata';
import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import { ajvIssues, createAjv, type ValidateFunction } from '../json-schema.js';
import { defineTool, toolError } from './define.js';

const expressions = new LRUCache<string, jsonata.Expression>({ max: 500 });

function jsonataError(err: unknown, expression: string): never {
  const e = err as { message?: unknown; position?: unknown; token?: unknown; code?: unknown };
  const at = typeof e.position === 'number' ? ` at position ${e.position}` : '';
  const token = typeof e.token === 'string' ? ` near "${e.token}"` : '';
  throw toolError('json.query', `JSONata ${typeof e.code === 'string' ? `${e.code} ` : ''}error${at}${token}: ${String(e.message ?? err)} (in ${JSON.stringify(expression)})`, {
    cause: err,
    details: { position: typeof e.position === 'number' ? e.position : null, expression },
  });
}

/** Converts JSONata results (sequences, undefined, functions) to plain JSON. */
function plain(value: unknown): unknown {
  if (value === undefined) return null;
  const s = JSON.stringify(value);
  return s === undefined ? null : (JSON.parse(s) as unknown);
}

const query = defineTool({
  name: 'json.query',
  description: 'Evaluates a JSONata expression (https://jsonata.org) against `data`, with optional `bindings` as $variables.',
  input: z.strictObject({
    data: z.unknown().optional(),
    expression: z.string(),
    bindings: z.record(z.string(), z.unknown()).optional(),
    timeoutMs: z.number().int().positive().optional(),
  }),
  output: 'the JSONata result as plain JSON (null when nothing matched)',
  async run(args, ctx) {
    ctx.signal.throwIfAborted();
    const key = `${args.timeoutMs ?? 0}\u0000${args.expression}`;
    let expr = expressions.get(key);
    if (!expr) {
      try {
        expr = jsonata(args.expression, args.timeoutMs === undefined ? undefined : { timeout: args.timeoutMs });
      } catch (err) {
        jsonataError(err, args.expression);
      }
      expressions.set(key, expr);
    }
    try {
      return plain(await expr.evaluate(args.data, args.bindings));
    } catch (err) {
      return jsonataError(err, args.expression);
    }
  },
});

// Created on first use: building an ajv instance costs ~70 ms of start-up otherwise.
let ajv: ReturnType<typeof createAjv> | undefined;
const validators = new LRUCache<string, ValidateFunction>({ max: 200 });

const validate = defineTool({
  name: 'json.validate',
  description: 'Validates `data` against a JSON Schema (draft 2020-12, with formats such as email, uri, date-time).',
  input: z.strictObject({ data: z.unknown().optional(), schema: z.union([z.record(z.string(), z.unknown()), z.boolean()]) }),
  output: '{valid: boolean, errors: [{path, message}]} with paths like `data.items[0].id`',
  run(args) {
    const key = JSON.stringify(args.schema);
    let check = validators.get(key);
    if (!check) {
      try {
        check = (ajv ??= createAjv()).compile(args.schema);
      } catch (err) {
        throw toolError('json.validate', `the schema is not a valid JSON Schema (draft 2020-12): ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
      validators.set(key, check);
    }
    const data = args.data ?? null;
    const valid = check(data);
    return { valid, errors: valid ? [] : ajvIssues(check.errors, data, 'data') };
  },
});

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep merge: objects merge key by key, later values win; arrays replace or concatenate. */
export function deepMerge(target: unknown, source: unknown, arrays: 'replace' | 'concat'): unknown {
  if (isPlainObject(target) && isPlainObject(source)) {
    const out: Record<string, unknown> = { ...target };
    for (const [k, v] of Object.entries(source)) {
      // defineProperty: a "__proto__" key in user data stays a plain key instead of swapping the prototype.
      Object.defineProperty(out, k, { value: Object.hasOwn(out, k) ? deepMerge(out[k], v, arrays) : v, enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  if (arrays === 'concat' && Array.isArray(target) && Array.isArray(source)) return [...target, ...source];
  return source === undefined ? target : source;
}

const merge = defineTool({
  name: 'json.merge',
  description: 'Deep-merges `objects` left to right (later values win); arrays are replaced, or concatenated with `arrays: concat`.',
  input: z.strictObject({ objects: z.array(z.unknown()).min(1), arrays: z.enum(['replace', 'concat']).default('replace') }),
  output: 'the merged value',
  run: (args) => args.objects.reduce((acc, o) => deepMerge(acc, o, args.arrays)) ?? null,
});

const parse = defineTool({
  name: 'json.parse',
  description: 'Parses JSON text.',
  input: z.strictObject({ text: z.string() }),
  output: 'the parsed value',
  run(args) {
    try {
      return JSON.parse(args.text) as unknown;
    } catch (err) {
      throw toolError('json.parse', `invalid JSON: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  },
});

const stringify = defineTool({
  name: 'json.stringify',
  description: 'Serialises `value` as JSON text, compact or with `indent` spaces.',
  input: z.strictObject({ value: z.unknown(), indent: z.number().int().min(0).max(10).default(0) }),
  output: 'a JSON string',
  run: (args) => JSON.stringify(args.value ?? null, null, args.indent || undefined),
});

/** The `json.*` group. */
export const jsonTools = [query, validate, merge, parse, stringify];
