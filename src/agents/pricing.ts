/**
 * The price table of definitions/pricing.yaml: token prices per model, so reported usage can be
 * turned into a cost (the `cost` hook) and checked against budgets.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ErrorCode, HookflowError } from '../errors.js';
import { parseYamlWith } from './yaml-validate.js';

/** The price table shipped with hookflow (definitions/pricing.yaml). */
export const DEFAULT_PRICING_FILE = fileURLToPath(new URL('../../definitions/pricing.yaml', import.meta.url));

const price = z.number().min(0);

const pricingSchema = z.strictObject({
  currency: z.string().min(1).default('USD'),
  per: z.int().min(1).default(1_000_000),
  models: z.record(z.string().min(1), z.strictObject({ input: price, output: price })),
});

/** Prices of one model, in `currency` per `per` tokens. */
export interface ModelPrice {
  input: number;
  output: number;
}

/** A parsed price table. */
export interface PriceTable {
  /** @default 'USD' */
  currency: string;
  /** Tokens a price is for. @default 1000000 */
  per: number;
  models: Record<string, ModelPrice>;
}

/** Parses pricing YAML; errors are VALIDATION with `file:line:col` positions. */
export function parsePricing(text: string, file: string): PriceTable {
  return parseYamlWith(text, file, pricingSchema, 'pricing settings (currency, per, models)');
}

/** Reads a pricing file. @default DEFAULT_PRICING_FILE */
export async function loadPricing(file: string = DEFAULT_PRICING_FILE): Promise<PriceTable> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new HookflowError(ErrorCode.VALIDATION, `cannot read the price table ${file}: ${(err as Error).message}`, { cause: err, retryable: false });
  }
  return parsePricing(text, file);
}

/**
 * The price of `model`: an exact entry, else the longest entry that `model` starts with followed by `-`
 * (dated snapshots), else undefined.
 */
export function priceOf(table: PriceTable, model: string): ModelPrice | undefined {
  const exact = table.models[model];
  if (exact !== undefined) return exact;
  let best: string | undefined;
  for (const name of Object.keys(table.models)) {
    if (model.startsWith(`${name}-`) && (best === undefined || name.length > best.length)) best = name;
  }
  return best === undefined ? undefined : table.models[best];
}

/** Cost of one usage report in the table's currency, or undefined for an unpriced model. */
export function costOf(table: PriceTable, usage: { model: string; inputTokens: number; outputTokens: number }): number | undefined {
  const p = priceOf(table, usage.model);
  if (p === undefined) return undefined;
  return (usage.inputTokens * p.input + usage.outputTokens * p.output) / table.per;
}
