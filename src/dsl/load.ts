/**
 * The DSL loader: YAML text -> validated, normalized {@link WorkflowDefinition}. Every problem is
 * collected as a {@link Diagnostic}; nothing is reported one error at a time.
 */
import { createHash } from 'node:crypto';
import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { PathSegment } from '../expr/path.js';
import type { CompileOptions } from '../expr/compile.js';
import { parseDuration } from '../util/duration.js';
import type { StepDef, StepDefaults, WorkflowDefinition } from './types.js';
import { runCrossChecks } from './checks.js';
import { type At, LoadContext, under } from './context.js';
import { type Diagnostic, describeValue, sortDiagnostics, ValidationError } from './diagnostics.js';
import { compileHookList } from './hooks.js';
import { checkInputSchema } from './input-schema.js';
import { schemas } from './schema.js';
import { parseYaml, SourceFile } from './source.js';
import { compileStep, normalizeRetry, resolveRelative } from './steps.js';
import { forEachStep } from './walk.js';

export { type Diagnostic, formatDiagnostic, ValidationError } from './diagnostics.js';

/** Options of the loader functions. */
export interface LoadOptions {
  /** Tool registry predicate; when given, unknown tool names are diagnostics. */
  tools?: (name: string) => boolean;
  /** Agent registry predicate; when given, unknown agent names are diagnostics. */
  agents?: (name: string) => boolean;
  /** Registered tool names, for did-you-mean hints (and the check itself when `tools` is absent). */
  toolNames?: string[];
  /** Registered agent names, for did-you-mean hints (and the check itself when `agents` is absent). */
  agentNames?: string[];
  /**
   * The `definitions/` folder; hook sets are read from its `hooks/` subfolder.
   * @default the nearest `definitions/` (with a `hooks/` folder) walking up from the workflow file
   */
  definitionsDir?: string;
  /**
   * loadWorkflowFile only: also load and validate every `workflow:` sub-workflow (recursively);
   * they are returned in `definition.subWorkflows`.
   * @default false
   */
  loadSubWorkflows?: boolean;
  /** Limits for expression evaluation (see docs/dsl.md). */
  expression?: CompileOptions;
  /**
   * How the `input:` JSON Schema is checked: `full` validates it against the draft 2020-12 meta-schema
   * and compiles it in strict mode; `compile` only compiles it in strict mode (misspelled keywords are
   * still reported), saving the meta-schema compilation at start-up. `hookflow run` uses `compile`,
   * `hookflow validate` uses `full`.
   * @default 'full'
   */
  inputSchemaCheck?: 'full' | 'compile';
}

type Raw = Record<string, unknown>;

interface Analysis {
  definition?: WorkflowDefinition;
  ctx: LoadContext;
}

