/**
 * S5: hook overhead on a chain whose steps each do 1 ms of CPU work, with 0, 1, 5 and 20 no-op hooks at
 * every point a tool step passes (before/after_step, before/after_tool) and with the built-in
 * cache/retry/metrics hooks. S6: a pathological hook that sleeps, with and without its circuit breaker.
 */
import { BUILTIN_HOOKS, createEngine, MemoryStore, type BreakerOptions, type Engine, type HookPoint, type HookRegistration } from 'hookflow';
import { expectCompleted } from './core.js';
import { failed, reps, timeInterleaved, timeIt, type Measurement, type Profile, type Timed } from './harness.js';
import { BENCH_TOOLS, chainDef } from './workflows.js';

/** Steps of the S5/S6 chain (each spins 1 ms). */
export const HOOK_CHAIN_STEPS = 50;
/** Points a tool step passes; S5's "hooks per point" registers each hook at all of them. */
export const STEP_POINTS: HookPoint[] = ['before_step', 'after_step', 'before_tool', 'after_tool'];
/** The built-ins S5 turns on, when the engine has them. */
export const S5_BUILTINS = ['cache', 'retry', 'metrics'] as const;

/** A breaker that never opens: the "without breaker" side of S6. */
const NO_BREAKER: Partial<BreakerOptions> = { consecutiveFailures: Number.MAX_SAFE_INTEGER, overheadRatio: Number.MAX_SAFE_INTEGER };

function noopHooks(n: number): HookRegistration[] {
  return Array.from({ length: n }, (_, i) => ({ id: `noop-${i}`, at: STEP_POINTS, run: () => undefined }));
}

/** The S5/S6 chain on a fresh engine per repetition; `setup` registers the hooks under test. */
function workChain(setup: (engine: Engine) => void | Promise<void>): Timed<Engine> {
  const def = chainDef(HOOK_CHAIN_STEPS, { tool: 'bench.work' });
  return {
    prepare: async () => {
      const engine = createEngine({ store: new MemoryStore(), tools: BENCH_TOOLS, builtinTools: false });
      await setup(engine);
      return engine;
    },
    run: async (engine) => expectCompleted(await engine.run(def)),
    cleanup: (engine) => engine.close(),
  };
}

/** A before_step hook that sleeps `ms` (ignoring its abort signal, as a badly written hook would). */
function sleeper(ms: number, calls: { n: number }, opts: { timeout?: number; breaker?: Partial<BreakerOptions> }): HookRegistration {
  return {
    id: `sleep-${ms}ms`,
    at: 'before_step',
    ...opts,
    run: () => {
      calls.n++;
      // unref: a hook still sleeping when the case ends must not keep the process alive
      return new Promise<void>((resolve) => void setTimeout(resolve, ms).unref());
    },
  };
}

/** The S5 variants: label, and the hooks to register (undefined: built-ins the engine does not have yet). */
const S5_VARIANTS: Array<{ key: string; impl: string; setup: ((engine: Engine) => void | Promise<void>) | undefined; calls: number }> = [
  ...[0, 1, 5, 20].map((n) => ({
    key: String(n),
    impl: `${n} no-op hook${n === 1 ? '' : 's'} per point`,
    setup: (engine: Engine) => void noopHooks(n).forEach((h) => engine.hooks.register(h)),
    calls: n * STEP_POINTS.length * HOOK_CHAIN_STEPS,
  })),
  {
    key: 'builtins',
    impl: `built-ins ${S5_BUILTINS.join(' + ')}`,
    // A fresh engine per repetition: every cache lookup misses, so every step still does its work.
    setup: S5_BUILTINS.every((b) => BUILTIN_HOOKS.has(b))
      ? async (engine: Engine) => {
          for (const name of S5_BUILTINS) await engine.use(name, { with: name === 'cache' ? { ttl: '10m', max: 1000 } : {} });
        }
      : undefined,
    calls: 0,
  },
];

/**
 * S5: the chain with 0, 1, 5 and 20 no-op hooks at each of the four points of every step, and with the
 * built-ins, interleaved in one process so that the few-percent differences survive a busy machine.
 */
export async function measureHookOverhead(p: Profile): Promise<Measurement> {
  const runnable = S5_VARIANTS.filter((v) => v.setup !== undefined);
  const ms = await timeInterleaved(
    runnable.map((v) => workChain(v.setup as (engine: Engine) => void)),
    { units: HOOK_CHAIN_STEPS, ...reps(p, 30, 3) },
  );
  const variants = S5_VARIANTS.map((v) => {
    const i = runnable.indexOf(v);
    const m = i >= 0 ? (ms[i] as Measurement) : failed(`the engine has no built-in ${S5_BUILTINS.filter((b) => !BUILTIN_HOOKS.has(b)).join(', ')} hook yet`, HOOK_CHAIN_STEPS);
    return { key: v.key, impl: v.impl, m: { ...m, extra: { hookCallsPerRun: v.calls } } };
  });
  return { ...(variants[0]?.m as Measurement), variants };
}

/** The S6 variants: which hook is registered, and whether its breaker may open. */
export const S6_VARIANTS = {
  none: undefined,
  'sleep-off': (c: { n: number }) => sleeper(20, c, { breaker: NO_BREAKER }),
  'sleep-on': (c: { n: number }) => sleeper(20, c, {}),
  'hang-off': (c: { n: number }) => sleeper(60_000, c, { timeout: 50, breaker: NO_BREAKER }),
  'hang-on': (c: { n: number }) => sleeper(60_000, c, { timeout: 50 }),
} as const;

/** S6: the chain with a pathological hook; reports how often the hook ran and the breaker events. */
export async function measurePathological(p: Profile, variant: keyof typeof S6_VARIANTS): Promise<Measurement> {
  const hook = S6_VARIANTS[variant];
  const calls = { n: 0 };
  let breaker = '';
  const body = workChain((engine) => {
    calls.n = 0;
    breaker = '';
    if (hook) engine.hooks.register(hook(calls));
    engine.bus.subscribe('breaker.*', (e) => void (breaker = e.type));
  });
  const m = await timeIt(body, { units: HOOK_CHAIN_STEPS, ...reps(p, 5, 1) });
  return { ...m, extra: { hookCalls: calls.n, breakerEvent: breaker || 'no breaker event' } };
}
