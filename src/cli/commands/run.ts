/**
 * `hookflow run | resume | signal | cancel`: start or continue runs. The run id goes to stderr at
 * start, progress to stderr, the result to stdout (`--json`: `{runId, status, output, error}`);
 * `--events` streams every event as a JSON line on stdout before the result; `--metrics` prints the
 * metrics summary (the `metrics` built-in) to stderr after it.
 * Exit codes: 0 completed, 1 failed or cancelled, 2 invalid definition or usage, 3 suspended.
 */
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { isLocalOwnerAlive, type Engine, type RunResult, type Store, type UniversalEvent } from '../../index.js';
import { engineFromFlags, parseJsonFlag, readJsonFile, reportError, usageError } from '../common.js';
import { Exit, type CliIO } from '../io.js';
import { attachProgress } from '../progress.js';
import { formatDuration } from '../../util/duration.js';

const COMMON = {
  store: { type: 'string' },
  tools: { type: 'string', multiple: true },
  workspace: { type: 'string' },
  json: { type: 'boolean', default: false },
  events: { type: 'boolean', default: false },
  quiet: { type: 'boolean', short: 'q', default: false },
  verbose: { type: 'boolean', short: 'v', default: false },
  metrics: { type: 'boolean', default: false },
} as const;

type Verb = 'run' | 'resume' | 'signal' | 'cancel';

export async function runCommand(verb: Verb, argv: string[], io: CliIO): Promise<number> {
  let verbose = argv.includes('--verbose') || argv.includes('-v');
  let engine: Engine | undefined;
  let store: Store | undefined;
  let cancelOnSigint: (() => void) | undefined;
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        ...COMMON,
        input: { type: 'string' },
        'input-file': { type: 'string' },
        'run-id': { type: 'string' },
        data: { type: 'string' },
        reason: { type: 'string' },
        due: { type: 'boolean', default: false },
      },
    });
    verbose = values.verbose;
    if (verb === 'resume' && values.due) return await resumeDue(values, io);
    const need = verb === 'signal' ? 2 : 1;
    if (positionals.length !== need) throw usageError(usageOf(verb));
    const built = await engineFromFlags({ store: values.store, tools: values.tools, workspace: values.workspace }, io);
    engine = built.engine;
    store = built.store;
    const started = performance.now();
    const offs: Array<() => void> = [];
    // The built-in metrics hook records every run of this engine; a workflow that also declares
    // `use: metrics` is not counted twice (the first instance to see a run records it).
    if (values.metrics) offs.push(await engine.use('metrics', { id: 'cli-metrics' }));
    if (!values.quiet && !values.events) offs.push(attachProgress(engine.bus, io.stderr, { color: io.isTTY }));
    if (values.events) {
      offs.push(engine.bus.subscribe('**', (ev: UniversalEvent) => io.stdout(`${JSON.stringify(ev)}\n`), { buffer: 100_000, overflow: 'block' }));
    }
    let result: RunResult;
    const ac = new AbortController();
    cancelOnSigint = () => ac.abort();
    process.once('SIGINT', cancelOnSigint);
    switch (verb) {
      case 'run': {
        if (values.input !== undefined && values['input-file'] !== undefined) throw usageError('give either --input or --input-file, not both');
        const input = values.input !== undefined ? parseJsonFlag(values.input, '--input') : values['input-file'] !== undefined ? await readJsonFile(values['input-file'], io.cwd, '--input-file') : {};
        const file = resolve(io.cwd, positionals[0] as string);
        const def = await engine.load(file);
        const runId = values['run-id'] ?? randomUUID();
        // Announced once the run exists: a refused definition or input leaves no id behind.
        const announce = (id: string): void => io.stderr(`hookflow: run ${id} (${def.name}${def.version !== null ? ` v${def.version}` : ''}) on ${built.store.kind}\n`);
        result = await engine.run(def, input, { runId, signal: ac.signal, onCreated: announce });
        break;
      }
      case 'resume':
        io.stderr(`hookflow: resuming run ${positionals[0] as string}\n`);
        result = await engine.resume(positionals[0] as string, { signal: ac.signal });
        break;
      case 'signal': {
        const data = values.data !== undefined ? parseJsonFlag(values.data, '--data') : null;
        io.stderr(`hookflow: signal "${positionals[1] as string}" to run ${positionals[0] as string}\n`);
        result = await engine.signal(positionals[0] as string, positionals[1] as string, data);
        break;
      }
      case 'cancel': {
        const reason = values.reason ?? 'cancelled from the CLI';
        result = await engine.cancel(positionals[0] as string, reason);
        // Owned by another live process: the request is recorded and that process stops the run at its
        // next check (every 500 ms); report the outcome rather than the request.
        if (result.status === 'running') result = await awaitCancelled(engine, built.store, result.runId, reason, io);
        break;
      }
    }
    await engine.bus.drain();
    for (const off of offs) off();
    printResult(result, io, values.json, performance.now() - started);
    if (values.metrics) io.stderr(`hookflow: metrics\n${engine.metrics().summary()}`);
    return exitOf(result);
  } catch (err) {
    return reportError(err, io, verbose);
  } finally {
    if (cancelOnSigint) process.removeListener('SIGINT', cancelOnSigint);
    await engine?.close();
    // The engine does not own a store it was given: close it here, which also checkpoints SQLite's WAL.
    await store?.close();
  }
}

