/**
 * `logging` end to end: JSON lines for run and step outcomes, tool calls and hook decisions, with
 * level and point filters, values only at debug level, secret redaction, stderr by default, a file
 * when asked, and option errors.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { harness, wf } from '../../helpers.js';
import { FAKE, refused, tempDir } from './support.js';

type Line = Record<string, unknown> & { level: string; point: string | null };

const dirs: Array<{ cleanup(): void }> = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.cleanup();
  vi.restoreAllMocks();
});

async function logged(withOpts: string, steps: string, extraHooks = ''): Promise<{ lines: Line[]; h: ReturnType<typeof harness>; runId: string }> {
  const d = tempDir('hookflow-log-');
  dirs.push(d);
  const h = harness({ workspace: d.path });
  const r = await h.run(wf(`hooks:
  - id: log
    use: logging
    with: { file: out/run.jsonl${withOpts ? `, ${withOpts}` : ''} }
${extraHooks}steps:
${steps}`));
  const text = readFileSync(join(d.path, 'out', 'run.jsonl'), 'utf8');
  return { lines: text.trim().split('\n').map((l) => JSON.parse(l) as Line), h, runId: r.runId };
}

const STEPS = `  - { id: ok, tool: test.add, with: { a: 1, b: 2 } }
  - { id: flaky, tool: test.flaky, with: { key: lg, failures: 1 }, retry: { attempts: 2 } }
  - { id: bad, tool: test.fail, with: { code: NOPE, message: "it broke" }, onError: continue }
  - { id: guarded, tool: test.echo, with: { value: 1 }, onError: continue }
`;
const GUARD = `  - id: no-echo
    at: before_tool
    match: { tool: test.echo }
    do: { cancel: { reason: "echo is off" } }
`;

describe('logging', () => {
  it('writes one JSON line per run/step outcome, tool call and decisive hook result', async () => {
    const { lines, runId } = await logged('', STEPS, GUARD);
    for (const l of lines) {
      expect(l).toMatchObject({ time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), level: expect.any(String), run: runId, workflow: 'test' });
    }
    const byPoint = (p: string) => lines.filter((l) => l.point === p);
    expect(byPoint('run_start')).toEqual([expect.objectContaining({ level: 'info', status: 'started', event: 'run.started' })]);
    expect(byPoint('after_step').map((l) => [l.path, l.status])).toEqual([['ok', 'completed'], ['flaky', 'completed']]);
    expect(byPoint('after_step')[0]).toMatchObject({ step: 'ok', attempt: 1, ms: expect.any(Number) });
    expect(byPoint('step_retry')).toEqual([expect.objectContaining({ level: 'warn', path: 'flaky', attempt: 1, delayMs: 0, error: expect.objectContaining({ code: 'FLAKY' }) })]);
    expect(byPoint('step_error').map((l) => [l.path, l.level, l.status])).toEqual([['bad', 'error', 'failed'], ['guarded', 'warn', 'cancelled']]);
    expect(byPoint('step_error')[0]?.error).toMatchObject({ code: 'NOPE', message: 'it broke' });
    expect(byPoint('after_tool').map((l) => [l.tool, l.status, typeof l.ms])).toEqual([['test.add', 'completed', 'number'], ['test.flaky', 'completed', 'number']]);
    expect(byPoint('tool_error').map((l) => [l.tool, l.level])).toEqual([['test.flaky', 'error'], ['test.fail', 'error']]);
    expect(byPoint('before_tool')).toEqual([expect.objectContaining({ level: 'info', hook: 'no-echo', action: 'cancel', reason: 'echo is off', path: 'guarded' })]);
    expect(byPoint('run_end')).toEqual([expect.objectContaining({ status: 'completed', ms: expect.any(Number) })]);
    // Values are written only at debug level; continue decisions too.
    expect(lines.some((l) => 'output' in l || 'input' in l || l.action === 'continue')).toBe(false);
  });

  it('level filters lines; debug adds starts, continue decisions and values', async () => {
    const warn = await logged('level: warn', STEPS, GUARD);
    expect([...new Set(warn.lines.map((l) => l.level))].sort()).toEqual(['error', 'warn']);
    const debug = await logged('level: debug', STEPS, GUARD);
    expect(debug.lines.some((l) => l.event === 'step.started' && (l.input as { a?: number }).a === 1)).toBe(true);
    expect(debug.lines.find((l) => l.point === 'after_step')).toMatchObject({ output: 3 });
    expect(debug.lines.some((l) => l.action === 'continue')).toBe(false); // its own decisions are never logged
  });

  it('points filters lines and the points it listens at', async () => {
    const { lines, h } = await logged('points: [after_step]', STEPS, GUARD);
    expect(lines.map((l) => l.point)).toEqual(['after_step', 'after_step']);
    expect(h.events.filter((e) => e.type === 'hook.decided' && (e.data as { hookId: string }).hookId === 'log').map((e) => (e.data as { point: string }).point)).toEqual(['run_start']);
  });

  it('redacts secrets in every line', async () => {
    const { lines } = await logged('level: debug', `  - { id: leak, tool: test.echo, with: { value: { password: "${FAKE.plain}", note: "key ${FAKE.openai}" } } }
  - { id: fail, tool: test.fail, with: { message: "bad key ${FAKE.github}" }, onError: continue }
`);
    const text = JSON.stringify(lines);
    expect(text.includes(FAKE.plain) || text.includes(FAKE.openai) || text.includes(FAKE.github)).toBe(false);
    expect(lines.find((l) => l.point === 'after_step')?.output).toEqual({ password: '[REDACTED]', note: 'key [REDACTED]' });
    expect((lines.find((l) => l.point === 'step_error')?.error as { message: string }).message).toBe('bad key [REDACTED]');
  });

  it('writes to stderr by default', async () => {
    const written: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (written.push(String(chunk)), true));
    const h = harness();
    await h.run(wf(`hooks:
  - { id: log, use: logging }
steps:
  - { id: ok, tool: test.add, with: { a: 1, b: 2 } }
`));
    vi.restoreAllMocks();
    const lines = written.filter((w) => w.startsWith('{')).map((w) => JSON.parse(w) as Line);
    expect(lines.map((l) => l.point)).toEqual(['run_start', 'after_tool', 'after_step', 'run_end']);
    expect(written.every((w) => w.endsWith('\n'))).toBe(true);
  });

  it('rejects bad options and a file it cannot open', async () => {
    const d = tempDir('hookflow-log-');
    dirs.push(d);
    mkdirSync(join(d.path, 'adir'));
    const h = harness({ workspace: d.path });
    const bad = (w: string) =>
      h.run(wf(`hooks:
  - { id: log, use: logging, with: ${w} }
steps:
  - { id: a, tool: test.echo, with: { value: 1 } }
`));
    expect(await refused(bad('{ level: verbose }'))).toMatch(/hook "log" \(use: logging\): with\.level: expected one of "debug", "info", "warn", "error", found "verbose"/);
    expect(await refused(bad('{ points: [after_stpe] }'))).toMatch(/with\.points\[0\]: expected one of .*found "after_stpe" \(did you mean "after_step"\?\)/);
    expect(await refused(bad('{ file: adir }'))).toMatch(/hook "log" \(use: logging\): with\.file: cannot open .*adir for appending/);
    expect(await refused(bad('{ levels: info }'))).toMatch(/unknown option "levels" \(did you mean "level"\?\)/);
    const atStep = await refused(
      h.run(wf(`hooks:
  - { id: log, use: logging, at: after_step }
steps:
  - { id: a, tool: test.echo, with: { value: 1 } }
`)),
    );
    expect(atStep).toMatch(/at: logging cannot act at after_step; expected some of run_start, run_resume, before_tool, after_tool, tool_error; hint: with\.points chooses which facts are logged/);
  });
});
