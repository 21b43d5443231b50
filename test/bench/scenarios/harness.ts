/**
 * Measurement harness shared by `npm run bench` and `npm run bench:peers`: timed repetitions with warm-up
 * and forced GC, medians with min/max, and one child process per case so that peak RSS is per case.
 */
import { fork } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

/** How a case is timed: `units` is what the per-unit figure divides by (steps, branches, iterations). */
export interface TimingOptions {
  units: number;
  /** Untimed runs first, so the JIT has settled. @default 2 */
  warmup?: number;
  /** Timed runs. @default 10 */
  reps?: number;
}

/** One timed body: `prepare` runs untimed before every repetition, `run` is the timed part. */
export interface Timed<C> {
  prepare?: () => C | Promise<C>;
  run: (ctx: C) => Promise<unknown>;
  cleanup?: (ctx: C) => void | Promise<void>;
}

/** Result of one case, as sent from its child process. */
export interface Measurement {
  units: number;
  reps: number;
  /** Wall time of one repetition, ms. */
  medianMs: number;
  minMs: number;
  maxMs: number;
  /**
   * Process CPU time (user + system, all threads) of one repetition, ms: steadier than wall time when
   * other processes compete for the cores, but it leaves out time spent waiting (timers, I/O).
   */
  cpuMedianMs: number;
  /** Process peak resident set size, MB (the child runs only this case). */
  peakRssMb: number;
  /** Case-specific figures (hook calls made, journal events, overhead %). */
  extra?: Record<string, number | string>;
  /** Set when the case failed; the timings are then NaN. */
  error?: string;
  /**
   * Further rows measured in the same process (interleaved variants): each becomes its own result with
   * id `<group>/<key>`, where the group is the case id's first segment.
   */
  variants?: Array<{ key: string; impl: string; m: Measurement }>;
}

/** The measurement of a case that could not be measured. */
export function failed(error: string, units = 1): Measurement {
  return { units, reps: 0, medianMs: Number.NaN, minMs: Number.NaN, maxMs: Number.NaN, cpuMedianMs: Number.NaN, peakRssMb: Number.NaN, error };
}

/** A benchmark case; `measure` runs inside a child process started by {@link runCases}. */
export interface BenchCase {
  /** Unique id, used to find the case again in the child process. */
  id: string;
  scenario: string;
  title: string;
  impl: string;
  unit: string;
  /** The issue's target for this case, checked in the table. */
  target?: { maxUsPerUnit?: number; maxMs?: number };
  measure: () => Promise<Measurement>;
}

/** `--quick` trades repetitions for speed (smoke runs); real numbers use the default. */
export interface Profile {
  quick: boolean;
}

/** Repetitions for a case: the given ones, or a minimal set under `--quick`. */
export function reps(p: Profile, reps: number, warmup = 2): { reps: number; warmup: number } {
  return p.quick ? { reps: Math.min(reps, 3), warmup: 1 } : { reps, warmup };
}

declare const gc: (() => void) | undefined;

function collect(): void {
  if (typeof gc === 'function') gc();
}

/**
 * Set in a child started with `--profile-out`: the V8 profiler runs during the timed part of each
 * repetition only (not setup, warm-up or the forced GC), and the profiles are written at the end.
 */
let profiler: { session: Session; profiles: unknown[] } | undefined;

async function startProfile(): Promise<void> {
  if (profiler) await profiler.session.post('Profiler.start');
}

async function stopProfile(): Promise<void> {
  if (profiler) profiler.profiles.push((await profiler.session.post('Profiler.stop')).profile);
}

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Times `body` `reps` times after `warmup` untimed runs, with a GC before each run. */
export async function timeIt<C>(body: Timed<C>, opts: TimingOptions): Promise<Measurement> {
  const [m] = await timeInterleaved([body], opts);
  return m as Measurement;
}

/**
 * Times several bodies in rounds (A B C, A B C, ...) so that a load change on a shared machine hits
 * every body alike: the way to compare variants whose difference is a few percent (S5).
 */
export async function timeInterleaved<C>(bodies: ReadonlyArray<Timed<C>>, opts: TimingOptions): Promise<Measurement[]> {
  const warmup = opts.warmup ?? 2;
  const reps = opts.reps ?? 10;
  const wall = bodies.map((): number[] => []);
  const cpu = bodies.map((): number[] => []);
  for (let i = 0; i < warmup + reps; i++) {
    for (let b = 0; b < bodies.length; b++) {
      const body = bodies[b] as Timed<C>;
      const ctx = (await body.prepare?.()) as C;
      // No forced GC here: a full collection before each repetition shrinks the young generation and
      // makes the next run pay for regrowing it (measured: 4x slower per step on S1). The heap is
      // collected once before the warm-up instead; each case runs in its own process.
      if (i === 0 && b === 0) collect();
      if (i >= warmup) await startProfile();
      const cpu0 = process.cpuUsage();
      const start = performance.now();
      await body.run(ctx);
      const ms = performance.now() - start;
      const used = process.cpuUsage(cpu0);
      if (i >= warmup) await stopProfile();
      await body.cleanup?.(ctx);
      if (i >= warmup) {
        wall[b]?.push(ms);
        cpu[b]?.push((used.user + used.system) / 1000);
      }
    }
  }
  return bodies.map((_, b) => {
    const samples = wall[b] as number[];
    return {
      units: opts.units,
      reps,
      medianMs: median(samples),
      minMs: Math.min(...samples),
      maxMs: Math.max(...samples),
      cpuMedianMs: median(cpu[b] as number[]),
      peakRssMb: peakRssMb(),
    };
  });
}

