/**
 * The agent lifecycle machine (architecture.md, decision 1): six states, and exactly these transitions:
 *
 * initializing → ready | error | terminated; ready → running | paused | error | terminated;
 * running → ready | paused | error | terminated; paused → ready | running | terminated;
 * error → initializing (bounded by `maxRecoveries`) | terminated; terminated is final.
 *
 * The machine only decides what is legal; {@link AgentSession} does the work and sends the events.
 */
import { assign, setup } from 'xstate';
import type { AgentEventType } from './types.js';

/** Machine context: what the guards need. */
export interface AgentMachineContext {
  /** Recoveries used so far. */
  recoveries: number;
  maxRecoveries: number;
  /** The state PAUSE/RATE_LIMIT left, so RESUME returns there. */
  pausedFrom: 'ready' | 'running' | null;
}

/** Events of the agent machine; the names are the `event` reported to `onTransition`. */
export type AgentMachineEvent = { type: AgentEventType };

/** Input of the machine actor. */
export interface AgentMachineInput {
  /** @default 2 */
  maxRecoveries?: number;
}

/**
 * The agent machine. Events: INIT_OK (initialization succeeded), START (a run begins its turns),
 * TURN_DONE (the model gave its final answer), PAUSE (pause requested), RATE_LIMIT (provider said 429:
 * pause for Retry-After), RESUME (back to the state that was paused), FAIL (something went wrong),
 * RECOVER (re-initialize after a failure; guarded by `maxRecoveries`), FINISH (normal end of a run),
 * TERMINATE (cancellation, or giving up after a failure).
 */
export const agentMachine = setup({
  types: {
    context: {} as AgentMachineContext,
    events: {} as AgentMachineEvent,
    input: {} as AgentMachineInput,
  },
  guards: {
    canRecover: ({ context }) => context.recoveries < context.maxRecoveries,
    pausedFromReady: ({ context }) => context.pausedFrom === 'ready',
    pausedFromRunning: ({ context }) => context.pausedFrom === 'running',
  },
  actions: {
    rememberReady: assign({ pausedFrom: 'ready' as const }),
    rememberRunning: assign({ pausedFrom: 'running' as const }),
    forgetPause: assign({ pausedFrom: null }),
    countRecovery: assign({ recoveries: ({ context }) => context.recoveries + 1 }),
  },
}).createMachine({
  id: 'agent',
  initial: 'initializing',
  context: ({ input }) => ({ recoveries: 0, maxRecoveries: input.maxRecoveries ?? 2, pausedFrom: null }),
  states: {
    initializing: {
      on: {
        INIT_OK: 'ready',
        FAIL: 'error',
        TERMINATE: 'terminated',
      },
    },
    ready: {
      on: {
        START: 'running',
        PAUSE: { target: 'paused', actions: 'rememberReady' },
        FAIL: 'error',
        FINISH: 'terminated',
        TERMINATE: 'terminated',
      },
    },
    running: {
      on: {
        TURN_DONE: 'ready',
        PAUSE: { target: 'paused', actions: 'rememberRunning' },
        RATE_LIMIT: { target: 'paused', actions: 'rememberRunning' },
        FAIL: 'error',
        TERMINATE: 'terminated',
      },
    },
    paused: {
      on: {
        RESUME: [
          { guard: 'pausedFromReady', target: 'ready', actions: 'forgetPause' },
          { guard: 'pausedFromRunning', target: 'running', actions: 'forgetPause' },
        ],
        TERMINATE: 'terminated',
      },
    },
    error: {
      on: {
        RECOVER: { guard: 'canRecover', target: 'initializing', actions: 'countRecovery' },
        TERMINATE: 'terminated',
      },
    },
    terminated: { type: 'final' },
  },
});

/** The machine's type, for code that builds snapshots of it. */
export type AgentMachine = typeof agentMachine;
