/**
 * `hookflow graph <file> [--format mermaid|dot]`: prints the workflow as a diagram on stdout
 * (Mermaid flowchart by default, or Graphviz DOT). An invalid file prints its diagnostics and exits 2.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { formatDiagnostic, loadWorkflowFile, toDot, toMermaid, ValidationError } from '../../index.js';
import { Exit, type CliIO } from '../io.js';

const USAGE = `Usage: hookflow graph <file> [--format mermaid|dot]

Prints the workflow as a diagram: nested patterns are subgraphs, parallel branches fan out and join,
if/switch edges carry their conditions, loops draw their back edge, catch steps hang off dashed edges.

Options:
  --format mermaid|dot  output format (default: mermaid)
  -h, --help            show this help
`;

const FORMATS = ['mermaid', 'dot'] as const;

function usageError(io: CliIO, message: string): number {
  io.stderr(`hookflow graph: ${message}\n\n${USAGE}`);
  return Exit.USAGE;
}

/** Runs `hookflow graph`; `argv` holds the arguments after `graph`. */
export async function graphCommand(argv: string[], io: CliIO): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: { format: { type: 'string', short: 'f', default: 'mermaid' }, help: { type: 'boolean', short: 'h', default: false } },
    });
  } catch (err) {
    return usageError(io, err instanceof Error ? err.message : String(err));
  }
  if (parsed.values.help) {
    io.stdout(USAGE);
    return Exit.OK;
  }
  const format = parsed.values.format as string;
  if (!(FORMATS as readonly string[]).includes(format)) return usageError(io, `unknown format "${format}": expected mermaid or dot`);
  if (parsed.positionals.length !== 1) return usageError(io, parsed.positionals.length === 0 ? 'no workflow file given' : 'give exactly one workflow file');
  const file = path.resolve(io.cwd, parsed.positionals[0] as string);
  try {
    const def = await loadWorkflowFile(file);
    io.stdout(format === 'dot' ? toDot(def) : toMermaid(def));
    return Exit.OK;
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    for (const d of err.diagnostics) {
      io.stderr(`${formatDiagnostic(path.isAbsolute(d.file) ? { ...d, file: path.relative(io.cwd, d.file) || d.file } : d)}\n`);
    }
    return Exit.USAGE;
  }
}
