/**
 * `debug` end to end: a `hook.debug` snapshot of what the hooks at each point are given (before any
 * of them patched it), paired with the `hook.decided` results, truncation, the points it refuses, and
 * `hookflow trace --debug` on a real SQLite journal.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { inspectCommand } from '../../../src/cli/commands/inspect.js';
import { createEngine, loadWorkflowText, SqliteStore } from '../../../src/index.js';
import { harness, testTools, wf } from '../../helpers.js';
import { refused, tempDir } from './support.js';

const dirs: Array<{ cleanup(): void }> = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.cleanup();
});

const FLOW = wf(`hooks:
  - { id: dbg, use: debug }
  - id: double
    at: before_step
    match: { step: add }
    do: { modify: { patch: { b: 20 } } }
  - id: skip-echo
    at: before_tool
    match: { tool: test.echo }
    do: { skip: { reason: quiet } }
steps:
  - { id: add, tool: test.add, with: { a: 1, b: 2 } }
  - { id: say, tool: test.echo, with: { value: hi } }
`, 'debugged');

describe('debug', () => {
  it('snapshots each point\'s input before other hooks act; hook.decided carries their results', async () => {
    const h = harness();
    const r = await h.run(FLOW);
    expect(r.output).toBe(21); // `say` was skipped: the last executed step's output stands
    const debug = h.events.filter((e) => e.type === 'hook.debug').map((e) => e.data as Record<string, unknown>);
    expect(debug.map((d) => `${d.point}@${d.path ?? ''}`)).toEqual([
      'run_start@',
      'before_step@add',
      'before_tool@add',
      'after_tool@add',
      'after_step@add',
      'before_step@say',
      'before_tool@say',
      'step_skip@say',
      'run_end@',
    ]);
    const at = (p: string, path: string) => debug.find((d) => d.point === p && d.path === path);
    // The original arguments, before `double` patched them; the tool then saw the patched ones.
    expect(at('before_step', 'add')).toMatchObject({ hookId: 'dbg', step: 'add', kind: 'tool', tool: 'test.add', attempt: 1, input: { a: 1, b: 2 } });
    expect(at('before_tool', 'add')?.input).toEqual({ a: 1, b: 20 });
    expect(at('after_step', 'add')).toMatchObject({ output: 21 });
    expect(at('step_skip', 'say')?.metadata).toEqual({ reason: 'quiet', cause: 'hook' });
    const decided = h.events.filter((e) => e.type === 'hook.decided').map((e) => e.data as Record<string, unknown>);
    expect(decided.find((d) => d.hookId === 'double')).toMatchObject({ point: 'before_step', path: 'add', action: 'modify', result: { action: 'modify', patch: { b: 20 } } });
    // The snapshot precedes the decisions at the same point.
    const seq = (pred: (d: Record<string, unknown>) => boolean, type: string) => h.events.find((e) => e.type === type && pred(e.data as Record<string, unknown>))?.seq ?? -1;
    expect(seq((d) => d.point === 'before_step' && d.path === 'add', 'hook.debug')).toBeLessThan(seq((d) => d.hookId === 'double', 'hook.decided'));
  });

  it('truncates large values', async () => {
    const h = harness();
    await h.run(wf(`hooks:
  - { id: dbg, use: debug, at: after_step, with: { maxValueBytes: 32 } }
steps:
  - { id: big, tool: test.echo, with: { value: "${'z'.repeat(100)}" } }
`));
    const d = h.events.find((e) => e.type === 'hook.debug')?.data as { output: unknown };
    expect(d.output).toEqual({ truncated: true, bytes: 102, preview: `"${'z'.repeat(31)}` });
  });

  it('refuses the state-save points (an event there would trigger another save)', async () => {
    const h = harness();
    const message = await refused(
      h.run(wf(`hooks:
  - { id: dbg, use: debug, at: before_state_save }
steps:
  - { id: a, tool: test.echo, with: { value: 1 } }
`)),
    );
    expect(message).toMatch(/hook "dbg" \(use: debug\): at: debug cannot act at before_state_save/);
  });

  it('`hookflow trace --debug` shows the snapshots and each decision\'s result', async () => {
    const d = tempDir('hookflow-trace-');
    dirs.push(d);
    const file = join(d.path, 'h.db');
    const store = SqliteStore.open(file);
    const engine = createEngine({ store, tools: testTools({}) });
    const r = await engine.run(loadWorkflowText(FLOW, join(d.path, 'flow.yaml')));
    await engine.close();
    store.close();
    const trace = async (...flags: string[]): Promise<string[]> => {
      let out = '';
      const code = await inspectCommand('trace', [r.runId, '--store', file, ...flags], { stdout: (t) => void (out += t), stderr: () => undefined, cwd: d.path, env: {}, isTTY: false });
      expect(code).toBe(0);
      return out.trim().split('\n');
    };
    const plain = await trace();
    expect(plain.some((l) => l.includes('input='))).toBe(false);
    expect(plain.find((l) => l.includes('double'))).toMatch(/before_step\s+double\s+modify\s+[\d.]+ ms {2}@ add$/);
    const debug = await trace('--debug');
    expect(debug.find((l) => l.includes('before_step') && l.includes('dbg') && l.includes('input'))).toMatch(/@ add {2}input=\{"a":1,"b":2\}$/);
    expect(debug.find((l) => l.includes('double'))).toMatch(/modify .* @ add {2}result=\{"action":"modify","patch":\{"b":20\}\}$/);
    expect(debug.find((l) => l.includes('after_step') && l.includes('input='))).toMatch(/input=\{"a":1,"b":20\} {2}output=21$/);
    expect(debug.length).toBeGreaterThan(plain.length);
    let json = '';
    await inspectCommand('trace', [r.runId, '--store', file, '--json'], { stdout: (t) => void (json += t), stderr: () => undefined, cwd: d.path, env: {}, isTTY: false });
    expect((JSON.parse(json) as Array<{ type: string }>).some((e) => e.type === 'hook.debug')).toBe(false);
  });
});
