/**
 * State shared while one workflow (and the hook sets it includes) is compiled: the diagnostics
 * collected so far, the id registries, and the references to check once every id is known.
 */
import type { z } from 'zod';
import { HookflowError } from '../errors.js';
import { compileTemplate, constantTemplate, type CompileOptions, type ExpressionErrorDetails } from '../expr/compile.js';
import type { PathSegment } from '../expr/path.js';
import type { Template } from '../expr/types.js';
import type { SourceLoc, StepDefaults } from '../dsl/types.js';
import type { Diagnostic } from './diagnostics.js';
import { mapIssues, type RawDiagnostic } from './issues.js';
import type { SourceFile } from './source.js';

/** A node in a source: the file it lives in plus its path there. */
export interface At {
  src: SourceFile;
  path: readonly PathSegment[];
}

/** Appends segments to a location. */
export function under(at: At, ...segs: PathSegment[]): At {
  return { src: at.src, path: [...at.path, ...segs] };
}

/** What the loader needs to know from its caller (a subset of LoadOptions). */
export interface ContextOptions {
  definitionsDir?: string;
  expression?: CompileOptions;
}

/** A reference checked after all ids are known. */
export interface PendingRef {
  name: string;
  at: At;
}

/** A file referenced by the workflow (checked for existence by loadWorkflowFile). */
export interface FileRef {
  kind: 'tool module' | 'hook module' | 'sub-workflow';
  resolved: string;
  at: At;
}

export class LoadContext {
  readonly diagnostics: Diagnostic[] = [];
  readonly stepIds = new Map<string, SourceLoc>();
  readonly hookIds = new Map<string, SourceLoc>();
  readonly templates: Array<{ t: Template; at: At; value: unknown }> = [];
  readonly redirects: PendingRef[] = [];
  readonly tools: PendingRef[] = [];
  readonly agents: PendingRef[] = [];
  readonly fileRefs: FileRef[] = [];
  /** Files currently being included, to report include cycles. */
  readonly includeStack: string[] = [];
  /** Every file that contributed, main file first (diagnostics are sorted in this order). */
  readonly files: string[] = [];
  defaults: StepDefaults = {};

  constructor(readonly options: ContextOptions = {}) {}

  /** Source location of a node (for StepDef.loc, HookDecl.loc, template origins). */
  loc(at: At): SourceLoc {
    const p = at.src.valuePos(at.path);
    return { file: at.src.file, line: p.line, col: p.col, path: at.src.path(at.path) };
  }

  /** Records a diagnostic at a node (its key when `where` is 'key'). */
  report(at: At, d: Omit<RawDiagnostic, 'path' | 'at'>, where: 'key' | 'value' = 'value'): void {
    const p = where === 'key' ? at.src.keyPos(at.path) : at.src.valuePos(at.path);
    this.diagnostics.push({ file: at.src.file, line: p.line, col: p.col, path: at.src.path(at.path), ...d });
  }

  /** Validates `value` against `schema`, reporting every issue. Returns the parsed value or undefined. */
  validate<S extends z.ZodType>(schema: S, at: At, value: unknown): z.infer<S> | undefined {
    const r = schema.safeParse(value, { reportInput: true });
    if (r.success) return r.data;
    for (const raw of mapIssues(schema, r.error.issues, value)) {
      const { path, at: where, ...texts } = raw;
      this.report(under(at, ...path), texts, where);
    }
    return undefined;
  }

  /**
   * Compiles a template; a syntax error becomes a diagnostic at the exact string (the template then
   * evaluates to null, which is never used because the definition is rejected).
   */
  template(at: At, value: unknown): Template {
    const loc = this.loc(at);
    try {
      const t = compileTemplate(value, { file: loc.file, line: loc.line, col: loc.col, path: loc.path }, this.options.expression);
      if (!t.constant) this.templates.push({ t, at, value });
      return t;
    } catch (err) {
      if (!(err instanceof HookflowError)) throw err;
      const d = err.details as ExpressionErrorDetails | undefined;
      const p = (d && at.src.posOfRendered(d.path)) ?? { line: loc.line, col: loc.col };
      this.diagnostics.push({
        file: loc.file,
        line: p.line,
        col: p.col,
        path: d?.path ?? loc.path,
        message: `invalid expression: ${d?.reason ?? err.message}`,
        ...(d ? { found: JSON.stringify(d.text) } : {}),
        hint: 'expressions are JSONata: `=` compares, `and`/`or` combine, strings use quotes; write $${ for a literal ${',
      });
      return constantTemplate(null);
    }
  }

  /** Reports syntax errors of the expressions in `value` without keeping the templates. */
  checkSyntax(at: At, value: unknown): void {
    if (value === undefined) return;
    const t = this.template(at, value);
    if (!t.constant) this.templates.pop();
  }

  /** Registers a step id; a duplicate is reported at the second occurrence. */
  registerStep(id: string, at: At): void {
    const loc = this.loc(at);
    const first = this.stepIds.get(id);
    if (first) {
      this.report(under(at, 'id'), {
        message: `duplicate step id "${id}"`,
        hint:
          first.line === 0
            ? 'the id is already used by the running workflow; step ids must be unique'
            : `first defined at ${first.file === loc.file ? `line ${first.line}` : `${first.file}:${first.line}`}; step ids must be unique in the whole file`,
      });
      return;
    }
    this.stepIds.set(id, loc);
  }

  /** Registers a hook id; a duplicate is reported at the second occurrence. */
  registerHook(id: string, at: At): boolean {
    const loc = this.loc(at);
    const first = this.hookIds.get(id);
    if (first) {
      this.report(under(at, 'id'), {
        message: `duplicate hook id "${id}"`,
        hint: `first defined at ${first.file === loc.file ? `line ${first.line}` : `${first.file}:${first.line}`}; hook ids must be unique across the file and its includes`,
      });
      return false;
    }
    this.hookIds.set(id, loc);
    return true;
  }
}
