/**
 * Hook registry: ordered lists of hook instances per point.
 *
 * Order is `order` (lower first, default 0), then registration order — like tapable's `stage`. The
 * registry is versioned so runs can cache their merged per-point lists and notice (un)registration.
 */
import { ErrorCode, HookflowError } from '../errors.js';
import { globToRegExp } from '../util/glob.js';
import { HOOK_POINTS, type BreakerOptions, type HookContext, type HookMatch, type HookPoint, type HookRegistration, type HookResult } from './types.js';

export type HookInvoke = (ctx: HookContext) => HookResult | void | undefined | Promise<HookResult | void | undefined>;

/** Compiled `match:` globs. */
export interface CompiledMatch {
  step?: RegExp;
  path?: RegExp;
  tool?: RegExp;
  agent?: RegExp;
  kind?: RegExp;
}

/** A hook ready to be called by the runner, whatever it was declared with (code, YAML rule, module, built-in). */
export interface HookInstance {
  /** Unique key of the hook's breaker and stats (YAML hooks: `<workflow>:<id>`). */
  readonly key: string;
  readonly id: string;
  readonly points: ReadonlySet<HookPoint>;
  readonly order: number;
  /** Registration sequence number (tie-breaker after `order`). */
  seq: number;
  readonly match: CompiledMatch | undefined;
  readonly guard: ((ctx: HookContext) => boolean | Promise<boolean>) | undefined;
  readonly timeoutMs: number | undefined;
  readonly failure: 'open' | 'closed';
  readonly breaker: Partial<BreakerOptions> | undefined;
  /** `yaml` for rule hooks, `js` for code and module hooks (UniversalEvent.source.language). */
  readonly language: 'js' | 'yaml';
  /** Human description for `hookflow hooks list` (e.g. `do: retry`, `module: ./guard.js`, `use: cache`). */
  readonly describe: string;
  invoke: HookInvoke;
  /** Called once when the run that owns this instance ends (built-ins flush state here). */
  dispose?: () => void | Promise<void>;
}

let nextSeq = 1;
/** Global registration counter so instances from every source interleave in registration order. */
export function nextHookSeq(): number {
  return nextSeq++;
}

export function compileMatch(match: HookMatch | undefined): CompiledMatch | undefined {
  if (!match) return undefined;
  const out: CompiledMatch = {};
  if (match.step !== undefined) out.step = globToRegExp(match.step);
  if (match.path !== undefined) out.path = globToRegExp(match.path);
  if (match.tool !== undefined) out.tool = globToRegExp(match.tool);
  if (match.agent !== undefined) out.agent = globToRegExp(match.agent);
  if (match.kind !== undefined) out.kind = globToRegExp(match.kind);
  return out;
}

/** True when every glob of the match applies to the target (a glob on an absent field does not match). */
export function matches(m: CompiledMatch | undefined, step: HookContext['step']): boolean {
  if (m === undefined) return true;
  if (step === undefined) return m.step === undefined && m.path === undefined && m.tool === undefined && m.agent === undefined && m.kind === undefined;
  if (m.step && !m.step.test(step.id)) return false;
  if (m.path && !m.path.test(step.path)) return false;
  if (m.kind && !m.kind.test(step.kind)) return false;
  if (m.tool && (step.tool === undefined || !m.tool.test(step.tool))) return false;
  if (m.agent && (step.agent === undefined || !m.agent.test(step.agent))) return false;
  return true;
}

/** Sort key comparator: order, then registration sequence. */
export function byOrder(a: HookInstance, b: HookInstance): number {
  return a.order - b.order || a.seq - b.seq;
}

function normalizePoints(at: HookPoint | HookPoint[], id: string): Set<HookPoint> {
  const list = Array.isArray(at) ? at : [at];
  if (list.length === 0) throw new HookflowError(ErrorCode.VALIDATION, `hook "${id}": \`at\` must name at least one point`);
  for (const p of list) {
    if (!(HOOK_POINTS as readonly string[]).includes(p)) {
      throw new HookflowError(ErrorCode.VALIDATION, `hook "${id}": unknown hook point "${String(p)}"; expected one of ${HOOK_POINTS.join(', ')}`);
    }
  }
  return new Set(list);
}

