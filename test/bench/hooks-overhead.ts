/**
 * Engine time per step with 0, 1, 5 and 20 code hooks per point, on steps that each do 1 ms of work.
 *
 * The workflow is a chain of tool steps; each step's tool runs a calibrated arithmetic loop worth 1 ms
 * of CPU (work that does not jitter like a timer). "Hooks per point" registers each no-op hook at every
 * point a tool step passes: before_step, after_step, before_tool, after_tool (so 20 hooks per point is
 * 80 hook calls per step). Configurations are interleaved and repeated; the median run of each is kept.
 *
 * Times are process CPU time (process.cpuUsage), which stays meaningful on a busy machine: the engine's
 * time per step is the run's CPU per step minus the work's own CPU (measured alone); `hookUsPerCall` is
 * the extra CPU over the hook-less configuration divided by the hook calls made. Wall-clock figures are
 * reported too (what a run's latency pays; noisy when other processes compete for the CPU).
 *
 * Run: `npx tsx test/bench/hooks-overhead.ts [--steps N] [--reps N]` (figures in docs/hooks.md).
 */
import { pathToFileURL } from 'node:url';
import { createEngine, loadWorkflowText, MemoryStore, type HookPoint, type ToolDefinition } from '../../src/index.js';

/** Points a tool step passes; every hook is registered at all of them. */
export const STEP_POINTS: readonly HookPoint[] = ['before_step', 'after_step', 'before_tool', 'after_tool'];

/** The figure for one number of hooks per point. */
export interface HookOverhead {
  hooksPerPoint: number;
  /** Hook calls per step (hooksPerPoint × 4 points). */
  callsPerStep: number;
  /** Engine CPU per step (run CPU per step minus the work's CPU), µs. */
  engineUsPerStep: number;
  /** Extra CPU per hook call compared with no hooks, µs (0 for the hook-less configuration). */
  hookUsPerCall: number;
  /** Median wall time per step including the 1 ms of work, µs. */
  wallUsPerStep: number;
}

export interface HookBenchOptions {
  /** Steps per run. @default 200 */
  steps?: number;
  /** Timed runs per configuration (after one warm-up run each). @default 7 */
  reps?: number;
  /** Hooks per point to measure. @default [0, 1, 5, 20] */
  counts?: readonly number[];
}

let sink = 0;
/** `iterations` rounds of arithmetic: the step's work (its result goes to a sink so it is not optimised away). */
function work(iterations: number): number {
  let x = 0;
  for (let i = 0; i < iterations; i++) x = (x * 31 + i) % 1_000_003;
  sink ^= x;
  return x;
}

function cpuUs(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/** Iterations of `work` worth about 1 ms of CPU on this machine, and the measured CPU per call (µs). */
function calibrate(): { iterations: number; workUs: number } {
  let iterations = 100_000;
  for (let round = 0; round < 4; round++) {
    const t = cpuUs();
    for (let k = 0; k < 50; k++) work(iterations);
    const per = (cpuUs() - t) / 50;
    iterations = Math.max(1000, Math.round((iterations * 1000) / Math.max(per, 1)));
  }
  const samples: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t = cpuUs();
    for (let k = 0; k < 100; k++) work(iterations);
    samples.push((cpuUs() - t) / 100);
  }
  return { iterations, workUs: median(samples) };
}

function workflow(steps: number): string {
  const body = Array.from({ length: steps }, (_, i) => `  - { id: s${i}, tool: bench.work, with: { n: ${i} } }`).join('\n');
  return `hookflow: 1\nname: hooks-overhead\nsteps:\n${body}\n`;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

/** Measures the engine time per step for each number of hooks per point. */
export async function benchHooks(opts: HookBenchOptions = {}): Promise<HookOverhead[]> {
  const steps = opts.steps ?? 200;
  const reps = opts.reps ?? 7;
  const counts = opts.counts ?? [0, 1, 5, 20];
  const { iterations, workUs } = calibrate();
  const tool: ToolDefinition = { name: 'bench.work', run: (a: { n: number }) => (work(iterations), a.n) };
  const def = loadWorkflowText(workflow(steps), '<hooks-overhead>');
  const engines = counts.map((n) => {
    const engine = createEngine({ store: new MemoryStore(), tools: [tool], builtinTools: false });
    for (let i = 0; i < n; i++) engine.hooks.register({ id: `noop-${i}`, at: [...STEP_POINTS], run: () => undefined });
    return engine;
  });
  const cpu: number[][] = counts.map(() => []);
  const wall: number[][] = counts.map(() => []);
  for (let rep = -1; rep < reps; rep++) {
    for (let k = 0; k < counts.length; k++) {
      const c0 = cpuUs();
      const t0 = performance.now();
      const r = await (engines[k] as (typeof engines)[number]).run(def);
      const ms = performance.now() - t0;
      const us = cpuUs() - c0;
      if (r.status !== 'completed') throw new Error(`bench run ${r.status}: ${JSON.stringify(r.error)}`);
      if (rep >= 0) {
        (cpu[k] as number[]).push(us / steps);
        (wall[k] as number[]).push((ms * 1000) / steps);
      }
    }
  }
  for (const e of engines) await e.close();
  const base = median(cpu[0] as number[]);
  return counts.map((n, k) => {
    const perStep = median(cpu[k] as number[]);
    const calls = n * STEP_POINTS.length;
    return {
      hooksPerPoint: n,
      callsPerStep: calls,
      engineUsPerStep: round(perStep - workUs),
      hookUsPerCall: calls === 0 ? 0 : round((perStep - base) / calls),
      wallUsPerStep: round(median(wall[k] as number[])),
    };
  });
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

function arg(name: string): number | undefined {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : Number(process.argv[i + 1]);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const rows = await benchHooks({ steps: arg('--steps'), reps: arg('--reps') });
  process.stdout.write('| hooks per point | hook calls per step | engine CPU µs per step | CPU µs per hook call | wall µs per step (incl. 1 ms work) |\n|---:|---:|---:|---:|---:|\n');
  for (const r of rows) process.stdout.write(`| ${r.hooksPerPoint} | ${r.callsPerStep} | ${r.engineUsPerStep} | ${r.hookUsPerCall} | ${r.wallUsPerStep} |\n`);
  if (sink === -1) process.stdout.write('\n');
}
