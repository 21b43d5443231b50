/**
 * Splits a YAML string into literal text and `${ … }` expression segments.
 *
 * The closing brace is found by a small JSONata-aware scanner: braces nest, and braces inside string
 * literals ('…', "…"), backtick names and comments do not count. `$${` is an escaped literal `${`.
 */

/** A piece of a template string. `offset` is the index of the expression source in the original string. */
export type Segment = { kind: 'text'; text: string } | { kind: 'expr'; source: string; offset: number };

/** Result of scanning one string. */
export type ScanResult =
  | { ok: true; segments: Segment[]; hasExpr: boolean; whole: boolean }
  | { ok: false; message: string; offset: number };

/** Scans `s`; `whole` is true when the string is exactly one expression (surrounding whitespace allowed). */
export function scanTemplate(s: string): ScanResult {
  const segments: Segment[] = [];
  let text = '';
  let i = 0;
  let exprCount = 0;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c === 36 /* $ */ && s.startsWith('$${', i)) {
      text += '${';
      i += 3;
      continue;
    }
    if (c === 36 && s.charCodeAt(i + 1) === 123 /* { */) {
      const start = i + 2;
      const end = findClose(s, start);
      if (end < 0) return { ok: false, message: 'unterminated expression: `${` without a matching `}`', offset: i };
      const source = s.slice(start, end);
      if (source.trim() === '') return { ok: false, message: 'empty expression `${}`', offset: i };
      if (text !== '') segments.push({ kind: 'text', text });
      text = '';
      segments.push({ kind: 'expr', source, offset: start });
      exprCount++;
      i = end + 1;
      continue;
    }
    text += s[i];
    i++;
  }
  if (text !== '') segments.push({ kind: 'text', text });
  const whole = exprCount === 1 && segments.every((seg) => seg.kind === 'expr' || seg.text.trim() === '');
  return { ok: true, segments, hasExpr: exprCount > 0, whole };
}

/** True when `s` contains something the template compiler must look at (`${` or the `$${` escape). */
export function mayHoldExpression(s: string): boolean {
  return s.includes('${');
}

/** Index of the `}` closing the expression that starts at `from`, or -1. */
function findClose(s: string, from: number): number {
  let depth = 1;
  let i = from;
  while (i < s.length) {
    const c = s[i];
    if (c === '"' || c === "'") {
      i = skipQuoted(s, i, c);
      if (i < 0) return -1;
      continue;
    }
    if (c === '`') {
      const close = s.indexOf('`', i + 1);
      if (close < 0) return -1;
      i = close + 1;
      continue;
    }
    if (c === '/' && s[i + 1] === '*') {
      const close = s.indexOf('*/', i + 2);
      if (close < 0) return -1;
      i = close + 2;
      continue;
    }
    if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i;
    i++;
  }
  return -1;
}

function skipQuoted(s: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < s.length) {
    const c = s[i];
    if (c === '\\') i += 2;
    else if (c === quote) return i + 1;
    else i++;
  }
  return -1;
}
