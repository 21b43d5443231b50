/**
 * `csv.parse` / `csv.format`: RFC 4180 CSV (quoted fields, doubled quotes, line breaks inside quotes,
 * CRLF or LF), with any single-character delimiter.
 */
import { z } from 'zod';
import { defineTool, toolError } from './define.js';

/** Parses CSV text into rows of string fields. Empty lines are skipped when `skipEmpty`. */
export function parseCsvRows(text: string, delimiter = ',', skipEmpty = true): string[][] {
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const rows: string[][] = [];
  let row: string[] = [];
  let line = 1;
  let lineStart = 0;
  let i = 0;
  let onlyFieldQuoted = false;
  const n = src.length;
  const fail = (msg: string, at: number, hint = '', atLine = line, atStart = lineStart): never => {
    throw toolError('csv.parse', `${msg} at line ${atLine}, column ${at - atStart + 1}${hint}`, { details: { line: atLine, column: at - atStart + 1 } });
  };
  while (i <= n) {
    // At the start of a field.
    let field: string;
    let quoted = false;
    if (src[i] === '"') {
      quoted = true;
      const openLine = line;
      const openStart = lineStart;
      const open = i;
      field = '';
      i++;
      for (;;) {
        const q = src.indexOf('"', i);
        if (q === -1) fail('unterminated quoted field opened', open, ' (a quote inside a quoted field is written "")', openLine, openStart);
        const chunk = src.slice(i, q);
        for (let k = chunk.indexOf('\n'); k !== -1; k = chunk.indexOf('\n', k + 1)) {
          line++;
          lineStart = i + k + 1;
        }
        field += chunk;
        if (src[q + 1] === '"') {
          field += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      const c = src[i];
      if (i < n && c !== delimiter && c !== '\n' && c !== '\r') fail(`expected "${delimiter}" or a line break after a closing quote, found ${JSON.stringify(c)}`, i);
    } else {
      let j = i;
      while (j < n && src[j] !== delimiter && src[j] !== '\n' && src[j] !== '\r') {
        if (src[j] === '"') fail('quote inside an unquoted field', j, ' (quote the whole field and double the inner quotes: "a ""b"" c")');
        j++;
      }
      field = src.slice(i, j);
      i = j;
    }
    row.push(field);
    if (row.length === 1) onlyFieldQuoted = quoted;
    if (i < n && src[i] === delimiter) {
      i++;
      continue;
    }
    // End of a record: a line break or the end of the text.
    const emptyLine = row.length === 1 && row[0] === '' && !onlyFieldQuoted;
    if (!(emptyLine && (skipEmpty || i >= n))) rows.push(row);
    row = [];
    if (i >= n) break;
    i += src[i] === '\r' && src[i + 1] === '\n' ? 2 : 1;
    line++;
    lineStart = i;
    if (i >= n) break;
  }
  return rows;
}

function needsQuotes(field: string, delimiter: string): boolean {
  return field.includes(delimiter) || field.includes('"') || field.includes('\n') || field.includes('\r');
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function formatRow(fields: readonly string[], delimiter: string): string {
  // A lone empty field must be quoted, or the line would read back as an empty (skipped) line.
  if (fields.length === 1 && fields[0] === '') return '""';
  return fields.map((f) => (needsQuotes(f, delimiter) ? `"${f.replace(/"/g, '""')}"` : f)).join(delimiter);
}

/** Formats rows (all objects or all arrays) as CSV; every record ends with `newline`. */
export function formatCsv(rows: readonly unknown[], opts: { columns?: string[]; delimiter?: string; header?: boolean; newline?: string } = {}): string {
  const d = opts.delimiter ?? ',';
  const nl = opts.newline ?? '\n';
  const header = opts.header ?? true;
  const arrays = rows.length > 0 && rows.every(Array.isArray);
  if (!arrays && !rows.every((r) => typeof r === 'object' && r !== null && !Array.isArray(r))) {
    throw toolError('csv.format', '`rows` must be all objects or all arrays');
  }
  let columns = opts.columns;
  if (!arrays && !columns) {
    const seen = new Set<string>();
    for (const r of rows as Record<string, unknown>[]) for (const k of Object.keys(r)) seen.add(k);
    columns = [...seen];
  }
  let out = header && columns && columns.length > 0 ? formatRow(columns, d) + nl : '';
  for (const r of rows) {
    const fields = arrays ? (r as unknown[]).map(cell) : (columns as string[]).map((c) => cell((r as Record<string, unknown>)[c]));
    out += formatRow(fields, d) + nl;
  }
  return out;
}

const delimiter = z
  .string()
  .length(1)
  .refine((d) => d !== '"' && d !== '\n' && d !== '\r', 'the delimiter cannot be a quote or a line break')
  .default(',');

const parse = defineTool({
  name: 'csv.parse',
  description: 'Parses RFC 4180 CSV. With `header` (default) rows become objects keyed by the first line; without, arrays of strings.',
  input: z.strictObject({ text: z.string(), delimiter, header: z.boolean().default(true), skipEmptyLines: z.boolean().default(true) }),
  output: 'an array of objects (header) or of string arrays; all values are strings',
  run(args) {
    const rows = parseCsvRows(args.text, args.delimiter, args.skipEmptyLines);
    if (!args.header) return rows;
    const [head, ...body] = rows;
    if (!head) return [];
    const names = new Set<string>();
    for (const h of head) {
      if (names.has(h)) throw toolError('csv.parse', `duplicate column name ${JSON.stringify(h)} in the header line (use header: false to read raw rows)`);
      names.add(h);
    }
    return body.map((r, i) => {
      if (r.length > head.length) {
        throw toolError('csv.parse', `record ${i + 2} has ${r.length} fields but the header has ${head.length}`, { details: { record: i + 2 } });
      }
      const obj: Record<string, string> = {};
      head.forEach((h, k) => Object.defineProperty(obj, h, { value: r[k] ?? '', enumerable: true, writable: true, configurable: true }));
      return obj;
    });
  },
});

const format = defineTool({
  name: 'csv.format',
  description: 'Formats rows (objects or arrays) as RFC 4180 CSV, quoting only where needed; objects get a header line.',
  input: z.strictObject({
    rows: z.array(z.unknown()),
    columns: z.array(z.string()).optional(),
    delimiter,
    header: z.boolean().default(true),
    newline: z.enum(['\n', '\r\n']).default('\n'),
  }),
  output: 'the CSV text, each record ending with `newline`',
  run: (args) => formatCsv(args.rows, { delimiter: args.delimiter, header: args.header, newline: args.newline, ...(args.columns ? { columns: args.columns } : {}) }),
});

/** The `csv.*` group. */
export const csvTools = [parse, format];
