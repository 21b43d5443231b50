/**
 * Lifecycle machines of the engine, written as XState v5 machines (the single source of truth for
 * which transitions exist) and compiled once, at module load, into lookup tables.
 *
 * Why tables: an interpreted XState actor costs ~24 µs per invoked step on this kind of machine, more
 * than twice our whole per-step budget. These machines are finite, flat and guard-free, so stepping
 * every (state, event) pair through XState's pure `transition` function once yields an exact table;
 * at run time a transition is one property lookup and an illegal transition throws (an engine bug).
 * The run and the agent, which are few per process, use real actors.
 */
import { createMachine, type AnyStateMachine } from 'xstate';
import { ErrorCode, HookflowError } from '../errors.js';

/** Step lifecycle: pending → running → completed | failed | skipped | cancelled, retrying between attempts. */
export const stepMachine = createMachine({
  id: 'step',
  initial: 'pending',
  states: {
    pending: {
      on: { START: 'running', SKIP: 'skipped', CANCEL: 'cancelled', FAIL: 'failed', REPLACE: 'completed', CACHE_HIT: 'completed', RESTORE: 'completed' },
    },
    running: {
      on: {
        SUCCEED: 'completed',
        FAIL: 'failed',
        RETRY: 'retrying',
        CANCEL: 'cancelled',
        SKIP: 'skipped',
        REPLACE: 'completed',
        CACHE_HIT: 'completed',
        SUSPEND: 'suspended',
      },
    },
    retrying: { on: { START: 'running', CANCEL: 'cancelled', FAIL: 'failed' } },
    suspended: { on: { RESUME: 'running', CANCEL: 'cancelled', FAIL: 'failed' } },
    completed: { type: 'final' },
    failed: { type: 'final' },
    skipped: { type: 'final' },
    cancelled: { type: 'final' },
  },
});

/** Sequence pattern: runs its list in order; a redirect moves the cursor. */
export const sequenceMachine = createMachine({
  id: 'sequence',
  initial: 'stepping',
  states: {
    stepping: { on: { NEXT: 'stepping', REDIRECT: 'redirecting', DONE: 'done', FAIL: 'failed' } },
    redirecting: { on: { NEXT: 'stepping', FAIL: 'failed' } },
    done: { type: 'final' },
    failed: { type: 'final' },
  },
});

/** Parallel pattern (also used for fork joins): branches run on a bounded queue, then join. */
export const parallelMachine = createMachine({
  id: 'parallel',
  initial: 'running',
  states: {
    running: { on: { BRANCH_FAILED: 'cancelling', ALL_SETTLED: 'joined', SUSPEND: 'suspended' } },
    cancelling: { on: { ALL_SETTLED: 'failed' } },
    joined: { on: { FAIL: 'failed', DONE: 'done', SUSPEND: 'suspended' } },
    suspended: { type: 'final' },
    done: { type: 'final' },
    failed: { type: 'final' },
  },
});

/** Conditional pattern (if / switch). */
export const conditionalMachine = createMachine({
  id: 'conditional',
  initial: 'evaluating',
  states: {
    evaluating: { on: { CHOSEN: 'branch', NONE: 'done', CANCEL: 'done', FAIL: 'failed' } },
    branch: { on: { DONE: 'done', FAIL: 'failed' } },
    done: { type: 'final' },
    failed: { type: 'final' },
  },
});

/** Loop pattern: check → iterate → check ... → done, or the `max` limit. */
export const loopMachine = createMachine({
  id: 'loop',
  initial: 'checking',
  states: {
    checking: { on: { ITERATE: 'iterating', DONE: 'done', LIMIT: 'limited', FAIL: 'failed' } },
    iterating: { on: { NEXT: 'checking', FAIL: 'failed', DONE: 'done' } },
    limited: { on: { STOP: 'done', FAIL: 'failed' } },
    done: { type: 'final' },
    failed: { type: 'final' },
  },
});

