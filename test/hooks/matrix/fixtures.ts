/**
 * Shared pieces of the result × point matrix: the fixture types, the workflows several points use and
 * the assertions several cases share. One fixture per point lives in run-step.ts, patterns.ts and
 * tools-state.ts.
 */
import { expect } from 'vitest';
import type { EngineOptions, HookAction, RunResult, StepRecord } from '../../../src/index.js';
import { dataOf, wf, type HookHarness } from '../support.js';

export interface Ctx {
  r: RunResult;
  h: HookHarness;
  steps: Map<string, StepRecord>;
}

export interface Case {
  /** The rule body, as YAML flow (`{ modify: { patch: { a: 10 } } }`). */
  do: string;
  check(c: Ctx): void | Promise<void>;
}

export interface PointFixture {
  /** Workflow body (after the header) around the `hooks:` list item(s). */
  workflow(hooks: string): string;
  match?: string;
  when?: string;
  input?: unknown;
  options?: EngineOptions;
  /** Hooks besides the one under test that the point needs (e.g. a fork to join). */
  extraHooks?: string;
  /** Runs the workflow (default: one run); resume scenarios drive suspend + signal here. */
  drive?: (h: HookHarness, yaml: string, input: unknown) => Promise<RunResult>;
  /** What an undisturbed run looks like; `continue` must leave exactly this. */
  baseline(c: Ctx): void | Promise<void>;
  cases: Partial<Record<Exclude<HookAction, 'continue'>, Case>>;
}

export const ADD_THEN_ECHO = (hooks: string): string =>
  wf(`hooks:
${hooks}
steps:
  - id: a
    tool: test.add
    with: { a: 1, b: 2 }
  - id: b
    tool: test.echo
    with: { value: "\${ steps.a.output }" }
  - id: c
    tool: test.echo
    with: { value: "\${ 'c saw ' & $string(steps.a.output) }" }
`);

export const ECHO_OBJECT = (hooks: string): string =>
  wf(`hooks:
${hooks}
steps:
  - id: a
    tool: test.echo
    with: { value: { v: 1 } }
  - id: b
    tool: test.echo
    with: { value: "\${ steps.a.output }" }
  - id: c
    tool: test.echo
    with: { value: "\${ steps.b.output }" }
`);

export const FORK_ONE = `{ fork: { branches: [ { id: f1, tool: test.echo, with: { value: forked } } ] } }`;

export const completed = (c: Ctx, output: unknown): void => {
  expect(c.r.error).toBeNull();
  expect(c.r.status).toBe('completed');
  expect(c.r.output).toEqual(output);
};

export const hookCancelled = (c: Ctx, path: string): void => {
  expect(c.r.status).toBe('failed');
  expect(c.r.error?.code).toBe('HOOK_CANCELLED');
  expect(c.r.error?.message).toContain('cancelled by hook "h"');
  expect(c.steps.get(path)?.status).toBe('cancelled');
};

export const suspendThenSignal = async (h: HookHarness, yaml: string, input: unknown): Promise<RunResult> => {
  const first = await h.run(yaml, input);
  expect(first.status).toBe('suspended');
  const r = await h.engine.signal(first.runId, 'go', { ok: true });
  await h.engine.bus.drain();
  return r;
};

export const RESUMABLE = (hooks: string): string =>
  wf(`hooks:
${hooks}
steps:
  - id: a
    tool: test.echo
    with: { value: before }
  - id: w
    wait: { signal: go }
  - id: b
    tool: test.echo
    with: { value: "\${ steps.w.output }" }
`);

export const AGENT = (agent: string) => (hooks: string): string =>
  wf(`hooks:
${hooks}
steps:
  - id: ag
    agent: ${agent}
    with: { prompt: hello }
  - id: ag2
    agent: ${agent}
    with: { prompt: hello }
`);

export const agentRuns = (c: Ctx): number => dataOf(c.h.events, 'agent.state').filter((d) => d.event === 'INIT_OK').length;

