/**
 * Step compilation: validates one raw step against the schema of its kind and normalises it into a
 * {@link StepDef} (defaults applied, durations in ms, templates compiled), recursing into nested lists.
 */
import path from 'node:path';
import { constantTemplate } from '../expr/compile.js';
import type { Template } from '../expr/types.js';
import { parseDuration } from '../util/duration.js';
import type { IfStep, LoopSpec, ParallelStep, RetryPolicy, StepCommon, StepDef, StepKind, SwitchCase, SwitchStep, WaitSpec } from './types.js';
import { type At, type LoadContext, under } from './context.js';
import { describeValue, listWords } from './diagnostics.js';
import { compileHookList } from './hooks.js';
import { KIND_KEYS, RESERVED_NAMES, schemas, type KindKey } from './schema.js';
import { closest } from './suggest.js';

const KIND_OF: Record<KindKey, StepKind> = {
  tool: 'tool',
  agent: 'agent',
  workflow: 'workflow',
  steps: 'sequence',
  parallel: 'parallel',
  if: 'if',
  switch: 'switch',
  loop: 'loop',
  set: 'set',
  wait: 'wait',
  emit: 'emit',
  fail: 'fail',
};

/** Kinds that do work; `defaults.timeout` and `defaults.retry` apply to these only (see docs/dsl.md). */
const TASK_KINDS: ReadonlySet<StepKind> = new Set(['tool', 'agent', 'workflow']);

/** Default `code` of a `fail:` step without one. */
export const DEFAULT_FAIL_CODE = 'FAILED';

type Raw = Record<string, unknown>;

