/**
 * Line-based unified diff (`diff -u` format) computed from a longest-common-subsequence table.
 */
import { toolError } from './define.js';

/** Largest LCS table (cells = changed lines of a × changed lines of b) before refusing: ~40 MB. */
export const MAX_DIFF_CELLS = 10_000_000;
const NO_EOL = '\\ No newline at end of file';

interface Lines {
  text: string[];
  /** Comparison keys: the last line differs from an equal line that has a newline after it. */
  keys: string[];
  noEol: boolean;
}

function splitLines(s: string): Lines {
  if (s === '') return { text: [], keys: [], noEol: false };
  const text = s.split('\n');
  const noEol = text[text.length - 1] !== '';
  if (!noEol) text.pop();
  const keys = text.slice();
  if (noEol) keys[keys.length - 1] += '\n<no-eol>';
  return { text, keys, noEol };
}

type Op = { t: ' ' | '-' | '+'; line: string; ai: number; bi: number; noEol: boolean };

function editScript(a: Lines, b: Lines): Op[] {
  const n = a.keys.length;
  const m = b.keys.length;
  let pre = 0;
  while (pre < n && pre < m && a.keys[pre] === b.keys[pre]) pre++;
  let suf = 0;
  while (suf < n - pre && suf < m - pre && a.keys[n - 1 - suf] === b.keys[m - 1 - suf]) suf++;
  const an = n - pre - suf;
  const bn = m - pre - suf;
  if (an * bn > MAX_DIFF_CELLS) {
    throw toolError('text.diff', `inputs differ in ${an} × ${bn} lines, more than the ${MAX_DIFF_CELLS}-cell limit of the LCS table`);
  }
  // lcs[i * w + j] = LCS length of a[pre+i..] and b[pre+j..] over the changed middle part.
  const w = bn + 1;
  const lcs = an + bn < 65_535 ? new Uint16Array((an + 1) * w) : new Uint32Array((an + 1) * w);
  for (let i = an - 1; i >= 0; i--) {
    for (let j = bn - 1; j >= 0; j--) {
      lcs[i * w + j] =
        a.keys[pre + i] === b.keys[pre + j] ? (lcs[(i + 1) * w + j + 1] as number) + 1 : Math.max(lcs[(i + 1) * w + j] as number, lcs[i * w + j + 1] as number);
    }
  }
  const ops: Op[] = [];
  let ai = 0;
  let bi = 0;
  const push = (t: Op['t']): void => {
    const fromA = t !== '+';
    const idx = fromA ? ai : bi;
    const src = fromA ? a : b;
    ops.push({ t, line: src.text[idx] as string, ai, bi, noEol: src.noEol && idx === src.text.length - 1 });
    if (t !== '+') ai++;
    if (t !== '-') bi++;
  };
  for (let k = 0; k < pre; k++) push(' ');
  let i = 0;
  let j = 0;
  while (i < an || j < bn) {
    if (i < an && j < bn && a.keys[pre + i] === b.keys[pre + j]) {
      push(' ');
      i++;
      j++;
    } else if (j >= bn || (i < an && (lcs[(i + 1) * w + j] as number) >= (lcs[i * w + j + 1] as number))) {
      push('-');
      i++;
    } else {
      push('+');
      j++;
    }
  }
  for (let k = 0; k < suf; k++) push(' ');
  return ops;
}

function range(start0: number, len: number): string {
  if (len === 1) return String(start0 + 1);
  return `${len === 0 ? start0 : start0 + 1},${len}`;
}

/**
 * A unified diff of `a` and `b` with `context` lines around each change; empty string when equal.
 * Missing final newlines are marked `\ No newline at end of file`, as diff and git do.
 */
export function unifiedDiff(a: string, b: string, opts: { context?: number; aName?: string; bName?: string } = {}): string {
  const ctx = opts.context ?? 3;
  const ops = editScript(splitLines(a), splitLines(b));
  const changes: number[] = [];
  ops.forEach((op, k) => {
    if (op.t !== ' ') changes.push(k);
  });
  if (changes.length === 0) return '';
  let out = `--- ${opts.aName ?? 'a'}\n+++ ${opts.bName ?? 'b'}\n`;
  let c = 0;
  while (c < changes.length) {
    const first = changes[c] as number;
    let last = first;
    while (c + 1 < changes.length && (changes[c + 1] as number) - last <= 2 * ctx + 1) last = changes[++c] as number;
    c++;
    const s = Math.max(0, first - ctx);
    const e = Math.min(ops.length - 1, last + ctx);
    let aLen = 0;
    let bLen = 0;
    let body = '';
    for (let k = s; k <= e; k++) {
      const op = ops[k] as Op;
      if (op.t !== '+') aLen++;
      if (op.t !== '-') bLen++;
      body += `${op.t}${op.line}\n${op.noEol ? `${NO_EOL}\n` : ''}`;
    }
    const head = ops[s] as Op;
    out += `@@ -${range(head.ai, aLen)} +${range(head.bi, bLen)} @@\n${body}`;
  }
  return out;
}
