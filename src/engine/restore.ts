/**
 * Resume helpers: what a resumed run rebuilds from the journal besides the step records themselves.
 *
 * - A step restored as completed (not executed) may contain other steps: a body, loop iterations, fork
 *   branches, `catch:` steps. Their effects (variables written, signals consumed, cache entries, detached
 *   forks) and their `steps.<id>` views are re-applied too, in the order the steps ended, because the
 *   restored step's pattern is not walked again.
 * - A step resumed in flight re-enters its retry bookkeeping: hook retries already granted and the attempts
 *   its retry policy already spent are counted from the journal, so it retries no more than an
 *   uninterrupted run would.
 */
import type { CacheEntry } from './core.js';
import { relaunchDetached, type DetachedEntry, type ForkOrigin } from './fork.js';
import { View, type Frame } from './frame.js';
import type { Replay, RunState } from './run-state.js';
import type { StepRecord } from '../store/types.js';

/** The `cache` effect of a step whose output was stored by a `cache` hook result (a miss). */
export interface CacheEffect {
  key: string;
  /** Epoch ms at which the entry expires, null when it has no ttl. */
  expiresAt: number | null;
}

/** Paths of a replay sorted for prefix lookups, and each path's journal position (built once per resumed run). */
const indexes = new WeakMap<Replay, { sorted: string[]; order: Map<string, number> }>();

/** Characters that continue a step path into a nested one: body `/`, attempt `~`, iteration `[`, fork `#`, catch `!`. */
const NESTING = new Set(['/', '~', '[', '#', '!']);

/** Records of the steps nested anywhere inside `path`, in the order they ended (unfinished ones first). */
export function nestedRecords(replay: Replay, path: string): StepRecord[] {
  let index = indexes.get(replay);
  if (index === undefined) {
    const order = new Map<string, number>();
    for (const p of replay.steps.keys()) order.set(p, order.size);
    index = { sorted: [...order.keys()].sort(), order };
    indexes.set(replay, index);
  }
  const { sorted: paths, order } = index;
  let lo = 0;
  let hi = paths.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((paths[mid] as string) < path) lo = mid + 1;
    else hi = mid;
  }
  const found: StepRecord[] = [];
  for (let i = lo; i < paths.length; i++) {
    const p = paths[i] as string;
    if (!p.startsWith(path)) break;
    if (NESTING.has(p.charAt(path.length))) found.push(replay.steps.get(p) as StepRecord);
  }
  // Ties in end time (same millisecond) keep journal order (first appearance), which is sequence order.
  found.sort((a, b) => {
    const ea = a.endedAt ?? '';
    const eb = b.endedAt ?? '';
    if (ea !== eb) return ea < eb ? -1 : 1;
    return (order.get(a.path) ?? 0) - (order.get(b.path) ?? 0);
  });
  return found;
}

/** Re-applies the effects and views of every step nested in a step that is restored without executing. */
export function restoreNested(rs: RunState, frame: Frame, rec: StepRecord): void {
  const replay = rs.replay;
  if (replay === undefined) return;
  for (const r of nestedRecords(replay, rec.path)) {
    const view = viewOf(r);
    frame.scope.steps[r.stepId] = view;
    rs.scope.steps[r.stepId] = view;
    applyEffects(rs, r, frame);
  }
}

/** A `steps.<id>` view rebuilt from a step record. */
export function viewOf(rec: StepRecord, view: View = new View()): View {
  view.output = rec.output ?? null;
  view.status = rec.status;
  view.attempts = rec.attempt;
  view.error = rec.error ?? null;
  view.started = rec.startedAt ? Date.parse(rec.startedAt) : 0;
  view.ended = rec.endedAt ? Date.parse(rec.endedAt) : 0;
  const forks = rec.effects?.forks;
  if (Array.isArray(forks)) view.forks = forks;
  return view;
}

/**
 * Effects of a nested record: variables, consumed signals, cache entries and detached forks (relaunched
 * from `frame`, the restored ancestor's frame; their branches resolve their own bindings).
 */
export function applyEffects(rs: RunState, rec: StepRecord, frame: Frame): void {
  const fx = rec.effects;
  if (!fx) return;
  if (fx.vars) Object.assign(rs.vars, fx.vars as Record<string, unknown>);
  if (typeof fx.signal === 'string') rs.signalCursor.set(fx.signal, (rs.signalCursor.get(fx.signal) ?? 0) + 1);
  if (fx.cache) restoreCacheEntry(rs, fx.cache as CacheEffect, rec.output);
  if (Array.isArray(fx.detached)) {
    const origin: ForkOrigin = { path: rec.path, stepId: rec.stepId, frame, cause: frame.cause, hooks: frame.hooks };
    for (const entry of fx.detached as DetachedEntry[]) relaunchDetached(rs, origin, entry);
  }
}

/** The effect recorded when a step stores its output under a cache key. */
export function cacheEffect(rs: RunState, key: string, ttlMs: number | undefined): CacheEffect {
  return { key, expiresAt: ttlMs ? rs.core.clock.now() + ttlMs : null };
}

/**
 * Puts a restored step's cached output back into the in-memory cache (a new process starts with an empty
 * one), so later `cache` decisions of the resumed run hit exactly where the uninterrupted run hit.
 */
export function restoreCacheEntry(rs: RunState, fx: CacheEffect, output: unknown): void {
  const cache = rs.core.cache;
  if (typeof fx.key !== 'string' || cache.has(fx.key)) return;
  const entry: CacheEntry = { value: output ?? null };
  if (fx.expiresAt === null || fx.expiresAt === undefined) {
    cache.set(fx.key, entry);
    return;
  }
  const left = fx.expiresAt - rs.core.clock.now();
  if (left > 0) cache.set(fx.key, entry, { ttl: left });
}

/** Retry bookkeeping of a step resumed in flight at `attempt`, rebuilt from its recorded hook decisions. */
export interface ResumedRetries {
  /** Hook retries already granted, per hook id (retry results at after_step / step_error before `attempt`). */
  budgets: Map<string, number> | undefined;
  /** The attempt after which the current retry-policy round began (0: with the first attempt). */
  policyStart: number;
}

export function resumedRetries(rs: RunState, path: string, attempt: number): ResumedRetries {
  let budgets: Map<string, number> | undefined;
  let policyStart = 0;
  const decisions = rs.replay?.decisions;
  if (decisions === undefined) return { budgets, policyStart };
  for (let a = 1; a < attempt; a++) {
    for (const point of ['after_step', 'step_error']) {
      const list = decisions.get(`${path}|${point}|${a}`);
      if (list === undefined) continue;
      for (const d of list) {
        if (d.result.action !== 'retry') continue;
        (budgets ??= new Map()).set(d.hookId, (budgets.get(d.hookId) ?? 0) + 1);
        // A hook retry starts a fresh policy round after attempt `a`.
        policyStart = a;
      }
    }
  }
  return { budgets, policyStart };
}