/** Peak RSS of this process so far, MB. */
export function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

/** A measured case together with its description, as the parent process sees it. */
export interface CaseResult extends Omit<BenchCase, 'measure'>, Measurement {
  /** Per-unit median, µs. */
  usPerUnit: number;
}

/** Runs inside a child process: finds case `id`, measures it and sends the result to the parent. */
export async function runChild(cases: readonly BenchCase[], id: string): Promise<void> {
  const c = cases.find((x) => x.id === id);
  if (!c) throw new Error(`bench: no case "${id}"; known: ${cases.map((x) => x.id).join(', ')}`);
  const profileOut = argValue('--profile-out');
  if (profileOut) {
    const session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    profiler = { session, profiles: [] };
  }
  let m: Measurement;
  try {
    m = await c.measure();
  } catch (err) {
    // Reported in the table rather than ending the whole run; the stack goes to stderr for the reader.
    console.error(err);
    m = failed(err instanceof Error ? err.message : String(err));
  }
  if (profileOut && profiler) writeFileSync(profileOut, JSON.stringify(profiler.profiles));
  await new Promise<void>((resolve, reject) => {
    const send = process.send;
    if (!send) return reject(new Error('bench: --child needs an IPC channel (start it through the runner)'));
    send.call(process, m, (err: Error | null) => (err ? reject(err) : resolve()));
  });
  // Exit now: a pathological hook's timers must not hold the run back.
  process.exit(0);
}

/** The file a case's CPU profiles go to (`S2-1000/hookflow` → `S2-1000_hookflow.cpuprofiles.json`). */
export function profileName(id: string): string {
  return `${id.replace(/[^A-Za-z0-9-]/g, '_')}.cpuprofiles.json`;
}

/**
 * Starts `script --child <id> ...args` once per case, sequentially, and collects the results. With
 * `profileDir`, each child profiles its timed repetitions into `profileDir/<profileName(id)>`.
 */
export async function runCases(script: string, cases: readonly BenchCase[], args: readonly string[] = [], profileDir?: string): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const c of cases) {
    process.stderr.write(`  ${c.id.padEnd(34)} `);
    const childArgs = ['--child', c.id, ...args, ...(profileDir ? ['--profile-out', join(profileDir, profileName(c.id))] : [])];
    const m = await new Promise<Measurement>((resolve, reject) => {
      let got: Measurement | undefined;
      const child = fork(script, childArgs, { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
      child.on('message', (msg) => {
        got = msg as Measurement;
      });
      child.on('error', reject);
      child.on('exit', (code, sig) => resolve(got ?? failed(`the child process exited with ${code ?? sig} before reporting (see stderr)`)));
    });
    const { measure: _measure, ...desc } = c;
    const group = c.id.split('/')[0] ?? c.id;
    const rows = m.variants ? m.variants.map((v) => ({ ...desc, id: `${group}/${v.key}`, impl: v.impl, ...v.m })) : [{ ...desc, ...m }];
    if (m.error) process.stderr.write(`FAILED: ${m.error}\n`);
    for (const row of rows) {
      const r: CaseResult = { ...row, usPerUnit: (row.medianMs * 1000) / row.units };
      const timing = Number.isFinite(r.medianMs) ? `${fmtUs(r.usPerUnit)} µs/${c.unit}, ${fmtMs(r.medianMs)} ms (${fmtMs(r.minMs)}–${fmtMs(r.maxMs)}), ${r.peakRssMb.toFixed(0)} MB` : '';
      if (rows.length > 1) process.stderr.write(`\n    ${r.impl.padEnd(32)} `);
      process.stderr.write(`${timing}${r.extra ? ` ${JSON.stringify(r.extra)}` : ''}`);
      results.push(r);
    }
    process.stderr.write('\n');
  }
  return results;
}

/** True when this process was started by {@link runCases}; returns the case id. */
export function childCaseId(argv: readonly string[] = process.argv): string | undefined {
  const i = argv.indexOf('--child');
  return i >= 0 ? argv[i + 1] : undefined;
}

/** `1.23`, `12.3`, `123` — three significant figures, enough for noisy timings. */
export function fmtUs(us: number): string {
  if (!Number.isFinite(us)) return '–';
  const a = Math.abs(us);
  return a >= 100 ? us.toFixed(0) : a >= 10 ? us.toFixed(1) : us.toFixed(2);
}

/** Milliseconds with the same precision rule as {@link fmtUs}. */
export function fmtMs(ms: number): string {
  return fmtUs(ms);
}

/** A ratio such as `0.08×` or `4.8×`. */
export function fmtRatio(r: number): string {
  if (!Number.isFinite(r)) return '–';
  return `${r >= 10 ? r.toFixed(0) : r >= 1 ? r.toFixed(1) : r >= 0.01 ? r.toFixed(2) : r.toPrecision(2)}×`;
}

/** Renders a markdown table; cells are right-aligned except the columns listed in `left`. */
export function markdownTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>, left: readonly number[] = [0, 1]): string {
  const align = header.map((_, i) => (left.includes(i) ? '---' : '--:'));
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(align), ...rows.map(line)].join('\n');
}

/** Parses `--name value` / `--flag` options. */
export function argValue(name: string, argv: readonly string[] = process.argv): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

/** Description of the machine the numbers came from (for docs/benchmarks.md). */
export async function machineLine(): Promise<string> {
  const os = await import('node:os');
  const cpus = os.cpus();
  const load = os.loadavg().map((l) => l.toFixed(2)).join(' ');
  return `${cpus[0]?.model ?? 'unknown CPU'} × ${cpus.length}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}, Node ${process.version}, load average ${load}`;
}
