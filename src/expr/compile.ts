/**
 * Compiles any JSON-ish workflow value into a {@link Template}: strings holding `${ … }` become
 * JSONata evaluations, everything else stays constant and is returned by reference.
 */
import { ErrorCode, HookflowError } from '../errors.js';
import { appendPath } from './path.js';
import { compileExpression, SandboxViolation, type CompiledExpression, type SandboxLimits } from './sandbox.js';
import { isTruthy, NotJsonError, toPlainJson } from './json.js';
import { mayHoldExpression, scanTemplate, type Segment } from './scan.js';
import type { ExprScope, Template, TemplateOrigin } from './types.js';

/** Options of {@link compileTemplate}. */
export type CompileOptions = SandboxLimits;

/** Details attached to EXPRESSION errors (syntax errors at compile time, failures at run time). */
export interface ExpressionErrorDetails {
  file: string;
  line: number;
  col: number;
  /** YAML path of the string holding the expression. */
  path: string;
  /** The expression source (without `${ }`). */
  expression: string;
  /** The whole string the expression was written in. */
  text: string;
  /** What is wrong, without the location (JSONata's message, or the scanner's). */
  reason: string;
  /** Offset of the problem inside the expression, when JSONata reports one. */
  position?: number;
  /** JSONata's error code, e.g. `S0203` or `T2001`. */
  jsonataCode?: string;
}

const NO_REFS: readonly string[] = Object.freeze([]);

abstract class BaseTemplate implements Template {
  abstract readonly constant: boolean;
  abstract readonly value: unknown;
  abstract readonly stepRefs: readonly string[];
  /** `env.<NAME>` reads that are statically visible (used by the loader's allow-list check). */
  abstract readonly envRefs: readonly string[];
  abstract evaluate(scope: ExprScope): Promise<unknown>;
  /** The template as written (expressions as `${ … }`), for diagrams and messages. */
  abstract describe(): string;
}

class ConstantTemplate extends BaseTemplate {
  readonly constant = true;
  readonly stepRefs = NO_REFS;
  readonly envRefs = NO_REFS;
  private readonly resolved: Promise<unknown>;
  constructor(readonly value: unknown) {
    super();
    this.resolved = Promise.resolve(value);
  }
  evaluate(): Promise<unknown> {
    return this.resolved;
  }
  describe(): string {
    return typeof this.value === 'string' ? this.value : (JSON.stringify(this.value) ?? String(this.value));
  }
}

class ExpressionTemplate extends BaseTemplate {
  readonly constant = false;
  readonly value = undefined;
  readonly stepRefs: readonly string[];
  readonly envRefs: readonly string[];
  constructor(
    private readonly expr: CompiledExpression,
    private readonly origin: TemplateOrigin,
  ) {
    super();
    this.stepRefs = expr.stepRefs;
    this.envRefs = expr.envRefs;
  }
  async evaluate(scope: ExprScope): Promise<unknown> {
    let raw: unknown;
    try {
      raw = await this.expr.evaluate(scope);
      return toPlainJson(raw);
    } catch (err) {
      throw runtimeError(err, this.expr.source, this.origin);
    }
  }
  describe(): string {
    return `\${${this.expr.source}}`;
  }
}

class InterpolationTemplate extends BaseTemplate {
  readonly constant = false;
  readonly value = undefined;
  readonly stepRefs: readonly string[];
  readonly envRefs: readonly string[];
  constructor(private readonly parts: ReadonlyArray<string | ExpressionTemplate>) {
    super();
    this.stepRefs = union(parts.map((p) => (typeof p === 'string' ? NO_REFS : p.stepRefs)));
    this.envRefs = union(parts.map((p) => (typeof p === 'string' ? NO_REFS : p.envRefs)));
  }
  async evaluate(scope: ExprScope): Promise<unknown> {
    let out = '';
    for (const p of this.parts) out += typeof p === 'string' ? p : stringify(await p.evaluate(scope));
    return out;
  }
  describe(): string {
    return this.parts.map((p) => (typeof p === 'string' ? p.replaceAll('${', '$${') : p.describe())).join('');
  }
}

