/**
 * Hook declarations (hooks.md "Declaring hooks") -> {@link HookDecl}: rule (`do:`), module, built-in
 * (`use:`), composite (`compose:`), and `include:` of reusable hook sets.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { constantTemplate } from '../expr/compile.js';
import { HOOK_POINTS, isActionAllowed, type BreakerOptions, type HookAction, type HookDecl, type HookPoint, type HookSource, type RuleResult } from '../hooks/types.js';
import { parseDuration } from '../util/duration.js';
import { type At, type LoadContext, under } from './context.js';
import { describeValue, listWords } from './diagnostics.js';
import { ACTION_KEYS, HOOK_SOURCE_KEYS, schemas } from './schema.js';
import { parseYaml } from './source.js';
import { checkReservedName, compileStepList, resolveRelative } from './steps.js';
import { didYouMean } from './suggest.js';

type Raw = Record<string, unknown>;

/** Where a hook list sits; composite children inherit the points of their parent. */
export interface HookListOptions {
  scope: 'workflow' | 'step' | 'composite';
  parentAt?: readonly HookPoint[];
}

const BREAKER_DURATIONS = new Set(['windowMs', 'floorMs', 'coolDownMs', 'timeoutMs']);

function isRecord(v: unknown): v is Raw {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Compiles a `hooks:` list, expanding `include:` items in place. */
export function compileHookList(ctx: LoadContext, at: At, raw: unknown, opts: HookListOptions): HookDecl[] {
  if (!Array.isArray(raw)) return [];
  const out: HookDecl[] = [];
  raw.forEach((item, i) => {
    const itemAt = under(at, i);
    if (isRecord(item) && 'include' in item) {
      out.push(...compileInclude(ctx, itemAt, item, opts));
      return;
    }
    const decl = compileHook(ctx, itemAt, item, opts);
    if (decl) out.push(decl);
  });
  return out;
}

function compileHook(ctx: LoadContext, at: At, raw: unknown, opts: HookListOptions): HookDecl | undefined {
  if (!isRecord(raw)) {
    ctx.report(at, { message: 'invalid hook', expected: 'a hook mapping (id, at, and one of do, module, use, compose) or {include: name}', found: describeValue(raw) });
    return undefined;
  }
  const sources = HOOK_SOURCE_KEYS.filter((k) => k in raw);
  if (sources.length !== 1) {
    if (typeof raw.id === 'string') ctx.registerHook(raw.id, at);
    ctx.report(sources.length === 0 ? at : under(at, sources[1] as string), {
      message: sources.length === 0 ? 'hook has no source' : `hook has ${sources.length} sources: ${sources.join(' and ')}`,
      expected: 'exactly one of do (a rule), module, use (a built-in), compose (a composite)',
      ...(sources.length === 0
        ? { found: `keys ${listWords(Object.keys(raw))}`, hint: 'write do: { <action>: … } for a rule, module: ./file.js, use: <built-in> or compose: sequence|parallel|firstMatch|vote' }
        : { hint: 'split it into separate hooks' }),
    }, sources.length === 0 ? 'value' : 'key');
    return undefined;
  }
  const kind = sources[0] as (typeof HOOK_SOURCE_KEYS)[number];
  const d = ctx.validate(schemas.hook[kind], at, raw) as Raw | undefined;
  if (!d) {
    if (typeof raw.id === 'string') ctx.registerHook(raw.id, at);
    return undefined;
  }
  ctx.registerHook(d.id as string, at);
  const points = hookPoints(ctx, at, d, kind, opts);
  const decl: HookDecl = {
    id: d.id as string,
    at: points,
    order: (d.order as number | undefined) ?? 0,
    failure: (d.failure as HookDecl['failure'] | undefined) ?? 'open',
    source: compileSource(ctx, at, d, kind, points),
    loc: ctx.loc(at),
  };
  if (d.match !== undefined) decl.match = { ...(d.match as Raw) };
  if (d.when !== undefined) decl.when = ctx.template(under(at, 'when'), d.when);
  if (d.timeout !== undefined) decl.timeout = parseDuration(d.timeout) as number;
  if (d.breaker !== undefined) decl.breaker = compileBreaker(d.breaker as Raw);
  return decl;
}

function hookPoints(ctx: LoadContext, at: At, d: Raw, kind: string, opts: HookListOptions): HookPoint[] {
  if (d.at !== undefined) return [...new Set(Array.isArray(d.at) ? (d.at as HookPoint[]) : [d.at as HookPoint])];
  if (opts.scope === 'composite') return [...(opts.parentAt ?? [])];
  // Built-ins know their own points; an empty list means "the built-in's defaults".
  if (kind === 'use') return [];
  ctx.report(at, { message: 'missing required key "at"', expected: `a hook point or a list of them (${HOOK_POINTS.slice(0, 6).join(', ')}, …)` });
  return [];
}

function compileBreaker(b: Raw): Partial<BreakerOptions> {
  const out: Partial<Record<keyof BreakerOptions, number>> = {};
  for (const [k, v] of Object.entries(b)) {
    out[k as keyof BreakerOptions] = BREAKER_DURATIONS.has(k) ? (parseDuration(v) as number) : (v as number);
  }
  return out;
}

function compileSource(ctx: LoadContext, at: At, d: Raw, kind: (typeof HOOK_SOURCE_KEYS)[number], points: readonly HookPoint[]): HookSource {
  switch (kind) {
    case 'do':
      return { kind: 'rule', do: compileRule(ctx, under(at, 'do'), d.do as Raw, points, d.id as string) };
    case 'module': {
      const resolved = resolveRelative(at.src.file, d.module as string);
      if (resolved !== d.module || path.isAbsolute(resolved)) ctx.fileRefs.push({ kind: 'hook module', resolved, at: under(at, 'module') });
      return { kind: 'module', module: resolved, ...(d.export === undefined ? {} : { export: d.export as string }) };
    }
    case 'use':
      return { kind: 'use', use: d.use as string, with: { ...((d.with as Raw | undefined) ?? {}) } };
    case 'compose': {
      const compose = d.compose as 'sequence' | 'parallel' | 'firstMatch' | 'vote';
      if (d.threshold !== undefined && compose !== 'vote') {
        ctx.report(under(at, 'threshold'), { message: `"threshold" only applies to compose: vote`, found: `compose: ${compose}` }, 'key');
      }
      if ((d.hooks as unknown[]).length === 0) {
        ctx.report(under(at, 'hooks'), { message: 'empty composite', expected: 'at least one hook to compose', found: 'an empty list' });
      }
      const hooks = compileHookList(ctx, under(at, 'hooks'), d.hooks, { scope: 'composite', parentAt: points });
      return { kind: 'composite', compose, hooks, ...(d.threshold === undefined ? {} : { threshold: d.threshold as number }) };
    }
  }
}

function reasonOf(ctx: LoadContext, at: At, v: unknown, fallback: string) {
  if (typeof v === 'string') return ctx.template(at, v);
  if (isRecord(v) && v.reason !== undefined) return ctx.template(under(at, 'reason'), v.reason);
  return constantTemplate(fallback);
}

function compileRule(ctx: LoadContext, at: At, d: Raw, points: readonly HookPoint[], hookId: string): RuleResult {
  const actions = ACTION_KEYS.filter((k) => k in d);
  if (actions.length !== 1) {
    ctx.report(actions.length === 0 ? at : under(at, actions[1] as string), {
      message: actions.length === 0 ? 'rule has no action' : `rule has ${actions.length} actions: ${actions.join(' and ')}`,
      expected: `exactly one of ${ACTION_KEYS.join(', ')}`,
    }, actions.length === 0 ? 'value' : 'key');
    return { action: 'continue' };
  }
  const action = actions[0] as HookAction;
  const actAt = under(at, action);
  for (const p of points) {
    if (!isActionAllowed(p, action)) {
      ctx.report(actAt, {
        message: `hook "${hookId}" cannot return "${action}" at ${p}`,
        expected: `an action allowed at ${p}: ${ACTION_KEYS.filter((a) => isActionAllowed(p, a)).join(', ')}`,
        hint: 'see the "allowed at" column of hooks.md; at run time this would fail with HOOK_RESULT_INVALID',
      }, 'key');
    }
  }
  const v = d[action];
  switch (action) {
    case 'continue':
      return { action };
    case 'modify': {
      const onlyPatch = isRecord(v) && Object.keys(v).length === 1 && 'patch' in v;
      return { action, patch: onlyPatch ? ctx.template(under(actAt, 'patch'), v.patch) : ctx.template(actAt, v) };
    }
    case 'cancel':
      return { action, reason: reasonOf(ctx, actAt, v, `cancelled by hook ${hookId}`) };
    case 'skip':
      return { action, reason: reasonOf(ctx, actAt, v, `skipped by hook ${hookId}`) };
    case 'redirect': {
      const to = typeof v === 'string' ? v : ((v as Raw).to as string);
      ctx.redirects.push({ name: to, at: typeof v === 'string' ? actAt : under(actAt, 'to') });
      return { action, to };
    }
    case 'replace':
      return { action, value: ctx.template(under(actAt, 'value'), (v as Raw).value) };
    case 'retry': {
      const r = (v ?? {}) as Raw;
      return { action, attempts: (r.attempts as number | undefined) ?? 1, delay: r.delay === undefined ? 0 : (parseDuration(r.delay) as number) };
    }
    case 'cache': {
      const c = (v ?? {}) as Raw;
      const out: Extract<RuleResult, { action: 'cache' }> = { action };
      if (c.key !== undefined) out.key = ctx.template(under(actAt, 'key'), c.key);
      if (c.ttl !== undefined) out.ttl = parseDuration(c.ttl) as number;
      return out;
    }
    case 'fork':
      return compileFork(ctx, actAt, v as Raw);
  }
}

function compileFork(ctx: LoadContext, at: At, f: Raw): RuleResult {
  const out: Extract<RuleResult, { action: 'fork' }> = {
    action: 'fork',
    as: (f.as as string | undefined) ?? 'item',
    join: (f.join as 'wait' | 'detach' | undefined) ?? 'wait',
  };
  if (f.concurrency !== undefined) out.concurrency = f.concurrency as number;
  const hasBranches = f.branches !== undefined;
  const hasForEach = f.forEach !== undefined;
  if (hasBranches === hasForEach) {
    ctx.report(hasBranches ? under(at, 'forEach') : at, {
      message: hasBranches ? 'fork has both branches and forEach' : 'fork has neither branches nor forEach',
      expected: 'either branches: [steps] or forEach: ${…} with steps: [...]',
    }, hasBranches ? 'key' : 'value');
  }
  if (hasBranches) {
    out.branches = compileStepList(ctx, under(at, 'branches'), f.branches);
    for (const k of ['steps', 'as'] as const) {
      if (f[k] !== undefined && !hasForEach) ctx.report(under(at, k), { message: `"${k}" only applies to forEach forks`, hint: 'with branches, each list item is one branch' }, 'key');
    }
  }
  if (hasForEach) {
    out.forEach = ctx.template(under(at, 'forEach'), f.forEach);
    if (f.steps === undefined) {
      if (!hasBranches) ctx.report(at, { message: 'missing required key "steps"', expected: 'the steps each forEach branch runs' });
    } else out.steps = compileStepList(ctx, under(at, 'steps'), f.steps);
    checkReservedName(ctx, under(at, 'as'), f.as);
  }
  return out;
}

function compileInclude(ctx: LoadContext, at: At, item: Raw, opts: HookListOptions): ReturnType<typeof compileHookList> {
  const d = ctx.validate(schemas.hook.include, at, item) as { include: string } | undefined;
  if (!d) return [];
  const incAt = under(at, 'include');
  const { file, candidates } = resolveInclude(ctx, at.src.file, d.include);
  if (!file || !existsSync(file)) {
    const hint = candidates.length > 0 ? (didYouMean(d.include, candidates) ?? `available hook sets: ${listWords(candidates)}`) : undefined;
    ctx.report(incAt, {
      message: `hook set "${d.include}" not found`,
      expected: 'a hook set name from definitions/hooks/ or a ./path.yaml relative to this file',
      ...(file ? { found: `no file ${file}` } : { found: 'no definitions/hooks/ folder above this file' }),
      ...(hint === undefined ? {} : { hint }),
    });
    return [];
  }
  if (ctx.includeStack.includes(file)) {
    ctx.report(incAt, { message: `include cycle: ${[...ctx.includeStack, file].map((f) => path.basename(f)).join(' -> ')}` });
    return [];
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    ctx.report(incAt, { message: `cannot read hook set ${file}: ${(err as Error).message}` });
    return [];
  }
  const parsed = parseYaml(text, file);
  if (!ctx.files.includes(file)) ctx.files.push(file);
  if (!parsed.ok) {
    ctx.diagnostics.push(...parsed.diagnostics);
    return [];
  }
  const root: At = { src: parsed.source, path: [] };
  ctx.validate(schemas.hookSet, root, parsed.value);
  const hooks = isRecord(parsed.value) ? parsed.value.hooks : undefined;
  ctx.includeStack.push(file);
  try {
    return compileHookList(ctx, under(root, 'hooks'), hooks, opts);
  } finally {
    ctx.includeStack.pop();
  }
}

/** Finds the file of an include: `./x.yaml` relative to the including file, else `<definitions>/hooks/<name>.yaml`. */
function resolveInclude(ctx: LoadContext, from: string, name: string): { file?: string; candidates: string[] } {
  if (name.startsWith('./') || name.startsWith('../') || path.isAbsolute(name)) return { file: resolveRelative(from, name), candidates: [] };
  const dir = hookSetDir(ctx, from);
  if (!dir) return { candidates: [] };
  const candidates = readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => f.replace(/\.ya?ml$/, ''));
  const file = [`${name}.yaml`, `${name}.yml`].map((f) => path.join(dir, f)).find((f) => existsSync(f)) ?? path.join(dir, `${name}.yaml`);
  return { file, candidates };
}

/**
 * The folder hook sets are read from: `<definitionsDir>/hooks` (or `definitionsDir` itself when it
 * has no `hooks/` subfolder), else the nearest `definitions/hooks/` walking up from the file.
 */
function hookSetDir(ctx: LoadContext, from: string): string | undefined {
  const given = ctx.options.definitionsDir;
  if (given !== undefined) {
    const sub = path.join(given, 'hooks');
    return isDir(sub) ? sub : given;
  }
  let dir = from.startsWith('<') ? process.cwd() : path.dirname(path.resolve(from));
  for (;;) {
    const candidate = path.join(dir, 'definitions', 'hooks');
    if (isDir(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function isDir(p: string): boolean {
  return existsSync(p) && statSync(p).isDirectory();
}
