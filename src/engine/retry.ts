/**
 * Retry policy arithmetic: which errors a policy retries and how long to wait before the next attempt.
 * The attempt loop itself runs on p-retry (see step.ts); delays are slept on the injected clock.
 */
import type { RetryPolicy } from '../dsl/types.js';
import { ErrorCode, type HookflowError } from '../errors.js';

/** Codes no retry policy retries unless it lists them in `on:` explicitly. */
const NEVER_BY_DEFAULT: ReadonlySet<string> = new Set([
  ErrorCode.EXPRESSION,
  ErrorCode.TOOL_INPUT,
  ErrorCode.TOOL_NOT_FOUND,
  ErrorCode.VALIDATION,
  ErrorCode.HOOK_CANCELLED,
  ErrorCode.HOOK_RESULT_INVALID,
  ErrorCode.REDIRECT_LIMIT,
  ErrorCode.LOOP_LIMIT,
  ErrorCode.CANCELLED,
  ErrorCode.SECURITY,
  ErrorCode.BUDGET_EXCEEDED,
  ErrorCode.AGENT_NOT_FOUND,
]);

/** Whether `policy` retries `err`. */
export function isRetryable(err: HookflowError, policy: RetryPolicy): boolean {
  if (policy.on !== undefined) return policy.on.includes(err.code);
  return err.retryable && !NEVER_BY_DEFAULT.has(err.code);
}

/**
 * Delay before retry number `retry` (1 = the wait after the first failed attempt).
 * constant: delay; linear: delay × retry; exponential: delay × factor^(retry-1); capped by maxDelay;
 * jitter full: uniform [0, d]; equal: d/2 + uniform [0, d/2].
 */
export function backoffDelay(policy: RetryPolicy, retry: number, random: () => number): number {
  let d: number;
  switch (policy.backoff) {
    case 'constant':
      d = policy.delay;
      break;
    case 'linear':
      d = policy.delay * retry;
      break;
    case 'exponential':
      d = policy.delay * policy.factor ** (retry - 1);
      break;
  }
  if (policy.maxDelay !== undefined) d = Math.min(d, policy.maxDelay);
  switch (policy.jitter) {
    case 'none':
      break;
    case 'full':
      d = random() * d;
      break;
    case 'equal':
      d = d / 2 + (random() * d) / 2;
      break;
  }
  return Math.max(0, Math.round(d));
}
