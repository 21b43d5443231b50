/**
 * The XState-alone baseline for S1–S3: XState v5 machines invoking one promise actor (the shared no-op)
 * per step — a state machine without an engine around it. Machines are built before timing.
 */
import { assign, createActor, enqueueActions, fromPromise, setup, toPromise, type AnyStateMachine } from 'xstate';
import { timeIt, type Measurement, type TimingOptions } from './harness.js';
import { noop } from './raw.js';

const base = setup({ actors: { step: fromPromise(noop) } });

/** S1 in XState: states s0..s(n-1), each invoking the no-op promise actor, then a final state. */
export function xstateChain(n: number): AnyStateMachine {
  const states: Record<string, object> = { done: { type: 'final' } };
  for (let i = 0; i < n; i++) states[`s${i}`] = { invoke: { src: 'step', onDone: { target: i + 1 < n ? `s${i + 1}` : 'done' } } };
  return base.createMachine({ id: 'chain', initial: 's0', states } as Parameters<typeof base.createMachine>[0]);
}

/**
 * S2 in XState: the machine spawns `n` promise actors on entry and counts their done events; reaching
 * `n` is the join. (A parallel state with `n` regions is the static alternative, but its cost grows
 * far faster than linearly: about 40 s for 400 regions.)
 */
export function xstateFan(n: number): AnyStateMachine {
  return setup({
    types: { context: {} as { done: number } },
    actors: { step: fromPromise(noop) },
  }).createMachine({
    id: 'fan',
    context: { done: 0 },
    initial: 'fan',
    states: {
      fan: {
        entry: enqueueActions(({ enqueue }) => {
          for (let i = 0; i < n; i++) enqueue.spawnChild('step', { id: `b${i}` });
        }),
        on: { 'xstate.done.actor.*': { actions: assign({ done: ({ context }) => context.done + 1 }) } },
        always: { guard: ({ context }) => context.done >= n, target: 'done' },
      },
      done: { type: 'final' },
    },
  });
}

/** S3 in XState: one state re-entered `n` times, counting iterations in context. */
export function xstateLoop(n: number): AnyStateMachine {
  return setup({
    types: { context: {} as { i: number } },
    actors: { step: fromPromise(noop) },
  }).createMachine({
    id: 'loop',
    context: { i: 0 },
    initial: 'iter',
    states: {
      iter: {
        invoke: {
          src: 'step',
          onDone: [
            { guard: ({ context }) => context.i + 1 < n, target: 'iter', reenter: true, actions: assign({ i: ({ context }) => context.i + 1 }) },
            { target: 'done' },
          ],
        },
      },
      done: { type: 'final' },
    },
  });
}

/** Runs a machine to its final state. */
export async function runMachine(machine: AnyStateMachine): Promise<void> {
  const actor = createActor(machine);
  actor.start();
  await toPromise(actor);
}

/** Times running the machine of `shape` with `n` units to completion. */
export function measureXstate(shape: 'chain' | 'fan' | 'loop', n: number, timing: Omit<TimingOptions, 'units'>): Promise<Measurement> {
  const machine = shape === 'chain' ? xstateChain(n) : shape === 'fan' ? xstateFan(n) : xstateLoop(n);
  return timeIt({ run: () => runMachine(machine) }, { units: n, ...timing });
}
