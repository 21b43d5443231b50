/**
 * The raw-async baseline and the no-op step every scenario shares, free of any engine import so that
 * the baseline's child process loads nothing else (its peak RSS is the floor).
 */
import { timeIt, type Measurement, type TimingOptions } from './harness.js';

/** The no-op async step of every scenario (the hookflow, XState and peer steps await this same function). */
export async function noop(): Promise<null> {
  return null;
}

/** Busy-waits `ms` milliseconds: CPU work, so the timer's granularity does not blur S5. */
export function spin(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // spinning is the point: a step that costs exactly this much CPU
  }
}

/** S1/S3 raw: `n` awaited no-op calls in a row (`for (...) await noop()`). */
export async function rawChain(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await noop();
}

/** S2 raw: `n` no-op calls started together, then joined with Promise.all. */
export async function rawFan(n: number): Promise<void> {
  const all: Array<Promise<null>> = new Array<Promise<null>>(n);
  for (let i = 0; i < n; i++) all[i] = noop();
  await Promise.all(all);
}

/** Times the raw equivalent of `shape` (a loop is the same awaited sequence as a chain). */
export function measureRaw(shape: 'chain' | 'fan' | 'loop', n: number, timing: Omit<TimingOptions, 'units'>): Promise<Measurement> {
  return timeIt({ run: () => (shape === 'fan' ? rawFan(n) : rawChain(n)) }, { units: n, ...timing });
}
