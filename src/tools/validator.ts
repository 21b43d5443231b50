/**
 * Compiles a tool's `input` (JSON Schema object or zod v4 schema) once into a validate function and the
 * JSON Schema shown by `hookflow tools list`.
 */
import { z } from 'zod';
import { ErrorCode, HookflowError } from '../errors.js';
import { ajvIssues, createAjv, schemaHasDefaults } from './json-schema.js';
import { toolInputError, zodIssues } from './issues.js';

/** The compiled form of a tool's input declaration. */
export interface CompiledInput {
  inputSchema: Record<string, unknown> | undefined;
  validate: (args: unknown) => unknown;
}

/** True for zod v4 schemas (classic or mini): they carry the `_zod` internals object. */
export function isZodSchema(value: unknown): value is z.ZodType {
  return typeof value === 'object' && value !== null && '_zod' in value && typeof (value as { _zod: unknown })._zod === 'object';
}

// Two shared instances: schemas with `default` need ajv's mutating `useDefaults`, others must not pay a clone.
let plainAjv: ReturnType<typeof createAjv> | undefined;
let defaultsAjv: ReturnType<typeof createAjv> | undefined;

const identity = (args: unknown): unknown => args;

/** Compiles `input` for tool `name`; throws `VALIDATION` when the declaration itself is unusable. */
export function compileInput(name: string, input: unknown): CompiledInput {
  if (input === undefined || input === null) return { inputSchema: undefined, validate: identity };
  if (isZodSchema(input)) return compileZod(name, input);
  if (typeof input === 'object' && !Array.isArray(input)) {
    if ('_def' in input && typeof (input as { parse?: unknown }).parse === 'function') {
      throw new HookflowError(ErrorCode.VALIDATION, `tool "${name}": its input is a zod v3 schema; hookflow needs zod v4 (import { z } from 'zod' with zod >= 4)`);
    }
    return compileJsonSchema(name, input as Record<string, unknown>);
  }
  throw new HookflowError(
    ErrorCode.VALIDATION,
    `tool "${name}": expected \`input\` to be a JSON Schema object or a zod schema, got ${Array.isArray(input) ? 'an array' : typeof input}`,
  );
}

function compileJsonSchema(name: string, schema: Record<string, unknown>): CompiledInput {
  const withDefaults = schemaHasDefaults(schema);
  const ajv = withDefaults ? (defaultsAjv ??= createAjv({ useDefaults: true })) : (plainAjv ??= createAjv());
  let check: ReturnType<typeof ajv.compile>;
  try {
    check = ajv.compile(schema);
  } catch (err) {
    throw new HookflowError(
      ErrorCode.VALIDATION,
      `tool "${name}": its input JSON Schema is invalid: ${err instanceof Error ? err.message : String(err)} (hookflow uses JSON Schema draft 2020-12)`,
      { cause: err },
    );
  }
  const known = knownFields(schema);
  return {
    inputSchema: schema,
    validate(args: unknown): unknown {
      // ajv fills defaults in place; work on a copy so the caller's (possibly journaled) args stay intact.
      const data = withDefaults && args !== null && typeof args === 'object' ? structuredClone(args) : args;
      if (check(data)) return data;
      throw toolInputError(name, ajvIssues(check.errors, data, 'with'), known);
    },
  };
}

function compileZod(name: string, schema: z.ZodType): CompiledInput {
  // The JSON Schema is derived on first use (tools list, agent tool specs, error hints): converting all
  // built-in tools at registration cost tens of ms on every `hookflow` start.
  let json: Record<string, unknown> | undefined;
  const jsonSchema = (): Record<string, unknown> => {
    if (json === undefined) {
      try {
        json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
      } catch (err) {
        throw new HookflowError(ErrorCode.VALIDATION, `tool "${name}": cannot convert its zod input schema to JSON Schema: ${err instanceof Error ? err.message : String(err)}`, {
          cause: err,
        });
      }
    }
    return json;
  };
  return {
    get inputSchema() {
      return jsonSchema();
    },
    validate(args: unknown): unknown {
      const result = z.safeParse(schema, args);
      if (result.success) return result.data;
      throw toolInputError(name, zodIssues(result.error.issues, args, 'with'), knownFields(jsonSchema()));
    },
  };
}

/** Top-level property names, including those of `oneOf`/`anyOf` branches (discriminated unions). */
function knownFields(schema: Record<string, unknown>): string[] {
  const names = new Set<string>();
  const props = schema.properties;
  if (props !== null && typeof props === 'object') for (const k of Object.keys(props)) names.add(k);
  for (const key of ['oneOf', 'anyOf'] as const) {
    const branches = schema[key];
    if (!Array.isArray(branches)) continue;
    for (const b of branches) if (b !== null && typeof b === 'object') for (const k of knownFields(b as Record<string, unknown>)) names.add(k);
  }
  return [...names];
}
