/**
 * `retry`: at step_error / tool_error, retries errors that look transient (timeouts, HTTP 429 and 5xx,
 * dropped connections, plus the codes in `on:`); at after_step / after_tool / after_agent, retries
 * when the `when:` template is true of the output. It returns `{action: 'retry', attempts, delay}`
 * and the engine re-runs the step or tool call; after `retries` retries the outcome stands.
 *
 * Backoff is p-retry's (p-retry 7 does not export it, so the formula is repeated here exactly):
 * `delay = min(maxTimeout, round(r × minTimeout × factor^(n-1)))` for retry n, with r = 1, or a random
 * number in [1, 2) when `randomize` is set. A `retryAfterMs` in the error details (HTTP Retry-After,
 * provider rate limits) raises the delay to at least that, still capped by maxTimeout.
 */
import { z } from 'zod';
import { globMatch } from '../../util/glob.js';
import type { HookContext, HookPoint, HookResult } from '../types.js';
import { checkPoints, duration, evalTemplate, optionError, parseOptions, PerRun, template, truthy } from './options.js';
import type { BuiltinFactory, BuiltinOptions } from './types.js';

const ERROR_POINTS: readonly HookPoint[] = ['step_error', 'tool_error'];
const OUTPUT_POINTS: readonly HookPoint[] = ['after_step', 'after_tool', 'after_agent'];

/** Codes retried by default: timeouts, rate limits, server errors and dropped connections. */
export const TRANSIENT_CODES: readonly string[] = Object.freeze([
  'TIMEOUT', 'RATE_LIMITED', 'HTTP_429', 'HTTP_5*', 'ECONNRESET', 'ETIMEDOUT', 'ECONNREFUSED', 'EPIPE', 'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET',
]);

/** p-retry's options, with p-retry's defaults. */
export interface Backoff {
  /** @default 2 */
  factor: number;
  /** ms before the first retry. @default 1000 */
  minTimeout: number;
  /** Upper bound of any delay, ms. @default Infinity */
  maxTimeout: number;
  /** Multiply by a random factor in [1, 2). @default false */
  randomize: boolean;
}

/** The delay before retry `n` (1 = after the first failure), exactly as p-retry computes it. */
export function backoff(n: number, b: Backoff, random: () => number): number {
  const r = b.randomize ? random() + 1 : 1;
  const t = Math.round(r * b.minTimeout * b.factor ** (n - 1));
  return Math.min(t, b.maxTimeout);
}

/** Whether an error code is retryable by the default list plus `extra` globs. */
export function isTransient(code: string, extra: readonly string[], defaults = true): boolean {
  if (defaults) for (const g of TRANSIENT_CODES) if (globMatch(g, code)) return true;
  for (const g of extra) if (globMatch(g, code)) return true;
  return false;
}

const schema = z.strictObject({
  /** Retries after the first failure (per step execution or tool call). */
  retries: z.number().int().min(1).max(100).default(3),
  /** Exponential factor. */
  factor: z.number().min(1).default(2),
  /** Delay before the first retry. */
  minTimeout: duration().default(1000),
  /** Longest delay. Default: no cap. */
  maxTimeout: duration().optional(),
  /** Randomize delays by a factor in [1, 2) (p-retry's jitter). */
  randomize: z.boolean().default(false),
  /** Extra retryable error codes (globs, e.g. `FLAKY`, `HTTP_40*`). */
  on: z.array(z.string().min(1)).default([]),
  /** Whether the built-in transient codes apply (false: only `on:`). */
  defaults: z.boolean().default(true),
  /** JSONata condition over the context: required at after_* points (retry when true), an extra condition at error points. */
  when: template().optional(),
  /** Honour `retryAfterMs` in error details. */
  respectRetryAfter: z.boolean().default(true),
});

/** Checks the `retry` options and `at:` without building the hook (what `use: retry` would reject). */
export function retryOptions(opts: BuiltinOptions): z.output<typeof schema> {
  const o = parseOptions('retry', opts, schema);
  checkPoints('retry', opts, [...ERROR_POINTS, ...OUTPUT_POINTS]);
  if (o.when === undefined) {
    const bad = (opts.at ?? []).filter((p) => OUTPUT_POINTS.includes(p));
    if (bad.length > 0) throw optionError('retry', opts.id, `with.when: required at ${bad.join(', ')} (the condition on the output that calls for a retry), found nothing`);
  }
  return o;
}

/** Creates the `retry` hook. */
export const retryHook: BuiltinFactory = (opts, env) => {
  const o = retryOptions(opts);
  const points = opts.at ?? ['step_error'];
  const b: Backoff = { factor: o.factor, minTimeout: o.minTimeout, maxTimeout: o.maxTimeout ?? Number.POSITIVE_INFINITY, randomize: o.randomize };
  const random = env.random ?? Math.random;
  // Retries granted so far per operation of a run (its path, point, tool and agent call).
  const granted = new PerRun<Map<string, number>>(() => new Map());
  const opKey = (ctx: HookContext): string => `${ctx.step?.path ?? ''}|${ctx.point}|${ctx.step?.tool ?? ''}|${String(ctx.metadata.callId ?? '')}`;

  const decide = (ctx: HookContext): HookResult | undefined => {
    const counts = granted.of(env, ctx);
    if (counts === undefined) return undefined;
    const key = opKey(ctx);
    const n = (counts.get(key) ?? 0) + 1;
    if (n > o.retries) return undefined;
    counts.set(key, n);
    let delay = backoff(n, b, random);
    const after = (ctx.error as { details?: { retryAfterMs?: unknown } } | undefined)?.details?.retryAfterMs;
    if (o.respectRetryAfter && typeof after === 'number' && after > delay) delay = Math.min(after, b.maxTimeout);
    return { action: 'retry', attempts: o.retries, delay };
  };

  const when = o.when;
  return {
    points,
    order: 50,
    // Synchronous unless `when` is an expression (a promise costs the runner a timeout timer).
    invoke(ctx) {
      if (ERROR_POINTS.includes(ctx.point)) {
        const code = ctx.error?.code;
        if (code === undefined || !isTransient(code, o.on, o.defaults)) return undefined;
      }
      if (when === undefined) return decide(ctx);
      if (when.constant) return truthy(when.value) ? decide(ctx) : undefined;
      return evalTemplate(when, ctx, opts.id).then((v) => (truthy(v) ? decide(ctx) : undefined));
    },
  };
};
