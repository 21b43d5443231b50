import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SseParser, sseData } from '../../../src/agents/providers/sse.js';

async function collect(chunks: Uint8Array[]): Promise<string[]> {
  async function* gen(): AsyncGenerator<Uint8Array> {
    for (const c of chunks) yield c;
  }
  const out: string[] = [];
  for await (const d of sseData(gen())) out.push(d);
  return out;
}

/** Splits bytes at the given (sorted, deduplicated) cut points. */
function cut(bytes: Uint8Array, points: number[]): Uint8Array[] {
  const sorted = [...new Set(points.map((p) => p % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of sorted) {
    out.push(bytes.slice(prev, p));
    prev = p;
  }
  out.push(bytes.slice(prev));
  return out;
}

describe('SSE parsing', () => {
  it('joins multi-line data, skips comments and other fields, accepts LF, CRLF and CR', () => {
    const p = new SseParser();
    expect(p.push('event: x\r\nid: 1\r\ndata: a\r\ndata:b\r\n\r\n: comment\n')).toEqual(['a\nb']);
    expect(p.push('data: c\r')).toEqual([]);
    expect(p.push('\rdata\n\n')).toEqual(['c', '']);
    expect(p.push('data: tail')).toEqual([]);
    expect(p.end()).toEqual(['tail']);
  });

  it('yields the same events however the byte stream is chunked (UTF-8 split anywhere)', async () => {
    const text = fc.string({ unit: 'grapheme', maxLength: 12 }).filter((s) => !/[\r\n]/.test(s));
    const event = fc.array(text, { minLength: 1, maxLength: 3 });
    const eol = fc.constantFrom('\n', '\r\n', '\r');
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(event, eol, fc.boolean()), { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 10 }), async (events, points) => {
        let wire = '';
        for (const [lines, nl, comment] of events) {
          if (comment) wire += `: ping${nl}`;
          for (const l of lines) wire += `data: ${l}${nl}`;
          wire += nl;
        }
        const bytes = new TextEncoder().encode(wire);
        const expected = events.map(([lines]) => lines.join('\n'));
        expect(await collect(cut(bytes, points))).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });
});
