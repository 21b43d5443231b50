/**
 * `hookflow runs | show | trace | prune`: read the journal.
 * - runs [--status S] [--limit N]: one line per run, newest first.
 * - show <runId>: the run row, totals (cost, tokens) and the step timeline.
 * - trace <runId> [--debug]: every hook decision with point, action and ms; `--debug` adds each
 *   decision's result and the `hook.debug` snapshots (input/output seen at each point) of the `debug` hook.
 * - prune --older-than D: deletes finished runs that ended before now - D.
 */
import { parseArgs } from 'node:util';
import { openStore, parseDuration, type RunStatus, type StepRecord, type Store, type UniversalEvent } from '../../index.js';
import { reportError, usageError } from '../common.js';
import { Exit, type CliIO } from '../io.js';

const STATUSES: readonly RunStatus[] = ['running', 'completed', 'failed', 'cancelled', 'suspended'];

export async function inspectCommand(verb: 'runs' | 'show' | 'trace' | 'prune', argv: string[], io: CliIO): Promise<number> {
  let store: Store | undefined;
  const verbose = argv.includes('--verbose');
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        store: { type: 'string' },
        status: { type: 'string' },
        limit: { type: 'string' },
        json: { type: 'boolean', default: false },
        'older-than': { type: 'string' },
        verbose: { type: 'boolean', default: false },
        debug: { type: 'boolean', default: false },
      },
    });
    store = openStore(values.store, io.cwd, io.env);
    switch (verb) {
      case 'runs': {
        if (positionals.length > 0) throw usageError('usage: hookflow runs [--status S] [--limit N] [--json]');
        const status = values.status as RunStatus | undefined;
        if (status !== undefined && !STATUSES.includes(status)) throw usageError(`--status must be one of ${STATUSES.join(', ')}, got "${status}"`);
        const limit = values.limit === undefined ? 50 : Number(values.limit);
        if (!Number.isInteger(limit) || limit < 1) throw usageError(`--limit must be a positive integer, got "${values.limit}"`);
        const runs = await store.listRuns(status === undefined ? { limit } : { status, limit });
        if (values.json) io.stdout(`${JSON.stringify(runs.map(({ definition: _d, ...r }) => r))}\n`);
        else {
          if (runs.length === 0) io.stderr('no runs\n');
          for (const r of runs) io.stdout(`${r.id}  ${r.status.padEnd(9)}  ${r.workflow}${r.version !== null && r.version !== undefined ? `@${r.version}` : ''}  ${r.createdAt}${r.error ? `  ${r.error.code}` : ''}\n`);
        }
        return Exit.OK;
      }
      case 'show': {
        const runId = one(positionals, 'usage: hookflow show <runId> [--json]');
        const run = await store.getRun(runId);
        if (!run) throw usageError(`run "${runId}" not found in ${store.kind}`);
        const steps = await store.getSteps(runId);
        if (values.json) {
          const { definition, ...rest } = run;
          io.stdout(`${JSON.stringify({ ...rest, definition: { hash: definition.hash, file: definition.file }, steps })}\n`);
          return Exit.OK;
        }
        io.stdout(`run       ${run.id}\nworkflow  ${run.workflow}${run.version !== null ? ` (version ${String(run.version)})` : ''}\nstatus    ${run.status}\nstarted   ${run.createdAt}\n`);
        if (run.endedAt) io.stdout(`ended     ${run.endedAt}\n`);
        if (run.parentRunId) io.stdout(`parent    ${run.parentRunId} (step ${run.parentStepPath ?? '?'})\n`);
        io.stdout(`definition ${run.definition.file} sha256:${run.definition.hash.slice(0, 12)}\n`);
        if (run.error) io.stdout(`error     ${run.error.code}: ${run.error.message}${run.error.step ? ` (step ${run.error.step})` : ''}\n`);
        if (run.totals && Object.keys(run.totals).length > 0) {
          io.stdout('totals\n');
          for (const [k, v] of Object.entries(run.totals)) io.stdout(`  ${k}: ${JSON.stringify(v)}\n`);
          const wf = await workflowTotals(store, run.workflow);
          if (wf) io.stdout(`workflow totals (${wf.runs} runs): ${JSON.stringify(wf.totals)}\n`);
        }
        io.stdout('steps\n');
        for (const s of steps.sort(byStart)) io.stdout(`  ${timeline(s)}\n`);
        return Exit.OK;
      }
      case 'trace': {
        const runId = one(positionals, 'usage: hookflow trace <runId> [--json] [--debug]');
        const run = await store.getRun(runId);
        if (!run) throw usageError(`run "${runId}" not found in ${store.kind}`);
        const all = await store.getEvents(runId, { types: ['hook.'] });
        const events = values.debug ? all : all.filter((e) => e.type !== 'hook.debug');
        if (values.json) {
          io.stdout(`${JSON.stringify(events)}\n`);
          return Exit.OK;
        }
        if (events.length === 0) io.stderr(`run ${runId} has no hook decisions\n`);
        for (const e of events) io.stdout(`${traceLine(e, values.debug)}\n`);
        return Exit.OK;
      }
      case 'prune': {
        if (positionals.length > 0 || values['older-than'] === undefined) throw usageError('usage: hookflow prune --older-than <duration, e.g. 30d>');
        const ms = parseDuration(values['older-than']);
        if (ms === undefined) throw usageError(`--older-than expects a duration such as 12h, 30d; got "${values['older-than']}"`);
        const n = await store.prune(new Date(Date.now() - ms));
        io.stdout(`${values.json ? JSON.stringify({ pruned: n }) : `pruned ${n} run${n === 1 ? '' : 's'}`}\n`);
        return Exit.OK;
      }
    }
    return Exit.USAGE;
  } catch (err) {
    return reportError(err, io, verbose);
  } finally {
    await store?.close();
  }
}

