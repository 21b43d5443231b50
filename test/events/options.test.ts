import { describe, expect, it } from 'vitest';
import { DEFAULT_SUBSCRIBE_OPTIONS, resolveSubscribeOptions } from '../../src/events/options.js';
import { HookflowError } from '../../src/errors.js';

describe('resolveSubscribeOptions', () => {
  it('applies per-subscription options over bus defaults over the built-ins', () => {
    expect(resolveSubscribeOptions(undefined, undefined)).toEqual({ ...DEFAULT_SUBSCRIBE_OPTIONS, highMark: 8000, lowMark: 5000 });
    expect(resolveSubscribeOptions({ buffer: 10 }, { buffer: 20, overflow: 'block' })).toMatchObject({ buffer: 10, overflow: 'block' });
    expect(resolveSubscribeOptions({ overflow: undefined }, { overflow: 'error' })).toMatchObject({ overflow: 'error' });
  });

  it.each([
    [10, 0.8, 0.5, 8, 5],
    [10, 0.7, 0.3, 7, 3], // 0.7 * 10 is 7.000000000000001 in floating point; still 7
    [1, 0.8, 0.5, 1, 0],
    [2, 0.8, 0.5, 2, 1],
    [4, 1, 0.25, 4, 1],
    [3, 0.5, 0.4, 2, 1],
    [5, 0.2, 0.1, 1, 0],
  ])('buffer %d, high %d, low %d -> highMark %d, lowMark %d', (buffer, highWatermark, lowWatermark, highMark, lowMark) => {
    expect(resolveSubscribeOptions({ buffer, highWatermark, lowWatermark }, undefined)).toMatchObject({ highMark, lowMark });
  });

  it.each([
    [{ buffer: 0 }, 'Expected `buffer` to be an integer from 1 and up, got `0` (number)'],
    [{ buffer: 1.5 }, 'got `1.5` (number)'],
    [{ buffer: '10' as unknown as number }, "got `'10'` (string)"],
    [{ overflow: 'drop' as 'block' }, "Expected `overflow` to be one of 'drop-oldest', 'drop-newest', 'block', 'error', got `'drop'` (string)"],
    [{ highWatermark: 0 }, 'Expected `highWatermark` to be a number above 0 and at most 1, got `0` (number)'],
    [{ highWatermark: 1.2 }, 'got `1.2` (number)'],
    [{ lowWatermark: 0.9 }, 'Expected `lowWatermark` to be a number from 0 and below `highWatermark` (0.8), got `0.9` (number)'],
    [{ lowWatermark: -0.1 }, 'got `-0.1` (number)'],
    [{ highWatermark: Number.NaN }, 'got `NaN` (number)'],
  ])('rejects %o', (opts, message) => {
    let caught: unknown;
    try {
      resolveSubscribeOptions(opts, undefined);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(HookflowError);
    expect((caught as HookflowError).code).toBe('VALIDATION');
    expect((caught as HookflowError).message).toContain(message);
    expect((caught as HookflowError).retryable).toBe(false);
  });
});
