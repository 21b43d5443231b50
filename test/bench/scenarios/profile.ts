/**
 * Summary of a V8 CPU profile (`node --cpu-prof`): the functions with the most self time, so a hot spot
 * can be reported next to the numbers (`npm run bench -- --profile <dir>`).
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** One line of the summary: function, location, self time and its share of the profile. */
export interface HotSpot {
  fn: string;
  where: string;
  selfMs: number;
  share: number;
}

function location(url: string, line: number): string {
  if (!url) return '(native)';
  const path = url.startsWith('file:') ? relative(process.cwd(), fileURLToPath(url)) : url;
  return `${path.replace(/^.*node_modules\//, '')}:${line + 1}`;
}

/** The `top` functions by self time in the profile at `file` (idle time left out). */
export function hotSpots(file: string, top = 15): { totalMs: number; spots: HotSpot[] } {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const selfUs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i] as number;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const byFn = new Map<string, HotSpot>();
  let totalUs = 0;
  for (const node of profile.nodes) {
    const us = selfUs.get(node.id) ?? 0;
    if (node.callFrame.functionName === '(idle)' || us === 0) continue;
    totalUs += us;
    const where = location(node.callFrame.url, node.callFrame.lineNumber);
    const key = `${node.callFrame.functionName}@${where}`;
    const spot = byFn.get(key) ?? { fn: node.callFrame.functionName || '(anonymous)', where, selfMs: 0, share: 0 };
    spot.selfMs += us / 1000;
    byFn.set(key, spot);
  }
  const spots = [...byFn.values()].sort((a, b) => b.selfMs - a.selfMs).slice(0, top);
  for (const s of spots) s.share = s.selfMs / (totalUs / 1000);
  return { totalMs: totalUs / 1000, spots };
}

/** The hot spots as a markdown list. */
export function formatHotSpots(title: string, file: string, top = 15): string {
  const { totalMs, spots } = hotSpots(file, top);
  const lines = spots.map((s) => `  - ${(s.share * 100).toFixed(1)}% ${s.selfMs.toFixed(0)} ms \`${s.fn}\` ${s.where}`);
  return `- ${title} (${totalMs.toFixed(0)} ms of samples, self time):\n${lines.join('\n')}`;
}