function isRecord(v: unknown): v is Raw {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function analyze(text: string, file: string, opts: LoadOptions): Analysis {
  const ctx = new LoadContext({ ...(opts.definitionsDir === undefined ? {} : { definitionsDir: opts.definitionsDir }), ...(opts.expression ? { expression: opts.expression } : {}) });
  ctx.files.push(file);
  const parsed = parseYaml(text, file);
  if (!parsed.ok) {
    ctx.diagnostics.push(...parsed.diagnostics);
    return { ctx };
  }
  const root: At = { src: parsed.source, path: [] };
  const value = parsed.value;
  if (!isRecord(value)) {
    ctx.report(root, { message: 'not a workflow', expected: 'a mapping with hookflow: 1, name and steps', found: describeValue(value) });
    return { ctx };
  }
  const data = ctx.validate(schemas.file, root, value) as Raw | undefined;

  // Compile what can be compiled even when the file-level shape has problems, to report them all.
  const defaults = schemas.defaults.safeParse(value.defaults ?? {});
  if (defaults.success) ctx.defaults = normalizeDefaults(defaults.data as Raw);
  const hooks = compileHookList(ctx, under(root, 'hooks'), value.hooks, { scope: 'workflow' });
  const steps: StepDef[] = [];
  if (Array.isArray(value.steps)) {
    value.steps.forEach((s, i) => {
      const step = compileStep(ctx, under(root, 'steps', i), s);
      if (step) steps.push(step);
    });
  }
  const output = value.output === undefined ? undefined : ctx.template(under(root, 'output'), value.output);
  if (isRecord(value.vars)) checkLiteralVars(ctx, under(root, 'vars'), value.vars);
  if (isRecord(value.input)) checkInputSchema(ctx, under(root, 'input'), value.input, opts.inputSchemaCheck ?? 'full');
  const tools = Array.isArray(value.tools)
    ? value.tools.filter((t): t is string => typeof t === 'string').map((t, i) => {
        const resolved = resolveRelative(file, t);
        if (resolved !== t || path.isAbsolute(resolved)) ctx.fileRefs.push({ kind: 'tool module', resolved, at: under(root, 'tools', i) });
        return resolved;
      })
    : [];
  const env = Array.isArray(value.env) ? value.env.filter((e): e is string => typeof e === 'string') : [];
  runCrossChecks(ctx, env, opts);
  if (!data || ctx.diagnostics.length > 0) return { ctx };

  const stepsById = new Map<string, StepDef>();
  forEachStep(steps, hooks, (s) => stepsById.set(s.id, s));
  const definition: WorkflowDefinition = {
    hookflow: 1,
    name: data.name as string,
    version: (data.version as string | number | undefined) ?? null,
    vars: { ...((data.vars as Raw | undefined) ?? {}) },
    defaults: ctx.defaults,
    env,
    tools,
    hooks,
    steps,
    stepsById,
    source: { file: file.startsWith('<') ? file : path.resolve(file), text, hash: createHash('sha256').update(text).digest('hex') },
  };
  if (data.description !== undefined) definition.description = data.description as string;
  if (data.input !== undefined) definition.input = data.input as Record<string, unknown>;
  if (output) definition.output = output;
  return { definition, ctx };
}

function normalizeDefaults(d: Raw): StepDefaults {
  const out: StepDefaults = {};
  if (d.timeout !== undefined) out.timeout = parseDuration(d.timeout) as number;
  if (d.retry !== undefined) out.retry = normalizeRetry(d.retry as Raw);
  if (d.onError !== undefined) out.onError = d.onError as 'fail' | 'continue';
  return out;
}

/** `vars:` are initial values, never evaluated: a `${` there is almost surely a mistake. */
function checkLiteralVars(ctx: LoadContext, at: At, vars: Raw, prefix: PathSegment[] = []): void {
  for (const [k, v] of Object.entries(vars)) {
    const p = [...prefix, k];
    if (typeof v === 'string' && v.includes('${') && !v.includes('$${')) {
      ctx.report(under(at, ...p), {
        message: 'expressions are not evaluated in vars',
        found: JSON.stringify(v),
        hint: 'vars are literal initial values; compute values with a set: step, or write $${ for a literal ${',
      });
    } else if (isRecord(v)) {
      checkLiteralVars(ctx, at, v, p);
    }
  }
}

function finish(a: Analysis): { definition?: WorkflowDefinition; diagnostics: Diagnostic[] } {
  const diagnostics = sortDiagnostics(a.ctx.diagnostics, a.ctx.files);
  return diagnostics.length === 0 && a.definition ? { definition: a.definition, diagnostics } : { diagnostics };
}

/** Validates workflow text and returns the definition (when valid) and every diagnostic found. */
export function validateWorkflowText(text: string, file: string, opts: LoadOptions = {}): { definition?: WorkflowDefinition; diagnostics: Diagnostic[] } {
  return finish(analyze(text, file, opts));
}

/**
 * Loads workflow text synchronously. Paths in it resolve relative to `file` (or the cwd for pseudo
 * names such as `<inline>`). Throws a {@link ValidationError} listing every problem found.
 */
export function loadWorkflowText(text: string, file: string, opts: LoadOptions = {}): WorkflowDefinition {
  const r = validateWorkflowText(text, file, opts);
  if (!r.definition) throw new ValidationError(r.diagnostics);
  return r.definition;
}

/**
 * Reads and loads a workflow file; also checks that referenced tool modules, hook modules and
 * sub-workflow files exist (and loads sub-workflows when `loadSubWorkflows`). Diagnostics name the
 * absolute file path. Throws a {@link ValidationError} listing every problem found.
 */
export async function loadWorkflowFile(file: string, opts: LoadOptions = {}): Promise<WorkflowDefinition> {
  const abs = path.resolve(file);
  const loaded = new Map<string, WorkflowDefinition>();
  const diagnostics: Diagnostic[] = [];
  const queue: Array<{ file: string; from?: At }> = [{ file: abs }];
  const seen = new Set<string>([abs]);
  let main: WorkflowDefinition | undefined;
  while (queue.length > 0) {
    const { file: current, from } = queue.shift() as { file: string; from?: At };
    let text: string;
    try {
      text = await readFile(current, 'utf8');
    } catch (err) {
      diagnostics.push(fileProblem(current, from, `cannot read workflow file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`));
      continue;
    }
    const a = analyze(text, current, opts);
    const subs: Array<{ file: string; at: At }> = [];
    for (const ref of a.ctx.fileRefs) {
      if (!(await exists(ref.resolved))) {
        a.ctx.report(ref.at, { message: `${ref.kind} not found`, found: `no file ${ref.resolved}`, hint: 'paths are relative to the file that names them' });
      } else if (ref.kind === 'sub-workflow') {
        subs.push({ file: ref.resolved, at: ref.at });
      }
    }
    const r = finish(a);
    diagnostics.push(...r.diagnostics);
    if (r.definition) loaded.set(current, r.definition);
    if (current === abs) main = r.definition;
    if (opts.loadSubWorkflows) {
      for (const s of subs) {
        if (seen.has(s.file)) continue;
        seen.add(s.file);
        queue.push({ file: s.file, from: s.at });
      }
    }
  }
  if (diagnostics.length > 0 || !main) throw new ValidationError(diagnostics);
  if (opts.loadSubWorkflows) for (const def of loaded.values()) def.subWorkflows = loaded;
  return main;
}

function fileProblem(file: string, from: At | undefined, message: string): Diagnostic {
  if (!from) return { file, line: 0, col: 0, path: '', message };
  const p = from.src.valuePos(from.path);
  return { file: from.src.file, line: p.line, col: p.col, path: from.src.path(from.path), message: `${message} (${file})` };
}

async function exists(p: string): Promise<boolean> {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * Compiles a step list given at run time (e.g. by a code hook returning `{action: 'fork', steps}`)
 * with the same schema and normalisation as the loader. Items that already are StepDefs pass
 * through. `existingIds` are the ids of the running definition: reusing one is an error, and
 * `steps.<id>` references are checked against them plus the new ids. Throws a ValidationError.
 */
export function compileSteps(raw: unknown, origin: { file: string; path: string }, existingIds?: ReadonlySet<string>, defaults?: StepDefaults): StepDef[] {
  const ctx = new LoadContext();
  if (defaults) ctx.defaults = defaults;
  const src = new SourceFile(origin.file, origin.path);
  const at: At = { src, path: [] };
  for (const id of existingIds ?? []) ctx.stepIds.set(id, { file: origin.file, line: 0, col: 0, path: '' });
  if (!Array.isArray(raw)) {
    ctx.report(at, { message: 'invalid step list', expected: 'a list of steps', found: describeValue(raw) });
    throw new ValidationError(ctx.diagnostics);
  }
  const out: StepDef[] = [];
  raw.forEach((item, i) => {
    if (isStepDef(item)) {
      out.push(item);
      forEachStep([item], [], (s) => ctx.registerStep(s.id, under(at, i)));
      return;
    }
    const s = compileStep(ctx, under(at, i), item);
    if (s) out.push(s);
  });
  runCrossChecks(ctx, undefined, {}, existingIds !== undefined);
  if (ctx.diagnostics.length > 0) throw new ValidationError(sortDiagnostics(ctx.diagnostics));
  return out;
}

function isStepDef(v: unknown): v is StepDef {
  return isRecord(v) && typeof v.kind === 'string' && isRecord(v.loc) && Array.isArray(v.hooks);
}
