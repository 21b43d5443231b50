/**
 * Every workflows/*.yaml run through the engine on a real SQLite journal: the output for a chosen
 * input (written out here independently of the header comments), the step paths the run produced,
 * and journal invariants — gap-free event seq, one terminal event, every step record terminal, and a
 * finished run that `resume` answers from the journal without executing anything again.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createEngine, SqliteStore, type Engine } from '../../src/index.js';

const dir = path.resolve(import.meta.dirname, '..', '..', 'workflows');
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();
const tmp = mkdtempSync(path.join(tmpdir(), 'hookflow-workflows-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Case {
  input: unknown;
  output?: unknown;
  error?: { code: string; step?: string };
  /** Step paths that must be in the journal with this status. */
  paths?: Record<string, string>;
  /** Step outputs as journaled (after redaction), by path. */
  journaled?: Record<string, unknown>;
  /** The run output as journaled, when redaction makes it differ from the live result. */
  storedOutput?: unknown;
}

const CASES: Record<string, Case[]> = {
  'builtins-guardrails': [
    {
      input: {},
      output: { nap: 'cancelled', first: 180, second: 'BUDGET_EXCEEDED', third: 'cancelled', credentials: { apiKey: 'not-a-real-key' } },
      storedOutput: { nap: 'cancelled', first: 180, second: 'BUDGET_EXCEEDED', third: 'cancelled', credentials: { apiKey: '[REDACTED]' } },
      paths: { nap: 'cancelled', first: 'completed', second: 'failed', third: 'cancelled' },
      journaled: { credentials: { apiKey: '[REDACTED]' } },
    },
  ],
  'builtins-observability': [{ input: {}, output: { squares: [9, 1, 4], total: 14 }, paths: { 'scores[2]/square': 'completed', total: 'completed' } }],
  'builtins-resilience': [
    {
      input: {},
      output: { tries: 3, counted: 1, echoes: { a: 'a', b: 'b', c: 'c', d: 'd' } },
      paths: { attempt: 'completed', 'count-2': 'completed', 'fan/d': 'completed' },
      journaled: { 'count-2': { counted: 1 } },
    },
  ],
  'agent-research': [
    {
      input: {},
      output: { summary: 'Expected growth: 180 units (15% of 1200)', amount: 180, checked: true },
      paths: { research: 'completed', check: 'completed' },
    },
  ],
  'conditional-routing': [
    {
      input: { amount: 250, country: 'DE' },
      output: { tier: 'large', route: 'eu', checks: { vat: 47.5, receipt: 'EU receipt for 250' }, express: null },
      paths: { 'size/large': 'completed', 'region/eu/vat': 'completed', 'region/eu/receipt': 'completed', express: 'skipped' },
    },
    {
      input: { amount: 20, country: 'US', express: true },
      output: { tier: 'small', route: 'domestic', checks: null, express: 'express shipping' },
      paths: { 'size/small': 'completed', express: 'completed' },
    },
    { input: { amount: -1, country: 'DE' }, error: { code: 'INPUT' } },
  ],
  hello: [{ input: { name: 'Ada' }, output: { greeting: 'Hello, Ada!', doubled: 22, shout: 'HELLO, ADA!' }, paths: { greet: 'completed', measure: 'completed', remember: 'completed' } }],
  'loop-refine': [
    {
      input: { words: ['alpha', 'beta', 'gamma'], target: 3 },
      output: { draft: 'draft v3', rounds: 3, labels: ['0:alpha (long)', '1:beta (short)', '2:gamma (long)'], squares: [0, 1, 4] },
      paths: { 'refine[2]/draft': 'completed', 'label[1]/classify/short': 'completed', 'label[2]/classify/long': 'completed', 'squares[2]/square': 'completed' },
    },
    {
      input: { words: [], target: 1 },
      output: { draft: 'draft v1', rounds: 1, labels: [], squares: [0, 1, 4] },
    },
  ],
  'nested-everything': [
    {
      input: { orders: [{ sku: 'A', qty: 2, price: 30 }, { sku: 'B', qty: 12, price: 10 }] },
      output: { verdicts: ['ok A', 'review 2 for B'], fallback: { recovered: true }, optional: null },
      paths: {
        'outer/per-order[1]/body/checks/ticks[1]/tick-tock/tock': 'completed',
        'outer/per-order[1]/body/checks/kind/bulk': 'completed',
        'outer/per-order[0]/body/verdict/fine/ok-note': 'completed',
        'outer/per-order[1]/body/verdict/review[1]/note': 'completed',
        fallback: 'failed',
        'fallback!catch/recovered': 'completed',
        optional: 'failed',
      },
    },
  ],
  'order-triage': [
    {
      input: { orderId: 'ORD-7', customer: { tier: 'gold' }, items: [{ sku: 'A', qty: 1, price: 15 }, { sku: 'B', qty: 3, price: 40 }] },
      output: { orderId: 'ORD-7', total: 135, priority: 'express', lines: ['1 x A (triage)', '3 x B (triage)'], fingerprint: 'b94866a750c2169a61ab2dab52e2cd3ce4c5b9661d40b5e94d576a6e4f6ba61c' },
      paths: { 'priority/express': 'completed', 'lines[1]/describe': 'completed', notify: 'completed' },
    },
    { input: { orderId: 'ORD-7', items: [] }, error: { code: 'EMPTY_ORDER', step: 'guard/reject' } },
  ],
  'parallel-fanout': [
    {
      input: { text: 'hookflow', n: 6 },
      output: { digest: '209cfe19c1327e6a242c3015b676c2d55591db15d83029f29a74bfe98d2f351e', square: 36, shout: 'HOOKFLOW', parity: 'even' },
      paths: { 'fan/shout/upper': 'completed', 'fan/parity/even': 'completed', 'fan/digest': 'completed' },
    },
  ],
};

