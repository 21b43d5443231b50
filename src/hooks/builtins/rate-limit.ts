/**
 * `rate-limit`: a token bucket per key (`rate` tokens per period, at most `burst` saved up). A call
 * that finds no token either waits for its slot on the injected clock (`onLimit: wait`, honouring the
 * hook's AbortSignal) or is cancelled (`onLimit: cancel`). Buckets live in the engine's shared state,
 * so parallel branches and concurrent runs of one engine draw from the same buckets.
 *
 * Waiting callers reserve their token when they arrive (the bucket goes negative), so slots are handed
 * out in arrival order and spaced exactly `period / tokens` apart. A reservation whose wait is aborted
 * is not given back: refunding it could let a later caller start in a slot already promised to another.
 */
import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import { describe as describeFound } from '../../agents/issues.js';
import { sleep } from '../../util/clock.js';
import { parseDuration } from '../../util/duration.js';
import type { HookContext, HookPoint, HookResult } from '../types.js';
import { checkPoints, duration, evalTemplate, keyString, parseOptions, template } from './options.js';
import type { BuiltinFactory, BuiltinHookSpec, BuiltinOptions } from './types.js';

const POINTS: readonly HookPoint[] = ['before_step', 'before_tool', 'before_agent', 'before_branch', 'before_iteration'];
/** Distinct keys kept per hook; the least recently used bucket is forgotten past this. */
const MAX_BUCKETS = 10_000;

/** A rate: `tokens` per `per` milliseconds. */
export interface Rate {
  tokens: number;
  per: number;
}

/** Parses `"10/s"`, `"100/m"`, `"5/2s"`, `"3/500ms"` or `{tokens, per}` into a {@link Rate}. */
export function parseRate(v: unknown): Rate | undefined {
  if (typeof v === 'string') {
    const m = /^\s*(\d+(?:\.\d+)?)\s*\/\s*(\S+)\s*$/.exec(v);
    if (!m) return undefined;
    const tokens = Number(m[1]);
    const unit = m[2] as string;
    const per = parseDuration(/^\d/.test(unit) ? unit : `1${unit}`);
    return tokens > 0 && per !== undefined && per > 0 ? { tokens, per } : undefined;
  }
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const r = v as Record<string, unknown>;
    const keys = Object.keys(r);
    if (keys.some((k) => k !== 'tokens' && k !== 'per')) return undefined;
    const per = parseDuration(r.per);
    return typeof r.tokens === 'number' && r.tokens > 0 && per !== undefined && per > 0 ? { tokens: r.tokens, per } : undefined;
  }
  return undefined;
}

const schema = z.strictObject({
  /** Tokens per period: `"10/s"`, `"100/m"`, `"5/2s"` or `{tokens, per}`. */
  rate: z.unknown().transform((v, ctx) => {
    const r = parseRate(v);
    if (r === undefined) {
      ctx.issues.push({ code: 'custom', input: v, message: `expected a rate like "10/s", "100/m", "5/2s" or {tokens: 10, per: 1s}, found ${v === undefined ? 'nothing (rate is required)' : describeFound(v)}` });
      return z.NEVER;
    }
    return r;
  }),
  /** Tokens that can be saved up (calls allowed at once after a quiet period). Default: the rate's tokens. */
  burst: z.number().int().min(1).optional(),
  /** JSONata template of the bucket key. Default: the tool name, else the agent, else the step id. */
  key: template().optional(),
  /** What a call without a token does. */
  onLimit: z.enum(['wait', 'cancel']).default('wait'),
  /** Longest wait; a call that would wait longer is cancelled instead. */
  maxWait: duration().default(300_000),
});

interface Bucket {
  tokens: number;
  last: number;
}

/**
 * Takes a token at `now`. Returns 0 when one was available, else the ms until the reserved token
 * exists (the bucket stays negative meanwhile), or -1 when `reserve` is false and none is available.
 */
export function takeToken(b: Bucket, now: number, rate: Rate, burst: number, reserve: boolean): number {
  b.tokens = Math.min(burst, b.tokens + ((now - b.last) * rate.tokens) / rate.per);
  b.last = now;
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return 0;
  }
  if (!reserve) return -1;
  b.tokens -= 1;
  // Integer-friendly order of operations, and a tolerance so 4900.000000001 does not become 4901.
  return Math.max(1, Math.ceil((-b.tokens * rate.per) / rate.tokens - 1e-9));
}

/** Checks the `rate-limit` options and `at:` without building the hook (what `use: rate-limit` would reject). */
export function rateLimitOptions(opts: BuiltinOptions): z.output<typeof schema> {
  const o = parseOptions('rate-limit', opts, schema);
  checkPoints('rate-limit', opts, POINTS);
  return o;
}

/** Creates the `rate-limit` hook. */
export const rateLimitHook: BuiltinFactory = (opts, env) => {
  const o = rateLimitOptions(opts);
  const burst = o.burst ?? Math.max(1, Math.floor(o.rate.tokens));
  const sharedKey = `rate-limit:${opts.key}`;
  let buckets = env.shared.get(sharedKey) as LRUCache<string, Bucket> | undefined;
  if (buckets === undefined) {
    buckets = new LRUCache<string, Bucket>({ max: MAX_BUCKETS });
    env.shared.set(sharedKey, buckets);
  }
  const all = buckets;

  const take = (key: string, ctx: HookContext): HookResult | undefined | Promise<undefined> => {
    const now = env.clock.now();
    let b = all.get(key);
    if (b === undefined) {
      b = { tokens: burst, last: now };
      all.set(key, b);
    }
    const wait = takeToken(b, now, o.rate, burst, o.onLimit === 'wait');
    if (wait === 0) return undefined;
    if (wait < 0) return { action: 'cancel', reason: `rate limit of ${o.rate.tokens} per ${o.rate.per} ms reached for "${key}" (hook ${opts.id})` };
    if (wait > o.maxWait) {
      b.tokens += 1; // nobody reserved after us in this synchronous block: the slot is free again
      return { action: 'cancel', reason: `rate limit for "${key}": the next slot is ${wait} ms away, more than maxWait ${o.maxWait} ms (hook ${opts.id})` };
    }
    return sleep(env.clock, wait, ctx.signal).then(() => undefined);
  };

  const template = o.key;
  const spec: BuiltinHookSpec = {
    points: opts.at ?? ['before_tool'],
    order: -100,
    // Synchronous while tokens are available: only a call that must wait returns a promise.
    invoke(ctx) {
      if (template === undefined) return take(ctx.step?.tool ?? ctx.step?.agent ?? ctx.step?.id ?? ctx.point, ctx);
      if (template.constant) return take(keyString(template.value), ctx);
      return evalTemplate(template, ctx, opts.id).then((v) => take(keyString(v), ctx));
    },
  };
  if (o.onLimit === 'wait') {
    // A waiting call is meant to be slow: give it a timeout past maxWait and keep the overhead rule of
    // the breaker from switching the hook off for doing its job.
    return { ...spec, timeout: o.maxWait + 1000, breaker: { floorMs: o.maxWait + 1000 } };
  }
  return spec;
};
