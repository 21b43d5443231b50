/**
 * Turns hooks declared in YAML (HookDecl) into HookInstances: rule hooks (`do:`), module hooks
 * (`module:`, JS or TS, async allowed), built-ins (`use:`) and composites (`compose:`).
 *
 * Rule templates are evaluated against the HookContext: `point`, `step`, `attempt`, `input` (the point's
 * input, e.g. tool args), `output`, `error`, `metadata`, `vars`, plus everything of the step's scope
 * (`steps`, `run`, `env`, `item`, `index`). The run input is `runInput`.
 */
import { pathToFileURL } from 'node:url';
import type { StepDef } from '../dsl/types.js';
import { ErrorCode, HookflowError, toHookflowError } from '../errors.js';
import type { ExprScope, Template } from '../expr/types.js';
import type { BuiltinEnv, BuiltinFactory } from './builtins/types.js';
import { composite } from './composites.js';
import { compileMatch, nextHookSeq, type HookInstance, type HookInvoke } from './registry.js';
import { contextInternals, type HookRunner } from './runner.js';
import type { HookContext, HookDecl, HookResult, RuleResult } from './types.js';

export interface DeclaredEnv {
  /** Prefix of instance keys (the workflow name), so equal ids in two workflows keep separate breakers. */
  keyPrefix: string;
  runner: HookRunner;
  builtins: ReadonlyMap<string, BuiltinFactory>;
  builtinEnv: BuiltinEnv;
  /** Receives the compiled steps of rule forks (journaled forks refer to them by hook id). */
  ruleForks: Map<string, { steps?: StepDef[]; branches?: StepDef[] }>;
}

/** Builds the scope rule templates see. */
export function ruleScope(ctx: HookContext): ExprScope {
  const base = (contextInternals(ctx)?.scope as ExprScope | undefined) ?? undefined;
  const s = (base ? Object.create(base) : {}) as ExprScope;
  if (base) s.runInput = base.input;
  s.point = ctx.point;
  s.step = ctx.step ?? null;
  s.attempt = ctx.attempt;
  s.input = ctx.input;
  s.output = ctx.output ?? null;
  s.error = ctx.error ?? null;
  s.metadata = ctx.metadata;
  s.vars = ctx.vars as Record<string, unknown>;
  return s;
}

async function ev(t: Template, ctx: HookContext, hookId: string): Promise<unknown> {
  if (t.constant) return t.value;
  try {
    return await t.evaluate(ruleScope(ctx));
  } catch (err) {
    const e = toHookflowError(err, ErrorCode.EXPRESSION);
    throw new HookflowError(ErrorCode.EXPRESSION, `hook "${hookId}": ${e.message}`, { retryable: false, cause: err });
  }
}

function allConstant(rule: RuleResult): boolean {
  switch (rule.action) {
    case 'modify':
      return rule.patch.constant;
    case 'cancel':
    case 'skip':
      return rule.reason.constant;
    case 'replace':
      return rule.value.constant;
    case 'fork':
      return rule.forEach === undefined || rule.forEach.constant;
    case 'cache':
      return rule.key === undefined || rule.key.constant;
    default:
      return true;
  }
}

/** The invoke function of a rule hook. Constant rules answer synchronously (no timer, no promise). */
export function ruleInvoke(rule: RuleResult, hookId: string): HookInvoke {
  if (allConstant(rule)) {
    const fixed = materialize(rule, (t) => t.value);
    return () => fixed;
  }
  return async (ctx) => {
    const values = new Map<Template, unknown>();
    for (const t of templatesOf(rule)) values.set(t, await ev(t, ctx, hookId));
    return materialize(rule, (t) => values.get(t));
  };
}

function templatesOf(rule: RuleResult): Template[] {
  switch (rule.action) {
    case 'modify':
      return [rule.patch];
    case 'cancel':
    case 'skip':
      return [rule.reason];
    case 'replace':
      return [rule.value];
    case 'fork':
      return rule.forEach ? [rule.forEach] : [];
    case 'cache':
      return rule.key ? [rule.key] : [];
    default:
      return [];
  }
}

function materialize(rule: RuleResult, value: (t: Template) => unknown): HookResult {
  switch (rule.action) {
    case 'continue':
      return { action: 'continue' };
    case 'modify':
      return { action: 'modify', patch: value(rule.patch) };
    case 'cancel':
      return { action: 'cancel', reason: String(value(rule.reason) ?? '') };
    case 'skip':
      return { action: 'skip', reason: String(value(rule.reason) ?? '') };
    case 'redirect':
      return { action: 'redirect', to: rule.to };
    case 'replace':
      return { action: 'replace', value: value(rule.value) };
    case 'retry':
      return { action: 'retry', attempts: rule.attempts, delay: rule.delay };
    case 'cache': {
      const r: HookResult = { action: 'cache' };
      if (rule.key) r.key = String(value(rule.key));
      if (rule.ttl !== undefined) r.ttl = rule.ttl;
      return r;
    }
    case 'fork': {
      const r: HookResult = { action: 'fork', as: rule.as, join: rule.join };
      if (rule.concurrency !== undefined) r.concurrency = rule.concurrency;
      if (rule.branches) r.branches = rule.branches;
      if (rule.forEach) {
        const list = value(rule.forEach);
        r.forEach = Array.isArray(list) ? list : list === null || list === undefined ? [] : [list];
        r.steps = rule.steps ?? [];
      }
      return r;
    }
  }
}

const loadedModules = new Map<string, Promise<HookInvoke>>();

/**
 * Imports a hook module (JS directly, TS through tsx) and returns its hook function. Loaded once per
 * process and export (like any ES module); a failed load is retried on the next call.
 */
