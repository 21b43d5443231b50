import { describe, expect, it } from 'vitest';
import { createActor, getNextSnapshot, transition } from 'xstate';
import { agentMachine, type AgentMachineContext } from '../../src/agents/machine.js';
import { AGENT_EVENTS, AGENT_STATES, type AgentEventType, type AgentState } from '../../src/agents/types.js';

type Ctx = Partial<AgentMachineContext>;

function snapshotAt(state: AgentState, ctx: Ctx = {}) {
  return agentMachine.resolveState({
    value: state,
    context: { recoveries: 0, maxRecoveries: 2, pausedFrom: null, ...ctx },
  });
}

/** The architecture's transition table, per context variant the guards look at. */
const ALLOWED: Array<{ state: AgentState; ctx: Ctx; label: string; moves: Partial<Record<AgentEventType, AgentState>> }> = [
  { state: 'initializing', ctx: {}, label: '', moves: { INIT_OK: 'ready', FAIL: 'error', TERMINATE: 'terminated' } },
  { state: 'ready', ctx: {}, label: '', moves: { START: 'running', PAUSE: 'paused', FAIL: 'error', FINISH: 'terminated', TERMINATE: 'terminated' } },
  {
    state: 'running', ctx: {}, label: '',
    moves: { TURN_DONE: 'ready', PAUSE: 'paused', RATE_LIMIT: 'paused', FAIL: 'error', TERMINATE: 'terminated' },
  },
  { state: 'paused', ctx: { pausedFrom: 'ready' }, label: ' (paused from ready)', moves: { RESUME: 'ready', TERMINATE: 'terminated' } },
  { state: 'paused', ctx: { pausedFrom: 'running' }, label: ' (paused from running)', moves: { RESUME: 'running', TERMINATE: 'terminated' } },
  { state: 'error', ctx: { recoveries: 0 }, label: ' (recoveries left)', moves: { RECOVER: 'initializing', TERMINATE: 'terminated' } },
  { state: 'error', ctx: { recoveries: 2 }, label: ' (recoveries exhausted)', moves: { TERMINATE: 'terminated' } },
  { state: 'terminated', ctx: {}, label: '', moves: {} },
];

describe('agent machine', () => {
  it('covers every state in the table', () => {
    expect(new Set(ALLOWED.map((r) => r.state))).toEqual(new Set(AGENT_STATES));
  });

  for (const row of ALLOWED) {
    for (const event of AGENT_EVENTS) {
      const target = row.moves[event];
      it(`${row.state}${row.label} --${event}--> ${target ?? '(ignored)'}`, () => {
        const before = snapshotAt(row.state, row.ctx);
        const [next] = transition(agentMachine, before, { type: event });
        const viaGetNext = getNextSnapshot(agentMachine, before, { type: event });
        expect(viaGetNext.value).toBe(next.value);
        if (target === undefined) {
          expect(before.can({ type: event })).toBe(false);
          expect(next.value).toBe(row.state);
          expect(next.context).toEqual(before.context);
        } else {
          expect(before.can({ type: event })).toBe(true);
          expect(next.value).toBe(target);
        }
      });
    }
  }

  it('the architecture graph is exactly the union of the allowed moves', () => {
    const edges = new Set<string>();
    for (const row of ALLOWED) for (const to of Object.values(row.moves)) edges.add(`${row.state}->${to}`);
    expect([...edges].sort()).toEqual(
      [
        'initializing->ready', 'initializing->error', 'initializing->terminated',
        'ready->running', 'ready->paused', 'ready->error', 'ready->terminated',
        'running->ready', 'running->paused', 'running->error', 'running->terminated',
        'paused->ready', 'paused->running', 'paused->terminated',
        'error->initializing', 'error->terminated',
      ].sort(),
    );
  });

  it('counts recoveries and refuses once maxRecoveries is used up', () => {
    const actor = createActor(agentMachine, { input: { maxRecoveries: 1 } }).start();
    actor.send({ type: 'FAIL' });
    actor.send({ type: 'RECOVER' });
    expect(actor.getSnapshot().value).toBe('initializing');
    expect(actor.getSnapshot().context.recoveries).toBe(1);
    actor.send({ type: 'FAIL' });
    expect(actor.getSnapshot().can({ type: 'RECOVER' })).toBe(false);
    actor.send({ type: 'TERMINATE' });
    expect(actor.getSnapshot().status).toBe('done');
  });

  it('RESUME returns to the state that was paused, and forgets it', () => {
    const actor = createActor(agentMachine, { input: {} }).start();
    actor.send({ type: 'INIT_OK' });
    actor.send({ type: 'START' });
    actor.send({ type: 'RATE_LIMIT' });
    expect(actor.getSnapshot().context.pausedFrom).toBe('running');
    actor.send({ type: 'RESUME' });
    expect(actor.getSnapshot().value).toBe('running');
    expect(actor.getSnapshot().context.pausedFrom).toBeNull();
    actor.send({ type: 'TURN_DONE' });
    actor.send({ type: 'PAUSE' });
    actor.send({ type: 'RESUME' });
    expect(actor.getSnapshot().value).toBe('ready');
  });

  it('defaults maxRecoveries to 2', () => {
    expect(createActor(agentMachine, { input: {} }).getSnapshot().context.maxRecoveries).toBe(2);
  });
});
