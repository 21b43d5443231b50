/**
 * Subscription options: built-in defaults, validation with p-queue-style messages, and the derived
 * watermark thresholds. Validation runs at subscribe time only, never on publish.
 */
import { ErrorCode, HookflowError } from '../errors.js';
import type { OverflowPolicy, SubscribeOptions } from './types.js';

/** The built-in subscription defaults (see SubscribeOptions in ./types.ts). */
export const DEFAULT_SUBSCRIBE_OPTIONS: Readonly<Required<SubscribeOptions>> = Object.freeze({
  buffer: 10_000,
  overflow: 'drop-oldest',
  highWatermark: 0.8,
  lowWatermark: 0.5,
});

const POLICIES: readonly OverflowPolicy[] = ['drop-oldest', 'drop-newest', 'block', 'error'];

/** Options after defaults are applied, with the integer queue lengths at which watermarks fire. */
export interface ResolvedSubscribeOptions extends Required<SubscribeOptions> {
  /** `bus.pressure` {level:'high'} fires when the queue grows to this length. */
  highMark: number;
  /** `bus.pressure` {level:'normal'} fires when the queue, after a high, shrinks to this length. */
  lowMark: number;
}

// Guards against float noise such as 0.7 * 10 === 7.000000000000001 moving a threshold by one.
const EPSILON = 1e-9;

/** Merges `opts` over `defaults` over the built-ins and validates the result. */
export function resolveSubscribeOptions(opts: SubscribeOptions | undefined, defaults: SubscribeOptions | undefined): ResolvedSubscribeOptions {
  const buffer = opts?.buffer ?? defaults?.buffer ?? DEFAULT_SUBSCRIBE_OPTIONS.buffer;
  const overflow = opts?.overflow ?? defaults?.overflow ?? DEFAULT_SUBSCRIBE_OPTIONS.overflow;
  const highWatermark = opts?.highWatermark ?? defaults?.highWatermark ?? DEFAULT_SUBSCRIBE_OPTIONS.highWatermark;
  const lowWatermark = opts?.lowWatermark ?? defaults?.lowWatermark ?? DEFAULT_SUBSCRIBE_OPTIONS.lowWatermark;

  if (typeof buffer !== 'number' || !Number.isInteger(buffer) || buffer < 1) {
    throw invalid(`Expected \`buffer\` to be an integer from 1 and up, got ${show(buffer)}`, 'buffer');
  }
  if (!POLICIES.includes(overflow)) {
    throw invalid(`Expected \`overflow\` to be one of ${POLICIES.map((p) => `'${p}'`).join(', ')}, got ${show(overflow)}`, 'overflow');
  }
  if (typeof highWatermark !== 'number' || !(highWatermark > 0 && highWatermark <= 1)) {
    throw invalid(`Expected \`highWatermark\` to be a number above 0 and at most 1, got ${show(highWatermark)}`, 'highWatermark');
  }
  if (typeof lowWatermark !== 'number' || !(lowWatermark >= 0 && lowWatermark < highWatermark)) {
    throw invalid(
      `Expected \`lowWatermark\` to be a number from 0 and below \`highWatermark\` (${highWatermark}), got ${show(lowWatermark)}`,
      'lowWatermark',
    );
  }
  const highMark = Math.max(1, Math.ceil(highWatermark * buffer - EPSILON));
  const lowMark = Math.min(highMark - 1, Math.floor(lowWatermark * buffer + EPSILON));
  return { buffer, overflow, highWatermark, lowWatermark, highMark, lowMark };
}

/** Validates the bus-wide `defaults` eagerly so a bad value fails at construction, not at first subscribe. */
export function validateDefaults(defaults: SubscribeOptions | undefined): void {
  if (defaults !== undefined) resolveSubscribeOptions(undefined, defaults);
}

function invalid(message: string, field: string): HookflowError {
  return new HookflowError(ErrorCode.VALIDATION, message, { details: { field }, retryable: false });
}

function show(value: unknown): string {
  const text = typeof value === 'string' ? `'${value}'` : String(value);
  return `\`${text}\` (${value === null ? 'null' : typeof value})`;
}
