/**
 * The catalogue of bench cases. Each case imports its implementation only when it runs (in its own child
 * process), so a raw-async case loads no engine and a hookflow case no XState: peak RSS is the case's own.
 */
import { reps, type BenchCase, type Profile } from './harness.js';

type Shape = 'chain' | 'fan' | 'loop';

const SHAPE_UNIT: Record<Shape, string> = { chain: 'step', fan: 'branch', loop: 'iteration' };

type Timing = { reps: number; warmup: number };

/**
 * The hookflow, raw-async and XState cases of one shape and size, ids `<group>/<impl>`; `xstate` overrides
 * XState's repetitions, `null` leaves XState out.
 */
function trio(group: string, scenario: string, title: string, shape: Shape, n: number, timing: Timing, target?: BenchCase['target'], xstate: Timing | null = timing): BenchCase[] {
  const base = { scenario, title, unit: SHAPE_UNIT[shape] };
  const cases: BenchCase[] = [
    { ...base, id: `${group}/hookflow`, impl: 'hookflow', target, measure: async () => (await import('./core.js')).measureHookflow(shape, n, timing) },
    { ...base, id: `${group}/raw`, impl: 'raw async', measure: async () => (await import('./raw.js')).measureRaw(shape, n, timing) },
  ];
  if (xstate) cases.push({ ...base, id: `${group}/xstate`, impl: 'xstate', measure: async () => (await import('./xstate.js')).measureXstate(shape, n, xstate) });
  return cases;
}

/**
 * S1 (chain of 200), S2 (fan-out of 1,000 and 10,000), S3 (loop of 1,000) side by side. Warm-ups run
 * about 10,000 steps first, so the figures are the steady state of a long-lived engine (V8 has
 * optimised the hot path), not its first milliseconds.
 */
export function coreCases(p: Profile): BenchCase[] {
  return [
    ...trio('S1', 'S1', 'sequential chain of 200 steps', 'chain', 200, reps(p, 40, 50), { maxUsPerUnit: 10 }),
    // XState's cost per spawned actor grows with the number of live children (seconds at 1,000, minutes at
    // 10,000), so it gets few repetitions at 1,000 and sits out 10,000.
    ...trio('S2-1000', 'S2', 'fan-out of 1,000 branches, then join', 'fan', 1000, reps(p, 20, 10), { maxMs: 10 }, reps(p, 5, 1)),
    ...trio('S2-10000', 'S2', 'fan-out of 10,000 branches, then join', 'fan', 10_000, reps(p, 8, 2), undefined, null),
    ...trio('S3', 'S3', 'loop of 1,000 iterations', 'loop', 1000, reps(p, 20, 10), { maxUsPerUnit: 10 }),
  ];
}

/** S4 with SQLite (the memory side is the S1 hookflow case) and S7. */
export function storeCases(p: Profile): BenchCase[] {
  const s4 = { scenario: 'S4', title: 'S1 chain (200 steps) with a store', unit: 'step' };
  return [
    { ...s4, id: 'S4/sqlite', impl: 'hookflow + SqliteStore', target: { maxUsPerUnit: 40 }, measure: async () => (await import('./store.js')).measureSqliteChain(p) },
    { ...s4, id: 'S4/sqlite-pure', impl: 'hookflow + SqliteStore, tool declared sideEffects: false', measure: async () => (await import('./store.js')).measureSqliteChain(p, 'bench.pure') },
    { ...s4, id: 'S4/memory', impl: 'hookflow + MemoryStore', measure: async () => (await import('./core.js')).measureHookflow('chain', 200, reps(p, 20, 50)) },
    ...(['chain', 'loop'] as const).map((shape) => ({
      scenario: 'S7',
      id: `S7/${shape}`,
      title: 'resume a run with ~10,000 journal events (SQLite)',
      impl: shape === 'chain' ? 'chain of 4,995 steps' : 'loop of 3,330 iterations',
      unit: 'event',
      measure: async () => (await import('./store.js')).measureResume(p, shape),
    })),
  ];
}

