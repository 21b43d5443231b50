/**
 * The workflows and tools every scenario shares: a chain of N tool steps (S1, S4, S5, S6, S7), a fan-out of
 * N branches (S2) and a loop of N iterations (S3), built as YAML text and loaded through the public DSL.
 */
import { loadWorkflowText, type ToolDefinition, type WorkflowDefinition } from 'hookflow';
import { noop, spin } from './raw.js';

/** `bench.noop` returns null; `bench.work` spins 1 ms first (S5, S6). */
export const BENCH_TOOLS: ToolDefinition[] = [
  { name: 'bench.noop', run: noop },
  // The same no-op declared side-effect free: the journal need not be durable before it runs (S4 variant).
  { name: 'bench.pure', run: noop, sideEffects: false },
  {
    name: 'bench.work',
    run: async () => {
      spin(1);
      return null;
    },
  },
];

function load(name: string, body: string): WorkflowDefinition {
  return loadWorkflowText(`hookflow: 1\nname: ${name}\nsteps:\n${body}`, `/bench/${name}.yaml`);
}

/** S1: `n` tool steps in sequence, optionally followed by a suspending `wait` (S7). */
export function chainDef(n: number, opts: { tool?: string; waitForSignal?: boolean } = {}): WorkflowDefinition {
  const tool = opts.tool ?? 'bench.noop';
  let body = '';
  for (let i = 0; i < n; i++) body += `  - id: s${i}\n    tool: ${tool}\n`;
  if (opts.waitForSignal) body += '  - id: gate\n    wait: { signal: go }\n';
  return load(`chain-${n}`, body);
}

/** S2: one parallel step with `n` tool branches; the step ends when every branch has (the join). */
export function fanDef(n: number): WorkflowDefinition {
  let body = '  - id: fan\n    parallel:\n';
  for (let i = 0; i < n; i++) body += `      - id: b${i}\n        tool: bench.noop\n`;
  return load(`fan-${n}`, body);
}

/** S3: a `times` loop of `n` iterations whose body is one tool step; outputs are collected (the default). */
export function loopDef(n: number, opts: { waitForSignal?: boolean } = {}): WorkflowDefinition {
  const gate = opts.waitForSignal ? '  - id: gate\n    wait: { signal: go }\n' : '';
  return load(`loop-${n}`, `  - id: l\n    loop:\n      times: ${n}\n      max: ${n}\n      steps:\n        - id: body\n          tool: bench.noop\n${gate}`);
}

/** The hookflow workflow of `shape` with `n` units. */
export function shapeDef(shape: 'chain' | 'fan' | 'loop', n: number): WorkflowDefinition {
  return shape === 'chain' ? chainDef(n) : shape === 'fan' ? fanDef(n) : loopDef(n);
}
