/**
 * The output cache behind `cache` hook results. Entries live in the engine's LRU (lru-cache, `max` and
 * per-entry `ttl`); with `persist: true` they are also written to the store so another process hits
 * them. Only successful outputs are stored: a failing step never reaches cacheStore.
 */
import type { StepDef } from '../dsl/types.js';
import { parseDuration } from '../util/duration.js';
import { stableHash } from '../util/hash.js';
import type { CacheEntry } from './core.js';
import type { RunState } from './run-state.js';

export interface CacheRequest {
  key: string;
  ttl?: number | string | undefined;
  persist: boolean;
}

/** The location of a step in its definition: the path without iteration, fork, visit and attempt marks. */
export function staticPath(path: string): string {
  return path.replace(/\[\d+\]/g, '[]').replace(/@\d+/g, '').replace(/~\d+/g, '');
}

/** Default key: stable hash of workflow name, static step path and canonical (key-sorted) input. */
export function cacheKeyFor(rs: RunState, step: StepDef, path: string, input: unknown): string {
  return defaultCacheKey(rs.workflow, step.id, path, input);
}

/** {@link cacheKeyFor} from plain values (the `cache` built-in derives the same keys from a hook context). */
export function defaultCacheKey(workflow: string, stepId: string, path: string, input: unknown): string {
  return `${workflow}:${stepId}:${stableHash(workflow, staticPath(path), input)}`;
}

export async function cacheLookup(rs: RunState, key: string, req: { persist?: boolean }): Promise<CacheEntry | undefined> {
  const core = rs.core;
  const hit = core.cache.get(key);
  if (hit !== undefined) {
    core.cacheStats.hits++;
    return hit;
  }
  if (req.persist === true) {
    const stored = await core.store.getMeta('cache', key);
    if (stored !== undefined) {
      const entry: CacheEntry = { value: stored };
      core.cache.set(key, entry);
      core.cacheStats.hits++;
      return entry;
    }
  }
  core.cacheStats.misses++;
  return undefined;
}

export async function cacheStore(rs: RunState, req: CacheRequest, value: unknown): Promise<void> {
  const core = rs.core;
  const ttl = req.ttl === undefined ? undefined : parseDuration(req.ttl);
  core.cache.set(req.key, { value }, ttl ? { ttl } : undefined);
  core.cacheStats.sets++;
  if (req.persist) await core.store.putMeta('cache', req.key, value, ttl ? core.clock.now() + ttl : null);
}
