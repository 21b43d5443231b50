import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonClone } from '../../src/store/json-clone.js';

/** What a JSON round trip gives, or the error it throws. */
function viaJson(value: unknown): { value: unknown } | { error: unknown } {
  try {
    const text = JSON.stringify(value);
    return { value: text === undefined ? undefined : (JSON.parse(text) as unknown) };
  } catch (error) {
    return { error };
  }
}

function expectSameAsJson(value: unknown): void {
  const expected = viaJson(value);
  if ('error' in expected) {
    expect(() => jsonClone(value)).toThrow(TypeError);
    expect(() => jsonClone(value)).toThrow((expected.error as Error).message);
  } else {
    expect(jsonClone(value)).toStrictEqual(expected.value);
  }
}

describe('jsonClone', () => {
  it('equals a JSON round trip for any value (property)', () => {
    fc.assert(
      fc.property(
        fc.anything({
          withBigInt: true,
          withBoxedValues: true,
          withDate: true,
          withMap: true,
          withSet: true,
          withNullPrototype: true,
          withObjectString: true,
          withSparseArray: true,
          withTypedArray: true,
          withUnicodeString: true,
        }),
        (value) => expectSameAsJson(value),
      ),
      { numRuns: 500 },
    );
  });

  it('copies deeply: changing the copy leaves the original alone', () => {
    const original = { a: { b: [1, { c: 'x' }] } };
    const copy = jsonClone(original) as typeof original;
    (copy.a.b[1] as { c: string }).c = 'changed';
    expect(original.a.b[1]).toEqual({ c: 'x' });
  });

  it('follows JSON for toJSON (with its key), dates, boxed values, non-finite numbers and -0', () => {
    const keyed = { toJSON: (key: string) => `key:${key}` };
    expectSameAsJson({ a: keyed, list: [keyed, keyed], when: new Date(0), bad: new Date(Number.NaN) });
    expect(jsonClone({ a: keyed, list: [keyed] })).toEqual({ a: 'key:a', list: ['key:0'] });
    expectSameAsJson([new Number(1), new String('s'), new Boolean(false), Number.NaN, -Infinity, -0]);
    expect(Object.is(jsonClone(-0), 0)).toBe(true);
    expectSameAsJson({ f: () => 1, s: Symbol('x'), u: undefined, list: [() => 1, Symbol('y'), undefined] });
    expect(jsonClone(undefined)).toBeUndefined();
    expect(jsonClone(() => 1)).toBeUndefined();
  });

  it('keeps an own __proto__ key as data, as JSON.parse does', () => {
    const value = JSON.parse('{"__proto__": {"polluted": true}, "x": 1}') as Record<string, unknown>;
    const copy = jsonClone(value) as Record<string, unknown>;
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.keys(copy)).toEqual(['__proto__', 'x']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expectSameAsJson(value);
  });

  it('throws like JSON on BigInt and cycles, and handles deep acyclic nesting', () => {
    expect(() => jsonClone({ n: 1n })).toThrow(new TypeError('Do not know how to serialize a BigInt'));
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = { again: cyclic };
    expect(() => jsonClone(cyclic)).toThrow(/circular/i);
    let deep: unknown = 'bottom';
    for (let i = 0; i < 1000; i++) deep = i % 2 === 0 ? { next: deep } : [deep];
    expectSameAsJson(deep);
  });
});
