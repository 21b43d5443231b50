import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/store/memory.js';
import { storeContract } from './contract.js';
import { makeRun, stepBatch } from './fixtures.js';

storeContract('MemoryStore', (now) => {
  const store = new MemoryStore({ now });
  return { store, close: () => store.close() };
});

describe('MemoryStore', () => {
  it('is kind memory and keeps nothing across instances', () => {
    const a = new MemoryStore();
    a.createRun(makeRun('r'));
    expect(a.kind).toBe('memory');
    expect(new MemoryStore().getRun('r')).toBeUndefined();
  });

  it('reads the real clock by default for meta expiry', () => {
    const store = new MemoryStore();
    store.putMeta('ns', 'past', 1, Date.now() - 1);
    store.putMeta('ns', 'future', 2, Date.now() + 60_000);
    expect(store.getMeta('ns', 'past')).toBeUndefined();
    expect(store.getMeta('ns', 'future')).toBe(2);
  });

  it('commits synchronously (no Promise), so the engine pays no microtask', () => {
    const store = new MemoryStore();
    expect(store.createRun(makeRun('r'))).toBeUndefined();
    expect(store.commit('r', stepBatch('r', 1))).toBeUndefined();
    expect(store.getEvents('r')).toHaveLength(1);
  });
});
