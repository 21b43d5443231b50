/**
 * `security` end to end: allow/deny lists, the workspace sandbox for `fileArgs` (`../` climbs and
 * symlink escapes refused before the tool runs), input/output size limits, `allowExec`, and secret
 * redaction: a key in a tool's output or error never reaches the bus, the journal (a real SQLite file,
 * read back through SqliteStore and as raw bytes) or the run row.
 */
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, loadWorkflowText, SqliteStore, type ToolDefinition, type UniversalEvent } from '../../../src/index.js';
import { harness, testTools, wf } from '../../helpers.js';
import { FAKE, refused, tempDir } from './support.js';


const dirs: Array<{ cleanup(): void }> = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.cleanup();
});

function workspace(): string {
  const d = tempDir('hookflow-ws-');
  dirs.push(d);
  return d.path;
}

/** A tool with file arguments that records whether it ran. */
function fileTool(): { tool: ToolDefinition; ran: string[] } {
  const ran: string[] = [];
  return { ran, tool: { name: 'test.touch', fileArgs: ['target'], run: (a: { target: string }) => (ran.push(a.target), a.target) } };
}

describe('security: tools', () => {
  it('deny wins; with an allow list everything else is refused', async () => {
    const h = harness();
    const r = await h.run(wf(`hooks:
  - id: guard
    use: security
    with: { allow: ["test.*"], deny: ["test.fail"] }
steps:
  - { id: a, tool: test.fail, onError: continue }
  - { id: b, tool: math.calc, with: { expression: "1 + 1" }, onError: continue }
  - { id: c, tool: test.echo, with: { value: "\${ [steps.a.error.message, steps.b.error.message] }" } }
`));
    expect(h.calls['test.fail']).toBeUndefined();
    expect(r.output).toEqual([
      'cancelled by hook "guard" at before_tool: tool "test.fail" is denied by "test.fail" (hook guard)',
      'cancelled by hook "guard" at before_tool: tool "math.calc" is not in the allow list [test.*] (hook guard)',
    ]);
  });

  it('refuses ../ climbs and symlink escapes in fileArgs before the tool runs; paths inside pass', async () => {
    const ws = workspace();
    const outside = workspace();
    mkdirSync(join(ws, 'sub'));
    symlinkSync(outside, join(ws, 'escape'));
    const t = fileTool();
    const h = harness({ tools: [t.tool], workspace: ws });
    const r = await h.run(wf(`hooks:
  - { id: guard, use: security }
steps:
  - { id: up, tool: test.touch, with: { target: ../etc/passwd }, onError: continue }
  - { id: link, tool: test.touch, with: { target: escape/secret.txt }, onError: continue }
  - { id: abs, tool: test.touch, with: { target: /etc/passwd }, onError: continue }
  - { id: ok, tool: test.touch, with: { target: sub/../notes.txt } }
  - id: out
    tool: test.echo
    with: { value: "\${ [steps.up.status, steps.link.status, steps.abs.status, steps.ok.status] }" }
`));
    expect(t.ran).toEqual(['sub/../notes.txt']);
    expect(r.output).toEqual(['cancelled', 'cancelled', 'cancelled', 'completed']);
    const reasons = h.events.filter((e) => e.type === 'step.cancelled').map((e) => (e.data as { reason: string }).reason);
    expect(reasons[0]).toMatch(/tool "test\.touch" argument "target": path "\.\.\/etc\/passwd" is outside the workspace .*"\.\." climbs out of it/);
    expect(reasons[1]).toMatch(/path "escape\/secret\.txt" is outside the workspace .*a symlink resolves to/);
    expect(reasons[2]).toMatch(/absolute paths must point inside the workspace/);
  });

  it('sandboxes the built-in file tools and tools listed under fileArgs', async () => {
    const ws = workspace();
    writeFileSync(join(ws, 'in.txt'), 'inside');
    const plain: string[] = [];
    const copy: ToolDefinition = { name: 'test.copy', run: (a: { from: string; to: string }) => (plain.push(`${a.from}>${a.to}`), 'copied') };
    const h = harness({ tools: [copy], workspace: ws });
    const r = await h.run(wf(`hooks:
  - { id: guard, use: security, with: { fileArgs: { "test.copy": [from, to] } } }
steps:
  - { id: read, tool: file.read, with: { path: in.txt } }
  - { id: bad, tool: file.read, with: { path: ../../etc/passwd }, onError: continue }
  - { id: cp1, tool: test.copy, with: { from: in.txt, to: ../out.txt }, onError: continue }
  - { id: cp2, tool: test.copy, with: { from: in.txt, to: out.txt } }
  - { id: out, tool: test.echo, with: { value: "\${ [steps.read.output, steps.bad.status, steps.cp1.status] }" } }
`));
    expect(r.output).toEqual(['inside', 'cancelled', 'cancelled']);
    expect(plain).toEqual(['in.txt>out.txt']);
  });

  it('refuses oversized inputs and replaces oversized outputs before they are journaled', async () => {
    const big: ToolDefinition = { name: 'test.big', run: (a: { n: number }) => 'x'.repeat(a.n) };
    const h = harness({ tools: [big] });
    const r = await h.run(wf(`hooks:
  - { id: guard, use: security, with: { maxInputBytes: 100, maxOutputBytes: 1000 } }
steps:
  - { id: small, tool: test.big, with: { n: 10 } }
  - { id: large, tool: test.big, with: { n: 5000 } }
  - { id: fat, tool: test.echo, with: { value: "${'y'.repeat(200)}" }, onError: continue }
output: "\${ [steps.small.output, steps.large.output, steps.fat.status] }"
`));
    expect(r.output).toEqual([
      'xxxxxxxxxx',
      { refused: 'SECURITY', reason: 'the output of tool "test.big" is 5002 bytes of JSON, over the limit of 1000 (hook guard)', bytes: 5002, limit: 1000 },
      'cancelled',
    ]);
    const steps = await h.engine.store.getSteps(r.runId);
    expect(JSON.stringify(steps)).not.toContain('x'.repeat(1001));
    expect(h.events.find((e) => e.type === 'step.cancelled')?.data).toMatchObject({ path: 'fat', reason: expect.stringContaining('the input of tool "test.echo" is 212 bytes of JSON, over the limit of 100') });
  });

  it('allowExec grants process.exec to the run; without it the tool refuses', async () => {
    const yaml = (allow: boolean) =>
      wf(`hooks:
  - { id: guard, use: security, with: { allowExec: ${allow} } }
steps:
  - { id: run, tool: process.exec, with: { command: ${JSON.stringify(process.execPath)}, args: ["-e", "process.stdout.write('hi')"] } }
`);
    const h = harness({ workspace: workspace() });
    const denied = await h.run(yaml(false));
    expect(denied.error).toMatchObject({ code: 'SECURITY', message: expect.stringContaining('is not permitted') });
    const allowed = await h.run(yaml(true));
    expect(allowed.output).toMatchObject({ exitCode: 0, stdout: 'hi' });
  });
});

