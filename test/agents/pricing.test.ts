import { describe, expect, it } from 'vitest';
import { DEFAULT_PRICING_FILE, costOf, loadPricing, parsePricing, priceOf } from '../../src/agents/pricing.js';
import { HookflowError } from '../../src/errors.js';

describe('pricing', () => {
  it('loads the shipped price table, with a non-zero price for the scripted provider', async () => {
    const table = await loadPricing();
    expect(DEFAULT_PRICING_FILE).toMatch(/definitions[/\\]pricing\.yaml$/);
    expect(table.currency).toBe('USD');
    expect(table.per).toBe(1_000_000);
    expect(table.models['gpt-4o-mini']).toEqual({ input: 0.15, output: 0.6 });
    expect(priceOf(table, 'scripted')?.input).toBeGreaterThan(0);
    expect(costOf(table, { model: 'scripted', inputTokens: 1_000_000, outputTokens: 500_000 })).toBe(2);
  });

  it('matches dated snapshots to the longest listed prefix', () => {
    const table = parsePricing('models:\n  gpt-4o: { input: 2.5, output: 10 }\n  gpt-4o-mini: { input: 0.15, output: 0.6 }\n', 'p.yaml');
    expect(table.per).toBe(1_000_000);
    expect(priceOf(table, 'gpt-4o-mini-2024-07-18')).toEqual({ input: 0.15, output: 0.6 });
    expect(priceOf(table, 'gpt-4o-2024-08-06')).toEqual({ input: 2.5, output: 10 });
    expect(priceOf(table, 'gpt-4omni')).toBeUndefined();
    expect(costOf(table, { model: 'llama3', inputTokens: 1, outputTokens: 1 })).toBeUndefined();
    expect(costOf(table, { model: 'gpt-4o', inputTokens: 2000, outputTokens: 1000 })).toBeCloseTo(0.015, 10);
  });

  it('reports invalid tables with positions', () => {
    let err: unknown;
    try {
      parsePricing('currency: USD\nmodels:\n  gpt-4o: { input: -1, outptu: 3 }\n', 'p.yaml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(HookflowError);
    expect((err as HookflowError).message.split('\n')).toEqual([
      'p.yaml:3:11: models.gpt-4o.output: missing required key "output" (a number)',
      'p.yaml:3:20: models.gpt-4o.input: expected a number >= 0, found -1 (number)',
      'p.yaml:3:24: models.gpt-4o.outptu: unknown key "outptu" (did you mean "output"?); allowed keys: input, output',
    ]);
  });
});
