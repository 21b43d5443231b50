/**
 * Forks: branches started at run time by a `fork` hook result (before_step, after_step,
 * after_iteration). They run on the bounded pool with the request's `concurrency`. `join: wait` (the
 * default) joins them before the origin step completes and puts their outputs in
 * `steps.<id>.forks`; `join: detach` joins them at run end. Branch paths are `origin#fork[k]/id`
 * (a second fork of the same origin: `origin#fork2[k]/id`).
 */
import type { StepDef } from '../dsl/types.js';
import { isStepDef } from '../hooks/fork-request.js';
import { compileSteps } from '../dsl/load.js';
import { ErrorCode, HookflowError } from '../errors.js';
import type { HookInstance } from '../hooks/registry.js';
import type { Decision } from '../hooks/runner.js';
import type { ForkRequest, HookPoint } from '../hooks/types.js';
import { serializable } from '../hooks/fork-request.js';
import { childFrame, type Frame } from './frame.js';
import { runPool } from './patterns/pool.js';
import { runSequence } from './patterns/sequence.js';
import type { RunState } from './run-state.js';
import { Suspended } from './signals.js';

/** Where a fork starts: a step, or a loop iteration. */
export interface ForkOrigin {
  path: string;
  stepId: string;
  frame: Frame;
  cause: string | undefined;
  hooks: readonly HookInstance[];
  /** Records a detached fork on the origin step so a resumed run relaunches it. */
  onDetached?: (entry: DetachedEntry) => void;
}

export interface ForkHandle {
  join: 'wait' | 'detach';
  count: number;
  hookId: string | undefined;
  promise: Promise<unknown[]>;
}

/** JSON-safe description of a detached fork, kept in the origin step's effects. */
export interface DetachedEntry {
  hookId: string | undefined;
  tag: string;
  request: Record<string, unknown>;
}

interface Branch {
  steps: StepDef[];
  bindings: Record<string, unknown>;
}


/** Turns a fork request (from a rule, code, or a journal replay) into branches. */
export function resolveFork(rs: RunState, req: ForkRequest & { $ref?: boolean }, hookId: string | undefined): { branches: Branch[]; concurrency: number; join: 'wait' | 'detach' } {
  let stepsList = req.steps;
  let branchList = req.branches;
  if (req.$ref === true) {
    const rule = hookId === undefined ? undefined : rs.ruleForks.get(hookId);
    if (!rule) throw new HookflowError(ErrorCode.INTERNAL, `fork of hook "${String(hookId)}" references rule steps that are not in this workflow`);
    stepsList = rule.steps;
    branchList = rule.branches;
  }
  const compile = (list: Array<StepDef | Record<string, unknown>>, what: string): StepDef[] =>
    list.every(isStepDef) ? (list as StepDef[]) : compileSteps(list, { file: rs.def.source.file, path: `hooks.${String(hookId)}.fork.${what}` }, new Set(rs.def.stepsById.keys()));
  const branches: Branch[] = [];
  if (branchList !== undefined) {
    const defs = compile(branchList, 'branches');
    for (const s of defs) branches.push({ steps: [s], bindings: {} });
  } else {
    const items = req.forEach ?? [];
    const defs = compile(stepsList ?? [], 'steps');
    const as = req.as ?? 'item';
    items.forEach((item, index) => {
      const bindings: Record<string, unknown> = { item, index };
      if (as !== 'item') bindings[as] = item;
      branches.push({ steps: defs, bindings });
    });
  }
  return { branches, concurrency: req.concurrency ?? Math.max(1, branches.length), join: req.join ?? 'wait' };
}

/** Starts the branches of a fork decision; returns at once. */
export function startFork(rs: RunState, origin: ForkOrigin, d: Decision): ForkHandle {
  const req = d.result as ForkRequest & { $ref?: boolean };
  const { branches, concurrency, join } = resolveFork(rs, req, d.hookId);
  const n = rs.nextForkIndex(origin.path);
  const tag = n === 0 ? '#fork' : `#fork${n + 1}`;
  if (join === 'detach' && origin.onDetached) origin.onDetached({ hookId: d.hookId, tag, request: serializable(req) });
  const promise = runForkBranches(rs, origin, tag, branches, concurrency, join, d.hookId);
  const handle: ForkHandle = { join, count: branches.length, hookId: d.hookId, promise };
  if (join === 'detach') rs.detached.push(promise);
  return handle;
}

