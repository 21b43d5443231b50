import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { globMatch, globToRegExp } from '../../src/util/glob.js';

/** Backtracking reference matcher over code points, written from the documented semantics. */
function reference(glob: string, value: string, sep: string): boolean {
  const g = tokenize(glob);
  const v = [...value];
  const isSep = (c: string | undefined): boolean => sep !== '' && c === sep;
  const go = (gi: number, vi: number): boolean => {
    if (gi === g.length) return vi === v.length;
    const tok = g[gi];
    if (tok === '**') {
      for (let k = vi; k <= v.length; k++) if (go(gi + 1, k)) return true;
      return false;
    }
    if (tok === '*') {
      for (let k = vi; k <= v.length; k++) {
        if (go(gi + 1, k)) return true;
        if (k < v.length && isSep(v[k])) return false;
      }
      return false;
    }
    if (tok === '?') return vi < v.length && !isSep(v[vi]) && go(gi + 1, vi + 1);
    return v[vi] === tok && go(gi + 1, vi + 1);
  };
  return go(0, 0);
}

function tokenize(glob: string): string[] {
  const chars = [...glob];
  const out: string[] = [];
  for (let i = 0; i < chars.length; i++) {
    if (chars[i] === '*' && chars[i + 1] === '*') {
      out.push('**');
      i++;
    } else {
      out.push(chars[i] as string);
    }
  }
  return out;
}

describe('globMatch over dotted event types', () => {
  it.each([
    ['step.*', 'step.completed', true],
    ['step.*', 'step.a.b', false],
    ['step.*', 'run.started', false],
    ['*.failed', 'step.failed', true],
    ['*.failed', 'run.failed', true],
    ['*.failed', 'a.step.failed', false],
    ['**', 'anything.at.all', true],
    ['**', 'x', true],
    ['run.**', 'run.started', true],
    ['run.**', 'run.a.b.c', true],
    ['run.**', 'run', false],
    ['run.**', 'runner.started', false],
    ['**.failed', 'a.b.failed', true],
    ['step.completed', 'step.completed', true],
    ['step.completed', 'step.completedX', false],
    ['step.completed', 'stepXcompleted', false],
    ['user.order_?', 'user.order_1', true],
    ['user.order_?', 'user.order_12', false],
  ])('%s vs %s -> %s', (glob, value, expected) => {
    expect(globMatch(glob, value, '.')).toBe(expected);
  });

  it('treats regex metacharacters in globs as literals', () => {
    expect(globMatch('a+b.(c)', 'a+b.(c)', '.')).toBe(true);
    expect(globMatch('a+b', 'aab', '.')).toBe(false);
    expect(globMatch('[x]|y', '[x]|y', '.')).toBe(true);
    expect(globMatch('$^', '$^', '.')).toBe(true);
  });

  it('lets wildcards match line breaks and whole astral code points', () => {
    expect(globToRegExp('**').test('a\nb')).toBe(true);
    expect(globMatch('a?c', 'a\nc')).toBe(true);
    expect(globMatch('a?b', 'a😀b', '.')).toBe(true);
    expect(globMatch('a??b', 'a😀b', '.')).toBe(false);
  });

  it('escapes separators that are special inside a character class', () => {
    expect(globMatch('a*b', 'a]b', ']')).toBe(false);
    expect(globMatch('a*b', 'a-b', '-')).toBe(false);
    expect(globMatch('a*b', 'axb', '-')).toBe(true);
    expect(globMatch('src/*.ts', 'src/a.ts', '/')).toBe(true);
    expect(globMatch('src/*.ts', 'src/x/a.ts', '/')).toBe(false);
    expect(globMatch('src/**.ts', 'src/x/a.ts', '/')).toBe(true);
  });

  it('returns the same compiled RegExp for the same glob and separator', () => {
    expect(globToRegExp('step.*', '.')).toBe(globToRegExp('step.*', '.'));
    expect(globToRegExp('step.*', '.')).not.toBe(globToRegExp('step.*', '/'));
  });

  it('agrees with a reference matcher on random globs and values', () => {
    const globTok = fc.constantFrom('a', 'b', '.', '*', '**', '?', '😀');
    const valTok = fc.constantFrom('a', 'b', '.', '\n', '😀');
    fc.assert(
      fc.property(
        fc.array(globTok, { maxLength: 7 }).map((t) => t.join('')),
        fc.array(valTok, { maxLength: 8 }).map((t) => t.join('')),
        fc.constantFrom('.', ''),
        (glob, value, sep) => {
          expect(globMatch(glob, value, sep)).toBe(reference(glob, value, sep));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
