/**
 * Helpers shared by the engine tests: event queries and a probe tool that records when each call
 * starts and ends (on the fake clock) and how many calls run at once.
 */
import type { ToolDefinition, UniversalEvent } from '../../src/index.js';

/** Paths of the step events of one type, in publication order. */
export function pathsOf(events: readonly UniversalEvent[], type: string): string[] {
  return events.filter((e) => e.type === type).map((e) => (e.data as { path: string }).path);
}

/** Data of the first event of `type` whose path is `path`. */
export function eventAt(events: readonly UniversalEvent[], type: string, path: string): Record<string, unknown> | undefined {
  const e = events.find((ev) => ev.type === type && (ev.data as { path?: string }).path === path);
  return e?.data as Record<string, unknown> | undefined;
}

/** One record of the probe: a call and what it saw. */
export interface ProbeCall {
  key: string;
  start: number;
  end?: number;
  aborted?: boolean;
  /** The abort reason's code, when the call was aborted. */
  abortCode?: string;
}

/** A tool that sleeps `ms` on the (fake) clock, honours its AbortSignal and records concurrency. */
export interface Probe {
  tool: ToolDefinition;
  calls: ProbeCall[];
  /** Highest number of calls in flight at once. */
  maxActive: number;
  active: number;
  /** Keys in the order the calls started / ended. */
  starts: string[];
  ends: string[];
  /** Starts and ends interleaved, in the order they happened. */
  log: Array<{ kind: 'start' | 'end'; key: string; at: number }>;
}

export function probe(name = 'probe.work', now: () => number = () => Date.now()): Probe {
  const p: Probe = {
    calls: [],
    maxActive: 0,
    active: 0,
    starts: [],
    ends: [],
    log: [],
    tool: {
      name,
      run: (a: { key: string; ms?: number; fail?: string; value?: unknown }, ctx) => {
        const call: ProbeCall = { key: a.key, start: now() };
        p.calls.push(call);
        p.starts.push(a.key);
        p.log.push({ kind: 'start', key: a.key, at: call.start });
        p.active++;
        p.maxActive = Math.max(p.maxActive, p.active);
        let settled = false;
        const done = (): void => {
          settled = true;
          p.active--;
          call.end = now();
          p.ends.push(a.key);
          p.log.push({ kind: 'end', key: a.key, at: call.end });
        };
        return new Promise((resolve, reject) => {
          const t = setTimeout(() => {
            ctx.signal.removeEventListener('abort', onAbort);
            done();
            if (a.fail !== undefined) reject(Object.assign(new Error(`${a.key} failed`), { code: a.fail }));
            else resolve(a.value === undefined ? a.key : a.value);
          }, a.ms ?? 0);
          const onAbort = (): void => {
            // An abort after the call finished (a later timeout or failFast) is not this call's concern.
            if (settled) return;
            clearTimeout(t);
            call.aborted = true;
            const reason: unknown = ctx.signal.reason;
            if (reason && typeof reason === 'object' && typeof (reason as { code?: unknown }).code === 'string') call.abortCode = (reason as { code: string }).code;
            done();
            reject(reason instanceof Error ? reason : new Error('aborted'));
          };
          ctx.signal.addEventListener('abort', onAbort, { once: true });
        });
      },
    },
  };
  return p;
}

/**
 * Checks the scheduler invariants on a start/end log of `n` branches run with at most `limit` at once:
 * never more than `limit` in flight, the first min(limit, n) start at once, every branch exactly once,
 * and no supersteps — after a branch ends, if any branch is still waiting, one starts before any other
 * branch ends (at the same instant on the clock). Returns a description of the first violation.
 */
export function schedulerViolation(log: ReadonlyArray<{ kind: 'start' | 'end'; key: string; at: number }>, n: number, limit: number): string | undefined {
  let active = 0;
  let started = 0;
  const seen = new Map<string, number>();
  let initial = 0;
  for (const e of log) {
    if (e.kind === 'end') break;
    initial++;
  }
  if (initial !== Math.min(limit, n)) return `${initial} branches started before the first ended; expected ${Math.min(limit, n)}`;
  for (let i = 0; i < log.length; i++) {
    const e = log[i] as (typeof log)[number];
    if (e.kind === 'start') {
      active++;
      started++;
      seen.set(e.key, (seen.get(e.key) ?? 0) + 1);
      if (active > limit) return `${active} in flight at ${e.key}'s start; limit ${limit}`;
      continue;
    }
    active--;
    if (started < n) {
      const next = log[i + 1];
      if (next === undefined || next.kind !== 'start') return `after ${e.key} ended, ${next ? `${next.key} ended` : 'nothing happened'} before a waiting branch started`;
      if (next.at !== e.at) return `after ${e.key} ended at ${e.at}, the next branch started only at ${next.at}`;
    }
  }
  if (seen.size !== n) return `${seen.size} distinct branches ran; expected ${n}`;
  for (const [k, c] of seen) if (c !== 1) return `${k} ran ${c} times`;
  if (active !== 0) return `${active} branches never ended`;
  return undefined;
}
