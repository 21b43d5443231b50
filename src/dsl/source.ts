/**
 * A parsed source file: the plain JS value of a YAML document plus the line:col of every key and
 * value, indexed by the YAML path users see (`steps[2].retry.attempts`).
 */
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node as YamlNode } from 'yaml';
import { appendPath, formatPath, type PathSegment } from '../expr/path.js';
import type { Diagnostic } from './diagnostics.js';

/** A 1-based position; `{0, 0}` when unknown. */
export interface Pos {
  line: number;
  col: number;
}

const NOWHERE: Pos = Object.freeze({ line: 0, col: 0 });

/** A source the loader reads from: a YAML file or a value handed over at run time (no positions). */
export class SourceFile {
  private readonly values = new Map<string, Pos>();
  private readonly keys = new Map<string, Pos>();

  /**
   * @param file name used in diagnostics
   * @param base path prefix of every node (for steps compiled at run time, e.g. `hooks[0].fork`)
   */
  constructor(
    readonly file: string,
    readonly base = '',
  ) {}

  /** @internal */
  record(path: string, value: Pos, key?: Pos): void {
    if (!this.values.has(path)) this.values.set(path, value);
    if (key && !this.keys.has(path)) this.keys.set(path, key);
  }

  /** Renders segments under this source's base path. */
  path(segs: readonly PathSegment[]): string {
    return formatPath(segs, this.base);
  }

  /** Position of the value at `segs`, or of its nearest recorded ancestor. */
  valuePos(segs: readonly PathSegment[]): Pos {
    for (let n = segs.length; n >= 0; n--) {
      const p = this.values.get(this.path(segs.slice(0, n)));
      if (p) return p;
    }
    return NOWHERE;
  }

  /** Position of the key naming `segs` (falls back to the value position). */
  keyPos(segs: readonly PathSegment[]): Pos {
    return this.keys.get(this.path(segs)) ?? this.valuePos(segs);
  }

  /** Position of a rendered path (as found in expression error details), if recorded. */
  posOfRendered(path: string): Pos | undefined {
    return this.values.get(path);
  }
}

/** Result of parsing YAML text. `ok` is false when the YAML itself is broken. */
export interface ParsedYaml {
  ok: boolean;
  value: unknown;
  source: SourceFile;
  diagnostics: Diagnostic[];
}

/**
 * Parses one YAML document. YAML errors (bad indentation, duplicate keys, several documents…) and
 * warnings (unresolved tags) become diagnostics; the value is only meaningful when `ok`.
 */
export function parseYaml(text: string, file: string): ParsedYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, strict: true });
  const source = new SourceFile(file);
  const pos = (offset: number): Pos => lineCounter.linePos(offset);
  const lines = text.split('\n');
  const diagnostics: Diagnostic[] = [...doc.errors, ...doc.warnings].map((e) => {
    const p = pos(e.pos[0]);
    // The classic pitfalls: `{ a: ${ x } }` (flow-style braces) and `${ c ? a : b }` (": " starts a mapping).
    const exprLine = (lines[p.line - 1] ?? '').includes('${');
    return {
      file,
      line: p.line,
      col: p.col,
      path: '',
      message:
        e.code === 'MULTIPLE_DOCS'
          ? 'YAML syntax error: a workflow file holds exactly one YAML document'
          : `YAML ${e.name === 'YAMLWarning' ? 'problem' : 'syntax error'}: ${e.message.split('\n')[0] as string}`,
      ...(e.code === 'MULTIPLE_DOCS' ? { hint: 'remove the `---` and the document after it' } : {}),
      ...(exprLine && e.code !== 'DUPLICATE_KEY' ? { hint: 'quote expressions that sit inside { } or [ ] or contain ": ", e.g. "${ a ? b : c }"' } : {}),
      ...(e.code === 'DUPLICATE_KEY' ? { hint: 'each key may appear only once in a mapping' } : {}),
      ...(e.code === 'TAG_RESOLVE_FAILED' ? { hint: 'custom YAML tags are not supported' } : {}),
    };
  });
  if (diagnostics.length > 0) return { ok: false, value: undefined, source, diagnostics };
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 1000 });
  } catch (err) {
    // toJS throws only on alias explosions ("billion laughs"); report it like any YAML problem.
    return { ok: false, value: undefined, source, diagnostics: [{ file, line: 1, col: 1, path: '', message: `YAML problem: ${(err as Error).message}` }] };
  }
  if (doc.contents) walk(doc, doc.contents, '', source, pos, new Set());
  // An empty document still has a place to point at.
  source.record('', { line: 1, col: 1 });
  return { ok: true, value: value ?? null, source, diagnostics: [] };
}

function walk(doc: Document, node: YamlNode, path: string, src: SourceFile, pos: (o: number) => Pos, active: Set<YamlNode>, key?: Pos): void {
  if (isAlias(node)) {
    const target = node.resolve(doc);
    src.record(path, pos(node.range?.[0] ?? 0), key);
    if (target && !active.has(target)) {
      active.add(target);
      walk(doc, target, path, src, pos, active);
      active.delete(target);
    }
    return;
  }
  src.record(path, pos(node.range?.[0] ?? 0), key);
  if (isMap(node)) {
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const k = pair.key as YamlNode | null;
      const name = isScalar(k) ? String(k.value) : String(k);
      const child = appendPath(path, name as PathSegment);
      const keyPos = k && k.range ? pos(k.range[0]) : undefined;
      const v = pair.value as YamlNode | null;
      if (v) walk(doc, v, child, src, pos, active, keyPos);
      else src.record(child, keyPos ?? NOWHERE, keyPos);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => {
      if (item) walk(doc, item as YamlNode, appendPath(path, i), src, pos, active);
    });
  }
}
