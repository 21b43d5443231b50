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
}

export function probe(name = 'probe.work', now: () => number = () => Date.now()): Probe {
  const p: Probe = {
    calls: [],
    maxActive: 0,
    active: 0,
    starts: [],
    ends: [],
    tool: {
      name,
      run: (a: { key: string; ms?: number; fail?: string; value?: unknown }, ctx) => {
        const call: ProbeCall = { key: a.key, start: now() };
        p.calls.push(call);
        p.starts.push(a.key);
        p.active++;
        p.maxActive = Math.max(p.maxActive, p.active);
        let settled = false;
        const done = (): void => {
          settled = true;
          p.active--;
          call.end = now();
          p.ends.push(a.key);
        };
        return new Promise((resolve, reject) => {
          const t = setTimeout(() => {
            done();
            if (a.fail !== undefined) reject(Object.assign(new Error(`${a.key} failed`), { code: a.fail }));
            else resolve(a.value === undefined ? a.key : a.value);
          }, a.ms ?? 0);
          ctx.signal.addEventListener('abort', () => {
            // An abort after the call finished (a later timeout or failFast) is not this call's concern.
            if (settled) return;
            clearTimeout(t);
            call.aborted = true;
            const reason: unknown = ctx.signal.reason;
            if (reason && typeof reason === 'object' && typeof (reason as { code?: unknown }).code === 'string') call.abortCode = (reason as { code: string }).code;
            done();
            reject(reason instanceof Error ? reason : new Error('aborted'));
          });
        });
      },
    },
  };
  return p;
}