/** Run lifecycle: running → completed | failed | cancelled | suspended (suspended → running on signal/resume). */
export const runMachine = createMachine({
  id: 'run',
  initial: 'running',
  states: {
    running: { on: { COMPLETE: 'completed', FAIL: 'failed', CANCEL: 'cancelled', SUSPEND: 'suspended' } },
    suspended: { on: { RESUME: 'running', CANCEL: 'cancelled' } },
    completed: { type: 'final' },
    failed: { type: 'final' },
    cancelled: { type: 'final' },
  },
});

/** A compiled machine: `next(state, event)` is a table lookup. */
export interface CompiledMachine<S extends string, E extends string> {
  readonly id: string;
  readonly initial: S;
  readonly states: readonly S[];
  readonly events: readonly E[];
  readonly final: ReadonlySet<S>;
  /** Next state, or undefined when the event is not accepted in `state`. */
  readonly table: Readonly<Record<S, Readonly<Partial<Record<E, S>>>>>;
  /** Next state; throws INTERNAL on an illegal transition. */
  next(state: S, event: E): S;
}

/**
 * Reads the transition table of a flat, guard-free machine from its XState state nodes. Start-up cost
 * matters (`hookflow run` compiles these on every invocation): stepping every (state, event) pair
 * through XState's pure `transition()` took ~30 ms for the five machines, reading the nodes takes
 * microseconds. test/engine/machines.test.ts proves that both give the same table for every machine.
 */
export function compileMachine<S extends string, E extends string>(machine: AnyStateMachine): CompiledMachine<S, E> {
  const initial = machine.root.initial.target[0]?.key as S;
  const states = Object.keys(machine.root.states) as S[];
  const events = [...new Set(states.flatMap((s) => Object.keys(machine.root.states[s]?.config.on ?? {})))] as E[];
  const final = new Set(states.filter((s) => machine.root.states[s]?.type === 'final'));
  const table = {} as Record<S, Partial<Record<E, S>>>;
  for (const s of states) {
    const row: Partial<Record<E, S>> = {};
    const on = (machine.root.states[s]?.config.on ?? {}) as Record<string, unknown>;
    for (const [e, t] of Object.entries(on)) {
      const target = typeof t === 'string' ? t : (t as { target?: unknown }).target;
      if (typeof target !== 'string') throw new HookflowError(ErrorCode.INTERNAL, `machine ${machine.id}: ${s}.on.${e} must name a sibling state`);
      row[e as E] = target as S;
    }
    table[s] = row;
  }
  const id = machine.id;
  return {
    id,
    initial,
    states,
    events,
    final,
    table,
    next(state: S, event: E): S {
      const to = table[state][event];
      if (to === undefined) {
        throw new HookflowError(ErrorCode.INTERNAL, `illegal ${id} transition: ${event} in state ${state}`);
      }
      return to;
    },
  };
}

export type StepState = 'pending' | 'running' | 'retrying' | 'suspended' | 'completed' | 'failed' | 'skipped' | 'cancelled';
export type StepEvent = 'START' | 'SUCCEED' | 'FAIL' | 'RETRY' | 'CANCEL' | 'SKIP' | 'REPLACE' | 'CACHE_HIT' | 'SUSPEND' | 'RESUME' | 'RESTORE';

export const StepLifecycle = compileMachine<StepState, StepEvent>(stepMachine);
export const SequenceLifecycle = compileMachine<'stepping' | 'redirecting' | 'done' | 'failed', 'NEXT' | 'REDIRECT' | 'DONE' | 'FAIL'>(sequenceMachine);
export const ParallelLifecycle = compileMachine<
  'running' | 'cancelling' | 'joined' | 'suspended' | 'done' | 'failed',
  'BRANCH_FAILED' | 'ALL_SETTLED' | 'SUSPEND' | 'FAIL' | 'DONE'
>(parallelMachine);
export const ConditionalLifecycle = compileMachine<'evaluating' | 'branch' | 'done' | 'failed', 'CHOSEN' | 'NONE' | 'CANCEL' | 'DONE' | 'FAIL'>(conditionalMachine);
export const LoopLifecycle = compileMachine<
  'checking' | 'iterating' | 'limited' | 'done' | 'failed',
  'ITERATE' | 'DONE' | 'LIMIT' | 'FAIL' | 'NEXT' | 'STOP'
>(loopMachine);
