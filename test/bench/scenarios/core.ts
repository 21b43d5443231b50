/**
 * Timing of hookflow runs (S1–S3 and the growth check): `engine.run(definition)` on the tsc build, with
 * a fresh engine and memory store per repetition.
 */
import { createEngine, MemoryStore, type EngineOptions, type RunResult, type WorkflowDefinition } from 'hookflow';
import { timeIt, type Measurement, type TimingOptions } from './harness.js';
import { BENCH_TOOLS, shapeDef } from './workflows.js';

/** Fails the case when a run did not complete: a failed run is fast and would flatter the numbers. */
export function expectCompleted(r: RunResult): void {
  if (r.status !== 'completed') throw new Error(`bench: run ended ${r.status}: ${r.error?.code ?? ''} ${r.error?.message ?? ''}`);
}

/**
 * Times `engine.run(def)` on a fresh engine per repetition (so the memory store does not grow across
 * repetitions); creating the engine and loading the definition are not timed.
 */
export function timeHookflow(def: WorkflowDefinition, timing: TimingOptions, opts: () => EngineOptions = () => ({})): Promise<Measurement> {
  return timeIt(
    {
      prepare: () => createEngine({ store: new MemoryStore(), tools: BENCH_TOOLS, builtinTools: false, ...opts() }),
      run: async (engine) => expectCompleted(await engine.run(def)),
      cleanup: (engine) => engine.close(),
    },
    timing,
  );
}

/** Times the hookflow workflow of `shape` with `n` units. */
export function measureHookflow(shape: 'chain' | 'fan' | 'loop', n: number, timing: Omit<TimingOptions, 'units'>): Promise<Measurement> {
  return timeHookflow(shapeDef(shape, n), { units: n, ...timing });
}