/** S5 (hook overhead on 1 ms steps) and S6 (a pathological hook and its breaker). */
export function hookCases(p: Profile): BenchCase[] {
  const s5 = { scenario: 'S5', title: 'hooks on 50 steps of 1 ms each', unit: 'step' };
  const s6 = { scenario: 'S6', title: 'pathological hook on 50 steps of 1 ms', unit: 'step' };
  const hooks = async () => import('./hooks.js');
  return [
    // One case, five rows (0, 1, 5, 20 hooks per point, built-ins), measured interleaved in one process.
    { ...s5, id: 'S5/interleaved', impl: 'hooks', measure: async () => (await hooks()).measureHookOverhead(p) },
    ...(
      [
        ['none', 'no hook'],
        ['sleep-off', 'hook sleeps 20 ms, breaker off'],
        ['sleep-on', 'hook sleeps 20 ms, default breaker'],
        ['hang-off', 'hook hangs (50 ms timeout), breaker off'],
        ['hang-on', 'hook hangs (50 ms timeout), default breaker'],
      ] as const
    ).map(([variant, impl]) => ({ ...s6, id: `S6/${variant}`, impl, measure: async () => (await hooks()).measurePathological(p, variant) })),
  ];
}

/** Growth check: each shape on hookflow at 1k, 10k and 100k units; the per-unit cost must stay flat. */
export function growthCases(p: Profile): BenchCase[] {
  return (['chain', 'fan', 'loop'] as const).flatMap((shape) =>
    [1000, 10_000, 100_000].map((n) => {
      const timing = n === 1000 ? reps(p, 10, 2) : n === 10_000 ? reps(p, 5, 1) : reps(p, 3, 1);
      return {
        id: `growth-${shape}-${n}`,
        scenario: 'growth',
        title: `${shape} of ${n.toLocaleString('en-US')}`,
        impl: 'hookflow',
        unit: SHAPE_UNIT[shape],
        measure: async () => (await import('./core.js')).measureHookflow(shape, n, timing),
      };
    }),
  );
}

/** CLI wall time on a small workflow, and the component figures of the other engineers' bench scripts. */
export function otherCases(p: Profile): BenchCase[] {
  const cli = { scenario: 'CLI', title: 'hookflow run workflows/hello.yaml (memory store)', unit: 'run', target: { maxMs: 300 } };
  return [
    { ...cli, id: 'CLI/floor', impl: 'node -e "" (start-up floor)', target: undefined, measure: async () => (await import('./cli.js')).measureCli(p, 'floor') },
    { ...cli, id: 'CLI/node', impl: 'node bin/hookflow.js', measure: async () => (await import('./cli.js')).measureCli(p, 'node') },
    { ...cli, id: 'CLI/npx', impl: 'npx hookflow', measure: async () => (await import('./cli.js')).measureCli(p, 'npx') },
    { scenario: 'components', id: 'components/store', title: 'store commit (test/bench/store-commit.ts)', impl: 'stores', unit: 'commit', measure: async () => (await import('./components.js')).measureStoreCommit(p) },
    { scenario: 'components', id: 'components/builtins', title: 'built-in hooks, CPU per step of 1 ms work (test/bench/builtins-overhead.ts)', impl: 'built-ins', unit: 'step', measure: async () => (await import('./components.js')).measureBuiltinOverhead(p) },
    { scenario: 'components', id: 'components/hooks', title: 'code hooks, CPU (test/bench/hooks-overhead.ts)', impl: 'hooks', unit: 'step', measure: async () => (await import('./components.js')).measureHookOverheadCpu(p) },
    { scenario: 'components', id: 'components/persistence', title: 'persistence and resume (test/bench/persistence.ts)', impl: 'stores', unit: 'step', measure: async () => (await import('./components.js')).measurePersistence(p) },
    { scenario: 'components', id: 'components/bus', title: 'event bus (test/bench/bus-throughput.ts)', impl: 'EventBus', unit: 'event', measure: async () => (await import('./components.js')).measureBus(p) },
  ];
}

/** Every case of `npm run bench`, in table order. */
export function allCases(p: Profile): BenchCase[] {
  return [...coreCases(p), ...storeCases(p), ...hookCases(p), ...growthCases(p), ...otherCases(p)];
}