const TERMINAL = new Set(['completed', 'skipped', 'failed', 'cancelled']);

async function runCase(engine: Engine, file: string, c: Case): Promise<void> {
  let r;
  try {
    r = await engine.run(path.join(dir, file), c.input);
  } catch (err) {
    // Input that does not match the schema is refused before a run exists.
    expect(c.error?.code).toBe((err as { code?: string }).code);
    return;
  }
  if (c.error) {
    expect(r.status).toBe('failed');
    expect(r.error).toMatchObject(c.error);
  } else {
    expect(r.error).toBeNull();
    expect(r.status).toBe('completed');
    expect(r.output).toEqual(c.output);
  }
  const store = engine.store;
  const events = await store.getEvents(r.runId);
  expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  expect(events.filter((e) => /^run\.(completed|failed|cancelled)$/.test(e.type))).toHaveLength(1);
  const steps = await store.getSteps(r.runId);
  for (const s of steps) expect(TERMINAL.has(s.status), `${s.path} is ${s.status}`).toBe(true);
  const byPath = new Map(steps.map((s) => [s.path, s.status]));
  for (const [p, status] of Object.entries(c.paths ?? {})) expect([p, byPath.get(p)]).toEqual([p, status]);
  for (const [p, output] of Object.entries(c.journaled ?? {})) expect([p, steps.find((s) => s.path === p)?.output]).toEqual([p, output]);
  // A finished run is answered from the journal.
  const again = await engine.resume(r.runId);
  expect(again).toEqual({ runId: r.runId, status: r.status, output: c.storedOutput ?? r.output, error: r.error });
  expect((await store.getEvents(r.runId)).length).toBe(events.length);
}

describe('workflows/*.yaml through the engine', () => {
  it('every workflow has an engine case', () => {
    expect(files.map((f) => f.replace(/\.yaml$/, '')).filter((n) => !(n in CASES))).toEqual([]);
  });

  for (const file of files) {
    const name = file.replace(/\.yaml$/, '');
    it(`${name} runs as documented on a SQLite journal`, async () => {
      const store = SqliteStore.open(path.join(tmp, `${name}.db`));
      // Workflows that write files (the logging built-in) write them under the temp workspace.
      const engine = createEngine({ store, workspace: tmp });
      try {
        for (const c of CASES[name] ?? []) await runCase(engine, file, c);
      } finally {
        await engine.close();
        await store.close();
      }
    });
  }
});
