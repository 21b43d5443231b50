/**
 * Summary of the V8 CPU profiles of a case's timed repetitions (`npm run bench -- --profile <dir>`): the
 * functions with the most self time, and the engine functions (dist/) with the most total time (self +
 * callees), so a hot spot can be reported next to the numbers.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** One function of the summary: where it is, its self and total time and their shares. */
export interface HotSpot {
  fn: string;
  where: string;
  selfMs: number;
  totalMs: number;
}

function location(url: string, line: number): string {
  if (!url) return '(native)';
  const path = url.startsWith('file:') ? relative(process.cwd(), fileURLToPath(url)) : url;
  return `${path.replace(/^.*node_modules\//, '')}:${line + 1}`;
}

/** Samples that are not the workload: waiting, and the inspector carrying out Profiler.start/stop. */
function ignored(frame: ProfileNode['callFrame']): boolean {
  return frame.functionName === '(idle)' || (frame.functionName === 'dispatch' && frame.url === '');
}

/** Self and total time per function over all profiles in `file`. */
export function hotSpots(file: string): { sampledMs: number; spots: HotSpot[] } {
  const profiles = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile[];
  const byFn = new Map<string, HotSpot>();
  let sampledUs = 0;
  for (const profile of profiles) {
    const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
    const parent = new Map<number, number>();
    for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    const spot = (n: ProfileNode): HotSpot => {
      const where = location(n.callFrame.url, n.callFrame.lineNumber);
      const key = `${n.callFrame.functionName}@${where}`;
      let s = byFn.get(key);
      if (!s) byFn.set(key, (s = { fn: n.callFrame.functionName || '(anonymous)', where, selfMs: 0, totalMs: 0 }));
      return s;
    };
    for (let i = 0; i < profile.samples.length; i++) {
      const leaf = nodes.get(profile.samples[i] as number);
      const ms = (profile.timeDeltas[i] ?? 0) / 1000;
      if (!leaf || ignored(leaf.callFrame)) continue;
      sampledUs += ms * 1000;
      spot(leaf).selfMs += ms;
      // Total time: each function on the stack once, however often it recurses.
      const seen = new Set<HotSpot>();
      for (let n: ProfileNode | undefined = leaf; n; n = nodes.get(parent.get(n.id) ?? -1)) {
        const s = spot(n);
        if (!seen.has(s)) {
          seen.add(s);
          s.totalMs += ms;
        }
      }
    }
  }
  return { sampledMs: sampledUs / 1000, spots: [...byFn.values()] };
}

/** The hot spots as a markdown list: top functions by self time, then engine functions by total time. */
export function formatHotSpots(title: string, file: string, top = 12): string {
  const { sampledMs, spots } = hotSpots(file);
  const pct = (ms: number): string => `${((ms / sampledMs) * 100).toFixed(1)}%`;
  const self = [...spots].sort((a, b) => b.selfMs - a.selfMs).slice(0, top);
  const engine = spots.filter((s) => s.where.startsWith('dist/')).sort((a, b) => b.totalMs - a.totalMs).slice(0, top);
  return [
    `- ${title} (${sampledMs.toFixed(0)} ms sampled)`,
    `  - self time: ${self.map((s) => `\`${s.fn}\` ${s.where} ${pct(s.selfMs)}`).join(', ')}`,
    `  - engine total time: ${engine.map((s) => `\`${s.fn}\` ${s.where} ${pct(s.totalMs)}`).join(', ')}`,
  ].join('\n');
}