function isRecord(v: unknown): v is Raw {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Compiles a list of steps; invalid items are reported and left out. */
export function compileStepList(ctx: LoadContext, at: At, raw: unknown): StepDef[] {
  if (!Array.isArray(raw)) return [];
  const out: StepDef[] = [];
  raw.forEach((item, i) => {
    const s = compileStep(ctx, under(at, i), item);
    if (s) out.push(s);
  });
  return out;
}

/** Compiles one step, or reports why it cannot and returns undefined. */
export function compileStep(ctx: LoadContext, at: At, raw: unknown): StepDef | undefined {
  if (!isRecord(raw)) {
    ctx.report(at, { message: 'invalid step', expected: 'a step: a mapping with an id and one kind key', found: describeValue(raw) });
    return undefined;
  }
  if (typeof raw.id === 'string') ctx.registerStep(raw.id, at);
  const kinds = KIND_KEYS.filter((k) => k in raw);
  if (kinds.length !== 1) {
    reportKindProblem(ctx, at, raw, kinds);
    checkRawExpressions(ctx, at, raw);
    visitNested(ctx, at, raw, KIND_KEYS);
    return undefined;
  }
  const kindKey = kinds[0] as KindKey;
  const data = ctx.validate(schemas.step[kindKey], at, raw);
  if (!data) {
    checkRawExpressions(ctx, at, raw);
    visitNested(ctx, at, raw, kinds);
    return undefined;
  }
  const kind = KIND_OF[kindKey];
  const common = compileCommon(ctx, at, data as Raw, kind);
  return compileKind(ctx, at, data as Raw, common, kind);
}

function reportKindProblem(ctx: LoadContext, at: At, raw: Raw, kinds: readonly KindKey[]): void {
  const expected = `exactly one of ${listWords(KIND_KEYS)}`;
  if (kinds.length === 0) {
    if ('then' in raw || 'else' in raw) {
      ctx.report(under(at, 'then' in raw ? 'then' : 'else'), { message: `"${'then' in raw ? 'then' : 'else'}" without "if"`, hint: 'an if step needs if: ${ condition } next to then: and else:' }, 'key');
      return;
    }
    const unknown = Object.keys(raw).filter((k) => !(k in schemas.step.tool.shape));
    const near = unknown.map((k) => [k, closest(k, KIND_KEYS)] as const).find(([, c]) => c !== undefined);
    ctx.report(at, {
      message: 'step has no kind',
      expected,
      found: Object.keys(raw).length === 0 ? 'an empty mapping' : `keys ${listWords(Object.keys(raw))}`,
      ...(near ? { hint: `did you mean "${near[1] as string}" instead of "${near[0]}"?` } : {}),
    });
    return;
  }
  ctx.report(under(at, kinds[1] as string), {
    message: `step has ${kinds.length} kinds: ${kinds.join(' and ')}`,
    expected,
    hint: 'split it into separate steps (nest them under steps: to run them in order)',
  }, 'key');
}

/** Keys holding nested steps or hooks, which are compiled on their own. */
const NESTED_KEYS = new Set(['catch', 'steps', 'parallel', 'then', 'else', 'default', 'switch', 'hooks']);

/** Reports expression syntax errors in an invalid step's own values (nested steps excluded). */
function checkRawExpressions(ctx: LoadContext, at: At, raw: Raw): void {
  for (const [k, v] of Object.entries(raw)) {
    if (NESTED_KEYS.has(k)) {
      if (k === 'switch' && Array.isArray(v)) v.forEach((c, i) => isRecord(c) && ctx.checkSyntax(under(at, k, i, 'when'), c.when));
      continue;
    }
    if (k === 'loop' && isRecord(v)) {
      for (const [lk, lv] of Object.entries(v)) if (lk !== 'steps') ctx.checkSyntax(under(at, k, lk), lv);
      continue;
    }
    ctx.checkSyntax(under(at, k), v);
  }
}

/** Walks nested step lists of an invalid step so their own problems are reported too. */
function visitNested(ctx: LoadContext, at: At, raw: Raw, kinds: readonly string[]): void {
  const lists: Array<[string, ...Array<string | number>]> = [['catch']];
  if (kinds.includes('steps')) lists.push(['steps']);
  if (kinds.includes('parallel')) lists.push(['parallel']);
  if (kinds.includes('if')) lists.push(['then'], ['else']);
  if (kinds.includes('switch')) {
    lists.push(['default']);
    if (Array.isArray(raw.switch)) raw.switch.forEach((_c, i) => lists.push(['switch', i, 'steps']));
  }
  if (kinds.includes('loop')) lists.push(['loop', 'steps']);
  for (const segs of lists) {
    let v: unknown = raw;
    for (const s of segs) v = isRecord(v) || Array.isArray(v) ? (v as Record<string | number, unknown>)[s] : undefined;
    if (Array.isArray(v)) compileStepList(ctx, under(at, ...segs), v);
  }
}

/** Normalises a retry policy (durations to ms, documented defaults filled in). */
export function normalizeRetry(r: Raw): RetryPolicy {
  const policy: RetryPolicy = {
    attempts: r.attempts as number,
    delay: r.delay === undefined ? 0 : (parseDuration(r.delay) as number),
    backoff: (r.backoff as RetryPolicy['backoff'] | undefined) ?? 'constant',
    factor: (r.factor as number | undefined) ?? 2,
    jitter: (r.jitter as RetryPolicy['jitter'] | undefined) ?? 'none',
  };
  if (r.maxDelay !== undefined) policy.maxDelay = parseDuration(r.maxDelay) as number;
  if (r.on !== undefined) policy.on = [...(r.on as string[])];
  return policy;
}

function compileCommon(ctx: LoadContext, at: At, d: Raw, kind: StepKind): StepCommon {
  const task = TASK_KINDS.has(kind);
  const common: StepCommon = {
    id: d.id as string,
    kind,
    loc: ctx.loc(at),
    onError: (d.onError as StepCommon['onError'] | undefined) ?? ctx.defaults.onError ?? 'fail',
    hooks: d.hooks === undefined ? [] : compileHookList(ctx, under(at, 'hooks'), d.hooks, { scope: 'step' }),
  };
  if (d.when !== undefined) common.when = ctx.template(under(at, 'when'), d.when);
  const timeout = d.timeout === undefined ? (task ? ctx.defaults.timeout : undefined) : parseDuration(d.timeout);
  if (timeout !== undefined) common.timeout = timeout;
  const retry = d.retry === undefined ? (task ? ctx.defaults.retry : undefined) : normalizeRetry(d.retry as Raw);
  if (retry !== undefined) common.retry = retry;
  if (d.catch !== undefined) common.catch = compileStepList(ctx, under(at, 'catch'), d.catch);
  if (d.output !== undefined) common.output = ctx.template(under(at, 'output'), d.output);
  if (d.export !== undefined) common.export = templateRecord(ctx, under(at, 'export'), d.export as Raw);
  return common;
}

function templateRecord(ctx: LoadContext, at: At, rec: Raw): Record<string, Template> {
  const out: Record<string, Template> = {};
  for (const k of Object.keys(rec)) out[k] = ctx.template(under(at, k), rec[k]);
  return out;
}

function compileKind(ctx: LoadContext, at: At, d: Raw, c: StepCommon, kind: StepKind): StepDef | undefined {
  switch (kind) {
    case 'tool':
      ctx.tools.push({ name: d.tool as string, at: under(at, 'tool') });
      return { ...c, kind, tool: d.tool as string, with: ctx.template(under(at, 'with'), d.with ?? {}) };
    case 'agent':
      ctx.agents.push({ name: d.agent as string, at: under(at, 'agent') });
      return { ...c, kind, agent: d.agent as string, with: ctx.template(under(at, 'with'), d.with ?? {}) };
    case 'workflow': {
      const ref = d.workflow as string;
      const resolved = resolveRelative(at.src.file, ref, true);
      ctx.fileRefs.push({ kind: 'sub-workflow', resolved, at: under(at, 'workflow') });
      return { ...c, kind, workflow: resolved, workflowRef: ref, with: ctx.template(under(at, 'with'), d.with ?? {}) };
    }
    case 'sequence':
      return { ...c, kind, steps: compileStepList(ctx, under(at, 'steps'), d.steps) };
    case 'parallel': {
      const step: ParallelStep = { ...c, kind, branches: compileStepList(ctx, under(at, 'parallel'), d.parallel), failFast: (d.failFast as boolean | undefined) ?? false };
      if (d.concurrency !== undefined) step.concurrency = d.concurrency as number;
      return step;
    }
    case 'if': {
      const step: IfStep = { ...c, kind, if: ctx.template(under(at, 'if'), d.if), then: compileStepList(ctx, under(at, 'then'), d.then) };
      if (d.else !== undefined) step.else = compileStepList(ctx, under(at, 'else'), d.else);
      return step;
    }
    case 'switch': {
      const cases: SwitchCase[] = (d.switch as Raw[]).map((cs, i) => ({
        when: ctx.template(under(at, 'switch', i, 'when'), cs.when),
        steps: compileStepList(ctx, under(at, 'switch', i, 'steps'), cs.steps),
        loc: ctx.loc(under(at, 'switch', i)),
      }));
      const step: SwitchStep = { ...c, kind, cases };
      if (d.default !== undefined) step.default = compileStepList(ctx, under(at, 'default'), d.default);
      return step;
    }
    case 'loop': {
      const loop = compileLoop(ctx, under(at, 'loop'), d.loop as Raw);
      return loop && { ...c, kind, loop };
    }
    case 'set':
      if (Object.keys(d.set as Raw).length === 0) {
        ctx.report(under(at, 'set'), { message: 'empty set', expected: 'at least one variable to write', found: 'an empty mapping' });
      }
      return { ...c, kind, set: templateRecord(ctx, under(at, 'set'), d.set as Raw) };
    case 'wait':
      return { ...c, kind, wait: compileWait(ctx, under(at, 'wait'), d.wait) };
    case 'emit': {
      const e = d.emit as Raw;
      return { ...c, kind, event: e.event as string, data: ctx.template(under(at, 'emit', 'data'), e.data ?? null) };
    }
    case 'fail': {
      const f = d.fail as Raw;
      return {
        ...c,
        kind,
        code: f.code === undefined ? constantTemplate(DEFAULT_FAIL_CODE) : ctx.template(under(at, 'fail', 'code'), f.code),
        message: ctx.template(under(at, 'fail', 'message'), f.message),
      };
    }
  }
}

const LOOP_MODES = ['while', 'until', 'forEach', 'times'] as const;

function compileLoop(ctx: LoadContext, at: At, l: Raw): LoopSpec | undefined {
  const modes = LOOP_MODES.filter((m) => l[m] !== undefined);
  const steps = compileStepList(ctx, under(at, 'steps'), l.steps);
  if (modes.length !== 1) {
    ctx.report(modes.length === 0 ? at : under(at, modes[1] as string), {
      message: modes.length === 0 ? 'loop has no mode' : `loop has ${modes.length} modes: ${modes.join(' and ')}`,
      expected: 'exactly one of while, until, forEach, times',
      ...(modes.length === 0 ? { found: `keys ${listWords(Object.keys(l))}` } : {}),
    }, modes.length === 0 ? 'value' : 'key');
    return undefined;
  }
  const mode = modes[0] as LoopSpec['mode'];
  const spec: LoopSpec = {
    mode,
    expr: ctx.template(under(at, mode), l[mode]),
    as: (l.as as string | undefined) ?? 'item',
    max: (l.max as number | undefined) ?? 1000,
    onLimit: (l.onLimit as LoopSpec['onLimit'] | undefined) ?? 'fail',
    concurrency: (l.concurrency as number | undefined) ?? 1,
    collect: (l.collect as LoopSpec['collect'] | undefined) ?? 'all',
    steps,
  };
  if (spec.concurrency > 1 && mode !== 'forEach') {
    ctx.report(under(at, 'concurrency'), {
      message: `loop concurrency ${spec.concurrency} needs forEach`,
      expected: 'concurrency: 1 for while/until/times loops',
      hint: 'only forEach iterations are independent; while/until/times run one iteration at a time',
    });
  }
  checkReservedName(ctx, under(at, 'as'), l.as);
  const count = mode === 'times' && typeof l.times === 'number' ? l.times : mode === 'forEach' && Array.isArray(l.forEach) ? l.forEach.length : undefined;
  if (count !== undefined && count > spec.max) {
    ctx.report(under(at, mode), {
      message: `the loop runs ${count} times but max is ${spec.max}`,
      hint: `raise max (max: ${count}) or the loop fails with LOOP_LIMIT`,
    });
  }
  return spec;
}

/** Reports an `as:` name that would hide a scope name such as `input` or `steps`. */
export function checkReservedName(ctx: LoadContext, at: At, name: unknown): void {
  if (typeof name === 'string' && (RESERVED_NAMES as readonly string[]).includes(name)) {
    ctx.report(at, {
      message: `"${name}" cannot be used as the item name`,
      expected: `a name other than ${RESERVED_NAMES.join(', ')}`,
      found: JSON.stringify(name),
      hint: 'it would hide the expression scope name of the same name',
    });
  }
}

function compileWait(ctx: LoadContext, at: At, w: unknown): WaitSpec {
  if (isRecord(w)) {
    const spec: WaitSpec = { kind: 'signal', signal: w.signal as string };
    if (w.timeout !== undefined) spec.timeout = parseDuration(w.timeout) as number;
    return spec;
  }
  const ms = parseDuration(w);
  return { kind: 'delay', ms: ms === undefined ? ctx.template(at, w) : constantTemplate(ms) };
}

/**
 * Resolves a path written in a file relative to that file; files named like `<inline>` resolve
 * against the cwd. Unless `always`, bare names (no `./`, `../` or `/`) are package specifiers and
 * stay as written.
 */
export function resolveRelative(file: string, ref: string, always = false): string {
  if (!always && !(ref.startsWith('./') || ref.startsWith('../') || path.isAbsolute(ref))) return ref;
  const base = file.startsWith('<') ? process.cwd() : path.dirname(path.resolve(file));
  return path.resolve(base, ref);
}
