/**
 * `logging`: one JSON line per fact — `{time, level, run, workflow, point, step, path, action|status,
 * ms, ...}` — to stderr or a file. Run and step outcomes and every hook decision are read from the
 * run's events (tapped synchronously, so the hook is not called per step); tool calls have no events,
 * so the hook times them itself at before_tool → after_tool/tool_error. Every line goes through the
 * same secret redaction as the `security` hook.
 */
import { z } from 'zod';
import type { UniversalEvent } from '../../events/types.js';
import { isoTime } from '../../util/iso.js';
import { HOOK_POINTS, type HookContext, type HookPoint } from '../types.js';
import { openSink } from './log-sink.js';
import { checkPoints, parseOptions, PerRun, preview, requireOnEvent } from './options.js';
import { redactSecrets } from './redact.js';
import type { BuiltinFactory, BuiltinOptions } from './types.js';

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
type Level = (typeof LEVELS)[number];
const RANK: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3 };

const VALUE_FIELDS: ReadonlySet<string> = new Set(['input', 'output', 'result']);
const ATTACH_POINTS: readonly HookPoint[] = ['run_start', 'run_resume'];
const TOOL_POINTS: readonly HookPoint[] = ['before_tool', 'after_tool', 'tool_error'];

const schema = z.strictObject({
  /** Lowest level written. */
  level: z.enum(LEVELS).default('info'),
  /** Append to this file (relative to the workspace) instead of writing to stderr. */
  file: z.string().min(1).optional(),
  /** Only facts at these points are written (default: all). */
  points: z.array(z.enum(HOOK_POINTS)).min(1).optional(),
  /** Redact secrets in every line. */
  redact: z.boolean().default(true),
  /** Input/output values (debug level only) longer than this many JSON characters are truncated. */
  maxValueBytes: z.number().int().min(16).default(2048),
});

interface Line {
  level: Level;
  point: HookPoint | undefined;
  fields: Record<string, unknown>;
}

/** How an event is logged: its point, level and extra fields (undefined: not logged). */
function fromEvent(ev: UniversalEvent, selfId: string, maxBytes: number, values: boolean): Line | undefined {
  const d = (ev.data ?? {}) as Record<string, unknown>;
  // Values are previewed (a JSON.stringify each) only when they will be written.
  const pv = (v: unknown): unknown => (values ? preview(v, maxBytes) : undefined);
  const step = { step: d.stepId, path: d.path };
  switch (ev.type) {
    case 'run.started':
      return { level: 'info', point: 'run_start', fields: { status: 'started', input: pv(d.input) } };
    case 'run.resumed':
      return { level: 'info', point: 'run_resume', fields: { status: 'resumed', from: d.from } };
    case 'run.completed':
      return { level: 'info', point: 'run_end', fields: { status: 'completed', ms: d.durationMs } };
    case 'run.failed':
      return { level: 'error', point: 'run_error', fields: { status: 'failed', error: d.error } };
    case 'run.cancelled':
      return { level: 'warn', point: 'run_cancel', fields: { status: 'cancelled', reason: d.reason } };
    case 'run.suspended':
      return { level: 'info', point: 'run_suspend', fields: { status: 'suspended', waiting: d.waiting } };
    case 'step.started':
      return { level: 'debug', point: 'before_step', fields: { ...step, status: 'started', attempt: d.attempt, input: pv(d.input) } };
    case 'step.completed':
      return { level: 'info', point: 'after_step', fields: { ...step, status: 'completed', attempt: d.attempt, ms: d.durationMs, output: pv(d.output) } };
    case 'step.failed':
      return { level: 'error', point: 'step_error', fields: { ...step, status: 'failed', attempt: d.attempt, error: d.error } };
    case 'step.cancelled':
      return { level: 'warn', point: 'step_error', fields: { ...step, status: 'cancelled', attempt: d.attempt, code: d.code, reason: d.reason } };
    case 'step.skipped':
      return { level: 'info', point: 'step_skip', fields: { ...step, status: 'skipped', reason: d.reason } };
    case 'step.retrying':
      return { level: 'warn', point: 'step_retry', fields: { ...step, status: 'retrying', attempt: d.attempt, delayMs: d.delayMs, reason: d.reason, error: d.error } };
    case 'step.cached':
      return { level: 'info', point: typeof d.tool === 'string' ? 'before_tool' : typeof d.agent === 'string' ? 'before_agent' : 'before_step', fields: { ...step, status: 'cached', tool: d.tool, agent: d.agent } };
    case 'hook.decided':
      if (d.hookId === selfId) return undefined;
      return { level: d.action === 'continue' ? 'debug' : 'info', point: d.point as HookPoint, fields: { path: d.path, hook: d.hookId, action: d.action, ms: d.ms, attempt: d.attempt, reason: (d.result as { reason?: unknown } | undefined)?.reason, result: pv(d.result) } };
    case 'hook.failed':
      return { level: 'warn', point: d.point as HookPoint, fields: { path: d.path, hook: d.hookId, action: 'failed', ms: d.ms, error: d.error, failure: d.failure } };
    case 'breaker.opened':
      return { level: 'warn', point: 'breaker_open', fields: { hook: d.hookId, status: 'open', reason: d.reason } };
    case 'breaker.closed':
      return { level: 'info', point: 'breaker_close', fields: { hook: d.hookId, status: 'closed', reason: d.reason } };
    case 'budget.exceeded':
      return { level: 'warn', point: 'budget_exceeded', fields: { status: 'exceeded', scope: d.scope, usd: d.usd, budget: d.budget } };
    case 'hook.debug':
      return undefined;
    default:
      return { level: 'debug', point: undefined, fields: { path: d.path } };
  }
}

