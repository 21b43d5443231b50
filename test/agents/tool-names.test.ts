import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ToolNameMap, toWireName } from '../../src/agents/tool-names.js';
import { HookflowError } from '../../src/errors.js';

describe('tool names on the wire', () => {
  it('maps dots (and anything outside [A-Za-z0-9_-]) to underscores', () => {
    expect(toWireName('math.calc')).toBe('math_calc');
    expect(toWireName('fs.read-file')).toBe('fs_read-file');
    expect(toWireName('a b/c')).toBe('a_b_c');
  });

  it('always yields a valid wire name, and leaves valid ones alone', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 64 }), (name) => {
        const wire = toWireName(name);
        expect(wire).toMatch(/^[A-Za-z0-9_-]*$/);
        expect(toWireName(wire)).toBe(wire);
      }),
    );
  });

  it('round-trips every name of a collision-free set', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.stringMatching(/^[a-z]{1,5}(\.[a-z]{1,5}){0,2}$/), { maxLength: 8, selector: toWireName }), (names) => {
        const map = new ToolNameMap(names, 'a');
        for (const n of names) expect(map.fromWire(map.toWire(n) as string)).toBe(n);
        expect(map.names).toEqual(names);
      }),
    );
  });

  it('refuses collisions and over-long names at construction', () => {
    expect(() => new ToolNameMap(['a.b', 'a_b'], 'bot')).toThrow(HookflowError);
    expect(() => new ToolNameMap(['a.b', 'a_b'], 'bot')).toThrow('agent "bot": tools "a.b" and "a_b" both become "a_b" on the wire');
    expect(() => new ToolNameMap(['x'.repeat(65)], 'bot')).toThrow('must be 1 to 64 characters long');
    expect(new ToolNameMap(['a.b', 'a.b'], 'bot').names).toEqual(['a.b']);
    expect(new ToolNameMap(['a.b'], 'bot').fromWire('nope')).toBeUndefined();
  });
});