describe('security: redaction', () => {
  it('a key in a tool output or error never reaches the bus, the SQLite journal, the step rows or the run row', async () => {
    const ws = workspace();
    const file = join(ws, 'journal.db');
    const store = SqliteStore.open(file);
    const leaky: ToolDefinition = {
      name: 'test.leaky',
      run: () => ({
        note: `use ${FAKE.openai} for the API`,
        apiKey: FAKE.plain,
        headers: { Authorization: `Bearer ${FAKE.bearer}` },
        howto: `curl -H "Authorization: Bearer ${FAKE.bearer}" https://api.example`,
        list: [FAKE.aws, `token=${FAKE.github}`],
        session: FAKE.jwt,
        count: 3,
      }),
    };
    const broken: ToolDefinition = {
      name: 'test.broken',
      run: () => {
        throw Object.assign(new Error(`upstream rejected key ${FAKE.anthropic}`), { code: 'UPSTREAM' });
      },
    };
    const engine = createEngine({ store, tools: [...testTools({}), leaky, broken], workspace: ws });
    const bus: UniversalEvent[] = [];
    engine.bus.subscribe('**', (e) => void bus.push(e));
    const r = await engine.run(
      loadWorkflowText(
        wf(`hooks:
  - { id: guard, use: security }
  - { id: log, use: logging, with: { file: logs/run.jsonl, level: debug } }
  - { id: dbg, use: debug }
steps:
  - { id: leak, tool: test.leaky }
  - { id: copy, tool: test.echo, with: { value: "\${ steps.leak.output.note }" } }
  - { id: fail, tool: test.broken, onError: continue }
  - { id: last, tool: test.echo, with: { value: "\${ steps.leak.output }" } }
`),
        join(ws, 'leaky.yaml'),
      ),
    );
    await engine.bus.drain();
    await engine.close();
    store.close();
    expect(r.status).toBe('completed');
    // The caller gets the real value: redaction guards what leaves the engine, not the program embedding it.
    expect((r.output as { apiKey: string }).apiKey).toBe(FAKE.plain);

    const secrets = Object.values(FAKE);
    const reopened = SqliteStore.open(file);
    const journal = JSON.stringify({
      events: await reopened.getEvents(r.runId),
      steps: await reopened.getSteps(r.runId),
      run: await reopened.getRun(r.runId),
    });
    reopened.close();
    const logs = readFileSync(join(ws, 'logs', 'run.jsonl'), 'utf8');
    const raw = ['', '-wal', '-shm'].map((s) => `${file}${s}`).filter((f) => existsSync(f)).map((f) => readFileSync(f).toString('latin1')).join('');
    const busText = JSON.stringify(bus);
    // Booleans, not toContain: a failure must not print the journal (and the secret) into the test log.
    for (const s of secrets) expect({ secret: s.slice(0, 6), journal: journal.includes(s), bus: busText.includes(s), logs: logs.includes(s), raw: raw.includes(s) }).toEqual({ secret: s.slice(0, 6), journal: false, bus: false, logs: false, raw: false });
    expect(raw).toContain('use [REDACTED] for the API'); // the raw bytes are readable text: the check above means something
    expect(journal).toContain('use [REDACTED] for the API');
    expect(journal).toContain('"Authorization":"[REDACTED]"');
    expect(journal).toContain('Authorization: Bearer [REDACTED]\\" https://api.example');
    expect(journal).toContain('upstream rejected key [REDACTED]');
    expect(journal).toContain('"count":3');
    expect(logs).toContain('"apiKey":"[REDACTED]"');
  });

  it('extra secret keys and patterns', async () => {
    const h = harness();
    const r = await h.run(wf(`hooks:
  - { id: guard, use: security, with: { secretKeys: [pin], secretPatterns: ["ACME-[0-9]{6}"] } }
steps:
  - { id: a, tool: test.echo, with: { value: { pin: "1234", note: "licence ACME-123456 ok", other: "keep" } } }
`));
    expect(r.output).toEqual({ pin: '1234', note: 'licence ACME-123456 ok', other: 'keep' });
    const completed = h.events.find((e) => e.type === 'step.completed')?.data as { output: unknown };
    expect(completed.output).toEqual({ pin: '[REDACTED]', note: 'licence [REDACTED] ok', other: 'keep' });
  });

  it('rejects bad options', async () => {
    const h = harness();
    const bad = (w: string) =>
      h.run(wf(`hooks:
  - { id: guard, use: security, with: ${w} }
steps:
  - { id: a, tool: test.echo, with: { value: 1 } }
`));
    expect(await refused(bad('{ secretPatterns: ["(unclosed"] }'))).toMatch(/hook "guard" \(use: security\): with\.secretPatterns\[0\]: expected a regular expression, found "\(unclosed"/);
    expect(await refused(bad('{ deny: "process.*" }'))).toMatch(/with\.deny: expected a list, found "process\.\*"/);
    expect(await refused(bad('{ maxOutputBytes: 0 }'))).toMatch(/with\.maxOutputBytes: expected a number > 0, found 0/);
    expect(await refused(bad('{ allowexec: true }'))).toMatch(/unknown option "allowexec" \(did you mean "allowExec"\?\)/);
  });
});
