/**
 * Registry of built-in hooks by name (`use:` in YAML, `engine.use()` in code), plus the helpers they
 * share with the rest of hookflow (the metrics registry, secret redaction).
 */
import { ErrorCode, HookflowError } from '../../errors.js';
import { cacheHook, cacheOptions } from './cache.js';
import { costHook, costOptions } from './cost.js';
import { debugHook, debugOptions } from './debug.js';
import { loggingHook, loggingOptions } from './logging.js';
import { metricsHook, metricsOptions } from './metrics.js';
import { rateLimitHook, rateLimitOptions } from './rate-limit.js';
import { retryHook, retryOptions } from './retry.js';
import { securityHook, securityOptions } from './security.js';
import type { BuiltinFactory, BuiltinOptions } from './types.js';

/** Every built-in by the name `use:` takes. */
export const BUILTIN_HOOKS: ReadonlyMap<string, BuiltinFactory> = new Map<string, BuiltinFactory>([
  ['logging', loggingHook],
  ['metrics', metricsHook],
  ['debug', debugHook],
  ['cache', cacheHook],
  ['rate-limit', rateLimitHook],
  ['retry', retryHook],
  ['cost', costHook],
  ['security', securityHook],
]);

const CHECKS: ReadonlyMap<string, (opts: BuiltinOptions) => unknown> = new Map<string, (opts: BuiltinOptions) => unknown>([
  ['logging', loggingOptions],
  ['metrics', metricsOptions],
  ['debug', debugOptions],
  ['cache', cacheOptions],
  ['rate-limit', rateLimitOptions],
  ['retry', retryOptions],
  ['cost', costOptions],
  ['security', securityOptions],
]);

/**
 * Checks a built-in's `with:` and `at:` without building it (no file opened, no state touched), so a
 * definition can be refused before a run exists. Throws VALIDATION naming the hook and the option.
 *
 * @example checkBuiltinOptions('cache', { id: 'c', key: 'c', with: { ttl: 'soon' }, at: undefined }) // throws
 */
export function checkBuiltinOptions(name: string, opts: BuiltinOptions): void {
  const check = CHECKS.get(name);
  if (check === undefined) throw new HookflowError(ErrorCode.VALIDATION, `hook "${opts.id}": unknown built-in "${name}"; available: ${[...CHECKS.keys()].join(', ')}`, { retryable: false });
  check(opts);
}

export { metricsOf } from './metrics.js';
export { MetricsRegistry, DEFAULT_BUCKETS, type MetricFamily, type MetricType, type Labels, type HistogramValue } from './metrics-registry.js';
export { createRedactor, redactSecrets, isSecretKey, REDACTED, SECRET_PATTERNS, type RedactOptions } from './redact.js';
export { backoff, isTransient, TRANSIENT_CODES, type Backoff } from './retry.js';
export { parseRate, type Rate } from './rate-limit.js';
export type { CostTotals } from './cost.js';
