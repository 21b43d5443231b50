/**
 * `hookflow hooks list [<file>]` — hooks per point (engine built-ins registered by flags, plus the
 * workflow's own hooks when a file is given), in call order.
 * `hookflow hooks status` — each hook's circuit breaker, as last saved in the store by a run.
 */
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { HOOK_POINTS, loadWorkflowFile, openStore, type HookPoint, type Store } from '../../index.js';
import type { HookDecl } from '../../index.js';
import { reportError, usageError } from '../common.js';
import { Exit, type CliIO } from '../io.js';

interface Row {
  point: HookPoint;
  id: string;
  order: number;
  scope: string;
  source: string;
  match: string;
}

function describeSource(h: HookDecl): string {
  const s = h.source;
  switch (s.kind) {
    case 'rule':
      return `do: ${s.do.action}`;
    case 'module':
      return `module: ${s.module}`;
    case 'use':
      return `use: ${s.use}`;
    case 'composite':
      return `compose: ${s.compose} [${s.hooks.map((c) => c.id).join(', ')}]`;
  }
}

export async function hooksCommand(argv: string[], io: CliIO): Promise<number> {
  let store: Store | undefined;
  const verbose = argv.includes('--verbose');
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { store: { type: 'string' }, json: { type: 'boolean', default: false }, verbose: { type: 'boolean', default: false } },
    });
    const [sub, ...rest] = positionals;
    if (sub === 'list') {
      if (rest.length > 1) throw usageError('usage: hookflow hooks list [<file>] [--json]');
      const rows: Row[] = [];
      if (rest[0] !== undefined) {
        const def = await loadWorkflowFile(resolve(io.cwd, rest[0]));
        const add = (h: HookDecl, scope: string): void => {
          for (const p of h.at) {
            rows.push({ point: p, id: h.id, order: h.order, scope, source: describeSource(h), match: h.match ? JSON.stringify(h.match) : '' });
          }
          if (h.at.length === 0) rows.push({ point: '(default points)' as HookPoint, id: h.id, order: h.order, scope, source: describeSource(h), match: h.match ? JSON.stringify(h.match) : '' });
        };
        for (const h of def.hooks) add(h, 'workflow');
        for (const s of def.stepsById.values()) for (const h of s.hooks) add(h, `step ${s.id}`);
      }
      rows.sort((a, b) => pointIndex(a.point) - pointIndex(b.point) || a.order - b.order);
      if (values.json) io.stdout(`${JSON.stringify(rows)}\n`);
      else if (rows.length === 0) io.stdout('no hooks declared (engine-wide code hooks are registered by the embedding program)\n');
      else {
        let last = '';
        for (const r of rows) {
          if (r.point !== last) io.stdout(`${r.point}\n`);
          last = r.point;
          io.stdout(`  ${String(r.order).padStart(3)}  ${r.id.padEnd(24)} ${r.source.padEnd(26)} ${r.scope}${r.match ? `  match ${r.match}` : ''}\n`);
        }
      }
      return Exit.OK;
    }
    if (sub === 'status') {
      if (rest.length > 0) throw usageError('usage: hookflow hooks status [--store S] [--json]');
      store = openStore(values.store, io.cwd, io.env);
      const snaps = (await store.listMeta('breaker')).map((m) => m.value as Record<string, unknown>);
      if (values.json) io.stdout(`${JSON.stringify(snaps)}\n`);
      else if (snaps.length === 0) io.stdout('no breaker state recorded yet (hooks get a breaker on their first call)\n');
      else {
        for (const b of snaps) {
          const p95 = typeof b.p95Ms === 'number' ? `${b.p95Ms.toFixed(2)} ms` : '-';
          const op = typeof b.opP95Ms === 'number' ? `${b.opP95Ms.toFixed(2)} ms` : '-';
          io.stdout(`${String(b.hookId).padEnd(30)} ${String(b.state).padEnd(9)} calls ${String(b.calls).padStart(6)}  failures ${String(b.failures).padStart(4)}  p95 ${p95}  op p95 ${op}  opens ${String(b.opens)}${b.reason ? `  (${String(b.reason)})` : ''}\n`);
        }
      }
      return Exit.OK;
    }
    throw usageError('usage: hookflow hooks list [<file>] | hookflow hooks status');
  } catch (err) {
    return reportError(err, io, verbose);
  } finally {
    await store?.close();
  }
}

function pointIndex(p: string): number {
  const i = (HOOK_POINTS as readonly string[]).indexOf(p);
  return i < 0 ? 999 : i;
}
