/**
 * `cost`: turns the token usage that agents and LLM-backed tools report into money (price table of
 * definitions/pricing.yaml), keeps per-run totals on the run row (`totals.cost = {usd, byModel,
 * currency}`, shown and summed per workflow by `hookflow show`) and enforces budgets.
 *
 * Budgets: when the run's cost (`perRun`) or the workflow's cost over all its runs in the store plus
 * the live ones of this engine (`perWorkflow`) goes above its budget, a `budget.exceeded` event is
 * emitted and the `budget_exceeded` hook point fires, once. From then on model calls are refused:
 * before_agent and before_tool of an LLM tool (one matching `llmTools`, or any tool step that has
 * reported usage) are cancelled with a reason starting `BUDGET_EXCEEDED`, and the next usage report
 * throws `BUDGET_EXCEEDED` (an agent stops with that error).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { costOf, DEFAULT_PRICING_FILE, loadPricing, type PriceTable } from '../../agents/pricing.js';
import { ErrorCode, HookflowError, toHookflowError } from '../../errors.js';
import type { TokenUsage } from '../../tools/types.js';
import { globMatch } from '../../util/glob.js';
import type { HookContext, HookPoint, HookResult } from '../types.js';
import { checkPoints, parseOptions, PerRun } from './options.js';
import type { BuiltinEnv, BuiltinFactory, BuiltinOptions, BuiltinRunApi } from './types.js';

const POINTS: readonly HookPoint[] = ['run_start', 'run_resume', 'before_tool', 'before_agent', 'run_end', 'run_error', 'run_cancel', 'run_suspend'];

const price = z.number().min(0);
const schema = z.strictObject({
  /** Price table file (relative to the workspace). Default: definitions/pricing.yaml, else the shipped one. */
  pricing: z.string().min(1).optional(),
  /** Prices that override or extend the table, per `per` tokens of the table. */
  models: z.record(z.string().min(1), z.strictObject({ input: price, output: price })).optional(),
  /** Budgets in the table's currency. */
  budget: z.strictObject({ perRun: z.number().positive().optional(), perWorkflow: z.number().positive().optional() }).optional(),
  /** Globs of tools that call models (refused once a budget is exceeded), besides tools seen reporting usage. */
  llmTools: z.array(z.string().min(1)).default([]),
});

/** The cost totals written to the run row. */
export interface CostTotals {
  usd: number;
  byModel: Record<string, number>;
  currency: string;
}

interface RunCost {
  api: BuiltinRunApi;
  totals: CostTotals;
  exceeded: { scope: 'run' | 'workflow'; usd: number; budget: number } | undefined;
  /** Tool steps by path, to learn which tools report usage. */
  toolAt: Map<string, string>;
  unpriced: Set<string>;
  pending: Promise<void> | undefined;
}

interface WorkflowCost {
  usd: number;
  ready: Promise<void>;
  /** Set once `ready` has settled (the stored runs were read). */
  loaded: boolean;
}

/** Loads (once per engine and file) the price table. */
function tableFor(env: BuiltinEnv, file: string): Promise<PriceTable> {
  const key = `cost:pricing:${file}`;
  let p = env.shared.get(key) as Promise<PriceTable> | undefined;
  if (p === undefined) {
    p = loadPricing(file);
    env.shared.set(key, p);
    p.catch(() => env.shared.delete(key));
  }
  return p;
}

/** The workflow's cost so far: the stored runs' totals (read once per engine), plus live usage. */
function workflowCost(env: BuiltinEnv, workflow: string): WorkflowCost {
  const key = `cost:workflow:${workflow}`;
  let w = env.shared.get(key) as WorkflowCost | undefined;
  if (w === undefined) {
    const wc: WorkflowCost = { usd: 0, ready: Promise.resolve(), loaded: false };
    wc.ready = (async () => {
      const runs = await env.store.listRuns({ workflow, limit: 1_000_000 });
      for (const r of runs) {
        const usd = (r.totals?.cost as { usd?: unknown } | undefined)?.usd;
        if (typeof usd === 'number') wc.usd += usd;
      }
      wc.loaded = true;
    })();
    // The error itself reaches the hook call that awaits `ready`; a later run reads the store again.
    wc.ready.catch(() => env.shared.delete(key));
    w = wc;
    env.shared.set(key, w);
  }
  return w;
}

/** Rounds away float noise (0.00046499999999999997) in what is stored; sums keep full precision. */
function round(v: number): number {
  return Math.round(v * 1e10) / 1e10;
}

function money(v: number): string {
  return `$${v.toFixed(6).replace(/0+$/, '').replace(/\.$/, '')}`;
}

/** Checks the `cost` options and `at:` without building the hook (what `use: cost` would reject). */
export function costOptions(opts: BuiltinOptions): z.output<typeof schema> {
  const o = parseOptions('cost', opts, schema);
  checkPoints('cost', opts, POINTS);
  return o;
}

