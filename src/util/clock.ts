/**
 * Injected time. The engine never calls Date.now or setTimeout directly, so tests can drive it with
 * vitest fake timers or a custom clock, and replays are deterministic.
 */
import { onAbort } from './abort.js';

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The real clock. Globals are read at call time so fake timers installed later still apply. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof globalThis.setTimeout>),
};

/** Resolves after `ms` on `clock`; rejects with the signal's reason when aborted first. */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    let off: (() => void) | undefined;
    const handle = clock.setTimeout(() => {
      off?.();
      resolve();
    }, ms);
    if (signal) {
      off = onAbort(signal, () => {
        clock.clearTimeout(handle);
        reject(signal.reason);
      });
    }
  });
}
