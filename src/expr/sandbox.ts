/**
 * One JSONata expression, compiled once and evaluated inside a sandbox.
 *
 * Why these guards: JSONata itself already refuses to navigate into prototypes (`lookup` checks
 * own properties) and has no I/O functions, but it will happily *call* a JavaScript function found in
 * its input, and a recursive lambda can spin for a long time. So every evaluation runs with an exit
 * callback that (1) counts evaluated nodes against a budget (deterministic, unlike a wall-clock timeout,
 * so replays behave identically) and (2) refuses any host function value that is not a regex literal
 * JSONata created itself. JSONata's own `stack` option caps the evaluation depth.
 */
import jsonata from 'jsonata';
import { LRUCache } from 'lru-cache';
import { ErrorCode, HookflowError } from '../errors.js';
import { scopeView } from './scope-view.js';

/** Limits applied to every evaluation. */
export interface SandboxLimits {
  /** Maximum number of evaluated expression nodes per evaluation. @default 500000 */
  maxSteps?: number;
  /** Maximum evaluation depth (about three levels per recursive lambda call). @default 2000 */
  maxDepth?: number;
}

/** @internal A compiled expression plus the scope names it reads statically. */
export interface CompiledExpression {
  readonly source: string;
  readonly stepRefs: readonly string[];
  readonly envRefs: readonly string[];
  evaluate(scope: object): Promise<unknown>;
}

/** @internal Error thrown by the exit callback; turned into an EXPRESSION error by the template layer. */
export class SandboxViolation extends Error {
  override readonly name = 'SandboxViolation';
}

const DEFAULT_MAX_STEPS = 500_000;
const DEFAULT_MAX_DEPTH = 2000;
const EXIT = Symbol.for('jsonata.__evaluate_exit');
const STEPS = Symbol('hookflow.steps');

interface GuardEnv {
  base: { [STEPS]?: number };
}

/** Regex closures JSONata builds from `/re/` literals: the only raw functions an expression may hold. */
const regexClosures = new WeakSet<object>();

function makeGuard(maxSteps: number) {
  return (expr: jsonata.ExprNode, _input: unknown, env: GuardEnv, result: unknown): void => {
    const base = env.base;
    const n = (base[STEPS] ?? 0) + 1;
    base[STEPS] = n;
    if (n > maxSteps) {
      throw new SandboxViolation(`evaluation exceeded ${maxSteps} steps (runaway expression?)`);
    }
    if (typeof result === 'function') {
      // `regex` is a node type of JSONata's runtime AST that its published typings omit.
      if ((expr.type as string) === 'regex') regexClosures.add(result);
      else if (!regexClosures.has(result)) {
        throw new SandboxViolation('host functions are not accessible from expressions');
      }
    }
  };
}

// Parsing JSONata dominates load time, and the same expressions recur (`${ input }`, reloads,
// resumes, run-time compiled forks), so compiled expressions are shared. Sharing is safe: evaluate
// keeps its state per call, exactly as when one template is evaluated by concurrent branches.
const compiledCache = new LRUCache<string, CompiledExpression>({ max: 2000 });

/**
 * Compiles one JSONata expression (memoised). Throws a HookflowError (EXPRESSION) on a syntax
 * error; its `details` carry `{ position, jsonataCode }` so callers can point into the source.
 */
export function compileExpression(source: string, limits: SandboxLimits = {}): CompiledExpression {
  const key = `${limits.maxSteps ?? ''}:${limits.maxDepth ?? ''}:${source}`;
  let hit = compiledCache.get(key);
  if (!hit) {
    hit = compileUncached(source, limits);
    compiledCache.set(key, hit);
  }
  return hit;
}

function compileUncached(source: string, limits: SandboxLimits): CompiledExpression {
  let compiled: jsonata.Expression;
  try {
    compiled = jsonata(source, { stack: limits.maxDepth ?? DEFAULT_MAX_DEPTH });
  } catch (err) {
    const e = err as Partial<jsonata.JsonataError>;
    const position = typeof e.position === 'number' ? e.position : 0;
    throw new HookflowError(ErrorCode.EXPRESSION, `syntax error: ${e.message ?? String(err)}`, {
      details: { position, jsonataCode: e.code },
      retryable: false,
    });
  }
  compiled.assign(EXIT as unknown as string, makeGuard(limits.maxSteps ?? DEFAULT_MAX_STEPS));
  const refs = collectRefs(compiled.ast());
  return {
    source,
    stepRefs: refs.steps,
    envRefs: refs.env,
    evaluate: (scope) => compiled.evaluate(scopeView(scope)),
  };
}

