/**
 * Component figures from the other engineers' bench scripts, run in their own child process like every
 * case: store commit cost (test/bench/store-commit.ts, with the raw better-sqlite3 insert floor) and
 * event-bus throughput (test/bench/bus-throughput.ts), the CPU overhead of each built-in hook
 * (test/bench/builtins-overhead.ts) and of code hooks (test/bench/hooks-overhead.ts), and persistence
 * and resume costs (test/bench/persistence.ts). Their figures travel in `extra`.
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

/** Imports another engineer's bench script by path, or returns undefined when this checkout lacks it. */
async function optional<T>(file: string): Promise<T | undefined> {
  const url = new URL(file, import.meta.url);
  return existsSync(url) ? ((await import(url.href)) as T) : undefined;
}

const absent = (file: string): Measurement => figures({ [`${file}, `]: 'not present in this checkout' });

/** The part of test/bench/builtins-overhead.ts used here. */
interface BuiltinsBench {
  benchBuiltins(opts: { steps?: number; reps?: number }): Promise<Array<{ hook: string; usPerStep: number; overheadPct: number }>>;
}

/** CPU µs per step that each built-in hook adds to a step of 1 ms work. */
export async function measureBuiltinOverhead(p: Profile): Promise<Measurement> {
  const mod = await optional<BuiltinsBench>('../builtins-overhead.js');
  if (!mod) return absent('test/bench/builtins-overhead.ts');
  const extra: Record<string, number> = {};
  for (const r of await mod.benchBuiltins({ steps: p.quick ? 50 : 200, reps: p.quick ? 2 : 7 })) extra[`${r.hook}, µs CPU/step (${r.overheadPct.toFixed(1)}%)`] = r.usPerStep;
  return figures(extra);
}

/** The part of test/bench/hooks-overhead.ts used here. */
interface HooksBench {
  benchHooks(opts: { steps?: number; reps?: number }): Promise<Array<{ hooksPerPoint: number; engineUsPerStep: number; hookUsPerCall: number }>>;
}

/** Engine CPU per step and per hook call with 0, 1, 5 and 20 code hooks per point (S5 in CPU time). */
export async function measureHookOverheadCpu(p: Profile): Promise<Measurement> {
  const mod = await optional<HooksBench>('../hooks-overhead.js');
  if (!mod) return absent('test/bench/hooks-overhead.ts');
  const extra: Record<string, number> = {};
  for (const r of await mod.benchHooks({ steps: p.quick ? 50 : 200, reps: p.quick ? 2 : 7 })) {
    extra[`${r.hooksPerPoint} per point, engine µs CPU/step`] = r.engineUsPerStep;
    if (r.hooksPerPoint > 0) extra[`${r.hooksPerPoint} per point, µs CPU/hook call`] = r.hookUsPerCall;
  }
  return figures(extra);
}

/** The part of test/bench/persistence.ts used here. */
interface PersistenceBench {
  benchPersistence(opts: { steps?: number; reps?: number }): Promise<Array<{ case: string; store: string; value: number; unit: string }>>;
}

/** µs per step on SQLite and memory, and resume times of ~10,000-event runs (suspended, crashed). */
export async function measurePersistence(p: Profile): Promise<Measurement> {
  const mod = await optional<PersistenceBench>('../persistence.js');
  if (!mod) return absent('test/bench/persistence.ts');
  const extra: Record<string, number> = {};
  for (const r of await mod.benchPersistence({ steps: p.quick ? 200 : 1000, reps: p.quick ? 2 : 7 })) extra[`${r.case} (${r.store}), ${r.unit}`] = r.value;
  return figures(extra);
}