/** How long `hookflow cancel` waits for another process to stop a run before reporting the request only. */
const CANCEL_WAIT_MS = 10_000;

/** Polls a run that another process was asked to cancel until it stops (or suspends, then cancels it here). */
async function awaitCancelled(engine: Engine, store: Store, runId: string, reason: string, io: CliIO): Promise<RunResult> {
  const until = Date.now() + CANCEL_WAIT_MS;
  for (;;) {
    const run = await store.getRun(runId);
    if (run === undefined || run.status !== 'running') {
      // It suspended (or its owner died) before seeing the request: now it can be cancelled from here.
      if (run?.status === 'suspended') return engine.cancel(runId, reason);
      return { runId, status: run?.status ?? 'cancelled', output: run?.output ?? null, error: run?.error ?? null };
    }
    if (run.owner && !isLocalOwnerAlive(run.owner)) return engine.cancel(runId, reason);
    if (Date.now() >= until) {
      io.stderr(`hookflow: cancellation of run ${runId} requested; ${run.owner ?? 'its owner'} has not stopped it yet and will at its next check\n`);
      return { runId, status: 'running', output: null, error: null };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * `hookflow resume --due`: carries on every run that is waiting for nobody — interrupted runs whose
 * process died, and suspended runs whose signal timeout has passed — so a cron entry (or a restart
 * script) makes durable waits and timeouts take effect without knowing run ids.
 */
async function resumeDue(values: { store?: string | undefined; tools?: string[] | undefined; workspace?: string | undefined; json: boolean; quiet: boolean }, io: CliIO): Promise<number> {
  const { engine, store } = await engineFromFlags({ store: values.store, tools: values.tools, workspace: values.workspace }, io);
  try {
    const off = values.quiet ? undefined : attachProgress(engine.bus, io.stderr, { color: io.isTTY });
    const due = await engine.dueRuns();
    io.stderr(`hookflow: ${due.length} run${due.length === 1 ? '' : 's'} due on ${store.kind}\n`);
    const results = await Promise.all(due.map((id) => engine.resume(id).catch((err: unknown) => ({ runId: id, status: 'failed' as const, output: null, error: { code: (err as { code?: string }).code ?? 'INTERNAL', message: err instanceof Error ? err.message : String(err) } }))));
    await engine.bus.drain();
    off?.();
    if (values.json) io.stdout(`${JSON.stringify(results)}\n`);
    else for (const r of results) io.stderr(`hookflow: run ${r.runId} ${r.status}${r.error ? ` — ${r.error.code}: ${r.error.message}` : ''}\n`);
    return results.some((r) => r.status === 'failed' || r.status === 'cancelled') ? Exit.FAILED : Exit.OK;
  } finally {
    await engine.close();
    await store.close();
  }
}

function usageOf(verb: Verb): string {
  switch (verb) {
    case 'run':
      return 'usage: hookflow run <file> [--input JSON | --input-file F] [--run-id ID] [--tools M.js] [--json] [--events] [--metrics] [--store S]';
    case 'resume':
      return 'usage: hookflow resume <runId> | --due [--store S] [--tools M.js] [--json] [--metrics]';
    case 'signal':
      return 'usage: hookflow signal <runId> <name> [--data JSON] [--store S] [--tools M.js] [--json]';
    case 'cancel':
      return 'usage: hookflow cancel <runId> [--reason TEXT] [--store S] [--json]';
  }
}

function exitOf(r: RunResult): number {
  switch (r.status) {
    case 'completed':
      return Exit.OK;
    case 'suspended':
      return Exit.SUSPENDED;
    case 'running':
      return Exit.OK;
    default:
      return Exit.FAILED;
  }
}

function printResult(r: RunResult, io: CliIO, json: boolean, ms: number): void {
  if (json) {
    io.stdout(`${JSON.stringify({ runId: r.runId, status: r.status, output: r.output ?? null, error: r.error })}\n`);
    return;
  }
  io.stderr(`hookflow: run ${r.runId} ${r.status} in ${formatDuration(ms)}${r.error ? ` — ${r.error.code}: ${r.error.message}${r.error.step ? ` (step ${r.error.step})` : ''}` : ''}\n`);
  if (r.status === 'suspended') io.stderr(`hookflow: waiting for a signal; continue with: hookflow signal ${r.runId} <name> --data '<json>'\n`);
  if (r.status === 'completed') io.stdout(`${typeof r.output === 'string' ? r.output : JSON.stringify(r.output, null, 2)}\n`);
}
