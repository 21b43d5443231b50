/**
 * `metrics`: counters and latency histograms per run, step (by static path), tool and hook, plus
 * breaker and output-cache state, recorded into the engine's {@link MetricsRegistry}
 * (`engine.metrics()`, `hookflow run --metrics`).
 *
 * Steps, runs and hook decisions are read from the run's events (tapped synchronously, so no hook call
 * per step); tool calls have no events, so the hook times them at before_tool → after_tool/tool_error.
 * Hook and breaker figures come from the breaker snapshots at render time.
 */
import { z } from 'zod';
import { staticPath } from '../../engine/cache.js';
import type { UniversalEvent } from '../../events/types.js';
import type { HookContext, HookPoint } from '../types.js';
import { DEFAULT_BUCKETS, MetricsRegistry } from './metrics-registry.js';
import { checkPoints, parseOptions, PerRun, requireOnEvent } from './options.js';
import type { BuiltinEnv, BuiltinFactory, BuiltinOptions, BuiltinRunApi } from './types.js';

const SHARED_KEY = 'hookflow:metrics';
const ATTACH_POINTS: readonly HookPoint[] = ['run_start', 'run_resume'];
const TOOL_POINTS: readonly HookPoint[] = ['before_tool', 'after_tool', 'tool_error'];
const BREAKER_STATE = { closed: 0, half_open: 1, open: 2 } as const;

interface Registry {
  registry: MetricsRegistry;
  /** Which metrics hook instance records a given run (a CLI `--metrics` hook and a YAML one must not both count). */
  owners: WeakMap<BuiltinRunApi, object>;
}

/** The engine-wide registry (created on first use, with collectors for breakers and the output cache). */
export function metricsOf(env: BuiltinEnv): MetricsRegistry {
  return registryOf(env).registry;
}

function registryOf(env: BuiltinEnv): Registry {
  let r = env.shared.get(SHARED_KEY) as Registry | undefined;
  if (r === undefined) {
    const registry = new MetricsRegistry();
    registry.collect(() => {
      for (const b of env.breakers()) {
        const l = { hook: b.hookId };
        registry.set('hookflow_breaker_state', 'Circuit breaker state per hook (0 closed, 1 half-open, 2 open).', l, BREAKER_STATE[b.state]);
        registry.set('hookflow_hook_calls_total', 'Hook calls seen by the hook breakers.', l, b.calls, 'counter');
        registry.set('hookflow_hook_failures_total', 'Hook calls that failed or timed out.', l, b.failures, 'counter');
        registry.set('hookflow_breaker_opens_total', 'Times each hook breaker opened.', l, b.opens, 'counter');
        if (b.p95Ms !== null) registry.set('hookflow_hook_p95_seconds', 'p95 hook call time over the breaker window.', l, b.p95Ms / 1000);
      }
      const c = env.cacheStats;
      const help = 'Engine output cache (all cache hook results) by event.';
      registry.set('hookflow_output_cache_total', help, { event: 'hit' }, c.hits, 'counter');
      registry.set('hookflow_output_cache_total', help, { event: 'miss' }, c.misses, 'counter');
      registry.set('hookflow_output_cache_total', help, { event: 'set' }, c.sets, 'counter');
      registry.set('hookflow_output_cache_total', help, { event: 'eviction' }, c.evictions, 'counter');
      registry.set('hookflow_output_cache_entries', 'Entries in the engine output cache.', {}, env.cache.size);
    });
    r = { registry, owners: new WeakMap() };
    env.shared.set(SHARED_KEY, r);
  }
  return r;
}

const schema = z.strictObject({
  /** Histogram upper bounds in seconds, strictly increasing. */
  buckets: z
    .array(z.number().positive())
    .min(1)
    .refine((b) => b.every((v, i) => i === 0 || v > (b[i - 1] as number)), { message: 'expected strictly increasing bucket bounds (seconds)' })
    .optional(),
  /** Time tool calls (listens at before_tool/after_tool/tool_error). */
  tools: z.boolean().default(true),
});

interface RunMetrics {
  api: BuiltinRunApi;
  workflow: string;
  startedAt: number;
  tools: Map<string, number>;
}

/** Checks the `metrics` options and `at:` without building the hook (what `use: metrics` would reject). */
export function metricsOptions(opts: BuiltinOptions): z.output<typeof schema> {
  const o = parseOptions('metrics', opts, schema);
  checkPoints('metrics', opts, [...ATTACH_POINTS, ...TOOL_POINTS], "steps, runs and hook decisions are recorded from the run's events without listening at their points");
  return o;
}

