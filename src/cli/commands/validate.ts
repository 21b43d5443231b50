/**
 * `hookflow validate <files...> [--json] [--tools <module.js>]...`: static checks of workflow files
 * without running them. Prints `file:line:col: message …` per problem on stderr and `ok <file>` per
 * valid file on stdout; exit 0 when every file is valid, 2 otherwise (and on usage errors).
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { builtinTools, formatDiagnostic, HookflowError, loadToolModule, loadWorkflowFile, validateWorkflowText, ValidationError, type Diagnostic } from '../../index.js';
import { Exit, type CliIO } from '../io.js';

const USAGE = `Usage: hookflow validate <files...> [--json] [--tools <module.js>]...

Checks workflow files without running them: YAML syntax, the DSL schema, expressions, step and hook
references, included hook sets, referenced files, and tool names (the built-in tools, --tools modules
and the workflow's own tools: modules).

Options:
  --json                print every diagnostic as a JSON array on stdout (nothing else)
  --tools <module.js>   tool module whose tools count as known (repeatable)
  -h, --help            show this help

Exit codes: 0 all files valid, 2 problems found or usage error.
`;

function usageError(io: CliIO, message: string): number {
  io.stderr(`hookflow validate: ${message}\n\n${USAGE}`);
  return Exit.USAGE;
}

/** Runs `hookflow validate`; `argv` holds the arguments after `validate`. */
export async function validateCommand(argv: string[], io: CliIO): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: { json: { type: 'boolean', default: false }, tools: { type: 'string', multiple: true }, help: { type: 'boolean', short: 'h', default: false } },
    });
  } catch (err) {
    return usageError(io, err instanceof Error ? err.message : String(err));
  }
  if (parsed.values.help) {
    io.stdout(USAGE);
    return Exit.OK;
  }
  if (parsed.positionals.length === 0) return usageError(io, 'no workflow files given');

  const known = new Set(builtinTools().map((t) => t.name));
  for (const mod of parsed.values.tools ?? []) {
    try {
      for (const t of await loadToolModule(mod, io.cwd)) known.add(t.name);
    } catch (err) {
      io.stderr(`hookflow validate: ${err instanceof HookflowError ? err.message : String(err)}\n`);
      return Exit.USAGE;
    }
  }

  const all: Diagnostic[] = [];
  for (const file of parsed.positionals) {
    const diagnostics = (await checkFile(path.resolve(io.cwd, file), known)).map((d) => relativize(d, io.cwd));
    all.push(...diagnostics);
    if (parsed.values.json) continue;
    for (const d of diagnostics) io.stderr(`${formatDiagnostic(d)}\n`);
    if (diagnostics.length === 0) io.stdout(`ok ${file}\n`);
  }
  if (parsed.values.json) io.stdout(`${JSON.stringify(all, null, 2)}\n`);
  return all.length === 0 ? Exit.OK : Exit.USAGE;
}

/** Loads one file; then, if it is valid, checks its tool names including those of its own modules. */
async function checkFile(abs: string, builtin: ReadonlySet<string>): Promise<Diagnostic[]> {
  let def;
  try {
    def = await loadWorkflowFile(abs);
  } catch (err) {
    if (err instanceof ValidationError) return err.diagnostics;
    throw err;
  }
  const names = new Set(builtin);
  const problems: Diagnostic[] = [];
  for (const mod of def.tools) {
    try {
      for (const t of await loadToolModule(mod, path.dirname(abs))) names.add(t.name);
    } catch (err) {
      problems.push({ file: abs, line: 0, col: 0, path: 'tools', message: err instanceof Error ? err.message : String(err) });
    }
  }
  if (problems.length > 0) return problems;
  return validateWorkflowText(def.source.text, abs, { toolNames: [...names].sort() }).diagnostics;
}

function relativize(d: Diagnostic, cwd: string): Diagnostic {
  return path.isAbsolute(d.file) ? { ...d, file: path.relative(cwd, d.file) || d.file } : d;
}
