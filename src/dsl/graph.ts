/**
 * Workflow diagrams: Mermaid flowcharts and Graphviz DOT. Nested patterns become subgraphs; parallel
 * branches fan out from a fork node and into a join node; if/switch label their edges with the
 * conditions; loops draw the back edge with their condition; catch steps hang off dashed edges.
 */
import { assertNever } from '../errors.js';
import { templateText } from '../expr/compile.js';
import type { Template } from '../expr/types.js';
import type { StepDef, WorkflowDefinition } from './types.js';

type Shape = 'box' | 'decision' | 'circle' | 'point' | 'stadium' | 'hexagon';

/** Where a rendered fragment starts and ends. */
interface Span {
  entry: string;
  exit: string;
}

/** Receives nodes, edges and groups; one implementation per output format. */
interface Sink {
  node(id: string, lines: string[], shape: Shape): void;
  edge(from: string, to: string, label?: string, dashed?: boolean): void;
  open(id: string, label: string): void;
  close(): void;
  text(name: string): string;
}

const MAX_LABEL = 48;

function short(s: string): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > MAX_LABEL ? `${one.slice(0, MAX_LABEL - 1)}…` : one;
}

function cond(t: Template): string {
  return short(templateText(t));
}

class Renderer {
  private readonly used = new Set<string>();
  constructor(private readonly sink: Sink) {}

  /** A unique, format-safe node id derived from `base`. */
  id(base: string): string {
    const clean = `n_${base.replace(/[^A-Za-z0-9_]/g, '_')}`;
    let id = clean;
    for (let i = 2; this.used.has(id); i++) id = `${clean}_${i}`;
    this.used.add(id);
    return id;
  }

  list(steps: readonly StepDef[]): Span {
    const spans = steps.map((s) => this.step(s));
    for (let i = 1; i < spans.length; i++) this.sink.edge((spans[i - 1] as Span).exit, (spans[i] as Span).entry);
    return { entry: (spans[0] as Span).entry, exit: (spans[spans.length - 1] as Span).exit };
  }

  step(s: StepDef): Span {
    const span = this.body(s);
    if (!s.catch || s.catch.length === 0) return span;
    const after = this.id(`${s.id}__after`);
    this.sink.node(after, [''], 'point');
    this.sink.edge(span.exit, after);
    this.sink.open(this.id(`${s.id}__catch`), `catch: ${s.id}`);
    const c = this.list(s.catch);
    this.sink.close();
    this.sink.edge(span.exit, c.entry, 'catch', true);
    this.sink.edge(c.exit, after, undefined, true);
    return { entry: span.entry, exit: after };
  }

  private leaf(s: StepDef, detail: string): Span {
    const id = this.id(s.id);
    const lines = [s.id, short(detail)];
    if (s.when) lines.push(`when ${cond(s.when)}`);
    this.sink.node(id, lines, 'box');
    return { entry: id, exit: id };
  }

  private body(s: StepDef): Span {
    switch (s.kind) {
      case 'tool':
        return this.leaf(s, `tool: ${s.tool}`);
      case 'agent':
        return this.leaf(s, `agent: ${s.agent}`);
      case 'workflow':
        return this.leaf(s, `workflow: ${s.workflowRef}`);
      case 'set':
        return this.leaf(s, `set: ${Object.keys(s.set).join(', ')}`);
      case 'wait':
        return this.leaf(s, s.wait.kind === 'signal' ? `wait for signal ${s.wait.signal}` : `wait ${cond(s.wait.ms)}${s.wait.ms.constant ? 'ms' : ''}`);
      case 'emit':
        return this.leaf(s, `emit: ${s.event}`);
      case 'fail':
        return this.leaf(s, `fail: ${cond(s.code)}`);
      case 'sequence': {
        this.sink.open(this.id(`${s.id}__group`), `steps: ${s.id}`);
        const span = this.list(s.steps);
        this.sink.close();
        return span;
      }
      case 'parallel': {
        this.sink.open(this.id(`${s.id}__group`), `parallel: ${s.id}`);
        const fork = this.id(s.id);
        const join = this.id(`${s.id}__join`);
        this.sink.node(fork, [s.id, s.concurrency === undefined ? 'parallel' : `parallel (max ${s.concurrency})`], 'hexagon');
        const spans = s.branches.map((b) => this.step(b));
        this.sink.node(join, ['join'], 'hexagon');
        for (const b of spans) {
          this.sink.edge(fork, b.entry);
          this.sink.edge(b.exit, join);
        }
        this.sink.close();
        return { entry: fork, exit: join };
      }
      case 'if': {
        this.sink.open(this.id(`${s.id}__group`), `if: ${s.id}`);
        const d = this.id(s.id);
        const merge = this.id(`${s.id}__end`);
        this.sink.node(d, [s.id, `if ${cond(s.if)}`], 'decision');
        const then = this.list(s.then);
        this.sink.node(merge, [''], 'point');
        this.sink.edge(d, then.entry, 'then');
        this.sink.edge(then.exit, merge);
        if (s.else) {
          const other = this.list(s.else);
          this.sink.edge(d, other.entry, 'else');
          this.sink.edge(other.exit, merge);
        } else {
          this.sink.edge(d, merge, 'else');
        }
        this.sink.close();
        return { entry: d, exit: merge };
      }
      case 'switch': {
        this.sink.open(this.id(`${s.id}__group`), `switch: ${s.id}`);
        const d = this.id(s.id);
        const merge = this.id(`${s.id}__end`);
        this.sink.node(d, [s.id, 'switch'], 'decision');
        const cases = s.cases.map((c) => ({ label: `when ${cond(c.when)}`, span: this.list(c.steps) }));
        if (s.default) cases.push({ label: 'default', span: this.list(s.default) });
        this.sink.node(merge, [''], 'point');
        for (const c of cases) {
          this.sink.edge(d, c.span.entry, c.label);
          this.sink.edge(c.span.exit, merge);
        }
        if (!s.default) this.sink.edge(d, merge, 'no match');
        this.sink.close();
        return { entry: d, exit: merge };
      }
      case 'loop': {
        const l = s.loop;
        this.sink.open(this.id(`${s.id}__group`), `loop: ${s.id}`);
        const head = this.id(s.id);
        const done = this.id(`${s.id}__done`);
        const what =
          l.mode === 'forEach' ? `forEach ${cond(l.expr)} as ${l.as}` : l.mode === 'times' ? `times ${cond(l.expr)}` : `${l.mode} ${cond(l.expr)}`;
        this.sink.node(head, [s.id, what, `max ${l.max}${l.concurrency > 1 ? `, ${l.concurrency} at a time` : ''}`], 'stadium');
        const bodySpan = this.list(l.steps);
        this.sink.node(done, [''], 'point');
        this.sink.edge(head, bodySpan.entry);
        const back = l.mode === 'forEach' ? 'next item' : l.mode === 'times' ? 'next' : `${l.mode} ${cond(l.expr)}`;
        this.sink.edge(bodySpan.exit, head, back);
        this.sink.edge(head, done, 'done');
        this.sink.close();
        return { entry: head, exit: done };
      }
      default:
        return assertNever(s, 'step kind');
    }
  }
}

