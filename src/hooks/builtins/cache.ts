/**
 * `cache`: returns `{action: 'cache', key, ttl, persist}` at before_step (or before_tool/before_agent
 * with `at:`), and the engine serves a hit from its output cache or stores the output of a successful
 * execution under `key` (a failed step never reaches the store, so errors are never cached).
 *
 * Key: the `key:` template evaluated against the hook context, namespaced by the hook id; by default
 * the engine's key, a stable hash of workflow + static step path + canonical input (the same key a
 * `do: {cache: {}}` rule would get, so equal work shares entries). With the default key only tool,
 * agent and sub-workflow steps are cached: other steps have no input that could key their result.
 *
 * `max` budgets this hook's entries inside the engine's shared LRU: the hook keeps an index of its
 * own keys (lru-cache, same `max` and `ttl`) and deletes from the engine cache the key its index
 * evicts. The engine-wide bound (`createEngine({cache: {max}})`) still applies on top. Hits, misses
 * and evictions are counted per hook in `engine.metrics()` (`hookflow_cache_requests_total`,
 * `hookflow_cache_evictions_total`); the engine-wide totals are `engine.cacheStats`.
 */
import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import { defaultCacheKey } from '../../engine/cache.js';
import { compileMatch, matches } from '../registry.js';
import type { HookContext, HookPoint, HookResult } from '../types.js';
import { metricsOf } from './metrics.js';
import { checkPoints, duration, evalTemplate, keyString, parseOptions, template as templateOption } from './options.js';
import type { BuiltinFactory, BuiltinOptions } from './types.js';

const POINTS: readonly HookPoint[] = ['before_step', 'before_tool', 'before_agent'];
/** Step kinds whose input (their evaluated `with:`) is everything the default key needs. */
const KEYED_KINDS: ReadonlySet<string> = new Set(['tool', 'agent', 'workflow']);

const schema = z.strictObject({
  /** Entries this hook may hold at once (least recently used are evicted). */
  max: z.number().int().min(1).default(1000),
  /** Time to live of an entry; none: entries live until evicted. */
  ttl: duration().optional(),
  /** JSONata template whose value is the key (namespaced by the hook id). */
  key: templateOption().optional(),
  /** Also store entries in the run store, so another process (or a restarted one) hits them. */
  persist: z.boolean().default(false),
  /** Globs restricting what is cached (like the hook's own `match:`). */
  match: z.strictObject({ step: z.string().optional(), path: z.string().optional(), tool: z.string().optional(), agent: z.string().optional(), kind: z.string().optional() }).optional(),
});

/** Per-hook key index shared by every run of the engine (YAML hooks are rebuilt per run). */
interface CacheIndex {
  keys: LRUCache<string, true>;
  max: number;
  ttl: number | undefined;
}

/** Checks the `cache` options and `at:` without building the hook (what `use: cache` would reject). */
export function cacheOptions(opts: BuiltinOptions): z.output<typeof schema> {
  const o = parseOptions('cache', opts, schema);
  checkPoints('cache', opts, POINTS);
  return o;
}

/** Creates the `cache` hook. */
export const cacheHook: BuiltinFactory = (opts, env) => {
  const o = cacheOptions(opts);
  const metrics = metricsOf(env);
  const labels = { hook: opts.id };
  const match = compileMatch(o.match);
  const sharedKey = `cache:${opts.key}`;
  let index = env.shared.get(sharedKey) as CacheIndex | undefined;
  if (index === undefined || index.max !== o.max || index.ttl !== o.ttl) {
    index?.keys.clear();
    const keys = new LRUCache<string, true>({
      max: o.max,
      ...(o.ttl === undefined ? {} : { ttl: o.ttl }),
      perf: { now: () => env.clock.now() },
      // Read the clock on every check (lru-cache otherwise caches "now" behind a 1 ms timer).
      ttlResolution: 0,
      dispose: (_v, key, reason) => {
        if (reason !== 'evict') return;
        // Over this hook's budget: the entry leaves the engine cache (and the store) too.
        env.cache.delete(key);
        metrics.inc('hookflow_cache_evictions_total', 'Entries a cache hook evicted to stay within its max.', labels);
      },
    });
    index = { keys, max: o.max, ttl: o.ttl };
    env.shared.set(sharedKey, index);
  }
  const keys = index.keys;

  /** The engine's key for a key-less cache result at each point (engine/cache.ts), so equal work shares entries. */
  const defaultKey = (ctx: HookContext): string => {
    const s = ctx.step;
    const path = s?.path ?? '';
    const stepId = s?.id ?? '';
    if (ctx.point === 'before_tool') return `tool:${defaultCacheKey(ctx.workflow, stepId, `${path}>${s?.tool ?? ''}`, ctx.input)}`;
    if (ctx.point === 'before_agent') return `agent:${defaultCacheKey(ctx.workflow, stepId, path, ctx.input)}`;
    return defaultCacheKey(ctx.workflow, stepId, path, ctx.input);
  };

  const hitLabels = { hook: opts.id, result: 'hit' };
  const missLabels = { hook: opts.id, result: 'miss' };
  const decide = (key: string, hit: boolean): HookResult => {
    metrics.inc('hookflow_cache_requests_total', 'Cache hook lookups by hook and result.', hit ? hitLabels : missLabels);
    // A hit refreshes the key's recency in this hook's index; a miss reserves its slot.
    if (!hit || keys.get(key) === undefined) keys.set(key, true);
    const r: HookResult = { action: 'cache', key };
    if (o.ttl !== undefined) r.ttl = o.ttl;
    if (o.persist) r.persist = true;
    return r;
  };

  // Synchronous unless the key is an expression or a persisted entry must be read from an async
  // store: a hook that returns a promise costs the runner a timeout timer per call.
  const lookup = (key: string): HookResult | Promise<HookResult> => {
    if (env.cache.has(key) || !o.persist) return decide(key, env.cache.has(key));
    const stored = env.store.getMeta('cache', key);
    return stored instanceof Promise ? stored.then((v) => decide(key, v !== undefined)) : decide(key, stored !== undefined);
  };

  const template = o.key;
  return {
    points: opts.at ?? ['before_step'],
    order: 100,
    invoke(ctx) {
      if (match !== undefined && !matches(match, ctx.step)) return undefined;
      if (template === undefined) {
        // The default key covers the step's input only. Patterns, `set`, `wait`... have none (their
        // result depends on the run's data in other ways), so only steps with arguments are cached.
        if (ctx.point === 'before_step' && !KEYED_KINDS.has(ctx.step?.kind ?? '')) return undefined;
        return lookup(defaultKey(ctx));
      }
      if (template.constant) return lookup(`${opts.id}:${keyString(template.value)}`);
      return evalTemplate(template, ctx, opts.id).then((v) => lookup(`${opts.id}:${keyString(v)}`));
    },
  };
};