/** Builds an instance from a code registration. */
export function instanceFromRegistration(reg: HookRegistration, keyPrefix = ''): HookInstance {
  if (!reg || typeof reg.id !== 'string' || reg.id === '') throw new HookflowError(ErrorCode.VALIDATION, 'hook registration needs a non-empty string `id`');
  if (typeof reg.run !== 'function') throw new HookflowError(ErrorCode.VALIDATION, `hook "${reg.id}": \`run\` must be a function (ctx) => HookResult`);
  if (reg.failure !== undefined && reg.failure !== 'open' && reg.failure !== 'closed') {
    throw new HookflowError(ErrorCode.VALIDATION, `hook "${reg.id}": \`failure\` must be 'open' or 'closed', got ${JSON.stringify(reg.failure)}`);
  }
  const run = reg.run.bind(reg);
  return {
    key: keyPrefix + reg.id,
    id: reg.id,
    points: normalizePoints(reg.at, reg.id),
    order: reg.order ?? 0,
    seq: nextHookSeq(),
    match: compileMatch(reg.match),
    guard: reg.when,
    timeoutMs: reg.timeout,
    failure: reg.failure ?? 'open',
    breaker: reg.breaker,
    language: 'js',
    describe: 'code',
    invoke: run,
  };
}

/** The registry of engine-wide hooks (`engine.hooks`). */
export class HookRegistry {
  private readonly byPoint = new Map<HookPoint, HookInstance[]>();
  private readonly ids = new Map<string, HookInstance>();
  /** Bumped on every change; runs use it to invalidate their merged lists. */
  version = 0;

  /** Builds composite invokes; set by the engine (it owns the runner that calls children). */
  composer: ((mode: CompositeSpec['mode'], children: HookInstance[], threshold: number | undefined) => HookInvoke) | undefined;

  /** Registers a code hook (or a composite from `compositeHook`); returns an unregister function. Duplicate ids are an error. */
  register(reg: HookRegistration): () => void {
    const spec = (reg as { composite?: CompositeSpec }).composite;
    if (spec === undefined) return this.add(instanceFromRegistration(reg));
    if (!this.composer) throw new HookflowError(ErrorCode.INTERNAL, 'composite hooks need an engine: register them through engine.hooks');
    const children = spec.hooks.map((h) => instanceFromRegistration(h, `${reg.id}/`));
    const inst = instanceFromRegistration({ ...reg, run: () => undefined });
    inst.invoke = this.composer(spec.mode, children, spec.threshold);
    (inst as { describe: string }).describe = `compose: ${spec.mode} [${children.map((c) => c.id).join(', ')}]`;
    return this.add(inst);
  }

  /** Adds a prepared instance (built-ins, plugins). */
  add(inst: HookInstance): () => void {
    if (this.ids.has(inst.key)) {
      throw new HookflowError(ErrorCode.VALIDATION, `hook "${inst.id}" is already registered; ids must be unique (unregister it first)`);
    }
    this.ids.set(inst.key, inst);
    for (const p of inst.points) {
      const list = this.byPoint.get(p) ?? [];
      list.push(inst);
      list.sort(byOrder);
      this.byPoint.set(p, list);
    }
    this.version++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.remove(inst);
    };
  }

  private remove(inst: HookInstance): void {
    this.ids.delete(inst.key);
    for (const p of inst.points) {
      const list = this.byPoint.get(p);
      if (!list) continue;
      const i = list.indexOf(inst);
      if (i >= 0) list.splice(i, 1);
      if (list.length === 0) this.byPoint.delete(p);
    }
    this.version++;
  }

  /** Hooks at a point in call order (do not mutate). */
  at(point: HookPoint): readonly HookInstance[] {
    return this.byPoint.get(point) ?? EMPTY;
  }

  get size(): number {
    return this.ids.size;
  }

  list(): HookInstance[] {
    return [...this.ids.values()].sort(byOrder);
  }

  /**
   * The facade handed to plugins: it can add hooks (and remove its own), but cannot call hooks,
   * list other plugins' hooks or unregister them.
   */
  facade(): HookTapFacade {
    return {
      register: (reg) => this.register(reg),
      tap: (point, id, run, opts) => this.register({ ...opts, id, at: point, run }),
    };
  }
}

const EMPTY: readonly HookInstance[] = Object.freeze([]);

/** The composite part of a registration made with `compositeHook`. */
interface CompositeSpec {
  mode: 'sequence' | 'parallel' | 'firstMatch' | 'vote';
  threshold?: number;
  hooks: HookRegistration[];
}

/** What plugins get: registration only. */
export interface HookTapFacade {
  register(reg: HookRegistration): () => void;
  tap(
    point: HookPoint | HookPoint[],
    id: string,
    run: HookRegistration['run'],
    opts?: Omit<HookRegistration, 'id' | 'at' | 'run'>,
  ): () => void;
}
