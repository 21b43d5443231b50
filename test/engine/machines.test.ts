/**
 * The lifecycle tables read from the XState machines equal what XState's own pure `transition()` does
 * for every (state, event) pair — XState stays the source of truth for which transitions exist.
 */
import { describe, expect, it } from 'vitest';
import { initialTransition, transition, type AnyStateMachine } from 'xstate';
import {
  ConditionalLifecycle,
  LoopLifecycle,
  ParallelLifecycle,
  SequenceLifecycle,
  StepLifecycle,
  conditionalMachine,
  loopMachine,
  parallelMachine,
  sequenceMachine,
  stepMachine,
  type CompiledMachine,
} from '../../src/engine/machines.js';

const pairs: Array<[string, AnyStateMachine, CompiledMachine<string, string>]> = [
  ['step', stepMachine, StepLifecycle],
  ['sequence', sequenceMachine, SequenceLifecycle],
  ['parallel', parallelMachine, ParallelLifecycle],
  ['conditional', conditionalMachine, ConditionalLifecycle],
  ['loop', loopMachine, LoopLifecycle],
];

describe('compiled lifecycle tables', () => {
  for (const [name, machine, compiled] of pairs) {
    it(`${name}: every (state, event) pair agrees with xstate's transition()`, () => {
      expect(compiled.initial).toBe(initialTransition(machine)[0].value);
      for (const s of compiled.states) {
        const snap = machine.resolveState({ value: s, context: {} });
        for (const e of compiled.events) {
          const [next] = transition(machine, snap, { type: e });
          const accepted = snap.can({ type: e });
          expect(compiled.table[s]?.[e], `${s} + ${e}`).toBe(accepted ? next.value : undefined);
          if (accepted) expect(compiled.next(s, e)).toBe(next.value);
          else expect(() => compiled.next(s, e)).toThrow(/illegal/);
        }
      }
      expect([...compiled.final].sort()).toEqual(compiled.states.filter((s) => machine.resolveState({ value: s, context: {} }).status === 'done').sort());
    });
  }
});