class ArrayTemplate extends BaseTemplate {
  readonly constant = false;
  readonly value = undefined;
  readonly stepRefs: readonly string[];
  readonly envRefs: readonly string[];
  constructor(private readonly items: readonly Template[]) {
    super();
    this.stepRefs = union(items.map((t) => t.stepRefs));
    this.envRefs = union(items.map(envRefsOf));
  }
  async evaluate(scope: ExprScope): Promise<unknown> {
    const out: unknown[] = new Array(this.items.length);
    for (let i = 0; i < this.items.length; i++) {
      const t = this.items[i] as Template;
      out[i] = t.constant ? t.value : await t.evaluate(scope);
    }
    return out;
  }
  describe(): string {
    return `[${this.items.map(templateText).join(', ')}]`;
  }
}

class ObjectTemplate extends BaseTemplate {
  readonly constant = false;
  readonly value = undefined;
  readonly stepRefs: readonly string[];
  readonly envRefs: readonly string[];
  constructor(private readonly entries: ReadonlyArray<readonly [string, Template]>) {
    super();
    this.stepRefs = union(entries.map(([, t]) => t.stepRefs));
    this.envRefs = union(entries.map(([, t]) => envRefsOf(t)));
  }
  async evaluate(scope: ExprScope): Promise<unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, t] of this.entries) {
      setKey(out, k, t.constant ? t.value : await t.evaluate(scope));
    }
    return out;
  }
  describe(): string {
    return `{${this.entries.map(([k, t]) => `${k}: ${templateText(t)}`).join(', ')}}`;
  }
}

/**
 * Compiles `value` once. A string that is exactly `${ expr }` evaluates to a JSON value, a string with
 * `${…}` among other text interpolates to a string, `$${` is a literal `${`. Syntax errors throw a
 * HookflowError with code EXPRESSION whose `details` are {@link ExpressionErrorDetails} (the `path`
 * names the exact nested string).
 *
 * @example compileTemplate({ url: '${ input.base }/x', n: 1 }, origin).evaluate(scope)
 */
export function compileTemplate(value: unknown, origin: TemplateOrigin, options: CompileOptions = {}): Template {
  return compileNode(value, origin, origin.path, options);
}

function compileNode(value: unknown, origin: TemplateOrigin, path: string, options: CompileOptions): BaseTemplate {
  if (typeof value === 'string') return compileString(value, origin, path, options);
  if (Array.isArray(value)) {
    const items = value.map((v, i) => compileNode(v, origin, appendPath(path, i), options));
    if (items.every((t) => t.constant)) {
      const changed = items.some((t, i) => t.value !== value[i]);
      return new ConstantTemplate(changed ? items.map((t) => t.value) : value);
    }
    return new ArrayTemplate(items);
  }
  if (value !== null && typeof value === 'object') {
    const src = value as Record<string, unknown>;
    const entries = Object.keys(src).map((k) => [k, compileNode(src[k], origin, appendPath(path, k), options)] as const);
    if (entries.every(([, t]) => t.constant)) {
      if (entries.every(([k, t]) => t.value === src[k])) return new ConstantTemplate(value);
      const copy: Record<string, unknown> = {};
      for (const [k, t] of entries) setKey(copy, k, t.value);
      return new ConstantTemplate(copy);
    }
    return new ObjectTemplate(entries);
  }
  return new ConstantTemplate(value);
}