function one(positionals: string[], usage: string): string {
  if (positionals.length !== 1) throw usageError(usage);
  return positionals[0] as string;
}

function byStart(a: StepRecord, b: StepRecord): number {
  return (a.startedAt ?? a.endedAt ?? '').localeCompare(b.startedAt ?? b.endedAt ?? '') || a.path.localeCompare(b.path);
}

function timeline(s: StepRecord): string {
  const ms = s.startedAt && s.endedAt ? Date.parse(s.endedAt) - Date.parse(s.startedAt) : undefined;
  const time = s.startedAt ? s.startedAt.slice(11, 23) : '            ';
  const err = s.error ? `  ${s.error.code}: ${s.error.message}` : '';
  return `${time}  ${s.status.padEnd(9)} ${s.path}  (${s.kind}${s.attempt > 1 ? `, attempt ${s.attempt}` : ''}${ms !== undefined ? `, ${ms} ms` : ''})${err}`;
}

function traceLine(e: UniversalEvent, debug = false): string {
  const d = e.data as { hookId?: string; point?: string; action?: string; ms?: number; path?: string; error?: { code: string; message: string }; result?: unknown; input?: unknown; output?: unknown };
  const base = `${e.time.slice(11, 23)}  #${e.seq}  ${(d.point ?? '').padEnd(18)} ${(d.hookId ?? '').padEnd(20)}`;
  if (e.type === 'hook.failed') return `${base} FAILED ${d.error ? `${d.error.code}: ${d.error.message}` : ''}  ${d.ms ?? 0} ms${d.path ? `  @ ${d.path}` : ''}`;
  if (e.type === 'hook.debug') {
    let line = `${base} ${'input'.padEnd(9)} ${''.padStart(11)}${d.path ? `  @ ${d.path}` : ''}  input=${compact(d.input)}`;
    if (d.output !== undefined) line += `  output=${compact(d.output)}`;
    if (d.error !== undefined) line += `  error=${d.error.code}: ${d.error.message}`;
    return line;
  }
  const line = `${base} ${(d.action ?? '').padEnd(9)} ${String(d.ms ?? 0).padStart(8)} ms${d.path ? `  @ ${d.path}` : ''}`;
  return debug && d.result !== undefined ? `${line}  result=${compact(d.result)}` : line;
}

/** One-line JSON, cut at 300 characters. */
function compact(v: unknown): string {
  const s = JSON.stringify(v) ?? 'undefined';
  return s.length > 300 ? `${s.slice(0, 300)}…` : s;
}

/** Sums numeric totals (and nested numeric objects) over the runs of one workflow. */
async function workflowTotals(store: Store, workflow: string): Promise<{ runs: number; totals: Record<string, unknown> } | undefined> {
  const runs = await store.listRuns({ workflow, limit: 10_000 });
  const sum: Record<string, unknown> = {};
  let counted = 0;
  for (const r of runs) {
    if (!r.totals) continue;
    counted++;
    addInto(sum, r.totals);
  }
  return counted > 1 ? { runs: counted, totals: sum } : undefined;
}

function addInto(target: Record<string, unknown>, src: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(src)) {
    if (typeof v === 'number') target[k] = ((target[k] as number | undefined) ?? 0) + v;
    else if (v && typeof v === 'object' && !Array.isArray(v)) {
      const t = (target[k] ??= {}) as Record<string, unknown>;
      addInto(t, v as Record<string, unknown>);
    }
  }
}
