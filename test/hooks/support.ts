/**
 * Harness for the hook tests: a real engine (memory store unless given) with the recording test tools,
 * workflows written as YAML text but "located" in test/fixtures/hooks/ so `module: ./modules/x.mjs`,
 * `include:` and `agent:` resolve against the hook fixtures.
 */
import { fileURLToPath } from 'node:url';
import { vi } from 'vitest';
import path from 'node:path';
import { createEngine, loadWorkflowText, MemoryStore, type EngineOptions, type HookPoint, type RunResult, type UniversalEvent } from '../../src/index.js';
import { testTools } from '../helpers.js';

export const FIXTURES = fileURLToPath(new URL('../fixtures/hooks/', import.meta.url));
export const DEFINITIONS = path.join(FIXTURES, 'definitions');

let counter = 0;

export interface HookHarness {
  engine: ReturnType<typeof createEngine>;
  events: UniversalEvent[];
  /** Executions per tool name (and `flaky:<key>` per flaky key). */
  calls: Record<string, number>;
  /** Loads `yaml` as if it were the file test/fixtures/hooks/<name>.yaml and runs it. */
  run(yaml: string, input?: unknown, opts?: { runId?: string; signal?: AbortSignal }): Promise<RunResult>;
  /** Loads `yaml` the same way without running it. */
  load(yaml: string): ReturnType<typeof loadWorkflowText>;
}

export function hookHarness(opts: EngineOptions = {}): HookHarness {
  const calls: Record<string, number> = {};
  const engine = createEngine({ store: new MemoryStore(), definitionsDir: DEFINITIONS, ...opts, tools: [...testTools(calls), ...(opts.tools ?? [])] });
  const events: UniversalEvent[] = [];
  engine.bus.subscribe('**', (e) => void events.push(e));
  const load = (yaml: string): ReturnType<typeof loadWorkflowText> => loadWorkflowText(yaml, path.join(FIXTURES, `virtual-${++counter}.yaml`), { definitionsDir: DEFINITIONS });
  return {
    engine,
    events,
    calls,
    load,
    async run(yaml, input = {}, runOpts = {}) {
      const r = await engine.run(load(yaml), input, runOpts);
      await engine.bus.drain();
      return r;
    },
  };
}

/** Workflow header for inline YAML. */
export function wf(body: string, name = 'hooks-test'): string {
  return `hookflow: 1\nname: ${name}\n${body}`;
}

/** Data of every `hook.decided` event at `point` (optionally of one hook). */
export function decided(events: readonly UniversalEvent[], point: HookPoint, hookId?: string): Array<Record<string, unknown>> {
  return events
    .filter((e) => e.type === 'hook.decided')
    .map((e) => e.data as Record<string, unknown>)
    .filter((d) => d.point === point && (hookId === undefined || d.hookId === hookId));
}

/** Events of one type, as data. */
export function dataOf(events: readonly UniversalEvent[], type: string): Array<Record<string, unknown>> {
  return events.filter((e) => e.type === type).map((e) => e.data as Record<string, unknown>);
}

/** Step events of `type` at `path`. */
export function stepEvent(events: readonly UniversalEvent[], type: string, path: string): Record<string, unknown> | undefined {
  return dataOf(events, type).find((d) => d.path === path);
}

/** Indents a YAML block by `n` spaces (for splicing snippets into fixtures). */
export function indent(text: string, n: number): string {
  const pad = ' '.repeat(n);
  return text
    .split('\n')
    .map((l) => (l.length > 0 ? pad + l : l))
    .join('\n');
}

/** Timers faked by the clock-driven hook tests (performance too, so hook call times are exact). */
export const FAKE_TIMERS = ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'Date', 'performance'] as const;

/** Drives the fake clock until `p` settles. */
export async function settle<T>(p: Promise<T>, stepMs = 10): Promise<T> {
  let done = false;
  void p.finally(() => (done = true));
  while (!done) await vi.advanceTimersByTimeAsync(stepMs);
  return p;
}

/** n echo steps s1..sn (output: their index). */
export function echoSteps(n: number, extra = ''): string {
  return wf(`${extra}steps:
${Array.from({ length: n }, (_, i) => `  - { id: s${i + 1}, tool: test.echo, with: { value: ${i + 1} } }`).join('\n')}
`);
}
