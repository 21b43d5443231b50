/**
 * Component figures from the other engineers' bench scripts, run in their own child process like every
 * case: store commit cost (test/bench/store-commit.ts, with the raw better-sqlite3 insert floor) and
 * event-bus throughput (test/bench/bus-throughput.ts), and the CPU overhead of each built-in hook
 * (test/bench/builtins-overhead.ts). Their figures travel in `extra`.
 */
import { existsSync } from 'node:fs';
import { benchBus } from '../bus-throughput.js';
import { benchStore } from '../store-commit.js';
import { peakRssMb, type Measurement, type Profile } from './harness.js';

function figures(extra: Record<string, number | string>): Measurement {
  return { units: 1, reps: 1, medianMs: Number.NaN, minMs: Number.NaN, maxMs: Number.NaN, cpuMedianMs: Number.NaN, peakRssMb: peakRssMb(), extra };
}

/** Median µs per commit for SqliteStore, MemoryStore and a raw autocommit insert. */
export async function measureStoreCommit(p: Profile): Promise<Measurement> {
  const extra: Record<string, number> = {};
  for (const r of await benchStore({ chunks: p.quick ? 5 : 50 })) extra[`${r.store}, µs/commit`] = r.usPerCommit;
  return figures(extra);
}

/** Median ns per event published and delivered, for 0, 1 and 10 subscribers. */
export async function measureBus(p: Profile): Promise<Measurement> {
  const extra: Record<string, number> = {};
  for (const r of await benchBus({ events: p.quick ? 20_000 : 200_000 })) extra[`${r.scenario}, ns/event`] = r.nsPerEvent;
  return figures(extra);
}

/** The part of test/bench/builtins-overhead.ts used here (loaded by path: it is another engineer's file). */
interface BuiltinsBench {
  benchBuiltins(opts: { steps?: number; reps?: number }): Promise<Array<{ hook: string; usPerStep: number; overheadPct: number }>>;
}

/** CPU µs per step that each built-in hook adds to a step of 1 ms work (or why it could not be measured). */
export async function measureBuiltinOverhead(p: Profile): Promise<Measurement> {
  const file = new URL('../builtins-overhead.js', import.meta.url);
  if (!existsSync(file)) return figures({ 'test/bench/builtins-overhead.ts, ': 'not present in this checkout' });
  const { benchBuiltins } = (await import(file.href)) as BuiltinsBench;
  const extra: Record<string, number> = {};
  for (const r of await benchBuiltins({ steps: p.quick ? 50 : 200, reps: p.quick ? 2 : 7 })) extra[`${r.hook}, µs CPU/step (${r.overheadPct.toFixed(1)}%)`] = r.usPerStep;
  return figures(extra);
}