function compileString(s: string, origin: TemplateOrigin, path: string, options: CompileOptions): BaseTemplate {
  if (!mayHoldExpression(s)) return new ConstantTemplate(s);
  const scanned = scanTemplate(s);
  if (!scanned.ok) {
    throw expressionError(`${scanned.message} in ${JSON.stringify(s)}`, { ...loc(origin, path), expression: s, text: s, reason: scanned.message, position: scanned.offset });
  }
  if (!scanned.hasExpr) return new ConstantTemplate(scanned.segments.map((seg) => (seg.kind === 'text' ? seg.text : '')).join(''));
  const compileSeg = (seg: Extract<Segment, { kind: 'expr' }>): ExpressionTemplate => {
    const subOrigin = { ...origin, path };
    try {
      return new ExpressionTemplate(compileExpression(seg.source, options), subOrigin);
    } catch (err) {
      const d = (err as HookflowError).details as { position?: number; jsonataCode?: string } | undefined;
      throw expressionError(`invalid expression \${${seg.source}}: ${(err as Error).message}`, {
        ...loc(origin, path),
        expression: seg.source,
        text: s,
        reason: (err as Error).message.replace(/^syntax error: /, ''),
        ...(d?.position === undefined ? {} : { position: d.position }),
        ...(d?.jsonataCode === undefined ? {} : { jsonataCode: d.jsonataCode }),
      });
    }
  };
  if (scanned.whole) {
    const seg = scanned.segments.find((x) => x.kind === 'expr') as Extract<Segment, { kind: 'expr' }>;
    return compileSeg(seg);
  }
  return new InterpolationTemplate(scanned.segments.map((seg) => (seg.kind === 'text' ? seg.text : compileSeg(seg))));
}

/** Evaluates a guard and casts the result with JSONata truthiness (`$boolean`). */
export async function evaluateCondition(t: Template, scope: ExprScope): Promise<boolean> {
  return isTruthy(t.constant ? t.value : await t.evaluate(scope));
}

/** A template as written: `${ … }` for expressions, JSON for constants (used by diagrams). */
export function templateText(t: Template): string {
  if (t instanceof BaseTemplate) return t.describe();
  return t.constant ? (JSON.stringify(t.value) ?? String(t.value)) : '${…}';
}

/** `env.<NAME>` names a template reads statically (empty for templates not made by this module). */
export function envRefsOf(t: Template): readonly string[] {
  return t instanceof BaseTemplate ? t.envRefs : NO_REFS;
}

/** A constant template around `value` (used for defaults the loader fills in). */
export function constantTemplate(value: unknown): Template {
  return new ConstantTemplate(value);
}

/** Assigns without triggering the `__proto__` setter, so a YAML key `__proto__` stays a plain key. */
function setKey(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

function stringify(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function union(lists: ReadonlyArray<readonly string[]>): readonly string[] {
  const nonEmpty = lists.filter((l) => l.length > 0);
  if (nonEmpty.length === 0) return NO_REFS;
  if (nonEmpty.length === 1) return nonEmpty[0] as readonly string[];
  return [...new Set(nonEmpty.flat())];
}

function loc(origin: TemplateOrigin, path: string): Pick<ExpressionErrorDetails, 'file' | 'line' | 'col' | 'path'> {
  return { file: origin.file, line: origin.line, col: origin.col, path };
}

function expressionError(message: string, details: ExpressionErrorDetails, cause?: unknown): HookflowError {
  return new HookflowError(ErrorCode.EXPRESSION, message, { details, retryable: false, ...(cause === undefined ? {} : { cause }) });
}

function runtimeError(err: unknown, source: string, origin: TemplateOrigin): HookflowError {
  const e = err as { message?: unknown; code?: unknown; position?: unknown };
  const message = typeof e?.message === 'string' ? e.message : String(err);
  const details: ExpressionErrorDetails = { ...loc(origin, origin.path), expression: source, text: `\${${source}}`, reason: message };
  if (!(err instanceof SandboxViolation) && !(err instanceof NotJsonError)) {
    if (typeof e?.code === 'string') details.jsonataCode = e.code;
    if (typeof e?.position === 'number') details.position = e.position;
  }
  const code = details.jsonataCode === undefined ? '' : ` [${details.jsonataCode}]`;
  return expressionError(`expression \${${source}} at ${origin.path} failed: ${message}${code}`, details, err);
}
