/**
 * A small metrics registry: labelled counters, gauges and histograms, rendered in the Prometheus text
 * exposition format (`prometheus()`) or as a human summary (`summary()`, printed by `hookflow run
 * --metrics`). One registry per engine (`engine.metrics()`); the `metrics` and `cache` built-ins record
 * into it, and collectors refresh engine-wide gauges (breakers, the output cache) at render time.
 */
import { ErrorCode, HookflowError } from '../../errors.js';

/** Default latency buckets in seconds (upper bounds; `+Inf` is implicit). */
export const DEFAULT_BUCKETS: readonly number[] = Object.freeze([0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]);

export type MetricType = 'counter' | 'gauge' | 'histogram';
export type Labels = Readonly<Record<string, string>>;

/** One histogram series: cumulative counts are computed at render time from per-bucket counts. */
export interface HistogramValue {
  /** Count per bucket (not cumulative); the last entry is the `+Inf` bucket. */
  buckets: number[];
  sum: number;
  count: number;
  max: number;
}

interface Series<V> {
  labels: Labels;
  value: V;
}

/** A metric family: name, help, type, label names and its series. */
export interface MetricFamily {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly labelNames: readonly string[];
  /** Histogram upper bounds (histograms only). */
  readonly bounds: readonly number[];
  readonly series: Map<string, Series<number | HistogramValue>>;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Registry of metric families. Series keys are the label values joined by a separator that labels cannot hold in practice. */
export class MetricsRegistry {
  private readonly families = new Map<string, MetricFamily>();
  private readonly collectors: Array<() => void> = [];

  /** Declares (or returns the existing) family; a name reused with another type or labels is an error. */
  private family(name: string, help: string, type: MetricType, labelNames: readonly string[], bounds: readonly number[] = []): MetricFamily {
    const existing = this.families.get(name);
    if (existing) {
      if (existing.type !== type || !sameNames(existing.labelNames, labelNames)) {
        throw new HookflowError(ErrorCode.VALIDATION, `metric "${name}" is already a ${existing.type} with labels [${existing.labelNames.join(', ')}]; cannot redeclare it as a ${type} with labels [${labelNames.join(', ')}]`);
      }
      return existing;
    }
    if (!NAME.test(name)) throw new HookflowError(ErrorCode.VALIDATION, `invalid metric name "${name}"; expected [a-zA-Z_:][a-zA-Z0-9_:]*`);
    for (const l of labelNames) {
      if (!LABEL.test(l) || l === 'le') throw new HookflowError(ErrorCode.VALIDATION, `metric "${name}": invalid label name "${l}"`);
    }
    const f: MetricFamily = { name, help, type, labelNames: [...labelNames], bounds: [...bounds], series: new Map() };
    this.families.set(name, f);
    return f;
  }

  private series<V extends number | HistogramValue>(f: MetricFamily, labels: Labels, init: () => V): Series<V> {
    let key = '';
    for (const l of f.labelNames) key += `${labels[l] ?? ''}\u0001`;
    let s = f.series.get(key) as Series<V> | undefined;
    if (s === undefined) {
      const own: Record<string, string> = {};
      for (const l of f.labelNames) own[l] = labels[l] ?? '';
      s = { labels: own, value: init() };
      f.series.set(key, s);
    }
    return s;
  }

  /** Adds `n` (default 1) to a counter series. */
  inc(name: string, help: string, labels: Labels, n = 1): void {
    const f = this.family(name, help, 'counter', Object.keys(labels));
    const s = this.series<number>(f, labels, () => 0);
    s.value += n;
  }

  /** Sets a gauge series, or a counter whose total is kept elsewhere (collectors). */
  set(name: string, help: string, labels: Labels, value: number, type: 'gauge' | 'counter' = 'gauge'): void {
    const f = this.family(name, help, type, Object.keys(labels));
    this.series<number>(f, labels, () => 0).value = value;
  }