export function loadHookModule(file: string, exportName: string | undefined, hookId: string): Promise<HookInvoke> {
  const key = `${file}#${exportName ?? 'default'}`;
  let p = loadedModules.get(key);
  if (p === undefined) {
    p = importHookModule(file, exportName, hookId);
    loadedModules.set(key, p);
    p.catch(() => loadedModules.delete(key));
  }
  return p;
}

/**
 * Checks the declared hooks of a definition before a run is created: every module loads and has a
 * usable export, every built-in exists. (Built-in options are checked when the run builds its hooks.)
 */
export async function checkDeclaredHooks(decls: Iterable<HookDecl>, builtins: ReadonlyMap<string, BuiltinFactory>): Promise<void> {
  for (const decl of decls) {
    const src = decl.source;
    if (src.kind === 'module') await loadHookModule(src.module, src.export, decl.id);
    else if (src.kind === 'use' && !builtins.has(src.use)) throw unknownBuiltin(decl.id, src.use, builtins);
    else if (src.kind === 'composite') await checkDeclaredHooks(src.hooks, builtins);
  }
}

function unknownBuiltin(hookId: string, name: string, builtins: ReadonlyMap<string, BuiltinFactory>): HookflowError {
  return new HookflowError(ErrorCode.VALIDATION, `hook "${hookId}": unknown built-in "${name}"; available: ${[...builtins.keys()].join(', ')}`, { retryable: false });
}

async function importHookModule(file: string, exportName: string | undefined, hookId: string): Promise<HookInvoke> {
  let mod: Record<string, unknown>;
  try {
    if (/\.(c|m)?tsx?$/.test(file)) {
      const { tsImport } = await import('tsx/esm/api');
      mod = (await tsImport(pathToFileURL(file).href, import.meta.url)) as Record<string, unknown>;
    } else {
      mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    }
  } catch (err) {
    throw new HookflowError(ErrorCode.VALIDATION, `hook "${hookId}": cannot load module ${file}: ${err instanceof Error ? err.message : String(err)}`, { cause: err, retryable: false });
  }
  const name = exportName ?? 'default';
  let exp = mod[name];
  // tsImport of a CJS-style default can nest one level.
  if (exp && typeof exp === 'object' && 'default' in exp && name === 'default' && typeof (exp as { run?: unknown }).run !== 'function') exp = (exp as { default: unknown }).default;
  if (typeof exp === 'function') return exp as HookInvoke;
  if (exp && typeof exp === 'object' && typeof (exp as { run?: unknown }).run === 'function') {
    const obj = exp as { run: HookInvoke };
    return (ctx) => obj.run(ctx);
  }
  throw new HookflowError(
    ErrorCode.VALIDATION,
    `hook "${hookId}": module ${file} has no usable export "${name}"; expected an async function (ctx) => HookResult or an object with a run method (exports: ${Object.keys(mod).join(', ') || 'none'})`,
    { retryable: false },
  );
}

/** Builds the instance of one declared hook. */
export async function buildDeclaredHook(decl: HookDecl, env: DeclaredEnv): Promise<HookInstance> {
  let invoke: HookInvoke;
  let points = decl.at;
  let order = decl.order;
  let dispose: (() => void | Promise<void>) | undefined;
  let timeoutMs = decl.timeout;
  let breaker = decl.breaker;
  let describe: string;
  let language: 'js' | 'yaml' = 'yaml';
  const key = `${env.keyPrefix}:${decl.id}`;
  const src = decl.source;
  switch (src.kind) {
    case 'rule':
      invoke = ruleInvoke(src.do, decl.id);
      describe = `do: ${src.do.action}`;
      if (src.do.action === 'fork') {
        const f: { steps?: StepDef[]; branches?: StepDef[] } = {};
        if (src.do.steps) f.steps = src.do.steps;
        if (src.do.branches) f.branches = src.do.branches;
        env.ruleForks.set(decl.id, f);
      }
      break;
    case 'module':
      invoke = await loadHookModule(src.module, src.export, decl.id);
      describe = `module: ${src.module}${src.export ? `#${src.export}` : ''}`;
      language = 'js';
      break;
    case 'use': {
      const factory = env.builtins.get(src.use);
      if (!factory) throw unknownBuiltin(decl.id, src.use, env.builtins);
      const spec = await factory({ id: decl.id, key, with: src.with, at: points.length > 0 ? points : undefined }, env.builtinEnv);
      invoke = spec.invoke;
      if (points.length === 0) points = spec.points;
      if (decl.order === 0 && spec.order !== undefined) order = spec.order;
      dispose = spec.dispose;
      timeoutMs ??= spec.timeout;
      if (spec.breaker) breaker = { ...spec.breaker, ...decl.breaker };
      describe = `use: ${src.use}`;
      language = 'js';
      break;
    }
    case 'composite': {
      const children = await Promise.all(src.hooks.map((h) => buildDeclaredHook(h, env)));
      invoke = composite(src.compose, children, env.runner, src.threshold);
      describe = `compose: ${src.compose} [${children.map((c) => c.id).join(', ')}]`;
      if (points.length === 0) points = [...new Set(children.flatMap((c) => [...c.points]))];
      break;
    }
  }
  const when = decl.when;
  const inst: HookInstance = {
    key,
    id: decl.id,
    points: new Set(points),
    order,
    seq: nextHookSeq(),
    match: compileMatch(decl.match),
    guard: when === undefined ? undefined : async (ctx) => truthyValue(await ev(when, ctx, decl.id)),
    timeoutMs,
    failure: decl.failure,
    breaker,
    language,
    describe,
    invoke,
  };
  if (dispose) inst.dispose = dispose;
  return inst;
}

function truthyValue(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0 && v.some(truthyValue);
  if (v !== null && typeof v === 'object') return Object.keys(v).length > 0;
  return Boolean(v);
}
