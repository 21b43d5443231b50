/**
 * Overhead of each built-in hook per step: a loop of steps that each do 1 ms of CPU work (a calibrated
 * arithmetic loop, so the work itself does not jitter like a timer would) runs with no hooks and then
 * with each built-in declared in YAML; the difference per step is the hook's overhead. Configurations
 * are interleaved and repeated, and the median run of each is kept.
 *
 * `usPerStep` is measured in process CPU time (process.cpuUsage), which stays meaningful on a busy
 * machine; `wallUsPerStep` is the same difference in wall-clock time (what a run's latency pays, and
 * noisy when other processes compete for the CPU).
 *
 * What each built-in pays on this workload: logging writes a line per step and tool call (to a file in
 * a temp dir), metrics times the tool call, debug emits two snapshots, cache misses and stores every
 * step (each iteration has its own input), rate-limit takes a token per call (a rate it never hits),
 * retry is never asked (no step fails), cost watches for usage (none is reported), security checks
 * the tool name and installs its redactor (which then walks every event).
 *
 * Run: `node --import tsx test/bench/builtins-overhead.ts [--steps N] [--reps N]`. tsx (esbuild) adds
 * keepNames wrappers; for the figures that count use the tsc build:
 * `npx tsc -p test/bench/tsconfig.json && node dist-bench/test/bench/builtins-overhead.js`.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createEngine, loadWorkflowText, MemoryStore, type Engine, type ToolDefinition, type WorkflowDefinition } from '../../src/index.js';

/** One built-in's figure. */
export interface BuiltinOverhead {
  hook: string;
  /** Extra microseconds per step compared with the same workflow without hooks. */
  usPerStep: number;
  /** That overhead as a percentage of the hook-less step time. */
  overheadPct: number;
  /** The overhead in wall-clock microseconds per step. */
  wallUsPerStep: number;
}

export interface BenchOptions {
  /** Steps per run. @default 200 */
  steps?: number;
  /** Interleaved repetitions; the median run counts. @default 7 */
  reps?: number;
  /** Busy work per step, ms. @default 1 */
  workMs?: number;
  /** Also measure a no-op code hook at before_tool + after_tool (the engine's cost of two hook calls). @default false */
  reference?: boolean;
}

/** Name of the reference row: a code hook that does nothing, called twice per step. */
export const NOOP = 'noop hook ×2 (reference)';

const WITH: Record<string, string> = {
  logging: '{ file: LOGFILE }',
  metrics: '{}',
  debug: '{}',
  cache: '{ max: 100000 }',
  'rate-limit': '{ rate: 1000000/s }',
  retry: '{}',
  cost: '{}',
  security: '{}',
};