/** Checks the `logging` options and `at:` without building the hook (what `use: logging` would reject). */
export function loggingOptions(opts: BuiltinOptions): z.output<typeof schema> {
  const o = parseOptions('logging', opts, schema);
  checkPoints('logging', opts, [...ATTACH_POINTS, ...TOOL_POINTS], "with.points chooses which facts are logged (after_step, step_error, run_end...); the hook reads them from the run's events");
  return o;
}

/** Creates the `logging` hook. */
export const loggingHook: BuiltinFactory = (opts, env) => {
  const o = loggingOptions(opts);
  const min = RANK[o.level];
  const only = o.points === undefined ? undefined : new Set<HookPoint>(o.points);
  const sink = openSink(o.file, env.workspace, opts.id);
  const wanted = (level: Level, point: HookPoint | undefined): boolean => RANK[level] >= min && (only === undefined || (point !== undefined && only.has(point)));

  const write = (time: string, run: string, workflow: string, event: string | undefined, line: Line): void => {
    const out: Record<string, unknown> = { time, level: line.level, run, workflow, point: line.point ?? null };
    if (event !== undefined) out.event = event;
    for (const [k, v] of Object.entries(line.fields)) {
      // Values can be large and personal: they are written only when the logger runs at debug level.
      if (v === undefined || (min > 0 && VALUE_FIELDS.has(k))) continue;
      out[k] = v;
    }
    sink.write(JSON.stringify(o.redact ? redactSecrets(out) : out));
  };

  const runs = new PerRun<{ tools: Map<string, number> }>((api) => {
    requireOnEvent(api, 'logging')((ev) => {
      // The most frequent events are debug-level: skip them before building anything.
      if (min > 0 && (ev.type === 'step.started' || (ev.type === 'hook.decided' && (ev.data as { action?: unknown }).action === 'continue'))) return;
      const line = fromEvent(ev, opts.id, o.maxValueBytes, min === 0);
      if (line !== undefined && wanted(line.level, line.point)) write(ev.time, ev.runId, api.workflow, ev.type, line);
    });
    return { tools: new Map() };
  });

  const toolKey = (ctx: HookContext): string => `${ctx.step?.path ?? ''}|${ctx.step?.tool ?? ''}|${String(ctx.metadata.callId ?? '')}|${ctx.attempt}`;
  const logTools = only === undefined || only.has('after_tool') || only.has('tool_error') || only.has('before_tool');
  const points = opts.at ?? (logTools ? [...ATTACH_POINTS, ...TOOL_POINTS] : [...ATTACH_POINTS]);

  return {
    points,
    order: 1000,
    dispose: () => sink.close(),
    invoke(ctx) {
      const r = runs.of(env, ctx);
      if (r === undefined || ctx.step === undefined) return undefined;
      const base = { step: ctx.step.id, path: ctx.step.path, tool: ctx.step.tool, attempt: ctx.attempt, agent: ctx.metadata.agent, turn: ctx.metadata.turn };
      const key = toolKey(ctx);
      switch (ctx.point) {
        case 'before_tool': {
          r.tools.set(key, performance.now());
          if (wanted('debug', 'before_tool')) write(isoTime(env.clock.now()), ctx.runId, ctx.workflow, undefined, { level: 'debug', point: 'before_tool', fields: { ...base, status: 'calling', input: preview(ctx.input, o.maxValueBytes) } });
          break;
        }
        case 'after_tool':
        case 'tool_error': {
          const t0 = r.tools.get(key);
          r.tools.delete(key);
          const ms = t0 === undefined ? undefined : Math.round((performance.now() - t0) * 1000) / 1000;
          const failed = ctx.point === 'tool_error';
          const line: Line = failed
            ? { level: 'error', point: 'tool_error', fields: { ...base, status: 'failed', ms, error: ctx.error } }
            : { level: 'info', point: 'after_tool', fields: { ...base, status: 'completed', ms, output: min === 0 ? preview(ctx.output, o.maxValueBytes) : undefined } };
          if (wanted(line.level, line.point)) write(isoTime(env.clock.now()), ctx.runId, ctx.workflow, undefined, line);
          break;
        }
        default:
          break;
      }
      return undefined;
    },
  };
};