/** Relaunches a detached fork of a completed step when a run resumes. */
export function relaunchDetached(rs: RunState, origin: ForkOrigin, entry: DetachedEntry): void {
  const { branches, concurrency } = resolveFork(rs, entry.request as unknown as ForkRequest, entry.hookId);
  rs.detached.push(runForkBranches(rs, origin, entry.tag, branches, concurrency, 'detach', entry.hookId));
}

async function runForkBranches(rs: RunState, origin: ForkOrigin, tag: string, branches: Branch[], concurrency: number, join: 'wait' | 'detach', hookId: string | undefined): Promise<unknown[]> {
  const forkedId = rs.emit('branch.forked', { path: origin.path, hookId, count: branches.length, join }, origin.cause);
  if (hasPoint(rs, origin.hooks, 'fork')) {
    const d = await rs.fire(origin.hooks, { point: 'fork', step: { id: origin.stepId, path: origin.path, kind: 'fork' }, attempt: 1, input: null, hooks: [], metadata: { count: branches.length, join, hookId }, causationId: forkedId });
    if (d.action === 'cancel') throw failedClosed(d, 'fork');
  }
  const outputs: unknown[] = new Array<unknown>(branches.length).fill(null);
  let failure: unknown;
  const suspends: Suspended[] = [];
  await runPool(branches.length, concurrency, async (k) => {
    const b = branches[k] as Branch;
    const branchPath = `${origin.path}${tag}[${k}]`;
    const startedId = rs.emit('branch.started', { path: origin.path, branch: branchPath, index: k, fork: true }, forkedId);
    const frame = childFrame(origin.frame, `${branchPath}/`, undefined, b.bindings, rs.signal, startedId);
    let status = 'completed';
    try {
      const out = await runSequence(rs, frame, b.steps);
      outputs[k] = out.output;
    } catch (err) {
      if (err instanceof Suspended) {
        status = 'suspended';
        suspends.push(err);
      } else {
        status = 'failed';
        failure ??= err;
      }
    } finally {
      rs.emit('branch.completed', { path: origin.path, branch: branchPath, index: k, status, fork: true }, startedId);
    }
  });
  if (failure !== undefined) throw failure;
  if (suspends.length > 0) throw Suspended.merge(suspends);
  return outputs;
}

/** Waits for `wait` forks and returns their outputs in order; fires the `join` point. */
export async function joinForks(rs: RunState, origin: ForkOrigin, handles: ForkHandle[]): Promise<unknown[]> {
  const outputs: unknown[] = [];
  let failure: unknown;
  for (const h of handles) {
    if (h.join !== 'wait') continue;
    try {
      outputs.push(...(await h.promise));
    } catch (err) {
      failure ??= err;
    }
  }
  if (failure !== undefined) throw failure;
  if (hasPoint(rs, origin.hooks, 'join')) {
    const d = await rs.fire(origin.hooks, { point: 'join', step: { id: origin.stepId, path: origin.path, kind: 'fork' }, attempt: 1, input: null, output: outputs, hooks: [], metadata: { count: outputs.length } });
    if (d.action === 'cancel') throw failedClosed(d, 'join');
  }
  return outputs;
}

/** Waits for `wait` forks of a failing step without raising their errors (each branch journals its own failure). */
export async function settleForks(handles: ForkHandle[]): Promise<void> {
  await Promise.allSettled(handles.filter((h) => h.join === 'wait').map((h) => h.promise));
}

function hasPoint(rs: RunState, hooks: readonly HookInstance[], point: HookPoint): boolean {
  return rs.hasHooks(point, hooks);
}

/**
 * Only `continue` is allowed at fork/join, so a cancel there comes from a `failure: closed` hook that
 * failed: the fork (and with it the origin step) is cancelled.
 */
function failedClosed(d: Decision, point: HookPoint): HookflowError {
  const reason = (d.result as { reason?: string }).reason ?? '';
  return new HookflowError(ErrorCode.HOOK_CANCELLED, `cancelled by hook "${String(d.hookId)}" at ${point}: ${reason}`, { retryable: false, details: { hookId: d.hookId, point, reason } });
}
