/**
 * Registry of built-in hooks by name (`use:` in YAML, `engine.use()` in code), plus the helpers they
 * share with the rest of hookflow (the metrics registry, secret redaction).
 */
import { cacheHook } from './cache.js';
import { costHook } from './cost.js';
import { debugHook } from './debug.js';
import { loggingHook } from './logging.js';
import { metricsHook } from './metrics.js';
import { rateLimitHook } from './rate-limit.js';
import { retryHook } from './retry.js';
import { securityHook } from './security.js';
import type { BuiltinFactory } from './types.js';

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

export { metricsOf } from './metrics.js';
export { MetricsRegistry, DEFAULT_BUCKETS, type MetricFamily, type MetricType, type Labels, type HistogramValue } from './metrics-registry.js';
export { createRedactor, redactSecrets, isSecretKey, REDACTED, SECRET_PATTERNS, type RedactOptions } from './redact.js';
export { backoff, isTransient, TRANSIENT_CODES, type Backoff } from './retry.js';
export { parseRate, type Rate } from './rate-limit.js';
export type { CostTotals } from './cost.js';