/** Deterministic CPU work: `n` rounds of integer arithmetic. */
function spin(n: number): number {
  let x = 0;
  for (let i = 0; i < n; i++) x = (x * 31 + i) % 1_000_003;
  return x;
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Rounds of {@link spin} that take `ms` of CPU time (median of several calibrations). */
function calibrate(ms: number): number {
  const probe = 2_000_000;
  spin(probe); // JIT
  const rates: number[] = [];
  for (let i = 0; i < 7; i++) {
    const t0 = cpuMs();
    spin(probe);
    rates.push(probe / Math.max(0.001, cpuMs() - t0));
  }
  return Math.round(median(rates) * ms);
}

function workTool(rounds: number): ToolDefinition {
  return { name: 'bench.work', run: (a: { i: number; rep: number }) => a.i + a.rep + (spin(rounds) < 0 ? 1 : 0) };
}

function workflow(steps: number, hook: string | undefined, logFile: string): WorkflowDefinition {
  const hooks = hook === undefined ? '' : `hooks:\n  - { id: h, use: ${hook}, with: ${(WITH[hook] as string).replace('LOGFILE', JSON.stringify(logFile))} }\n`;
  return loadWorkflowText(
    `hookflow: 1
name: bench-${hook ?? 'none'}
${hooks}steps:
  - id: loop
    loop:
      times: ${steps}
      max: ${steps}
      collect: none
      steps:
        - { id: work, tool: bench.work, with: { i: "\${ index }", rep: "\${ input.rep }" } }
`,
    `/virtual/bench-${hook ?? 'none'}.yaml`,
  );
}

/** The repository's definitions/ (for the cost hook's price table), from the source or the dist-bench build. */
function definitionsDir(): string | undefined {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'definitions', 'pricing.yaml'))) return join(dir, 'definitions');
    if (dirname(dir) === dir) return undefined;
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** Measures every built-in; returns one row per built-in, in the order of {@link WITH}. */
export async function benchBuiltins(opts: BenchOptions = {}): Promise<Array<BuiltinOverhead>> {
  const steps = opts.steps ?? 200;
  const reps = opts.reps ?? 7;
  const workMs = opts.workMs ?? 1;
  const rounds = calibrate(workMs);
  const definitions = definitionsDir();
  const dir = mkdtempSync(join(tmpdir(), 'hookflow-bench-builtins-'));
  try {
    const hooks = [...Object.keys(WITH), ...(opts.reference ? [NOOP] : [])];
    const configs: Array<string | undefined> = [undefined, ...hooks];
    const defs = new Map(configs.map((c) => [c, workflow(steps, c === NOOP ? undefined : c, join(dir, `${c ?? 'none'}.jsonl`))]));
    const cpu = new Map<string | undefined, number[]>(configs.map((c) => [c, []]));
    const wall = new Map<string | undefined, number[]>(configs.map((c) => [c, []]));
    // One engine per configuration, reused by its runs: per-engine costs (loading the price table,
    // creating the registry) are paid by the warm-up run, and the figures are the steady state.
    const engines = new Map(
      configs.map((c) => {
        const engine = createEngine({ store: new MemoryStore(), tools: [workTool(rounds)], builtinTools: false, workspace: dir, ...(definitions === undefined ? {} : { definitionsDir: definitions }) });
        if (c === NOOP) engine.hooks.register({ id: 'noop', at: ['before_tool', 'after_tool'], run: () => undefined });
        return [c, engine] as const;
      }),
    );
    let rep = 0;
    const runOnce = async (c: string | undefined, timed: boolean): Promise<void> => {
      const engine = engines.get(c) as Engine;
      const c0 = cpuMs();
      const t0 = performance.now();
      // `rep` in the input: every run works on new inputs, so the cache hook measures misses and stores.
      const r = await engine.run(defs.get(c) as WorkflowDefinition, { rep: rep++ });
      const w = performance.now() - t0;
      const u = cpuMs() - c0;
      if (r.status !== 'completed') throw new Error(`bench run with ${c ?? 'no hook'} ended ${r.status}: ${r.error?.code} ${r.error?.message}`);
      if (timed) {
        (wall.get(c) as number[]).push(w);
        (cpu.get(c) as number[]).push(u);
      }
    };
    try {
      for (const c of configs) await runOnce(c, false); // warm-up: JIT, module loading, first file writes
      for (let i = 0; i < reps; i++) {
        for (const c of configs) await runOnce(c, true);
      }
    } finally {
      for (const e of engines.values()) await e.close();
    }
    const perStep = (m: Map<string | undefined, number[]>, c: string | undefined): number => (median(m.get(c) as number[]) / steps) * 1000;
    const baseCpu = perStep(cpu, undefined);
    const baseWall = perStep(wall, undefined);
    const r1 = (v: number): number => Math.round(v * 10) / 10;
    return hooks.map((hook) => {
      const us = perStep(cpu, hook) - baseCpu;
      return { hook, usPerStep: r1(us), overheadPct: r1((us / baseCpu) * 100), wallUsPerStep: r1(perStep(wall, hook) - baseWall) };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function arg(name: string): number | undefined {
  const i = process.argv.indexOf(name);
  const v = i >= 0 ? Number(process.argv[i + 1]) : undefined;
  return v !== undefined && Number.isFinite(v) && v > 0 ? v : undefined;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const steps = arg('--steps') ?? 200;
  const reps = arg('--reps') ?? 7;
  process.stderr.write(`builtins overhead: ${steps} steps of 1 ms work per run, ${reps} interleaved repetitions (median)\n`);
  const rows = await benchBuiltins({ steps, reps, reference: true });
  const lines = [
    '| built-in | µs per step (CPU) | overhead | µs per step (wall) |',
    '|---|---:|---:|---:|',
    ...rows.map((r) => `| ${r.hook} | ${r.usPerStep.toFixed(1)} | ${r.overheadPct.toFixed(1)}% | ${r.wallUsPerStep.toFixed(1)} |`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
