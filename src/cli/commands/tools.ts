/**
 * `hookflow tools list [filter] [--tools ./mod.js]... [--json]`: prints every registered tool with its
 * description, input JSON Schema and output description.
 */
import { parseArgs } from 'node:util';
import { HookflowError, ToolRegistry, builtinTools, globMatch, loadToolModule, type RegisteredTool } from '../../index.js';
import { Exit, type CliIO } from '../io.js';

const USAGE = `Usage: hookflow tools list [<filter>] [--tools <module.js>]... [--json]

List the built-in tools and those of the given tool modules.

Arguments:
  <filter>              only tools whose name matches this glob (e.g. "file.*")
Options:
  --tools <module.js>   also load a tool module (repeatable; relative to the current directory)
  --json                print a JSON array of {name, description, input, output, fileArgs}
  -h, --help            show this help
`;

/** The input schema without the `$schema` marker, which every entry would repeat. */
function compactSchema(schema: Record<string, unknown> | undefined): Record<string, unknown> | null {
  if (!schema) return null;
  const rest: Record<string, unknown> = { ...schema };
  delete rest.$schema;
  return rest;
}

function outputOf(tool: RegisteredTool): unknown {
  return tool.definition.output ?? null;
}

function describeTool(tool: RegisteredTool): string {
  const input = compactSchema(tool.inputSchema);
  const output = outputOf(tool);
  let text = `${tool.name}${tool.description ? `  ${tool.description}` : ''}\n`;
  text += `  input:  ${input ? JSON.stringify(input) : '(any)'}\n`;
  if (output !== null) text += `  output: ${typeof output === 'string' ? output : JSON.stringify(output)}\n`;
  if (tool.definition.fileArgs?.length) text += `  files:  ${tool.definition.fileArgs.join(', ')} (sandboxed to the workspace)\n`;
  return text;
}

function usageError(io: CliIO, message: string): number {
  io.stderr(`hookflow tools: ${message}\n\n${USAGE}`);
  return Exit.USAGE;
}

/**
 * Runs `hookflow tools ...`; `argv` holds the arguments after `tools`. Returns 0 on success and 2 on
 * usage errors or unloadable tool modules.
 */
export async function toolsCommand(argv: string[], io: CliIO): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: { tools: { type: 'string', multiple: true }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
    });
  } catch (err) {
    return usageError(io, err instanceof Error ? err.message : String(err));
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout(USAGE);
    return Exit.OK;
  }
  const [sub, filter, ...extra] = positionals;
  if (sub === undefined) return usageError(io, 'missing subcommand (expected "list")');
  if (sub !== 'list') return usageError(io, `unknown subcommand "${sub}" (expected "list")`);
  if (extra.length > 0) return usageError(io, `unexpected arguments: ${extra.join(' ')}`);

  const registry = new ToolRegistry(builtinTools());
  for (const mod of values.tools ?? []) {
    try {
      registry.registerAll(await loadToolModule(mod, io.cwd));
    } catch (err) {
      if (!(err instanceof HookflowError)) throw err;
      io.stderr(`hookflow tools: ${err.message}\n`);
      return Exit.USAGE;
    }
  }
  const tools = registry.list().filter((t) => filter === undefined || globMatch(filter, t.name, '.'));
  if (values.json) {
    const rows = tools.map((t) => ({
      name: t.name,
      description: t.description,
      input: compactSchema(t.inputSchema),
      output: outputOf(t),
      fileArgs: t.definition.fileArgs ?? [],
    }));
    io.stdout(`${JSON.stringify(rows, null, 2)}\n`);
    return Exit.OK;
  }
  if (tools.length === 0) {
    io.stderr(filter === undefined ? 'no tools registered\n' : `no tool matches "${filter}"\n`);
    return Exit.OK;
  }
  io.stdout(tools.map(describeTool).join('\n'));
  return Exit.OK;
}
