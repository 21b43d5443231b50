import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { unifiedDiff } from '../../../src/tools/builtins/text-diff.js';
import { callTool, errorOf } from '../helpers.js';

/** Applies a unified diff produced by unifiedDiff to `a` (strict: context and removals must match). */
function applyPatch(a: string, patch: string): string {
  if (patch === '') return a;
  const src = a === '' ? [] : a.split('\n');
  const srcNoEol = a !== '' && !a.endsWith('\n');
  if (!srcNoEol && src.length > 0) src.pop();
  const lines = patch.split('\n');
  if (lines.at(-1) === '') lines.pop();
  expect(lines[0]?.startsWith('--- ')).toBe(true);
  expect(lines[1]?.startsWith('+++ ')).toBe(true);
  const out: string[] = [];
  let pos = 0;
  let outNoEol = false;
  let i = 2;
  while (i < lines.length) {
    const m = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@$/.exec(lines[i] as string);
    expect(m, `hunk header: ${lines[i]}`).not.toBeNull();
    const aStart = Number(m?.[1]);
    const aLen = m?.[2] === undefined ? 1 : Number(m[2]);
    const start0 = aLen === 0 ? aStart : aStart - 1;
    while (pos < start0) out.push(src[pos++] as string);
    i++;
    let last: ' ' | '-' | '+' = ' ';
    while (i < lines.length && !(lines[i] as string).startsWith('@@')) {
      const l = lines[i] as string;
      if (l === '\\ No newline at end of file') {
        if (last !== '-') outNoEol = true;
        i++;
        continue;
      }
      last = l[0] as ' ' | '-' | '+';
      const text = l.slice(1);
      if (last === ' ' || last === '-') {
        expect(src[pos]).toBe(text);
        pos++;
      }
      if (last === ' ' || last === '+') out.push(text);
      if (last === '+' || last === ' ') outNoEol = false;
      i++;
    }
  }
  const tailStart = pos;
  while (pos < src.length) out.push(src[pos++] as string);
  if (pos > tailStart) outNoEol = srcNoEol;
  if (out.length === 0) return '';
  return out.join('\n') + (outNoEol ? '' : '\n');
}

function lcsLength(a: string[], b: string[]): number {
  const dp = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = 1; i <= a.length; i++) for (let j = 1; j <= b.length; j++) dp[i]![j] = a[i - 1] === b[j - 1] ? dp[i - 1]![j - 1]! + 1 : Math.max(dp[i - 1]![j]!, dp[i]![j - 1]!);
  return dp[a.length]![b.length]!;
}

describe('text.diff', () => {
  it('produces a standard unified diff with context', async () => {
    const a = 'one\ntwo\nthree\nfour\nfive\nsix\nseven\neight\nnine\nten\n';
    const b = 'one\nTWO\nthree\nfour\nfive\nsix\nseven\neight\nnine\nten\neleven\n';
    expect(await callTool('text.diff', { a, b, aName: 'old.txt', bName: 'new.txt' })).toBe(
      '--- old.txt\n+++ new.txt\n@@ -1,5 +1,5 @@\n one\n-two\n+TWO\n three\n four\n five\n@@ -8,3 +8,4 @@\n eight\n nine\n ten\n+eleven\n',
    );
  });

  it('merges nearby changes into one hunk and honours context 0', async () => {
    expect(await callTool('text.diff', { a: 'a\nb\nc\n', b: 'A\nb\nC\n', context: 0 })).toBe('--- a\n+++ b\n@@ -1 +1 @@\n-a\n+A\n@@ -3 +3 @@\n-c\n+C\n');
    expect(await callTool('text.diff', { a: 'a\nb\nc\n', b: 'A\nb\nC\n', context: 1 })).toBe('--- a\n+++ b\n@@ -1,3 +1,3 @@\n-a\n+A\n b\n-c\n+C\n');
  });

  it('marks a missing final newline and handles empty sides', async () => {
    expect(await callTool('text.diff', { a: 'x\n', b: 'x' })).toBe('--- a\n+++ b\n@@ -1 +1 @@\n-x\n+x\n\\ No newline at end of file\n');
    expect(await callTool('text.diff', { a: '', b: 'new\n' })).toBe('--- a\n+++ b\n@@ -0,0 +1 @@\n+new\n');
    expect(await callTool('text.diff', { a: 'same\n', b: 'same\n' })).toBe('');
  });

  it('refuses inputs whose LCS table would be too large', async () => {
    const a = Array.from({ length: 4000 }, (_, i) => `a${i}`).join('\n');
    const b = Array.from({ length: 4000 }, (_, i) => `b${i}`).join('\n');
    expect((await errorOf(() => callTool('text.diff', { a, b }))).message).toContain('cell limit');
  });

  it('property: applying the diff to a yields b, and it removes exactly |a| - LCS lines', () => {
    const lines = fc.array(fc.constantFrom('a', 'b', 'c', 'd', ''), { maxLength: 14 });
    const text = fc.tuple(lines, fc.boolean()).map(([ls, eol]) => (ls.length === 0 ? '' : ls.join('\n') + (eol ? '\n' : '')));
    fc.assert(
      fc.property(text, text, fc.integer({ min: 0, max: 3 }), (a, b, context) => {
        const patch = unifiedDiff(a, b, { context });
        expect(applyPatch(a, patch)).toBe(b);
        expect(patch === '').toBe(a === b);
        const key = (s: string) => {
          if (s === '') return [];
          const ls = s.split('\n');
          if (s.endsWith('\n')) ls.pop();
          else ls[ls.length - 1] += '<no-eol>';
          return ls;
        };
        const removed = patch.split('\n').filter((l) => l.startsWith('-') && !l.startsWith('--- ')).length;
        expect(removed).toBe(key(a).length - lcsLength(key(a), key(b)));
      }),
      { numRuns: 1500 },
    );
  });
});