/** Creates the `cost` hook. */
export const costHook: BuiltinFactory = async (opts, env) => {
  const o = costOptions(opts);
  const file = o.pricing !== undefined ? resolve(env.workspace, o.pricing) : env.definitionsDir !== undefined && existsSync(join(env.definitionsDir, 'pricing.yaml')) ? join(env.definitionsDir, 'pricing.yaml') : DEFAULT_PRICING_FILE;
  const base = await tableFor(env, file);
  const table: PriceTable = o.models === undefined ? base : { ...base, models: { ...base.models, ...o.models } };
  const budget = o.budget ?? {};

  const describe = (e: NonNullable<RunCost['exceeded']>): string =>
    `${e.scope === 'run' ? 'run' : 'workflow'} cost ${money(e.usd)} is over the ${e.scope === 'run' ? 'perRun' : 'perWorkflow'} budget of ${money(e.budget)} (hook ${opts.id})`;
  // A cancel is reported with code HOOK_CANCELLED (hooks.md), so its reason names the budget code.
  const refusal = (e: NonNullable<RunCost['exceeded']>): HookResult => ({ action: 'cancel', reason: `${ErrorCode.BUDGET_EXCEEDED}: ${describe(e)}` });

  const exceed = (rc: RunCost, scope: 'run' | 'workflow', usd: number, limit: number): void => {
    const e = { scope, usd: round(usd), budget: limit };
    rc.exceeded = e;
    rc.api.emit('budget.exceeded', { hookId: opts.id, ...e, currency: table.currency });
    rc.pending = rc.api.fire('budget_exceeded', { hookId: opts.id, ...e, currency: table.currency }).catch((err: unknown) => {
      rc.api.emit('hook.failed', { hookId: opts.id, point: 'budget_exceeded', error: toHookflowError(err).toJSON() });
    });
  };

  const check = (rc: RunCost, wf: WorkflowCost): void => {
    if (rc.exceeded !== undefined) return;
    if (budget.perRun !== undefined && rc.totals.usd > budget.perRun) exceed(rc, 'run', rc.totals.usd, budget.perRun);
    else if (budget.perWorkflow !== undefined && wf.usd > budget.perWorkflow) exceed(rc, 'workflow', wf.usd, budget.perWorkflow);
  };

  const onUsage = (rc: RunCost, wf: WorkflowCost, u: TokenUsage, path: string): void => {
    const was = rc.exceeded;
    let c = costOf(table, u);
    if (c === undefined) {
      c = 0;
      if (!rc.unpriced.has(u.model)) {
        rc.unpriced.add(u.model);
        rc.api.emit('cost.unpriced', { hookId: opts.id, model: u.model, path, hint: `add "${u.model}" to ${file} or to the hook's with.models` });
      }
    }
    const t = rc.totals;
    t.usd += c;
    t.byModel[u.model] = (t.byModel[u.model] ?? 0) + c;
    wf.usd += c;
    const byModel: Record<string, number> = {};
    for (const [m, v] of Object.entries(t.byModel)) byModel[m] = round(v);
    rc.api.addTotals({ cost: { usd: round(t.usd), byModel, currency: t.currency } });
    const tool = rc.toolAt.get(path);
    if (tool !== undefined) learned.add(tool);
    if (was !== undefined) throw new HookflowError(ErrorCode.BUDGET_EXCEEDED, describe(was), { retryable: false, details: { ...was } });
    check(rc, wf);
  };

  // Tools seen reporting usage, for every run of this hook instance.
  const learned = new Set<string>();
  const runs = new PerRun<RunCost>((api) => {
    const prior = api.totals().cost as Partial<CostTotals> | undefined;
    const totals: CostTotals = { usd: prior?.usd ?? 0, byModel: { ...(prior?.byModel ?? {}) }, currency: table.currency };
    const rc: RunCost = { api, totals, exceeded: undefined, toolAt: new Map(), unpriced: new Set(), pending: undefined };
    const wf = workflowCost(env, api.workflow);
    api.onUsage((u, path) => onUsage(rc, wf, u, path));
    return rc;
  });

  const isLlmTool = (tool: string): boolean => learned.has(tool) || o.llmTools.some((g) => globMatch(g, tool));

  const decide = (rc: RunCost, wf: WorkflowCost, ctx: HookContext): HookResult | undefined => {
    check(rc, wf);
    const e = rc.exceeded;
    switch (ctx.point) {
      case 'before_agent':
        return e === undefined ? undefined : refusal(e);
      case 'before_tool': {
        const tool = ctx.step?.tool ?? '';
        if (ctx.step?.kind === 'tool' && ctx.step.path !== undefined) rc.toolAt.set(ctx.step.path, tool);
        return e !== undefined && isLlmTool(tool) ? refusal(e) : undefined;
      }
      default:
        return undefined;
    }
  };

  return {
    points: opts.at ?? [...POINTS],
    // Before other before_* hooks: a refused call should not first wait for a rate limit or fill a cache slot.
    order: -500,
    // Synchronous once the workflow's stored cost is known and no budget_exceeded call is in flight.
    invoke(ctx: HookContext): HookResult | undefined | Promise<HookResult | undefined> {
      const rc = runs.of(env, ctx);
      if (rc === undefined) return undefined;
      const wf = workflowCost(env, ctx.workflow);
      if (!wf.loaded || rc.pending !== undefined) {
        const pending = rc.pending;
        rc.pending = undefined;
        return Promise.all([wf.ready, pending]).then(() => decide(rc, wf, ctx));
      }
      return decide(rc, wf, ctx);
    },
  };
};
