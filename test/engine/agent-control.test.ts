/**
 * An agent step from a workflow, controlled from the engine API: pause between turns, resume, and every
 * transition reported as an agent.state event and an agent_state_change hook call.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, loadWorkflowText, MemoryStore, type UniversalEvent } from '../../src/index.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function definitions(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hookflow-agents-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'agents'));
  writeFileSync(
    join(dir, 'agents', 'counter.yaml'),
    `name: counter
provider: scripted
model: scripted
tools: [slow.step]
limits: { maxTurns: 4 }
script:
  - toolCalls:
      - name: slow.step
        arguments: {}
  - content: done
`,
  );
  return dir;
}

describe('engine.pauseAgent / resumeAgent', () => {
  it('pauses a running agent between turns and resumes it; every transition fires its hook', async () => {
    let releaseTool: () => void = () => undefined;
    const toolGate = new Promise<void>((r) => (releaseTool = r));
    let toolStarted: () => void = () => undefined;
    const inTool = new Promise<void>((r) => (toolStarted = r));
    const engine = createEngine({
      store: new MemoryStore(),
      definitionsDir: definitions(),
      tools: [{ name: 'slow.step', run: async () => { toolStarted(); await toolGate; return 1; } }],
    });
    const transitions: string[] = [];
    engine.hooks.register({ id: 'watch', at: 'agent_state_change', run: (ctx) => void transitions.push(`${String(ctx.metadata.from)}>${String(ctx.metadata.to)}`) });
    const events: UniversalEvent[] = [];
    engine.bus.subscribe('agent.state', (e) => void events.push(e));
    const yaml = `hookflow: 1\nname: agent-control\nsteps:\n  - id: ask\n    agent: counter\n    with: { prompt: count }\n`;
    const running = engine.run(loadWorkflowText(yaml, '/virtual/agent-control.yaml'), {}, { runId: 'agent-run' });
    await inTool;
    expect(engine.agents('agent-run')).toEqual([{ path: 'ask', agent: 'counter', state: 'running' }]);
    const paused = engine.pauseAgent('agent-run', 'ask', 'operator');
    releaseTool();
    await paused;
    expect(engine.agents('agent-run')[0]?.state).toBe('paused');
    await engine.resumeAgent('agent-run', 'ask');
    const r = await running;
    await engine.bus.drain();
    expect(r.status).toBe('completed');
    expect(r.output).toBe('done');
    expect(transitions).toContain('running>paused');
    expect(transitions).toContain('paused>running');
    expect(transitions.at(-1)).toBe('ready>terminated');
    expect(events.map((e) => `${String((e.data as { from: string }).from)}>${String((e.data as { to: string }).to)}`)).toEqual(transitions);
    await expect(engine.pauseAgent('agent-run', 'ask')).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' });
  });
});
