import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatCsv, parseCsvRows } from '../../../src/tools/builtins/csv.js';
import { callTool, errorOf } from '../helpers.js';

describe('csv.parse', () => {
  it('parses RFC 4180: quotes, doubled quotes, delimiters and line breaks in quotes, CRLF', async () => {
    const text = 'name,quote,n\r\n"Smith, J","He said ""hi""\nthen left",1\r\nDoe,,2\r\n';
    expect(await callTool('csv.parse', { text })).toEqual([
      { name: 'Smith, J', quote: 'He said "hi"\nthen left', n: '1' },
      { name: 'Doe', quote: '', n: '2' },
    ]);
  });

  it('returns raw rows without header, skips empty lines, accepts other delimiters and a BOM', async () => {
    expect(await callTool('csv.parse', { text: '\uFEFFa;b\n\n"c;d";e', delimiter: ';', header: false })).toEqual([
      ['a', 'b'],
      ['c;d', 'e'],
    ]);
    expect(await callTool('csv.parse', { text: 'a\n\nb\n', header: false, skipEmptyLines: false })).toEqual([['a'], [''], ['b']]);
    expect(await callTool('csv.parse', { text: '' })).toEqual([]);
  });

  it('fills missing trailing fields with empty strings, rejects extra fields and duplicate columns', async () => {
    expect(await callTool('csv.parse', { text: 'a,b,c\n1\n' })).toEqual([{ a: '1', b: '', c: '' }]);
    expect((await errorOf(() => callTool('csv.parse', { text: 'a,b\n1,2,3\n' }))).message).toContain('record 2 has 3 fields but the header has 2');
    expect((await errorOf(() => callTool('csv.parse', { text: 'a,a\n1,2\n' }))).message).toContain('duplicate column name "a"');
  });

  it('reports malformed quoting with line and column', async () => {
    expect((await errorOf(() => callTool('csv.parse', { text: 'a,b\n1,"open\nmore' }))).message).toContain('unterminated quoted field opened at line 2, column 3');
    expect((await errorOf(() => callTool('csv.parse', { text: 'a,b\n1,x"y\n' }))).message).toContain('quote inside an unquoted field at line 2, column 4');
    expect((await errorOf(() => callTool('csv.parse', { text: '"a"b,c' }))).message).toContain('after a closing quote, found "b" at line 1, column 4');
  });

  it('rejects a multi-character or quote delimiter', async () => {
    expect((await errorOf(() => callTool('csv.parse', { text: 'a', delimiter: '::' }))).code).toBe('TOOL_INPUT');
    expect((await errorOf(() => callTool('csv.parse', { text: 'a', delimiter: '"' }))).message).toContain('cannot be a quote');
  });
});

describe('csv.format', () => {
  it('formats objects with a header, quoting only where needed', async () => {
    const rows = [{ a: 'x', b: 'has,comma' }, { a: 'say "hi"', b: 'two\nlines', c: 3 }, { a: null, b: { j: 1 } }];
    expect(await callTool('csv.format', { rows })).toBe('a,b,c\nx,"has,comma",\n"say ""hi""","two\nlines",3\n,"{""j"":1}",\n');
  });

  it('honours columns, header: false, arrays and CRLF', async () => {
    expect(await callTool('csv.format', { rows: [{ a: 1, b: 2 }], columns: ['b'], header: false })).toBe('2\n');
    expect(await callTool('csv.format', { rows: [[1, 'a;b']], delimiter: ';', newline: '\r\n' })).toBe('1;"a;b"\r\n');
    expect(await callTool('csv.format', { rows: [['v']], columns: ['h'] })).toBe('h\nv\n');
    expect(await callTool('csv.format', { rows: [] })).toBe('');
  });

  it('rejects a mix of objects and arrays', async () => {
    expect((await errorOf(() => callTool('csv.format', { rows: [{ a: 1 }, [1]] }))).message).toContain('all objects or all arrays');
  });
});

describe('csv round trip (property)', () => {
  const field = fc.string({ unit: fc.constantFrom('a', 'b', ' ', ',', ';', '"', '\n', '\r', 'é'), maxLength: 6 });

  it('parse(format(rows)) returns the rows, for any delimiter', () => {
    fc.assert(
      fc.property(fc.array(fc.array(field, { minLength: 1, maxLength: 5 }), { maxLength: 8 }), fc.constantFrom(',', ';', '\t'), fc.constantFrom('\n', '\r\n'), (rows, d, nl) => {
        expect(parseCsvRows(formatCsv(rows, { delimiter: d, newline: nl }), d)).toEqual(rows);
      }),
      { numRuns: 1000 },
    );
  });

  it('objects survive csv.format then csv.parse with a header', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(field, { minLength: 1, maxLength: 4 }),
        fc.array(fc.array(field, { minLength: 4, maxLength: 4 }), { maxLength: 5 }),
        async (columns, values) => {
          const rows = values.map((v) => Object.fromEntries(columns.map((c, i) => [c, v[i] as string])));
          const text = await callTool('csv.format', { rows, columns });
          expect(await callTool('csv.parse', { text })).toEqual(rows);
        },
      ),
      { numRuns: 300 },
    );
  });
});
