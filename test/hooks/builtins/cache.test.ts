/**
 * `cache` end to end: default and template keys, hits across runs, errors never cached, ttl on the
 * fake clock, the per-hook `max` budget inside the shared engine LRU, per-hook counts, `persist`
 * across two engines on one SQLite file (a second process), `match`, cache + retry, option errors.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createEngine, loadWorkflowText, SqliteStore } from '../../../src/index.js';
import { harness, testTools, wf } from '../../helpers.js';
import { refused, tempDir } from './support.js';

const hits = (h: ReturnType<typeof harness>, hook = 'c') => h.engine.metrics().value('hookflow_cache_requests_total', { hook, result: 'hit' });
const misses = (h: ReturnType<typeof harness>, hook = 'c') => h.engine.metrics().value('hookflow_cache_requests_total', { hook, result: 'miss' });

describe('cache', () => {
  afterEach(() => vi.useRealTimers());

  it('serves the second run from the cache (default key: workflow + static path + canonical input)', async () => {
    const h = harness();
    const yaml = wf(`hooks:
  - id: c
    use: cache
steps:
  - id: sum
    tool: test.add
    with: { a: "\${ input.a }", b: 2 }
`);
    expect((await h.run(yaml, { a: 1 })).output).toBe(3);
    expect((await h.run(yaml, { a: 1 })).output).toBe(3);
    expect((await h.run(yaml, { a: 5 })).output).toBe(7);
    expect(h.calls['test.add']).toBe(2);
    const cached = h.events.filter((e) => e.type === 'step.cached');
    expect(cached).toHaveLength(1);
    expect(cached[0]?.data).toMatchObject({ path: 'sum', key: expect.stringMatching(/^test:sum:[0-9a-f]{64}$/) });
    expect([hits(h), misses(h)]).toEqual([1, 2]);
    expect(h.engine.cacheStats).toMatchObject({ hits: 1, misses: 2, sets: 2 });
  });

  it('never caches an error: a failed step runs again, and its later success is cached', async () => {
    const h = harness();
    const yaml = wf(`hooks:
  - id: c
    use: cache
steps:
  - id: f
    tool: test.flaky
    with: { key: once, failures: 1, value: fine }
    onError: continue
`);
    const first = await h.run(yaml);
    expect(first.output).toBeNull();
    expect(h.engine.cache.size).toBe(0);
    expect((await h.run(yaml)).output).toBe('fine');
    expect((await h.run(yaml)).output).toBe('fine');
    expect(h.calls['flaky:once']).toBe(2);
    expect([hits(h), misses(h)]).toEqual([1, 2]);
  });

  it('with the default key only steps with arguments are cached: a loop over the run input is not', async () => {
    const h = harness();
    const yaml = wf(`hooks:
  - id: c
    use: cache
steps:
  - id: each
    loop:
      forEach: "\${ input.items }"
      steps:
        - { id: add, tool: test.add, with: { a: "\${ item }", b: 0 } }
`);
    expect((await h.run(yaml, { items: [1, 2] })).output).toEqual([1, 2]);
    expect((await h.run(yaml, { items: [2, 3] })).output).toEqual([2, 3]);
    expect(h.calls['test.add']).toBe(3); // 1, 2, then 3: the second `2` was a hit
    expect(h.events.filter((e) => e.type === 'step.cached').map((e) => (e.data as { path: string }).path)).toEqual(['each[0]/add']);
  });

  it('`key:` is a JSONata template over the context, namespaced by the hook id', async () => {
    const h = harness();
    const r = await h.run(wf(`hooks:
  - id: by-user
    use: cache
    with: { key: "\${ input.user }" }
steps:
  - { id: a, tool: test.echo, with: { value: "first", user: ada } }
  - { id: b, tool: test.echo, with: { value: "second", user: ada } }
  - { id: c, tool: test.echo, with: { value: "third", user: bob } }
  - { id: out, tool: test.echo, with: { value: "\${ [steps.a.output, steps.b.output, steps.c.output] }", user: "\${ 'z' }" } }
`));
    expect(r.output).toEqual(['first', 'first', 'third']);
    expect(h.events.filter((e) => e.type === 'step.cached').map((e) => (e.data as { key: string }).key)).toEqual(['by-user:ada']);
  });

  it('ttl expires entries on the injected clock', async () => {
    // Not at epoch 0: lru-cache treats a start time of 0 as "no ttl".
    vi.useFakeTimers({ now: 1_000_000 });
    const h = harness();
    const yaml = wf(`hooks:
  - id: c
    use: cache
    with: { ttl: 10s }
steps:
  - { id: s, tool: test.add, with: { a: 1, b: 1 } }
`);
    await h.run(yaml);
    await vi.advanceTimersByTimeAsync(9_000);
    await h.run(yaml);
    expect(h.calls['test.add']).toBe(1);
    await vi.advanceTimersByTimeAsync(1_001);
    await h.run(yaml);
    expect(h.calls['test.add']).toBe(2);
  });

  it('max bounds this hook\'s entries in the shared engine cache (LRU), counting evictions', async () => {
    const h = harness();
    const yaml = wf(`hooks:
  - id: c
    use: cache
    match: { step: s }
    with: { max: 2 }
  - id: other
    use: cache
    match: { step: keep }
steps:
  - { id: keep, tool: test.add, with: { a: 100, b: 0 } }
  - { id: s, tool: test.add, with: { a: "\${ input.n }", b: 0 } }
`);
    for (const n of [1, 2, 3]) await h.run(yaml, { n });
    expect(h.calls['test.add']).toBe(4); // keep once, then s for 1, 2, 3
    expect(h.engine.metrics().value('hookflow_cache_evictions_total', { hook: 'c' })).toBe(1);
    await h.run(yaml, { n: 3 }); // still cached
    await h.run(yaml, { n: 1 }); // evicted by the budget of `c`
    expect(h.calls['test.add']).toBe(5);
    expect(h.engine.metrics().value('hookflow_cache_evictions_total', { hook: 'c' })).toBe(2);
    expect(h.engine.metrics().value('hookflow_cache_evictions_total', { hook: 'other' })).toBe(0);
    expect(h.events.filter((e) => e.type === 'step.cached' && (e.data as { path: string }).path === 'keep')).toHaveLength(4);
  });

  it('match restricts what is cached', async () => {
    const h = harness();
    const yaml = wf(`hooks:
  - id: c
    use: cache
    with: { match: { tool: "test.add" } }
steps:
  - { id: a, tool: test.add, with: { a: 1, b: 1 } }
  - { id: e, tool: test.echo, with: { value: 1 } }
`);
    await h.run(yaml);
    await h.run(yaml);
    expect(h.calls['test.add']).toBe(1);
    expect(h.calls['test.echo']).toBe(2);
  });

  it('at before_tool caches the tool call (event step.cached names the tool)', async () => {
    const h = harness();
    const yaml = wf(`hooks:
  - id: c
    use: cache
    at: before_tool
steps:
  - { id: a, tool: test.add, with: { a: 2, b: 2 } }
`);
    await h.run(yaml);
    await h.run(yaml);
    expect(h.calls['test.add']).toBe(1);
    expect(h.events.find((e) => e.type === 'step.cached')?.data).toMatchObject({ tool: 'test.add', key: expect.stringMatching(/^tool:test:a:/) });
  });

  it('persist: a second engine on the same SQLite file (another process) hits without executing', async () => {
    const dir = tempDir();
    try {
      const file = join(dir.path, 'hookflow.db');
      const yaml = wf(`hooks:
  - id: c
    use: cache
    with: { persist: true, ttl: 1h }
steps:
  - { id: s, tool: test.add, with: { a: 20, b: 22 } }
`);
      const runOnce = async (): Promise<{ output: unknown; calls: number }> => {
        const calls: Record<string, number> = {};
        const store = SqliteStore.open(file);
        const engine = createEngine({ store, tools: testTools(calls) });
        try {
          const r = await engine.run(loadWorkflowText(yaml, '/virtual/persist.yaml'));
          return { output: r.output, calls: calls['test.add'] ?? 0 };
        } finally {
          await engine.close();
          store.close();
        }
      };
      expect(await runOnce()).toEqual({ output: 42, calls: 1 });
      expect(await runOnce()).toEqual({ output: 42, calls: 0 });
    } finally {
      dir.cleanup();
    }
  });

  it('cache + retry: a flaky step is retried to success, and that success is what later runs get', async () => {
    const h = harness();
    const yaml = wf(`hooks:
  - id: c
    use: cache
  - id: r
    use: retry
    with: { on: [FLAKY], minTimeout: 0, retries: 3 }
steps:
  - { id: s, tool: test.flaky, with: { key: cr, failures: 2, value: done } }
`);
    expect((await h.run(yaml)).output).toBe('done');
    expect((await h.run(yaml)).output).toBe('done');
    expect(h.calls['flaky:cr']).toBe(3);
    expect(h.events.filter((e) => e.type === 'step.retrying')).toHaveLength(2);
    expect(h.events.filter((e) => e.type === 'step.cached')).toHaveLength(1);
  });

  it('rejects bad options and points', async () => {
    const h = harness();
    const bad = (w: string, at = '') =>
      h.run(wf(`hooks:
  - id: c
    use: cache${at}
    with: ${w}
steps:
  - { id: a, tool: test.echo, with: { value: 1 } }
`));
    expect(await refused(bad('{ ttl: soon }'))).toMatch(/hook "c" \(use: cache\): with\.ttl: expected a duration .*found "soon"/);
    expect(await refused(bad('{ max: 0 }'))).toMatch(/with\.max: expected a number >= 1, found 0/);
    expect(await refused(bad('{ key: "${ (" }'))).toMatch(/with\.key: invalid expression/);
    expect(await refused(bad('{ persist: yes }'))).toMatch(/with\.persist: expected true or false, found "yes"/);
    expect(await refused(bad('{}', '\n    at: after_step'))).toMatch(/at: cache cannot act at after_step; expected some of before_step, before_tool, before_agent/);
  });
});
