/**
 * Parses YAML with source positions and validates it with a zod schema, reporting every problem as
 * `file:line:col: path: message` in one VALIDATION error (`details.issues` keeps them as data).
 */
import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { ErrorCode, HookflowError } from '../errors.js';
import { formatPath, problems, type Problem } from './issues.js';

/** One located problem of a YAML file. */
export interface DefinitionIssue {
  file: string;
  line: number;
  col: number;
  /** YAML path, e.g. `limits.maxTurns`. */
  path: string;
  message: string;
}

/** The VALIDATION error for located issues. */
export function validationError(issues: DefinitionIssue[]): HookflowError {
  const lines = issues.map((i) => `${i.file}:${i.line}:${i.col}: ${i.path ? `${i.path}: ` : ''}${i.message}`);
  return new HookflowError(ErrorCode.VALIDATION, lines.join('\n'), { retryable: false, details: { issues } });
}

/** Finds the node a path points at; stops at the deepest existing node (missing keys point at their mapping). */
function locate(doc: Document, lc: LineCounter, p: Problem): { line: number; col: number } {
  let node: unknown = doc.contents;
  for (const seg of p.path) {
    if (isMap(node)) {
      const pair = node.items.find((it) => isScalar(it.key) && it.key.value === seg);
      if (pair === undefined) break;
      node = pair.value ?? pair.key;
    } else if (isSeq(node) && typeof seg === 'number' && node.items[seg] !== undefined) {
      node = node.items[seg];
    } else {
      break;
    }
  }
  if (p.key !== undefined && isMap(node)) {
    const pair = node.items.find((it) => isScalar(it.key) && it.key.value === p.key);
    if (pair !== undefined) node = pair.key;
  }
  const offset = (node as Node | null)?.range?.[0] ?? 0;
  return lc.linePos(offset);
}

/**
 * Parses `text` (named `file` in messages) and validates it with `schema`; `what` describes the expected
 * top-level mapping for the message when the document is not one.
 */
export function parseYamlWith<S extends z.ZodType>(text: string, file: string, schema: S, what: string): z.output<S> {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw validationError(
      doc.errors.map((e) => {
        const pos = e.linePos?.[0] ?? lc.linePos(e.pos[0]);
        return { file, line: pos.line, col: pos.col, path: '', message: `invalid YAML: ${e.message.split('\n')[0] ?? e.code}` };
      }),
    );
  }
  const data: unknown = doc.toJS();
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    const found = data === null || data === undefined ? 'an empty document' : Array.isArray(data) ? 'a list' : JSON.stringify(data);
    throw validationError([{ file, line: 1, col: 1, path: '', message: `expected a mapping of ${what}, found ${found}` }]);
  }
  const parsed = schema.safeParse(data, { reportInput: true });
  if (parsed.success) return parsed.data;
  const located = problems(parsed.error.issues, schema).map((p) => ({
    file,
    ...locate(doc, lc, p),
    path: formatPath(p.key === undefined ? p.path : [...p.path, p.key]),
    message: p.message,
  }));
  located.sort((a, b) => a.line - b.line || a.col - b.col);
  throw validationError(located);
}
