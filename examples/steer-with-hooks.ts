/**
 * Steering a run from code: a security hook refuses a tool, a quality hook retries a step whose output
 * it rejects, and a planning hook forks one branch per task found at run time.
 *
 *   npx tsx examples/steer-with-hooks.ts
 */
import { pathToFileURL } from 'node:url';
import { createEngine, loadWorkflowText, type ToolDefinition } from '../src/index.js';

const workflow = `
hookflow: 1
name: steer
steps:
  - id: plan
    tool: demo.plan
  - id: draft
    tool: demo.draft
  - id: cleanup
    tool: process.exec
    with: { command: rm, args: ["-rf", "/tmp/nothing"] }
    onError: continue
output:
  written: \${ steps.plan.forks }
  draft: \${ steps.draft.output }
  cleanup: \${ steps.cleanup.error.code }
`;

export async function main(log: (line: string) => void = console.log): Promise<unknown> {
  let drafts = 0;
  const tools: ToolDefinition[] = [
    { name: 'demo.plan', run: () => ({ tasks: ['intro', 'body', 'summary'] }) },
    { name: 'demo.draft', run: () => ({ text: `draft ${++drafts}`, confidence: drafts < 2 ? 0.3 : 0.9 }) },
  ];
  const engine = createEngine({ tools });
  // Security: no shell from this workflow, whatever the YAML says.
  engine.hooks.register({ id: 'no-exec', at: 'before_tool', match: { tool: 'process.*' }, run: () => ({ action: 'cancel', reason: 'process.exec is disabled here' }) });
  // Quality: re-run a draft the model was unsure about (at most twice).
  engine.hooks.register({
    id: 'confidence',
    at: 'after_step',
    match: { step: 'draft' },
    run: (ctx) => ((ctx.output as { confidence: number }).confidence < 0.5 ? { action: 'retry', attempts: 2 } : { action: 'continue' }),
  });
  // Planning: one branch per task the plan produced, two at a time, joined before `draft`.
  engine.hooks.register({
    id: 'fan-out',
    at: 'after_step',
    match: { step: 'plan' },
    run: (ctx) => ({
      action: 'fork',
      forEach: (ctx.output as { tasks: string[] }).tasks,
      as: 'task',
      concurrency: 2,
      steps: [{ id: 'write', tool: 'text.template', with: { template: 'section: {{t}}', data: { t: '${ task }' } } }],
    }),
  });
  const result = await engine.run(loadWorkflowText(workflow, 'steer.yaml'), {});
  log(JSON.stringify(result.output));
  await engine.close();
  return result.output;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
