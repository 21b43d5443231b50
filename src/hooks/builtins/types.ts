/**
 * Contract of built-in hooks (`use:` in YAML, `engine.use()` in code). A built-in is a factory that
 * returns an ordinary hook (points + invoke); it is registered through the same registry as user
 * hooks and its results are carried out by the same runner.
 */
import type { LRUCache } from 'lru-cache';
import type { Store } from '../../store/types.js';
import type { TokenUsage } from '../../tools/types.js';
import type { Clock } from '../../util/clock.js';
import type { CacheEntry, CacheStats } from '../../engine/core.js';
import type { UniversalEvent } from '../../events/types.js';
import type { BreakerSnapshot } from '../breaker.js';
import type { HookInvoke } from '../registry.js';
import type { BreakerOptions, HookContext, HookPoint } from '../types.js';

/** Per-run facilities a built-in may use (resolved from a HookContext's runId). */
export interface BuiltinRunApi {
  readonly runId: string;
  readonly workflow: string;
  /** Rewrites event data, step records and run output before they leave the engine. */
  addRedactor(fn: (value: unknown) => unknown): void;
  /** Called with every token usage reported by tools and agents of this run. */
  onUsage(fn: (usage: TokenUsage, path: string) => void): void;
  /** Merges totals (cost, tokens...) into the run row, shown by `hookflow show`. */
  addTotals(patch: Record<string, unknown>): void;
  totals(): Readonly<Record<string, unknown>>;
  /** Publishes + journals an event of the run. */
  emit(type: string, data: Record<string, unknown>): void;
  /** Fires a hook point of the run (e.g. budget_exceeded). */
  fire(point: HookPoint, metadata: Record<string, unknown>): Promise<void>;
  /** Grants capabilities to tools of this run (security: `allowExec`). */
  grant(permissions: { exec?: boolean }): void;
  /**
   * Taps every event of this run synchronously, after redaction and before it is journaled (logging
   * and metrics read step outcomes and hook decisions from here). Returns the untap function.
   */
  onEvent?(fn: (event: UniversalEvent) => void): () => void;
}

/** Engine services shared by every built-in instance. */
export interface BuiltinEnv {
  readonly clock: Clock;
  readonly store: Store;
  readonly cache: LRUCache<string, CacheEntry>;
  readonly cacheStats: CacheStats;
  readonly workspace: string;
  readonly env: Record<string, string | undefined>;
  /** State shared across runs of the same engine, keyed by the hook's key (e.g. rate-limit buckets). */
  readonly shared: Map<string, unknown>;
  /** Breaker snapshots (metrics). */
  breakers(): BreakerSnapshot[];
  /** The per-run API for the run a context belongs to (undefined if the run is no longer active). */
  run(ctx: HookContext): BuiltinRunApi | undefined;
  /** Directory of definitions/ (pricing.yaml, hook sets, agents). */
  readonly definitionsDir: string | undefined;
  /** The engine's randomness (retry jitter), injectable for deterministic tests. @default Math.random */
  readonly random?: () => number;
  /** What the engine knows about a registered tool (security: `fileArgs` to sandbox). */
  tool?(name: string): { readonly fileArgs?: readonly string[] } | undefined;
}

/** What a built-in factory returns. */
export interface BuiltinHookSpec {
  /** Points the hook listens at when `at:` is not given. */
  points: HookPoint[];
  invoke: HookInvoke;
  /** Default order when the declaration has none (logging runs late, security early...). */
  order?: number;
  dispose?: () => void | Promise<void>;
  /** Default per-call timeout (ms) when the declaration sets none (rate-limit waits longer than 1 s). */
  timeout?: number;
  /** Default breaker thresholds, overridden by the declaration's `breaker:`. */
  breaker?: Partial<BreakerOptions>;
}

export interface BuiltinOptions {
  /** The hook id (unique), e.g. `http-cache`. */
  id: string;
  /** Engine-unique key of this hook instance. */
  key: string;
  /** The `with:` options as written. */
  with: Record<string, unknown>;
  /** Points given by `at:`, if any. */
  at: HookPoint[] | undefined;
}

export type BuiltinFactory = (opts: BuiltinOptions, env: BuiltinEnv) => BuiltinHookSpec | Promise<BuiltinHookSpec>;
