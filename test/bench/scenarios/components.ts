/**
 * Component figures from the other engineers' bench scripts, run in their own child process like every
 * case: store commit cost (test/bench/store-commit.ts, with the raw better-sqlite3 insert floor) and
 * event-bus throughput (test/bench/bus-throughput.ts), and the CPU overhead of each built-in hook
 * (test/bench/builtins-overhead.ts). Their figures travel in `extra`.
 */
import { benchBuiltins } from '../builtins-overhead.js';
import { benchBus } from '../bus-throughput.js';
import { benchStore } from '../store-commit.js';
import { peakRssMb, type Measurement, type Profile } from './harness.js';

function figures(extra: Record<string, number>): Measurement {
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

/** CPU µs per step that each built-in hook adds to a step of 1 ms work. */
export async function measureBuiltinOverhead(p: Profile): Promise<Measurement> {
  const extra: Record<string, number> = {};
  for (const r of await benchBuiltins({ steps: p.quick ? 50 : 200, reps: p.quick ? 2 : 7 })) extra[`${r.hook}, µs CPU/step (${r.overheadPct.toFixed(1)}%)`] = r.usPerStep;
  return figures(extra);
}
