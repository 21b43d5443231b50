/** Shared helpers for the event bus tests. */
import type { UniversalEvent } from '../../src/events/types.js';

/** A well-formed envelope; `seq` doubles as the publish index so order checks can read it back. */
export function makeEvent(type: string, seq: number, runId = 'run-1'): UniversalEvent<{ i: number }> {
  return {
    id: `${runId}:${seq}`,
    type,
    time: '2026-01-01T00:00:00.000Z',
    seq,
    runId,
    correlationId: `corr-${runId}`,
    source: { component: 'test', language: 'js' },
    data: { i: seq },
    schemaVersion: 1,
  };
}

/** Lets every pending microtask and one macrotask turn run (real timers only; not a sleep). */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A handler whose every call stays in flight until the test calls `release()`. */
export function gatedHandler(): {
  handler: (e: UniversalEvent) => Promise<void>;
  seen: UniversalEvent[];
  release: () => boolean;
  readonly inFlight: boolean;
} {
  const seen: UniversalEvent[] = [];
  let gate: (() => void) | undefined;
  return {
    seen,
    handler: (e) => {
      seen.push(e);
      return new Promise<void>((resolve) => {
        gate = resolve;
      });
    },
    release: () => {
      const g = gate;
      gate = undefined;
      g?.();
      return g !== undefined;
    },
    get inFlight() {
      return gate !== undefined;
    },
  };
}

/** Tracks whether a promise settled, without awaiting it. */
export function track(p: void | Promise<void>): { readonly settled: boolean; readonly isPromise: boolean } {
  let settled = p === undefined;
  if (p !== undefined) {
    void p.then(() => {
      settled = true;
    });
  }
  return {
    get settled() {
      return settled;
    },
    isPromise: p !== undefined,
  };
}
