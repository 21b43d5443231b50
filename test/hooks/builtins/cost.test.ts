/**
 * `cost` end to end: usage × price table into run totals (shown by `hookflow show`), budgets per run
 * and per workflow (over the store's runs), `budget_exceeded` fired once, then model calls refused —
 * learned LLM tools and agents are cancelled, the next usage report throws BUDGET_EXCEEDED — plus
 * agents, unpriced models, resumed runs and option errors.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { inspectCommand } from '../../../src/cli/commands/inspect.js';
import { createEngine, loadWorkflowText, SqliteStore, type HookContext } from '../../../src/index.js';
import { harness, testTools, wf } from '../../helpers.js';
import { refused, tempDir, usageTool } from './support.js';

/** 1000 input tokens of model `priced` cost $0.01. */
const PRICES = 'models: { priced: { input: 10, output: 100 } }';

function budgetSeen(h: ReturnType<typeof harness>): Array<Record<string, unknown>> {
  const seen: Array<Record<string, unknown>> = [];
  h.engine.hooks.register({ id: 'watch-budget', at: 'budget_exceeded', run: (ctx: HookContext) => void seen.push({ ...ctx.metadata }) });
  return seen;
}

const dirs: Array<{ cleanup(): void }> = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.cleanup();
});

describe('cost', () => {
  it('stops a loop of LLM calls once the run budget is crossed', async () => {
    const llm = usageTool();
    const h = harness({ tools: [llm.tool] });
    const seen = budgetSeen(h);
    const r = await h.run(wf(`hooks:
  - id: cost
    use: cost
    with: { ${PRICES}, budget: { perRun: 0.055 } }
steps:
  - id: chat
    loop:
      times: 20
      steps:
        - { id: ask, tool: llm.fake }
`));
    expect(llm.calls).toBe(6);
    expect(r.status).toBe('failed');
    expect(r.error?.code).toBe('HOOK_CANCELLED');
    expect(r.error?.message).toMatch(/BUDGET_EXCEEDED: run cost \$0\.06 is over the perRun budget of \$0\.055 \(hook cost\)/);
    expect(r.error?.step).toBe('chat[6]/ask');
    expect(seen).toEqual([{ hookId: 'cost', scope: 'run', usd: expect.closeTo(0.06, 9), budget: 0.055, currency: 'USD' }]);
    expect(h.events.filter((e) => e.type === 'budget.exceeded')).toHaveLength(1);
    const run = await h.engine.store.getRun(r.runId);
    expect(run?.totals?.cost).toEqual({ usd: expect.closeTo(0.06, 9), byModel: { priced: expect.closeTo(0.06, 9) }, currency: 'USD' });
    expect(run?.totals?.tokens).toEqual({ input: 6000, output: 0 });
  });

  it('the next usage report after the crossing throws BUDGET_EXCEEDED (a tool not yet known as an LLM)', async () => {
    const a = usageTool('llm.a');
    const b = usageTool('llm.b');
    const h = harness({ tools: [a.tool, b.tool] });
    const r = await h.run(wf(`hooks:
  - { id: cost, use: cost, with: { ${PRICES}, budget: { perRun: 0.015 } } }
steps:
  - { id: one, tool: llm.a, with: { inputTokens: 2000 } }
  - { id: two, tool: llm.b }
  - { id: three, tool: llm.b }
`));
    expect([a.calls, b.calls]).toEqual([1, 1]);
    expect(r.error).toMatchObject({ code: 'BUDGET_EXCEEDED', step: 'two' });
    expect((await h.engine.store.getRun(r.runId))?.totals?.cost).toMatchObject({ usd: expect.closeTo(0.03, 9) });
  });

  it('llmTools globs refuse model tools before they are called', async () => {
    const a = usageTool('llm.a');
    const b = usageTool('llm.b');
    const h = harness({ tools: [a.tool, b.tool] });
    const r = await h.run(wf(`hooks:
  - { id: cost, use: cost, with: { ${PRICES}, budget: { perRun: 0.015 }, llmTools: ["llm.*"] } }
steps:
  - { id: one, tool: llm.a, with: { inputTokens: 2000 } }
  - { id: two, tool: llm.b, onError: continue }
  - { id: three, tool: test.echo, with: { value: "\${ steps.two.status }" } }
`));
    expect([a.calls, b.calls]).toEqual([1, 0]);
    expect(r.output).toBe('cancelled');
  });

  it('perWorkflow counts every run of the workflow, including runs stored by an earlier process', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const file = join(dir.path, 'hookflow.db');
    const yaml = wf(`hooks:
  - { id: cost, use: cost, with: { ${PRICES}, budget: { perWorkflow: 0.025 }, llmTools: ["llm.*"] } }
steps:
  - { id: one, tool: llm.fake, onError: continue }
  - { id: two, tool: llm.fake, onError: continue }
`, 'budgeted');
    const session = async (runs: number): Promise<{ calls: number; statuses: string[] }> => {
      const llm = usageTool();
      const store = SqliteStore.open(file);
      const engine = createEngine({ store, tools: [...testTools({}), llm.tool] });
      const statuses: string[] = [];
      try {
        for (let i = 0; i < runs; i++) {
          const r = await engine.run(loadWorkflowText(yaml, '/virtual/budgeted.yaml'));
          const steps = await store.getSteps(r.runId);
          statuses.push(steps.map((s) => s.status).join(','));
        }
      } finally {
        await engine.close();
        store.close();
      }
      return { calls: llm.calls, statuses };
    };
    // Run 1: 0.02; run 2: 0.03 after its first call crosses 0.025, so its second call is refused.
    expect(await session(2)).toEqual({ calls: 3, statuses: ['completed,completed', 'completed,cancelled'] });
    // A new process reads the stored totals ($0.03 > $0.025): every model call is refused from the start.
    expect(await session(1)).toEqual({ calls: 0, statuses: ['cancelled,cancelled'] });
  });

  it('`hookflow show` prints the run totals and the per-workflow sum', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const file = join(dir.path, 'hookflow.db');
    const llm = usageTool();
    const store = SqliteStore.open(file);
    const engine = createEngine({ store, tools: [llm.tool] });
    const yaml = wf(`hooks:
  - { id: cost, use: cost, with: { ${PRICES} } }
steps:
  - { id: one, tool: llm.fake, with: { inputTokens: 500, outputTokens: 100 } }
`, 'shown');
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) ids.push((await engine.run(loadWorkflowText(yaml, '/virtual/shown.yaml'))).runId);
    await engine.close();
    store.close();
    let out = '';
    const code = await inspectCommand('show', [ids[1] as string, '--store', file], { stdout: (t) => void (out += t), stderr: () => undefined, cwd: dir.path, env: {}, isTTY: false });
    expect(code).toBe(0);
    // 500 × 10 / 1M + 100 × 100 / 1M = 0.015 per run.
    expect(out).toContain('cost: {"usd":0.015,"byModel":{"priced":0.015},"currency":"USD"}');
    const sum = /workflow totals \(2 runs\): (.*)/.exec(out)?.[1];
    expect(JSON.parse(sum ?? 'null')).toEqual({ cost: { usd: 0.03, byModel: { priced: 0.03 } }, tokens: { input: 1000, output: 200 } });
  });

  it('stops a loop of agent steps: the agent reports usage, before_agent is cancelled after the crossing', async () => {
    const dir = tempDir();
    dirs.push(dir);
    mkdirSync(join(dir.path, 'agents'));
    writeFileSync(
      join(dir.path, 'agents', 'chatty.yaml'),
      `name: chatty
provider: scripted
model: scripted
system: You answer briefly.
tools: []
script:
  - content: "hello"
    usage: { inputTokens: 100000, outputTokens: 0 }
`,
    );
    const h = harness({ definitionsDir: dir.path });
    const r = await h.run(wf(`hooks:
  - { id: cost, use: cost, with: { budget: { perRun: 0.25 } } }
steps:
  - id: talk
    loop:
      times: 10
      steps:
        - { id: say, agent: chatty, with: { prompt: hi } }
`));
    // scripted costs $1 per 1M input tokens: $0.1 per call; the third call crosses $0.25.
    expect(h.events.filter((e) => e.type === 'step.completed' && (e.data as { path: string }).path.endsWith('/say'))).toHaveLength(3);
    expect(r.error?.message).toMatch(/cancelled by hook "cost" at before_agent: BUDGET_EXCEEDED: run cost \$0\.3 is over the perRun budget of \$0\.25/);
    expect(r.error?.step).toBe('talk[3]/say');
  });

  it('unpriced models cost nothing and are reported once per run', async () => {
    const llm = usageTool();
    const h = harness({ tools: [llm.tool] });
    const r = await h.run(wf(`hooks:
  - { id: cost, use: cost }
steps:
  - { id: a, tool: llm.fake, with: { model: mystery-1 } }
  - { id: b, tool: llm.fake, with: { model: mystery-1 } }
  - { id: c, tool: llm.fake, with: { model: gpt-4o-mini, inputTokens: 1000000, outputTokens: 1000000 } }
`));
    expect(h.events.filter((e) => e.type === 'cost.unpriced').map((e) => (e.data as { model: string }).model)).toEqual(['mystery-1']);
    expect((await h.engine.store.getRun(r.runId))?.totals?.cost).toEqual({ usd: expect.closeTo(0.75, 9), byModel: { 'mystery-1': 0, 'gpt-4o-mini': expect.closeTo(0.75, 9) }, currency: 'USD' });
  });

  it('a resumed run carries on from its stored cost', async () => {
    const llm = usageTool();
    const h = harness({ tools: [llm.tool] });
    const yaml = wf(`hooks:
  - { id: cost, use: cost, with: { ${PRICES}, budget: { perRun: 0.025 }, llmTools: ["llm.*"] } }
steps:
  - { id: a, tool: llm.fake, with: { inputTokens: 2000 } }
  - { id: pause, wait: { signal: go } }
  - { id: b, tool: llm.fake, with: { inputTokens: 1000 } }
  - { id: c, tool: llm.fake, onError: continue }
`);
    const first = await h.run(yaml);
    expect(first.status).toBe('suspended');
    const done = await h.engine.signal(first.runId, 'go');
    expect(done.status).toBe('completed');
    expect(llm.calls).toBe(2);
    expect((await h.engine.store.getRun(first.runId))?.totals?.cost).toMatchObject({ usd: expect.closeTo(0.03, 9) });
  });

  it('rejects bad options', async () => {
    const h = harness();
    const bad = (w: string) =>
      h.run(wf(`hooks:
  - { id: money, use: cost, with: ${w} }
steps:
  - { id: a, tool: test.echo, with: { value: 1 } }
`));
    expect(await refused(bad('{ budget: { perRun: -1 } }'))).toMatch(/hook "money" \(use: cost\): with\.budget\.perRun: expected a number > 0, found -1/);
    expect(await refused(bad('{ budget: { perRuns: 1 } }'))).toMatch(/with\.budget\.perRuns: unknown option "perRuns" \(did you mean "perRun"\?\)/);
    expect(await refused(bad('{ pricing: ./nope.yaml }'))).toMatch(/cannot read the price table .*nope\.yaml/);
    expect(await refused(bad('{ models: { x: { input: 1 } } }'))).toMatch(/with\.models\.x\.output: missing required key "output"/);
  });
});
