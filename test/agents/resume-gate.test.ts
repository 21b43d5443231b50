import { describe, expect, it } from 'vitest';
import { ResumeGate, StateWaiters } from '../../src/agents/resume-gate.js';

const cancelled = (): Error => new Error('cancelled');

describe('ResumeGate', () => {
  it('releases a waiter on open()', async () => {
    const gate = new ResumeGate();
    let passed = false;
    const w = gate.wait(new AbortController().signal, cancelled).then(() => {
      passed = true;
    });
    await Promise.resolve();
    expect(passed).toBe(false);
    gate.open();
    await w;
    expect(passed).toBe(true);
  });

  it('remembers an open() that came before the wait, until reset()', async () => {
    const gate = new ResumeGate();
    gate.open();
    await gate.wait(new AbortController().signal, cancelled);
    gate.open();
    gate.reset();
    const ac = new AbortController();
    const w = gate.wait(ac.signal, cancelled);
    ac.abort();
    await expect(w).rejects.toThrow('cancelled');
  });

  it('rejects at once on an aborted signal', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(new ResumeGate().wait(ac.signal, cancelled)).rejects.toThrow('cancelled');
  });
});

describe('StateWaiters', () => {
  it('resolves on a matching notify, at once when already true, and on flush', async () => {
    const waiters = new StateWaiters<string>();
    const seen: string[] = [];
    await waiters.until('a', (s) => s === 'a');
    const b = waiters.until('a', (s) => s === 'b').then(() => seen.push('b'));
    const c = waiters.until('a', (s) => s === 'c').then(() => seen.push('c'));
    waiters.notify('x');
    waiters.notify('b');
    await b;
    expect(seen).toEqual(['b']);
    waiters.flush();
    await c;
    expect(seen).toEqual(['b', 'c']);
  });
});
