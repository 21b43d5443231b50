/**
 * `metrics` and the MetricsRegistry: the Prometheus text format checked line by line, the summary,
 * what the hook records (steps by static path, errors, retries, tools, hook decisions, runs, breakers,
 * the output cache), no double counting, and `hookflow run --metrics`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCommand } from '../../../src/cli/commands/run.js';
import { MetricsRegistry } from '../../../src/index.js';
import { harness, wf } from '../../helpers.js';
import { refused, tempDir } from './support.js';

const dirs: Array<{ cleanup(): void }> = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.cleanup();
});

describe('MetricsRegistry', () => {
  it('renders the Prometheus text exposition format exactly', () => {
    const m = new MetricsRegistry();
    m.inc('demo_requests_total', 'Requests served.', { route: '/a', code: '200' });
    m.inc('demo_requests_total', 'Requests served.', { route: '/a', code: '200' }, 2);
    m.inc('demo_requests_total', 'Requests served.', { route: 'say "hi"\\\n', code: '500' });
    m.set('demo_temperature', 'Current temperature.', {}, -1.5);
    m.observe('demo_latency_seconds', 'Latency\nin seconds.', { op: 'x' }, 0.2, [0.1, 0.5, 1]);
    m.observe('demo_latency_seconds', 'Latency\nin seconds.', { op: 'x' }, 0.5, [0.1, 0.5, 1]);
    m.observe('demo_latency_seconds', 'Latency\nin seconds.', { op: 'x' }, 7, [0.1, 0.5, 1]);
    m.inc('demo_empty_total', 'Declared, never incremented.', { a: 'b' }, 0);
    expect(m.prometheus()).toBe(
      [
        '# HELP demo_requests_total Requests served.',
        '# TYPE demo_requests_total counter',
        'demo_requests_total{route="/a",code="200"} 3',
        'demo_requests_total{route="say \\"hi\\"\\\\\\n",code="500"} 1',
        '# HELP demo_temperature Current temperature.',
        '# TYPE demo_temperature gauge',
        'demo_temperature -1.5',
        '# HELP demo_latency_seconds Latency\\nin seconds.',
        '# TYPE demo_latency_seconds histogram',
        'demo_latency_seconds_bucket{op="x",le="0.1"} 0',
        'demo_latency_seconds_bucket{op="x",le="0.5"} 2',
        'demo_latency_seconds_bucket{op="x",le="1"} 2',
        'demo_latency_seconds_bucket{op="x",le="+Inf"} 3',
        'demo_latency_seconds_sum{op="x"} 7.7',
        'demo_latency_seconds_count{op="x"} 3',
        '# HELP demo_empty_total Declared, never incremented.',
        '# TYPE demo_empty_total counter',
        'demo_empty_total{a="b"} 0',
        '',
      ].join('\n'),
    );
    expect(m.value('demo_requests_total', { route: '/a', code: '200' })).toBe(3);
    expect(m.value('demo_latency_seconds', { op: 'x' })).toBe(3);
    expect(m.value('nope')).toBe(0);
  });

  it('summarizes each family', () => {
    const m = new MetricsRegistry();
    m.inc('x_total', 'Things.', { kind: 'a' }, 4);
    m.observe('y_seconds', 'Time.', { op: 'p' }, 0.002);
    m.observe('y_seconds', 'Time.', { op: 'p' }, 0.004);
    expect(m.summary()).toBe('x_total — Things.\n  kind=a  4\ny_seconds — Time.\n  op=p  count 2  mean 3.000ms  max 4.000ms\n');
    expect(new MetricsRegistry().summary()).toBe('no metrics recorded\n');
  });

  it('refuses to redeclare a family with another type or labels, and invalid names', () => {
    const m = new MetricsRegistry();
    m.inc('a_total', 'A.', { x: '1' });
    expect(() => m.set('a_total', 'A.', { x: '1' }, 1)).toThrow(/metric "a_total" is already a counter with labels \[x\]; cannot redeclare it as a gauge/);
    expect(() => m.inc('a_total', 'A.', { y: '1' })).toThrow(/labels \[x\]; cannot redeclare it as a counter with labels \[y\]/);
    expect(() => m.inc('bad-name', 'B.', {})).toThrow(/invalid metric name "bad-name"/);
    expect(() => m.inc('c_total', 'C.', { le: '1' })).toThrow(/invalid label name "le"/);
  });
});

describe('metrics hook', () => {
  it('records steps by static path, errors, retries, tools, decisions, runs, breakers and the output cache', async () => {
    const h = harness();
    const yaml = wf(`hooks:
  - { id: m, use: metrics }
  - { id: c, use: cache, match: { step: cached } }
  - id: stop-echo
    at: before_tool
    match: { step: stopped }
    do: { cancel: { reason: no } }
steps:
  - id: each
    loop:
      forEach: [1, 2, 3]
      steps:
        - { id: add, tool: test.add, with: { a: "\${ item }", b: 1 } }
  - { id: flaky, tool: test.flaky, with: { key: "\${ run.id }", failures: 1 }, retry: { attempts: 2 } }
  - { id: bad, tool: test.fail, with: { code: OOPS }, onError: continue }
  - { id: stopped, tool: test.echo, with: { value: 1 }, onError: continue }
  - { id: cached, tool: test.add, with: { a: 0, b: 0 } }
`);
    await h.run(yaml);
    await h.run(yaml);
    const m = h.engine.metrics();
    const v = (name: string, labels: Record<string, string>) => m.value(name, labels);
    expect(v('hookflow_steps_total', { workflow: 'test', step: 'each[]/add', status: 'completed' })).toBe(6);
    expect(v('hookflow_step_duration_seconds', { workflow: 'test', step: 'each[]/add' })).toBe(6);
    expect(v('hookflow_steps_total', { workflow: 'test', step: 'bad', status: 'failed' })).toBe(2);
    expect(v('hookflow_step_errors_total', { workflow: 'test', step: 'bad', code: 'OOPS' })).toBe(2);
    expect(v('hookflow_steps_total', { workflow: 'test', step: 'stopped', status: 'cancelled' })).toBe(2);
    expect(v('hookflow_steps_total', { workflow: 'test', step: 'cached', status: 'cached' })).toBe(1);
    expect(v('hookflow_step_retries_total', { workflow: 'test', step: 'flaky', reason: 'policy' })).toBe(2);
    expect(v('hookflow_tool_calls_total', { tool: 'test.add', status: 'ok' })).toBe(7);
    expect(v('hookflow_tool_calls_total', { tool: 'test.fail', status: 'error' })).toBe(2);
    expect(v('hookflow_tool_errors_total', { tool: 'test.flaky', code: 'FLAKY' })).toBe(2);
    expect(v('hookflow_tool_duration_seconds', { tool: 'test.add' })).toBe(7);
    expect(v('hookflow_hook_decisions_total', { hook: 'stop-echo', point: 'before_tool', action: 'cancel' })).toBe(2);
    expect(v('hookflow_runs_total', { workflow: 'test', status: 'completed' })).toBe(2);
    expect(v('hookflow_cache_requests_total', { hook: 'c', result: 'hit' })).toBe(1);
    expect(v('hookflow_output_cache_total', { event: 'hit' })).toBe(1);
    expect(v('hookflow_breaker_state', { hook: 'test:stop-echo' })).toBe(0);
    expect(v('hookflow_hook_calls_total', { hook: 'test:stop-echo' })).toBe(2);
    const text = m.prometheus();
    expect(text).toContain('# TYPE hookflow_step_duration_seconds histogram\n');
    expect(text).toMatch(/^hookflow_step_duration_seconds_bucket\{workflow="test",step="each\[\]\/add",le="\+Inf"\} 6$/m);
    expect(m.summary()).toMatch(/hookflow_steps_total — .*\n(.*\n)*\s+workflow=test step=each\[\]\/add status=completed\s+6\n/);
  });

  it('a metrics hook from code and one from YAML do not count a run twice', async () => {
    const h = harness();
    await h.engine.use('metrics', { id: 'global-metrics' });
    await h.run(wf(`hooks:
  - { id: m, use: metrics }
steps:
  - { id: a, tool: test.add, with: { a: 1, b: 1 } }
`));
    const m = h.engine.metrics();
    expect(m.value('hookflow_steps_total', { workflow: 'test', step: 'a', status: 'completed' })).toBe(1);
    expect(m.value('hookflow_tool_calls_total', { tool: 'test.add', status: 'ok' })).toBe(1);
  });

  it('rejects bad options', async () => {
    const h = harness();
    const bad = (w: string) =>
      h.run(wf(`hooks:
  - { id: m, use: metrics, with: ${w} }
steps:
  - { id: a, tool: test.echo, with: { value: 1 } }
`));
    expect(await refused(bad('{ buckets: [1, 0.5] }'))).toMatch(/hook "m" \(use: metrics\): with\.buckets: expected strictly increasing bucket bounds \(seconds\)/);
    expect(await refused(bad('{ buckets: [] }'))).toMatch(/with\.buckets: expected at least 1 item, found 0/);
    expect(await refused(bad('{ tools: maybe }'))).toMatch(/with\.tools: expected true or false, found "maybe"/);
  });

  it('`hookflow run --metrics` prints the summary to stderr', async () => {
    const d = tempDir('hookflow-cli-');
    dirs.push(d);
    writeFileSync(join(d.path, 'flow.yaml'), wf(`steps:
  - { id: sum, tool: math.calc, with: { expression: "2 + 3" } }
`, 'cli-metrics'));
    let out = '';
    let err = '';
    const code = await runCommand('run', ['flow.yaml', '--metrics', '--store', join(d.path, 'h.db'), '--quiet'], {
      stdout: (t) => void (out += t),
      stderr: (t) => void (err += t),
      cwd: d.path,
      env: {},
      isTTY: false,
    });
    expect(code).toBe(0);
    expect(out.trim()).toBe('5');
    expect(err).toMatch(/hookflow: metrics\n/);
    expect(err).toMatch(/hookflow_steps_total — Steps that ended.*\n\s+workflow=cli-metrics step=sum status=completed\s+1\n/);
    expect(err).toMatch(/hookflow_tool_calls_total — .*\n\s+tool=math\.calc status=ok\s+1\n/);
  });
});
