/**
 * Markdown rendering of bench results: the main side-by-side table, the growth check and the list of
 * targets with a plain met / NOT MET verdict.
 */
import { fmtMs, fmtRatio, fmtUs, markdownTable, type CaseResult } from './harness.js';

/** Growth is called linear while the per-unit cost at 100k stays within this factor of the one at 1k. */
export const LINEAR_FACTOR = 2;

const group = (r: CaseResult): string => r.id.split('/')[0] ?? r.id;

/** A per-unit figure in µs, or in ms once it passes 10 ms (whole CLI runs, slow hooks). */
function unitTime(us: number, unit: string): string {
  return us >= 10_000 ? `${fmtMs(us / 1000)} ms/${unit}` : `${fmtUs(us)} µs/${unit}`;
}

function perUnit(r: CaseResult): string {
  return unitTime(r.usPerUnit, r.unit);
}

function cpuPerUnit(r: CaseResult): string {
  return Number.isFinite(r.cpuMedianMs) ? unitTime((r.cpuMedianMs * 1000) / r.units, r.unit) : '–';
}

function targetNote(r: CaseResult): string | undefined {
  const t = r.target;
  if (t?.maxUsPerUnit !== undefined) return `target ≤ ${t.maxUsPerUnit} µs/${r.unit}: ${r.usPerUnit <= t.maxUsPerUnit ? 'met' : '**NOT MET**'}`;
  if (t?.maxMs !== undefined) return `target ≤ ${t.maxMs} ms: ${r.medianMs <= t.maxMs ? 'met' : '**NOT MET**'}`;
  return undefined;
}

/** S5 overhead of a row against the 0-hook row, with the cost of one hook call. */
function hookNote(r: CaseResult, zero: CaseResult | undefined): string | undefined {
  if (r.scenario !== 'S5' || !zero || r === zero) return undefined;
  const pct = ((r.medianMs - zero.medianMs) / zero.medianMs) * 100;
  const cpuPct = ((r.cpuMedianMs - zero.cpuMedianMs) / zero.cpuMedianMs) * 100;
  const calls = r.extra?.hookCallsPerRun;
  const perCall = typeof calls === 'number' && calls > 0 ? `, ${fmtUs(((r.cpuMedianMs - zero.cpuMedianMs) * 1000) / calls)} µs CPU per hook call` : '';
  const target = r.id === 'S5/builtins' ? ` — target < 5%: ${pct < 5 ? 'met' : '**NOT MET**'}` : '';
  return `${signed(pct)}% wall, ${signed(cpuPct)}% CPU vs 0 hooks${perCall}${target}`;
}

function signed(n: number): string {
  return `${n >= 0 ? '+' : ''}${n.toFixed(1)}`;
}

function extraNote(r: CaseResult): string | undefined {
  const e = r.extra;
  if (!e) return undefined;
  if (r.scenario === 'S6') return `hook ran ${e.hookCalls}× in the last run; ${e.breakerEvent}`;
  if (r.scenario === 'S7') {
    const bytes = Number(e.definitionBytes);
    return `${Number(e.events).toLocaleString('en-US')} events; the definition is ${bytes >= 1024 ? `${(bytes / 1024).toFixed(0)} KB` : `${bytes} bytes`} of YAML`;
  }
  return undefined;
}

/**
 * One row per case (growth and component figures excluded); `ratio` is the row's median run time over
 * that of the first row of its group (hookflow, or the 0-hook / no-hook row).
 */
export function mainTable(results: readonly CaseResult[]): string {
  const rows: string[][] = [];
  let last = '';
  for (const r of results) {
    if (r.scenario === 'growth' || r.scenario === 'components') continue;
    const first = results.find((x) => group(x) === group(r));
    const zero = results.find((x) => x.id === 'S5/0');
    const notes = r.error ? `**failed**: ${r.error}` : [targetNote(r), hookNote(r, zero), extraNote(r)].filter((n) => n !== undefined).join('; ');
    const title = group(r) === last ? '' : `${r.scenario} ${r.title}`;
    last = group(r);
    rows.push([
      title,
      r.impl,
      perUnit(r),
      cpuPerUnit(r),
      `${fmtMs(r.medianMs)} ms`,
      `${fmtMs(r.minMs)}–${fmtMs(r.maxMs)}`,
      first && first !== r ? fmtRatio(r.medianMs / first.medianMs) : '1×',
      Number.isFinite(r.peakRssMb) ? `${r.peakRssMb.toFixed(0)} MB` : '–',
      notes,
    ]);
  }
  const table = markdownTable(['Scenario', 'Implementation', 'per unit (median)', 'CPU per unit', 'run median', 'min–max (ms)', 'ratio', 'peak RSS', 'notes'], rows, [0, 1, 8]);
  const comps = results.filter((r) => r.scenario === 'components');
  const lines = comps.map((c) => {
    const figures = Object.entries(c.extra ?? {}).map(([key, v]) => {
      const cut = key.lastIndexOf(', ');
      return `${key.slice(0, cut)}: ${typeof v === 'number' ? fmtUs(v) : v} ${key.slice(cut + 2)}`;
    });
    return `- ${c.title}: ${c.error ? `failed: ${c.error}` : figures.join('; ')}`;
  });
  return lines.length > 0 ? `${table}\n\nComponent figures (medians):\n\n${lines.join('\n')}` : table;
}

