/**
 * The human progress view of `hookflow run`: a bus subscriber that prints one line per step outcome on
 * stderr, with status and timing. It is an ordinary subscriber (drop-oldest), so a slow terminal
 * never slows a run.
 */
import type { EventBus, UniversalEvent } from '../index.js';
import { formatDuration } from '../util/duration.js';

const MARK: Record<string, string> = {
  'step.completed': 'ok  ',
  'step.failed': 'FAIL',
  'step.skipped': 'skip',
  'step.cancelled': 'cncl',
  'step.retrying': 'retr',
  'step.cached': 'hit ',
  'step.suspended': 'wait',
};

export function attachProgress(bus: EventBus, write: (line: string) => void, opts: { color: boolean }): () => void {
  const c = (code: string, s: string): string => (opts.color ? `\u001b[${code}m${s}\u001b[0m` : s);
  const colorOf: Record<string, string> = { ok: '32', FAIL: '31', skip: '90', cncl: '33', retr: '33', 'hit ': '36', wait: '35' };
  const offs = [
    bus.subscribe('step.*', (ev: UniversalEvent) => {
      const mark = MARK[ev.type];
      if (!mark) return;
      const d = ev.data as { path: string; durationMs?: number; error?: { code: string; message: string }; reason?: string; attempt?: number; delayMs?: number; signal?: string; code?: string };
      let detail = '';
      if (ev.type === 'step.completed' && d.durationMs !== undefined) detail = formatDuration(d.durationMs);
      else if (ev.type === 'step.failed' && d.error) detail = `${d.error.code}: ${d.error.message}`;
      else if (ev.type === 'step.retrying') detail = `attempt ${d.attempt ?? '?'} failed${d.error ? ` (${d.error.code})` : ''}; retrying in ${formatDuration(d.delayMs ?? 0)}`;
      else if (ev.type === 'step.skipped' || ev.type === 'step.cancelled') detail = d.reason ?? '';
      else if (ev.type === 'step.suspended') detail = `waiting for signal "${d.signal ?? ''}"`;
      write(`  ${c(colorOf[mark.trim()] ?? colorOf[mark] ?? '0', mark)} ${d.path}${detail ? `  ${c('90', detail)}` : ''}\n`);
    }),
    bus.subscribe('breaker.*', (ev: UniversalEvent) => {
      const d = ev.data as { hookId: string; reason: string };
      write(`  ${c('33', 'brkr')} hook ${d.hookId} ${ev.type.slice('breaker.'.length)}: ${d.reason}\n`);
    }),
  ];
  return () => {
    for (const off of offs) off();
  };
}