/**
 * Finds `steps.<id>` and `env.<NAME>` reads that start at the scope root. Only root-context paths
 * count: inside a predicate or a later path step, `steps` names a field of the current item.
 */
function collectRefs(ast: jsonata.ExprNode): { steps: string[]; env: string[] } {
  const steps = new Set<string>();
  const env = new Set<string>();
  walk(ast, true, steps, env);
  return { steps: [...steps], env: [...env] };
}

type Node = jsonata.ExprNode & {
  then?: Node;
  else?: Node;
  condition?: Node;
  body?: Node;
  pattern?: Node;
  update?: Node;
  delete?: Node;
  group?: { lhs?: [Node, Node][] };
  terms?: Array<{ expression?: Node }>;
  predicate?: Array<{ expr?: Node }>;
  stages?: Array<{ expr?: Node }>;
  expr?: Node;
  expression?: Node;
};

function walk(node: Node | undefined, atRoot: boolean, steps: Set<string>, env: Set<string>): void {
  if (!node || typeof node !== 'object') return;
  switch (node.type as string) {
    case 'path': {
      const list = (node.steps ?? []) as Node[];
      let i = 0;
      let rooted = atRoot;
      const first = list[0];
      // `$$` is always the root; `$` is the root only where the context is.
      if (first && first.type === 'variable' && (first.value === '$' || (first.value === '' && atRoot))) {
        rooted = true;
        i = 1;
      }
      const head = list[i];
      const next = list[i + 1];
      if (rooted && head && head.type === 'name' && !head.stages && next && next.type === 'name') {
        if (head.value === 'steps') steps.add(String(next.value));
        else if (head.value === 'env') env.add(String(next.value));
      }
      list.forEach((s, idx) => walkChildren(s, atRoot && idx === 0, steps, env));
      walkGroup(node, steps, env);
      return;
    }
    default:
      walkChildren(node, atRoot, steps, env);
  }
}

function walkChildren(node: Node, atRoot: boolean, steps: Set<string>, env: Set<string>): void {
  for (const s of node.stages ?? []) walk(s.expr, false, steps, env);
  for (const p of node.predicate ?? []) walk(p.expr, false, steps, env);
  if ((node.type as string) !== 'path') walkGroup(node, steps, env);
  const same = (n: Node | undefined) => walk(n, atRoot, steps, env);
  switch (node.type as string) {
    case 'binary':
    case 'bind':
    case 'apply':
      same(node.lhs as Node);
      same(node.rhs as Node);
      return;
    case 'unary':
      if (node.value === '{') {
        for (const [k, v] of (node.lhs ?? []) as [Node, Node][]) {
          same(k);
          same(v);
        }
      }
      else if (node.value === '[') for (const e of (node.expressions ?? []) as Node[]) same(e);
      else same(node.expression);
      return;
    case 'function':
    case 'partial':
      same(node.procedure as Node);
      for (const a of (node.arguments ?? []) as Node[]) same(a);
      return;
    case 'condition':
      same(node.condition);
      same(node.then);
      same(node.else);
      return;
    case 'block':
      for (const e of (node.expressions ?? []) as Node[]) same(e);
      return;
    case 'lambda':
      // A lambda body runs with the input of the place it was defined.
      same(node.body);
      return;
    case 'sort':
      for (const t of node.terms ?? []) walk(t.expression, false, steps, env);
      return;
    case 'transform':
      walk(node.pattern, false, steps, env);
      walk(node.update, false, steps, env);
      walk(node.delete, false, steps, env);
      return;
    case 'filter':
      walk(node.expr, false, steps, env);
      return;
    default:
      return;
  }
}

function walkGroup(node: Node, steps: Set<string>, env: Set<string>): void {
  for (const [k, v] of node.group?.lhs ?? []) {
    walk(k, false, steps, env);
    walk(v, false, steps, env);
  }
}