/** Creates the `metrics` hook. */
export const metricsHook: BuiltinFactory = (opts, env) => {
  const o = metricsOptions(opts);
  const { registry: reg, owners } = registryOf(env);
  const bounds = o.buckets ?? DEFAULT_BUCKETS;
  const self = {};

  const onEvent = (m: RunMetrics, ev: UniversalEvent): void => {
    const d = ev.data as Record<string, unknown>;
    const wf = m.workflow;
    switch (ev.type) {
      case 'step.completed':
      case 'step.failed':
      case 'step.cancelled':
      case 'step.skipped': {
        const step = staticPath(String(d.path ?? ''));
        const status = ev.type.slice(5);
        reg.inc('hookflow_steps_total', 'Steps that ended, by workflow, static step path and status.', { workflow: wf, step, status });
        if (ev.type === 'step.completed' && typeof d.durationMs === 'number') {
          reg.observe('hookflow_step_duration_seconds', 'Step duration (all attempts) in seconds.', { workflow: wf, step }, d.durationMs / 1000, bounds);
        }
        if (ev.type === 'step.failed') {
          const code = (d.error as { code?: string } | undefined)?.code ?? 'UNKNOWN';
          reg.inc('hookflow_step_errors_total', 'Failed steps by error code.', { workflow: wf, step, code });
        }
        break;
      }
      case 'step.cached': {
        const step = staticPath(String(d.path ?? ''));
        const kind = typeof d.tool === 'string' ? 'tool' : typeof d.agent === 'string' ? 'agent' : 'step';
        reg.inc('hookflow_cache_hits_total', 'Outputs served from the cache, by workflow, static step path and level.', { workflow: wf, step, level: kind });
        if (kind === 'step') reg.inc('hookflow_steps_total', 'Steps that ended, by workflow, static step path and status.', { workflow: wf, step, status: 'cached' });
        break;
      }
      case 'step.retrying':
        reg.inc('hookflow_step_retries_total', 'Step retries by reason (policy or hook).', { workflow: wf, step: staticPath(String(d.path ?? '')), reason: String(d.reason ?? '') });
        break;
      case 'hook.decided':
        reg.inc('hookflow_hook_decisions_total', 'Hook results by hook, point and action.', { hook: String(d.hookId), point: String(d.point), action: String(d.action) });
        if (typeof d.ms === 'number') reg.observe('hookflow_hook_duration_seconds', 'Hook call time in seconds.', { hook: String(d.hookId) }, d.ms / 1000, bounds);
        break;
      case 'hook.failed':
        reg.inc('hookflow_hook_errors_total', 'Hook calls that threw or timed out, by hook and point.', { hook: String(d.hookId), point: String(d.point) });
        break;
      case 'budget.exceeded':
        reg.inc('hookflow_budget_exceeded_total', 'Budgets crossed, by workflow and scope.', { workflow: wf, scope: String(d.scope ?? '') });
        break;
      case 'run.completed':
      case 'run.failed':
      case 'run.cancelled':
      case 'run.suspended': {
        const status = ev.type.slice(4);
        reg.inc('hookflow_runs_total', 'Runs that ended or suspended, by workflow and status.', { workflow: wf, status });
        const ms = typeof d.durationMs === 'number' ? d.durationMs : env.clock.now() - m.startedAt;
        reg.observe('hookflow_run_duration_seconds', 'Run duration (this execution) in seconds.', { workflow: wf, status }, ms / 1000, bounds);
        break;
      }
      default:
        break;
    }
  };

  const runs = new PerRun<RunMetrics | null>((api) => {
    // The first metrics instance that sees a run records it; any other one stays silent for that run.
    if (owners.has(api)) return null;
    owners.set(api, self);
    const m: RunMetrics = { api, workflow: api.workflow, startedAt: env.clock.now(), tools: new Map() };
    requireOnEvent(api, 'metrics')((ev) => onEvent(m, ev));
    return m;
  });

  const toolKey = (ctx: HookContext): string => `${ctx.step?.path ?? ''}|${ctx.step?.tool ?? ''}|${String(ctx.metadata.callId ?? '')}|${ctx.attempt}`;

  const points = opts.at ?? (o.tools ? [...ATTACH_POINTS, ...TOOL_POINTS] : [...ATTACH_POINTS]);
  return {
    points,
    order: 1000,
    invoke(ctx) {
      const m = runs.of(env, ctx);
      if (!m) return undefined;
      switch (ctx.point) {
        case 'before_tool':
          m.tools.set(toolKey(ctx), performance.now());
          break;
        case 'after_tool':
        case 'tool_error': {
          const key = toolKey(ctx);
          const t0 = m.tools.get(key);
          m.tools.delete(key);
          const tool = ctx.step?.tool ?? '';
          const status = ctx.point === 'after_tool' ? 'ok' : 'error';
          reg.inc('hookflow_tool_calls_total', 'Tool calls by tool and status.', { tool, status });
          if (t0 !== undefined) reg.observe('hookflow_tool_duration_seconds', 'Tool call time in seconds.', { tool }, (performance.now() - t0) / 1000, bounds);
          if (ctx.error) reg.inc('hookflow_tool_errors_total', 'Failed tool calls by tool and error code.', { tool, code: ctx.error.code });
          break;
        }
        default:
          break;
      }
      return undefined;
    },
  };
};
