/**
 * Errors are data: every failure the engine reports is a {@link HookflowError} with a stable string
 * `code`, an optional step path and an optional cause. Formatting happens at the edge (CLI, logs).
 */

/** Stable error codes. User `fail:` steps may use any other string. */
export const ErrorCode = {
  VALIDATION: 'VALIDATION',
  EXPRESSION: 'EXPRESSION',
  TIMEOUT: 'TIMEOUT',
  CANCELLED: 'CANCELLED',
  HOOK_CANCELLED: 'HOOK_CANCELLED',
  HOOK_RESULT_INVALID: 'HOOK_RESULT_INVALID',
  HOOK_FAILED: 'HOOK_FAILED',
  REDIRECT_LIMIT: 'REDIRECT_LIMIT',
  LOOP_LIMIT: 'LOOP_LIMIT',
  TOOL_NOT_FOUND: 'TOOL_NOT_FOUND',
  TOOL_INPUT: 'TOOL_INPUT',
  TOOL_ERROR: 'TOOL_ERROR',
  AGENT_NOT_FOUND: 'AGENT_NOT_FOUND',
  AGENT_ERROR: 'AGENT_ERROR',
  BUDGET_EXCEEDED: 'BUDGET_EXCEEDED',
  RATE_LIMITED: 'RATE_LIMITED',
  SECURITY: 'SECURITY',
  STORE: 'STORE',
  STORE_CORRUPT: 'STORE_CORRUPT',
  RUN_NOT_FOUND: 'RUN_NOT_FOUND',
  RUN_EXISTS: 'RUN_EXISTS',
  RUN_BUSY: 'RUN_BUSY',
  INPUT: 'INPUT',
  SIGNAL_TIMEOUT: 'SIGNAL_TIMEOUT',
  INTERNAL: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The serialisable shape of an error, as stored in journals and returned in run results. */
export interface ErrorInfo {
  code: string;
  message: string;
  step?: string;
  /** Extra machine-readable detail (e.g. the failing field of a TOOL_INPUT error). */
  details?: unknown;
}

/** The one error class of hookflow. `code` is stable; `message` is for humans. */
export class HookflowError extends Error {
  override readonly name = 'HookflowError';
  readonly code: string;
  /** Step path the error belongs to, when known. */
  step?: string;
  readonly details?: unknown;
  /** Whether a retry policy may retry this error (false for validation-like errors). */
  readonly retryable: boolean;

  constructor(code: string, message: string, opts: { step?: string; cause?: unknown; details?: unknown; retryable?: boolean } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    if (opts.step !== undefined) this.step = opts.step;
    if (opts.details !== undefined) this.details = opts.details;
    this.retryable = opts.retryable ?? true;
  }

  toJSON(): ErrorInfo {
    const info: ErrorInfo = { code: this.code, message: this.message };
    if (this.step !== undefined) info.step = this.step;
    if (this.details !== undefined) info.details = this.details;
    return info;
  }
}

/**
 * Turns anything thrown into a HookflowError. Errors thrown by tools keep their `code` property when
 * they have a string one (e.g. `ECONNRESET`, `HTTP_429`), otherwise become `TOOL_ERROR`-like `fallback`.
 */
export function toHookflowError(err: unknown, fallback: string = ErrorCode.INTERNAL, step?: string): HookflowError {
  if (err instanceof HookflowError) {
    if (step !== undefined && err.step === undefined) err.step = step;
    return err;
  }
  if (err instanceof Error) {
    const raw = (err as Error & { code?: unknown }).code;
    const code = typeof raw === 'string' ? raw : fallback;
    const message = err.name === 'AbortError' || err.name === 'TimeoutError' ? err.message || 'aborted' : err.message;
    return new HookflowError(code, message, { cause: err, ...(step === undefined ? {} : { step }) });
  }
  if (err && typeof err === 'object' && typeof (err as { code?: unknown }).code === 'string') {
    const e = err as { code: string; message?: unknown };
    return new HookflowError(e.code, typeof e.message === 'string' ? e.message : e.code, step === undefined ? {} : { step });
  }
  return new HookflowError(fallback, String(err), step === undefined ? {} : { step });
}

/** Parses an ErrorInfo back into a HookflowError (used when replaying journals). */
export function fromErrorInfo(info: ErrorInfo): HookflowError {
  return new HookflowError(info.code, info.message, {
    ...(info.step === undefined ? {} : { step: info.step }),
    ...(info.details === undefined ? {} : { details: info.details }),
  });
}

/** Exhaustiveness helper for switches over discriminated unions. */
export function assertNever(x: never, what = 'value'): never {
  throw new HookflowError(ErrorCode.INTERNAL, `unexpected ${what}: ${JSON.stringify(x)}`);
}