function render(def: WorkflowDefinition, sink: Sink): void {
  const r = new Renderer(sink);
  const start = r.id('_start');
  const end = r.id('_end');
  sink.node(start, ['start'], 'circle');
  const span = r.list(def.steps);
  sink.node(end, ['end'], 'circle');
  sink.edge(start, span.entry);
  sink.edge(span.exit, end);
}

class MermaidSink implements Sink {
  readonly out: string[] = [];
  private depth = 1;
  private pad(): string {
    return '  '.repeat(this.depth);
  }
  private esc(s: string): string {
    return s.replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;');
  }
  node(id: string, lines: string[], shape: Shape): void {
    const label = `"${lines.map((l) => this.esc(l)).join('<br/>')}"`;
    const body =
      shape === 'decision' ? `{${label}}` : shape === 'circle' ? `((${label}))` : shape === 'point' ? '(( ))' : shape === 'stadium' ? `([${label}])` : shape === 'hexagon' ? `{{${label}}}` : `[${label}]`;
    this.out.push(`${this.pad()}${id}${body}`);
  }
  edge(from: string, to: string, label?: string, dashed = false): void {
    const arrow = dashed ? '-.->' : '-->';
    this.out.push(`${this.pad()}${from} ${arrow}${label ? `|"${this.esc(label)}"|` : ''} ${to}`);
  }
  open(id: string, label: string): void {
    this.out.push(`${this.pad()}subgraph ${id} ["${this.esc(label)}"]`);
    this.depth++;
  }
  close(): void {
    this.depth--;
    this.out.push(`${this.pad()}end`);
  }
  text(name: string): string {
    return [`---`, `title: ${name}`, `---`, 'flowchart TD', ...this.out, ''].join('\n');
  }
}

class DotSink implements Sink {
  readonly out: string[] = [];
  private depth = 1;
  private pad(): string {
    return '  '.repeat(this.depth);
  }
  private q(s: string): string {
    return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
  }
  node(id: string, lines: string[], shape: Shape): void {
    const attrs: Record<Shape, string> = {
      box: 'shape=box, style=rounded',
      decision: 'shape=diamond',
      circle: 'shape=circle',
      point: 'shape=point',
      stadium: 'shape=box, style="rounded,bold"',
      hexagon: 'shape=hexagon',
    };
    const label = shape === 'point' ? '' : `label=${this.q(lines.join('\n'))}, `;
    this.out.push(`${this.pad()}${id} [${label}${attrs[shape]}];`);
  }
  edge(from: string, to: string, label?: string, dashed = false): void {
    const attrs = [label ? `label=${this.q(label)}` : '', dashed ? 'style=dashed' : ''].filter(Boolean).join(', ');
    this.out.push(`${this.pad()}${from} -> ${to}${attrs ? ` [${attrs}]` : ''};`);
  }
  open(id: string, label: string): void {
    this.out.push(`${this.pad()}subgraph cluster_${id} {`);
    this.depth++;
    this.out.push(`${this.pad()}label=${this.q(label)};`);
  }
  close(): void {
    this.depth--;
    this.out.push(`${this.pad()}}`);
  }
  text(name: string): string {
    return [`digraph ${this.q(name)} {`, '  rankdir=TB;', '  node [fontname="Helvetica"];', '  edge [fontname="Helvetica"];', ...this.out, '}', ''].join('\n');
  }
}

/** Renders a workflow as a Mermaid flowchart (`flowchart TD`). */
export function toMermaid(def: WorkflowDefinition): string {
  const sink = new MermaidSink();
  render(def, sink);
  return sink.text(def.name);
}

/** Renders a workflow as a Graphviz DOT digraph. */
export function toDot(def: WorkflowDefinition): string {
  const sink = new DotSink();
  render(def, sink);
  return sink.text(def.name);
}