  /** Records one observation (seconds for latency histograms) in a histogram series. */
  observe(name: string, help: string, labels: Labels, value: number, bounds: readonly number[] = DEFAULT_BUCKETS): void {
    const f = this.family(name, help, 'histogram', Object.keys(labels), bounds);
    const s = this.series<HistogramValue>(f, labels, () => ({ buckets: new Array<number>(f.bounds.length + 1).fill(0), sum: 0, count: 0, max: 0 }));
    const h = s.value;
    let i = 0;
    while (i < f.bounds.length && value > (f.bounds[i] as number)) i++;
    h.buckets[i] = (h.buckets[i] as number) + 1;
    h.sum += value;
    h.count++;
    if (value > h.max) h.max = value;
  }

  /** Registers a function run before every render (to refresh gauges from engine state). */
  collect(fn: () => void): void {
    this.collectors.push(fn);
  }

  /** The value of a counter or gauge series (0 when absent); for histograms, the observation count. */
  value(name: string, labels: Labels = {}): number {
    this.refresh();
    const f = this.families.get(name);
    if (f === undefined) return 0;
    let key = '';
    for (const l of f.labelNames) key += `${labels[l] ?? ''}\u0001`;
    const v = f.series.get(key)?.value;
    if (v === undefined) return 0;
    return typeof v === 'number' ? v : v.count;
  }

  /** Every family after running the collectors, in registration order. */
  snapshot(): MetricFamily[] {
    this.refresh();
    return [...this.families.values()];
  }

  /** Drops every series (families and collectors stay). */
  reset(): void {
    for (const f of this.families.values()) f.series.clear();
  }

  /** Prometheus text exposition format (version 0.0.4): HELP and TYPE lines, then the samples. */
  prometheus(): string {
    let out = '';
    for (const f of this.snapshot()) {
      if (f.series.size === 0) continue;
      out += `# HELP ${f.name} ${escapeHelp(f.help)}\n# TYPE ${f.name} ${f.type}\n`;
      for (const s of f.series.values()) {
        if (typeof s.value === 'number') {
          out += `${f.name}${labelText(s.labels)} ${num(s.value)}\n`;
          continue;
        }
        const h = s.value;
        let cumulative = 0;
        for (let i = 0; i <= f.bounds.length; i++) {
          cumulative += h.buckets[i] as number;
          const le = i < f.bounds.length ? num(f.bounds[i] as number) : '+Inf';
          out += `${f.name}_bucket${labelText(s.labels, le)} ${cumulative}\n`;
        }
        out += `${f.name}_sum${labelText(s.labels)} ${num(h.sum)}\n`;
        out += `${f.name}_count${labelText(s.labels)} ${h.count}\n`;
      }
    }
    return out;
  }

  /** A readable table: one block per family, one line per series (histograms: count, mean, max). */
  summary(): string {
    const lines: string[] = [];
    for (const f of this.snapshot()) {
      if (f.series.size === 0) continue;
      lines.push(`${f.name} — ${f.help}`);
      const rows: Array<[string, string]> = [];
      for (const s of f.series.values()) {
        const label = f.labelNames.map((l) => `${l}=${s.labels[l] ?? ''}`).join(' ') || '(total)';
        if (typeof s.value === 'number') rows.push([label, num(s.value)]);
        else {
          const h = s.value;
          rows.push([label, `count ${h.count}  mean ${fmtSeconds(h.count ? h.sum / h.count : 0)}  max ${fmtSeconds(h.max)}`]);
        }
      }
      const width = Math.min(60, Math.max(...rows.map(([l]) => l.length)));
      for (const [l, v] of rows) lines.push(`  ${l.padEnd(width)}  ${v}`);
    }
    return lines.length === 0 ? 'no metrics recorded\n' : `${lines.join('\n')}\n`;
  }

  private refresh(): void {
    for (const c of this.collectors) c();
  }
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function num(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

function fmtSeconds(s: number): string {
  if (s < 1) return `${(s * 1000).toFixed(s < 0.01 ? 3 : 1)}ms`;
  return `${s.toFixed(3)}s`;
}

function escapeHelp(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function escapeLabel(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function labelText(labels: Labels, le?: string): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(labels)) parts.push(`${k}="${escapeLabel(v)}"`);
  if (le !== undefined) parts.push(`le="${le}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}
