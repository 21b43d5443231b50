/**
 * Every built-in from code through `engine.use()`: registered engine-wide (all runs), with the same
 * options and errors as `use:` in YAML; unregistering stops and disposes it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { checkBuiltinOptions } from '../../../src/hooks/builtins/index.js';
import { BUILTIN_HOOKS } from '../../../src/index.js';
import { harness, wf } from '../../helpers.js';
import { parallelBranches, stamper, tempDir, usageTool } from './support.js';

const dirs: Array<{ cleanup(): void }> = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.cleanup();
  vi.useRealTimers();
});

const PLAIN = wf(`steps:
  - { id: a, tool: test.add, with: { a: 1, b: 2 } }
`);

describe('engine.use', () => {
  it('registers all eight built-ins by name', () => {
    expect([...BUILTIN_HOOKS.keys()].sort()).toEqual(['cache', 'cost', 'debug', 'logging', 'metrics', 'rate-limit', 'retry', 'security']);
  });

  it('logging, metrics and debug apply to every run; unregistering disposes them', async () => {
    const d = tempDir();
    dirs.push(d);
    const h = harness({ workspace: d.path });
    const offs = [await h.engine.use('logging', { with: { file: 'all.jsonl' } }), await h.engine.use('metrics'), await h.engine.use('debug', { at: 'after_step' })];
    await h.run(PLAIN);
    await h.run(PLAIN);
    for (const off of offs) off();
    await h.run(PLAIN);
    const lines = readFileSync(join(d.path, 'all.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { point: string; run: string });
    expect(lines.filter((l) => l.point === 'after_step')).toHaveLength(2);
    expect(new Set(lines.map((l) => l.run)).size).toBe(2);
    expect(h.engine.metrics().value('hookflow_runs_total', { workflow: 'test', status: 'completed' })).toBe(2);
    expect(h.events.filter((e) => e.type === 'hook.debug')).toHaveLength(2);
  });

  it('cache, retry and security from code', async () => {
    const h = harness();
    await h.engine.use('cache', { id: 'code-cache', match: { tool: 'test.add' } });
    await h.engine.use('retry', { with: { on: ['FLAKY'], minTimeout: 0 } });
    await h.engine.use('security', { with: { deny: ['test.fail'] } });
    await h.run(PLAIN);
    await h.run(PLAIN);
    expect(h.calls['test.add']).toBe(1);
    expect(h.engine.metrics().value('hookflow_cache_requests_total', { hook: 'code-cache', result: 'hit' })).toBe(1);
    const r = await h.run(wf(`steps:
  - { id: f, tool: test.flaky, with: { key: u, failures: 2, value: ok } }
  - { id: x, tool: test.fail, onError: continue }
`));
    expect(r.output).toBeNull();
    expect(h.calls['flaky:u']).toBe(3);
    expect(h.calls['test.fail']).toBeUndefined();
  });

  it('rate-limit buckets from code are shared by every workflow of the engine', async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const s = stamper();
    const h = harness({ tools: [s.tool] });
    await h.engine.use('rate-limit', { with: { rate: '5/s', burst: 1 } });
    const one = h.run(wf(`steps:\n  - id: fan\n    parallel:\n${parallelBranches(3, 'test.stamp')}`, 'one'));
    const two = h.run(wf(`steps:\n  - id: fan\n    parallel:\n${parallelBranches(3, 'test.stamp')}`, 'two'));
    await vi.runAllTimersAsync();
    await Promise.all([one, two]);
    const t0 = Math.min(...s.starts.map((c) => c.at));
    expect(s.starts.map((c) => c.at - t0).sort((a, b) => a - b)).toEqual([0, 200, 400, 600, 800, 1000]);
  });

  it('cost from code tracks every run', async () => {
    const llm = usageTool();
    const h = harness({ tools: [llm.tool] });
    await h.engine.use('cost', { with: { models: { priced: { input: 10, output: 0 } } } });
    const r = await h.run(wf(`steps:\n  - { id: a, tool: llm.fake }\n  - { id: b, tool: llm.fake }\n`));
    expect((await h.engine.store.getRun(r.runId))?.totals?.cost).toMatchObject({ usd: expect.closeTo(0.02, 9) });
  });

  it('names the hook and the option in errors, and refuses unknown built-ins', async () => {
    const h = harness();
    await expect(h.engine.use('cache', { id: 'my-cache', with: { ttl: 'soon' } })).rejects.toThrow(/hook "my-cache" \(use: cache\): with\.ttl: expected a duration/);
    await expect(h.engine.use('rate-limit')).rejects.toThrow(/hook "rate-limit" \(use: rate-limit\): with\.rate: expected a rate/);
    await expect(h.engine.use('caching')).rejects.toThrow(/unknown built-in hook "caching"; available: logging, metrics, debug, cache, rate-limit, retry, cost, security/);
  });

  it('checkBuiltinOptions validates `with:` and `at:` without building anything', () => {
    const d = tempDir();
    dirs.push(d);
    const opts = (w: Record<string, unknown>, at?: Parameters<typeof checkBuiltinOptions>[1]['at']) => ({ id: 'h', key: 'h', with: w, at });
    checkBuiltinOptions('logging', opts({ file: join(d.path, 'never', 'created.jsonl') }));
    expect(existsSync(join(d.path, 'never'))).toBe(false);
    checkBuiltinOptions('rate-limit', opts({ rate: '5/s' }));
    checkBuiltinOptions('retry', opts({ when: '${ output.ok = false }' }, ['after_step']));
    expect(() => checkBuiltinOptions('retry', opts({}, ['after_step']))).toThrow(/hook "h" \(use: retry\): with\.when: required at after_step/);
    expect(() => checkBuiltinOptions('security', opts({ secretPatterns: ['('] }))).toThrow(/with\.secretPatterns\[0\]: expected a regular expression/);
    expect(() => checkBuiltinOptions('cost', opts({ budget: { perRun: 0 } }))).toThrow(/with\.budget\.perRun: expected a number > 0, found 0/);
    expect(() => checkBuiltinOptions('debug', opts({}, ['after_state_save']))).toThrow(/debug cannot act at after_state_save/);
    expect(() => checkBuiltinOptions('metric', opts({}))).toThrow(/unknown built-in "metric"/);
  });
});
