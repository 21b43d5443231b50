/**
 * Frames: where a list of steps executes. A frame fixes the path prefix, the expression scope (which
 * `steps.<id>` views and loop/fork bindings are visible), the hooks in effect and the AbortSignal.
 */
import type { StepDef } from '../dsl/types.js';
import type { ExprScope, StepView } from '../expr/types.js';
import type { HookInstance } from '../hooks/registry.js';
import type { HookPoint } from '../hooks/types.js';
import type { StepStatus } from '../store/types.js';
import { isoTime } from '../util/iso.js';

export interface Frame {
  /** Path prefix including the trailing `/` (empty at the top level). */
  readonly prefix: string;
  readonly scope: ExprScope;
  /** Workflow and step-scoped hooks in effect, in call order. */
  readonly hooks: readonly HookInstance[];
  /** Points covered by `hooks` (fast path: skip the runner when a point has no hooks at all). */
  readonly hookPoints: ReadonlySet<HookPoint>;
  readonly signal: AbortSignal;
  /** Event id that caused work in this frame (causationId of its step.started events). */
  readonly cause: string | undefined;
}

/**
 * A `steps.<id>` view. `startedAt`/`endedAt` are own data fields, not prototype getters: JSONata only
 * reads own properties, so getters would make `steps.x.startedAt` undefined in expressions.
 */
export class View implements StepView {
  output: unknown = null;
  status: StepStatus = 'pending';
  attempts = 0;
  error: StepView['error'] = null;
  startedAt: string | null = null;
  endedAt: string | null = null;
  forks?: unknown[];
  #started = 0;
  #ended = 0;

  /** Start time in epoch ms (0 = not started). */
  get started(): number {
    return this.#started;
  }

  set started(ms: number) {
    this.#started = ms;
    this.startedAt = ms ? isoTime(ms) : null;
  }

  /** End time in epoch ms (0 = not ended). */
  get ended(): number {
    return this.#ended;
  }

  set ended(ms: number) {
    this.#ended = ms;
    this.endedAt = ms ? isoTime(ms) : null;
  }

  toJSON(): StepView {
    const v: StepView = {
      output: this.output,
      status: this.status,
      attempts: this.attempts,
      error: this.error,
      startedAt: this.startedAt,
      endedAt: this.endedAt,
    };
    if (this.forks) v.forks = this.forks;
    return v;
  }
}

/** Points any hook of the list listens to. */
export function pointsOf(hooks: readonly HookInstance[]): Set<HookPoint> {
  const s = new Set<HookPoint>();
  for (const h of hooks) for (const p of h.points) s.add(p);
  return s;
}

/** A child frame for the body of `step` (nested lists), adding the step's own hooks. */
export function childFrame(parent: Frame, prefix: string, extra: readonly HookInstance[] | undefined, bindings?: Record<string, unknown>, signal?: AbortSignal, cause?: string): Frame {
  let scope = parent.scope;
  if (bindings) {
    // Own `steps` object per iteration/fork branch: body step ids repeat across them.
    scope = Object.assign(Object.create(parent.scope) as ExprScope, bindings, { steps: Object.create(parent.scope.steps) as Record<string, StepView> });
  }
  const hooks = extra && extra.length > 0 ? mergeOrdered(parent.hooks, extra) : parent.hooks;
  return {
    prefix,
    scope,
    hooks,
    hookPoints: hooks === parent.hooks ? parent.hookPoints : pointsOf(hooks),
    signal: signal ?? parent.signal,
    cause: cause ?? parent.cause,
  };
}

function mergeOrdered(a: readonly HookInstance[], b: readonly HookInstance[]): HookInstance[] {
  return [...a, ...b].sort((x, y) => x.order - y.order || x.seq - y.seq);
}

/** Steps that carry nested lists, for walking. */
export function nestedLists(step: StepDef): StepDef[][] {
  switch (step.kind) {
    case 'sequence':
      return [step.steps];
    case 'parallel':
      return [step.branches];
    case 'if':
      return step.else ? [step.then, step.else] : [step.then];
    case 'switch':
      return [...step.cases.map((c) => c.steps), ...(step.default ? [step.default] : [])];
    case 'loop':
      return [step.loop.steps];
    default:
      return [];
  }
}
