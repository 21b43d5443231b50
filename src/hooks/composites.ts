/**
 * Composite hooks (hooks.md "Order and composition"): one hook made of others.
 *
 * - sequence: children in order; `modify` patches accumulate (waterfall); the first decisive result wins.
 * - parallel: children run concurrently on copies of the values; results merge by precedence
 *   cancel > redirect > replace > skip > retry > fork > cache > modify > continue (the earliest child
 *   wins among equals); modify patches merge in child order.
 * - firstMatch: children in order; the first result that is not `continue` wins (modify included).
 * - vote {threshold}: children run concurrently; a decisive action wins when at least
 *   ceil(n × threshold) children return it; ties go to the action whose first voter has the lower
 *   order; otherwise continue.
 * Every child call goes through its own breaker and timeout (HookRunner.call).
 */
import { ErrorCode, HookflowError } from '../errors.js';
import { deepMerge } from '../util/merge.js';
import type { HookInstance } from './registry.js';
import { contextInternals, makeContext, type HookRunner } from './runner.js';
import type { HookAction, HookContext, HookResult } from './types.js';

export type CompositeMode = 'sequence' | 'parallel' | 'firstMatch' | 'vote';

const PRECEDENCE: Record<HookAction, number> = {
  cancel: 8,
  redirect: 7,
  replace: 6,
  skip: 5,
  retry: 4,
  fork: 3,
  cache: 2,
  modify: 1,
  continue: 0,
};

const CONTINUE: HookResult = { action: 'continue' };

/** Builds the invoke function of a composite over already-built children. */
export function composite(mode: CompositeMode, children: readonly HookInstance[], runner: HookRunner, threshold = 0.5): (ctx: HookContext) => Promise<HookResult> {
  if (mode === 'vote' && !(threshold > 0 && threshold <= 1)) {
    throw new HookflowError(ErrorCode.VALIDATION, `vote threshold must be in (0, 1], got ${threshold}`);
  }
  const ordered = [...children].sort((a, b) => a.order - b.order || a.seq - b.seq);
  return async (ctx) => {
    const internals = contextInternals(ctx);
    if (!internals) throw new HookflowError(ErrorCode.INTERNAL, 'composite hook called outside the hook runner');
    const { host, call } = internals;
    const patchesOutput = ctx.point.startsWith('after_');
    const callChild = async (child: HookInstance, input: unknown, output: unknown): Promise<HookResult | undefined> => {
      if (!child.points.has(ctx.point) && child.points.size > 0) return undefined;
      return runner.call(host, child, makeContext(host, call, input, output), call, true);
    };
    switch (mode) {
      case 'sequence':
      case 'firstMatch': {
        let input = ctx.input;
        let output = ctx.output;
        let patch: unknown;
        for (const child of ordered) {
          const r = await callChild(child, input, output);
          if (r === undefined || r.action === 'continue') continue;
          if (mode === 'firstMatch') return r;
          if (r.action === 'modify') {
            patch = patch === undefined ? r.patch : deepMerge(patch, r.patch);
            if (patchesOutput) output = deepMerge(output, r.patch);
            else input = deepMerge(input, r.patch);
            continue;
          }
          return r;
        }
        return patch === undefined ? CONTINUE : { action: 'modify', patch };
      }
      case 'parallel': {
        const results = await Promise.all(ordered.map((child) => callChild(child, copy(ctx.input), copy(ctx.output))));
        let best: HookResult | undefined;
        let patch: unknown;
        for (const r of results) {
          if (r === undefined) continue;
          if (r.action === 'modify') patch = patch === undefined ? r.patch : deepMerge(patch, r.patch);
          if (best === undefined || PRECEDENCE[r.action] > PRECEDENCE[best.action]) best = r;
        }
        if (best === undefined || best.action === 'continue') return CONTINUE;
        if (best.action === 'modify') return { action: 'modify', patch };
        return best;
      }
      case 'vote': {
        const results = await Promise.all(ordered.map((child) => callChild(child, copy(ctx.input), copy(ctx.output))));
        const n = ordered.length;
        const need = Math.ceil(n * threshold);
        const tally = new Map<HookAction, { count: number; first: number; result: HookResult }>();
        results.forEach((r, i) => {
          if (r === undefined || r.action === 'continue' || r.action === 'modify') return;
          const t = tally.get(r.action);
          if (t) t.count++;
          else tally.set(r.action, { count: 1, first: i, result: r });
        });
        let winner: { count: number; first: number; result: HookResult } | undefined;
        for (const t of tally.values()) {
          if (t.count < need) continue;
          if (winner === undefined || t.first < winner.first) winner = t;
        }
        return winner ? winner.result : CONTINUE;
      }
    }
  };
}

function copy(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  try {
    return structuredClone(v);
  } catch {
    // Values holding functions or class instances cannot be cloned; children then share the value.
    return v;
  }
}
