/**
 * `with:` options of the built-in hooks: zod v4 strict schemas, turned into one VALIDATION error that
 * names the hook, the option, what was expected and what was found. Also the shared option types
 * (durations, JSONata templates, glob lists) and a per-run state helper.
 */
import { z } from 'zod';
import { describe as describeFound, formatPath, knownKeys, problems } from '../../agents/issues.js';
import { closest } from '../../dsl/suggest.js';
import { ErrorCode, HookflowError, toHookflowError } from '../../errors.js';
import { compileTemplate } from '../../expr/compile.js';
import type { Template } from '../../expr/types.js';
import { canonicalJson } from '../../util/hash.js';
import { parseDuration } from '../../util/duration.js';
import { ruleScope } from '../declared.js';
import type { HookContext, HookPoint } from '../types.js';
import type { BuiltinEnv, BuiltinOptions, BuiltinRunApi } from './types.js';

/** Parses `opts.with` with `schema`; throws VALIDATION listing every problem as `with.<option>: ...`. */
export function parseOptions<S extends z.ZodType>(name: string, opts: BuiltinOptions, schema: S): z.output<S> {
  const raw = opts.with ?? {};
  const parsed = schema.safeParse(raw, { reportInput: true });
  if (parsed.success) return parsed.data;
  const at = (path: readonly PropertyKey[]): string => {
    const where = formatPath(path);
    return `with${where === '' ? '' : where.startsWith('[') ? where : `.${where}`}`;
  };
  const lines: string[] = [];
  for (const issue of parsed.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      // The DSL's suggester also catches transpositions (`burts` -> `burst`).
      const allowed = knownKeys(schema, issue.path);
      for (const key of issue.keys) {
        const guess = closest(key, allowed);
        lines.push(`${at([...issue.path, key])}: unknown option "${key}"${guess ? ` (did you mean "${guess}"?)` : ''}; expected one of ${allowed.join(', ')}`);
      }
      continue;
    }
    for (const p of problems([issue], schema)) lines.push(`${at(p.key === undefined ? p.path : [...p.path, p.key])}: ${p.message}`);
  }
  throw optionError(name, opts.id, lines.join('; '), parsed.error.issues);
}

/** The VALIDATION error of a built-in's options. */
export function optionError(name: string, id: string, what: string, details?: unknown): HookflowError {
  return new HookflowError(ErrorCode.VALIDATION, `hook "${id}" (use: ${name}): ${what}`, { retryable: false, ...(details === undefined ? {} : { details }) });
}

/** Checks that every point in `at` is one the built-in can act at (`hint` is appended to the message). */
export function checkPoints(name: string, opts: BuiltinOptions, allowed: readonly HookPoint[], hint?: string): void {
  if (opts.at === undefined) return;
  const bad = opts.at.filter((p) => !allowed.includes(p));
  if (bad.length > 0) {
    throw optionError(name, opts.id, `at: ${name} cannot act at ${bad.join(', ')}; expected some of ${allowed.join(', ')}${hint ? `; hint: ${hint}` : ''}`);
  }
}

/** A duration option: integer milliseconds or `250ms`, `2s`, `5m`, `1h`, `1d`; parsed to ms. */
export function duration(): z.ZodType<number, unknown> {
  return z.unknown().transform((v, ctx) => {
    const ms = parseDuration(v);
    if (ms === undefined) {
      ctx.issues.push({ code: 'custom', input: v, message: `expected a duration (milliseconds, or a string like 500ms, 10s, 5m, 1h), found ${describeFound(v)}` });
      return z.NEVER;
    }
    return ms;
  });
}

/** A JSONata template option (`"${ input.url }"` or text with `${…}` parts), compiled once. */
export function template(): z.ZodType<Template, unknown> {
  return z.string().min(1).transform((v, ctx) => {
    try {
      return compileTemplate(v, { file: '(hook options)', line: 0, col: 0, path: 'with' });
    } catch (err) {
      ctx.issues.push({ code: 'custom', input: v, message: `invalid expression: ${toHookflowError(err).message}` });
      return z.NEVER;
    }
  });
}

/** One glob or a list of globs, normalized to a list. */
export function globList(): z.ZodType<string[], unknown> {
  return z.union([z.string().min(1), z.array(z.string().min(1))]).transform((v) => (typeof v === 'string' ? [v] : v));
}

/** Evaluates a template against the hook context (the same scope as rule hooks: input, output, step, vars, steps...). */
export async function evalTemplate(t: Template, ctx: HookContext, hookId: string): Promise<unknown> {
  if (t.constant) return t.value;
  try {
    return await t.evaluate(ruleScope(ctx));
  } catch (err) {
    const e = toHookflowError(err, ErrorCode.EXPRESSION);
    throw new HookflowError(ErrorCode.EXPRESSION, `hook "${hookId}": ${e.message}`, { retryable: false, cause: err });
  }
}

/** A template value as a key string: strings as they are, anything else as canonical JSON. */
export function keyString(v: unknown): string {
  return typeof v === 'string' ? v : canonicalJson(v);
}

/** JSONata-like truthiness (empty arrays and objects are false). */
export function truthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0 && v.some(truthy);
  if (v !== null && typeof v === 'object') return Object.keys(v).length > 0;
  return Boolean(v);
}

/**
 * State a built-in keeps per run. The engine hands out one {@link BuiltinRunApi} object per live run,
 * so a WeakMap keyed by it forgets the state when the run ends (also across resumes: a resumed run is
 * a new RunState with a new api).
 */
export class PerRun<T> {
  private readonly states = new WeakMap<BuiltinRunApi, T>();
  constructor(private readonly init: (api: BuiltinRunApi, ctx: HookContext) => T) {}

  /** The state of the run `ctx` belongs to (created on first use), or undefined when the run is gone. */
  of(env: BuiltinEnv, ctx: HookContext): T | undefined {
    const api = env.run(ctx);
    if (api === undefined) return undefined;
    let s = this.states.get(api);
    if (s === undefined) {
      s = this.init(api, ctx);
      this.states.set(api, s);
    }
    return s;
  }
}

/** The run event tap, or an INTERNAL error naming the built-in when the engine does not offer one. */
export function requireOnEvent(api: BuiltinRunApi, name: string): NonNullable<BuiltinRunApi['onEvent']> {
  const tap = api.onEvent;
  if (tap === undefined) throw new HookflowError(ErrorCode.INTERNAL, `built-in hook "${name}" needs BuiltinRunApi.onEvent, which this engine does not provide`);
  return tap.bind(api);
}

/** Size of a value as JSON text in UTF-8 bytes (0 for undefined). */
export function jsonBytes(v: unknown): number {
  if (v === undefined) return 0;
  const s = JSON.stringify(v);
  return s === undefined ? 0 : Buffer.byteLength(s, 'utf8');
}

/** A value as it is, or a truncated JSON preview when its JSON is longer than `maxBytes`. */
export function preview(v: unknown, maxBytes: number): unknown {
  if (v === undefined || v === null || typeof v === 'number' || typeof v === 'boolean') return v ?? null;
  const s = JSON.stringify(v);
  if (s === undefined) return null;
  if (s.length <= maxBytes) return v;
  return { truncated: true, bytes: Buffer.byteLength(s, 'utf8'), preview: s.slice(0, maxBytes) };
}
