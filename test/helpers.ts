/** Shared test helpers: run YAML text through a real engine with recording tools. */
import { createEngine, loadWorkflowText, MemoryStore, type EngineOptions, type RunResult, type ToolDefinition, type UniversalEvent } from '../src/index.js';

export interface Harness {
  engine: ReturnType<typeof createEngine>;
  events: UniversalEvent[];
  calls: Record<string, number>;
  run(yaml: string, input?: unknown, opts?: { runId?: string }): Promise<RunResult>;
}

let fileCounter = 0;

/** Tools used across engine tests; `calls` counts executions per tool name. */
export function testTools(calls: Record<string, number>): ToolDefinition[] {
  const count = (name: string): void => {
    calls[name] = (calls[name] ?? 0) + 1;
  };
  return [
    { name: 'test.echo', run: (a: { value?: unknown }) => (count('test.echo'), a.value ?? null) },
    { name: 'test.add', run: (a: { a: number; b: number }) => (count('test.add'), a.a + a.b) },
    {
      name: 'test.flaky',
      description: 'fails `failures` times per key, then returns `value`',
      run: (a: { key: string; failures: number; value?: unknown; code?: string }) => {
        count('test.flaky');
        const k = `flaky:${a.key}`;
        calls[k] = (calls[k] ?? 0) + 1;
        if ((calls[k] as number) <= a.failures) throw Object.assign(new Error(`flaky failure ${calls[k]}`), { code: a.code ?? 'FLAKY' });
        return a.value ?? 'ok';
      },
    },
    {
      name: 'test.sleep',
      run: (a: { ms: number; value?: unknown }, ctx) =>
        new Promise((resolve, reject) => {
          count('test.sleep');
          const t = setTimeout(() => resolve(a.value ?? a.ms), a.ms);
          ctx.signal.addEventListener('abort', () => {
            clearTimeout(t);
            reject(ctx.signal.reason);
          });
        }),
    },
    { name: 'test.fail', run: (a: { code?: string; message?: string }) => { count('test.fail'); throw Object.assign(new Error(a.message ?? 'boom'), { code: a.code ?? 'BOOM' }); } },
  ];
}

export function harness(opts: EngineOptions = {}): Harness {
  const calls: Record<string, number> = {};
  const engine = createEngine({ store: new MemoryStore(), ...opts, tools: [...testTools(calls), ...(opts.tools ?? [])] });
  const events: UniversalEvent[] = [];
  engine.bus.subscribe('**', (e) => void events.push(e));
  return {
    engine,
    events,
    calls,
    async run(yaml, input = {}, runOpts = {}) {
      const def = loadWorkflowText(yaml, `/virtual/test-${++fileCounter}.yaml`);
      const r = await engine.run(def, input, runOpts);
      await engine.bus.drain();
      return r;
    },
  };
}

/** Workflow header for inline YAML. */
export function wf(body: string, name = 'test'): string {
  return `hookflow: 1\nname: ${name}\n${body}`;
}