/** Per-unit cost of each shape at 1k, 10k and 100k, and whether it stays flat. */
export function growthTable(results: readonly CaseResult[]): string {
  const shapes = new Map<string, CaseResult[]>();
  for (const r of results) {
    if (r.scenario !== 'growth') continue;
    const shape = r.id.split('-')[1] ?? r.id;
    shapes.set(shape, [...(shapes.get(shape) ?? []), r]);
  }
  if (shapes.size === 0) return '';
  const rows = [...shapes].map(([shape, rs]) => {
    const sorted = [...rs].sort((a, b) => a.units - b.units);
    const lo = sorted[0];
    const hi = sorted[sorted.length - 1];
    const ratio = lo && hi ? hi.usPerUnit / lo.usPerUnit : Number.NaN;
    return [
      `${shape} (${lo?.unit ?? ''})`,
      ...sorted.map((r) => `${fmtUs(r.usPerUnit)} µs, ${r.peakRssMb.toFixed(0)} MB`),
      fmtRatio(ratio),
      ratio <= LINEAR_FACTOR ? 'linear' : '**NOT linear**',
    ];
  });
  const sizes = [...(shapes.values().next().value ?? [])].sort((a, b) => a.units - b.units).map((r) => `${r.units.toLocaleString('en-US')}: per unit, peak RSS`);
  return `Growth check (hookflow, memory store; linear = per-unit cost at the largest size ≤ ${LINEAR_FACTOR}× the smallest):\n\n${markdownTable(['Shape', ...sizes, 'per-unit ratio', 'verdict'], rows, [0])}`;
}

/** Every case with a target, plus S5 with built-ins and the growth verdicts, as a bullet list. */
export function targetList(results: readonly CaseResult[]): string {
  const lines: string[] = [];
  for (const r of results) {
    const note = targetNote(r);
    if (note && r.error) lines.push(`- ${r.scenario} ${r.title}, ${r.impl}: not measured (failed: ${r.error})`);
    else if (note) lines.push(`- ${r.scenario} ${r.title}, ${r.impl}: ${r.target?.maxMs !== undefined ? `${fmtMs(r.medianMs)} ms` : perUnit(r)} — ${note}`);
  }
  const zero = results.find((x) => x.id === 'S5/0');
  const builtins = results.find((x) => x.id === 'S5/builtins');
  if (zero && builtins && builtins.error) {
    lines.push(`- S5 ${builtins.impl}: not measured (${builtins.error})`);
  } else if (zero && builtins) {
    const pct = ((builtins.medianMs - zero.medianMs) / zero.medianMs) * 100;
    const cpuPct = ((builtins.cpuMedianMs - zero.cpuMedianMs) / zero.cpuMedianMs) * 100;
    lines.push(`- S5 ${builtins.impl}: ${signed(pct)}% wall (${signed(cpuPct)}% CPU) overhead — target < 5%: ${pct < 5 ? 'met' : '**NOT MET**'}`);
  }
  const fans = results.filter((r) => r.id.startsWith('growth-fan-')).sort((a, b) => a.units - b.units);
  const lo = fans[0];
  const hi = fans[fans.length - 1];
  if (lo && hi && lo !== hi) {
    const ratio = hi.usPerUnit / lo.usPerUnit;
    lines.push(`- S2 linear up to ${hi.units.toLocaleString('en-US')} branches: per-branch ratio ${fmtRatio(ratio)} — ${ratio <= LINEAR_FACTOR ? 'met' : '**NOT MET**'}`);
  }
  return lines.length > 0 ? `Targets:\n\n${lines.join('\n')}` : '';
}
