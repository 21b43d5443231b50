/**
 * The `hookflow` command line. Dispatches to command modules; every command returns its exit code
 * (0 completed, 1 failed/cancelled, 2 invalid definition or usage, 3 suspended).
 */
import type { CliIO } from './io.js';
import { Exit } from './io.js';
import { runCommand } from './commands/run.js';
import { inspectCommand } from './commands/inspect.js';
import { hooksCommand } from './commands/hooks.js';
import { validateCommand } from './commands/validate.js';
import { graphCommand } from './commands/graph.js';
import { toolsCommand } from './commands/tools.js';

const HELP = `hookflow — workflows steered by hooks

usage: hookflow <command> [options]

  run <file> [--input JSON | --input-file F] [--run-id ID] [--tools M.js] [--json] [--events] [--store S]
  resume <runId>                     continue an interrupted or suspended run
  signal <runId> <name> [--data JSON] wake a wait: {signal} and carry the run on
  cancel <runId> [--reason TEXT]     cancel a run
  runs [--status S]                  list runs
  show <runId>                       a run's timeline and totals
  trace <runId>                      every hook decision with timing
  validate <files...>                static checks (file:line:col: message)
  graph <file> [--format mermaid|dot]
  hooks list [<file>] | hooks status  hooks per point; circuit breakers
  tools list [--tools M.js]          tools and their input schemas
  prune --older-than D               delete finished runs older than D (e.g. 30d)

common options: --store S (memory | sqlite:<path> | <path>; default .hookflow/hookflow.db or $HOOKFLOW_STORE),
  --tools M.js (repeatable), --json, --verbose
exit codes: 0 completed, 1 failed or cancelled, 2 invalid definition or usage, 3 suspended
`;

export function defaultIO(): CliIO {
  return {
    stdout: (t) => void process.stdout.write(t),
    stderr: (t) => void process.stderr.write(t),
    cwd: process.cwd(),
    env: process.env,
    isTTY: Boolean(process.stderr.isTTY),
  };
}

export async function main(argv: string[], io: CliIO = defaultIO()): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'run':
    case 'resume':
    case 'signal':
    case 'cancel':
      return runCommand(cmd, rest, io);
    case 'runs':
    case 'show':
    case 'trace':
    case 'prune':
      return inspectCommand(cmd, rest, io);
    case 'validate':
      return validateCommand(rest, io);
    case 'graph':
      return graphCommand(rest, io);
    case 'hooks':
      return hooksCommand(rest, io);
    case 'tools':
      return toolsCommand(rest, io);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      io.stdout(HELP);
      return cmd === undefined ? Exit.USAGE : Exit.OK;
    case '--version':
    case 'version':
      io.stdout('hookflow 0.1.0\n');
      return Exit.OK;
    default:
      io.stderr(`hookflow: unknown command "${cmd}"\n${HELP}`);
      return Exit.USAGE;
  }
}
