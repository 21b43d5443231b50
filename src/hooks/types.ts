/**
 * Hook contract types (../shared/spec/hooks.md): points, the HookContext a hook receives, and the
 * HookResult union it returns.
 */
import type { SourceLoc, StepDef } from '../dsl/types.js';
import type { Template } from '../expr/types.js';

/** Every hook point, grouped as in the spec. */
export const HOOK_POINTS = [
  'run_start', 'run_end', 'run_error', 'run_suspend', 'run_resume', 'run_cancel',
  'before_step', 'after_step', 'step_error', 'step_retry', 'step_skip',
  'before_branch', 'after_branch', 'before_condition', 'after_condition', 'before_iteration', 'after_iteration', 'fork', 'join',
  'before_tool', 'after_tool', 'tool_error',
  'agent_state_change', 'before_agent', 'after_agent', 'agent_error',
  'before_state_save', 'after_state_save', 'state_restore',
  'breaker_open', 'breaker_close', 'budget_exceeded',
] as const;
export type HookPoint = (typeof HOOK_POINTS)[number];

export const HOOK_ACTIONS = ['continue', 'modify', 'cancel', 'redirect', 'replace', 'retry', 'fork', 'cache', 'skip'] as const;
export type HookAction = (typeof HOOK_ACTIONS)[number];

/** Which actions the spec allows at which point (continue is allowed everywhere). */
export function isActionAllowed(point: HookPoint, action: HookAction): boolean {
  switch (action) {
    case 'continue':
      return true;
    case 'modify':
      return point.startsWith('before_') || point.startsWith('after_') || point === 'run_start';
    case 'cancel':
      return point.startsWith('before_') || point === 'run_start' || point === 'after_condition';
    case 'redirect':
      return point === 'before_step' || point === 'after_step' || point === 'after_condition';
    case 'replace':
      return point === 'before_step' || point === 'before_tool' || point === 'before_agent' || point.startsWith('after_');
    case 'retry':
      return point === 'after_step' || point === 'step_error' || point === 'after_tool' || point === 'tool_error' || point === 'after_agent';
    case 'fork':
      return point === 'before_step' || point === 'after_step' || point === 'after_iteration';
    case 'cache':
      return point === 'before_step' || point === 'before_tool' || point === 'before_agent';
    case 'skip':
      return point === 'before_step' || point === 'before_tool' || point === 'before_iteration';
  }
}

/** Declarative fork request. Steps may be normalized StepDefs or raw step objects (compiled at run time). */
export interface ForkRequest {
  action: 'fork';
  /** Each entry is one branch (any step kind). */
  branches?: Array<StepDef | Record<string, unknown>>;
  /** One branch per item; `steps` run as a sequence with `as` (default `item`) and `index` bound. */
  forEach?: unknown[];
  as?: string;
  steps?: Array<StepDef | Record<string, unknown>>;
  /** @default unlimited */
  concurrency?: number;
  /** @default 'wait' */
  join?: 'wait' | 'detach';
}

/** What a hook returns. `undefined` means continue. */
export type HookResult =
  | { action: 'continue' }
  | { action: 'modify'; patch: unknown }
  | { action: 'cancel'; reason?: string }
  | { action: 'redirect'; to: string }
  | { action: 'replace'; value: unknown }
  | { action: 'retry'; attempts?: number; delay?: number | string }
  | ForkRequest
  | { action: 'cache'; key?: string; ttl?: number | string; persist?: boolean }
  | { action: 'skip'; reason?: string };

/** Read-only context handed to every hook. */
export interface HookContext {
  point: HookPoint;
  runId: string;
  correlationId: string;
  workflow: string;
  step?: { id: string; path: string; kind: string; tool?: string; agent?: string };
  attempt: number;
  input: unknown;
  output?: unknown;
  error?: { code: string; message: string; step?: string };
  vars: Readonly<Record<string, unknown>>;
  /** Point-specific extras (branch id, iteration index, agent state, breaker id, budget...). */
  metadata: Readonly<Record<string, unknown>>;
  signal: AbortSignal;
}

/** Globs a hook is restricted to. Every given glob must match. */
export interface HookMatch {
  step?: string;
  path?: string;
  tool?: string;
  agent?: string;
  kind?: string;
}

/** Circuit breaker thresholds (per hook, or global defaults). */
export interface BreakerOptions {
  /** Sliding window size in calls. @default 20 */
  windowSize: number;
  /** Sliding window age in ms. @default 60000 */
  windowMs: number;
  /** Consecutive failures/timeouts that open the breaker. @default 5 */
  consecutiveFailures: number;
  /** Hook p95 may not exceed this fraction of the wrapped operation's p95. @default 0.05 */
  overheadRatio: number;
  /** Minimum calls in the window before the overhead rule applies. @default 10 */
  minCalls: number;
  /** The overhead threshold is never below this many ms. @default 1 */
  floorMs: number;
  /** Cool-down before a half-open trial call, ms. @default 30000 */
  coolDownMs: number;
  /** Per-call timeout, ms. @default 1000 */
  timeoutMs: number;
}

/** A rule hook's declared result: templates are evaluated against the HookContext when it fires. */
export type RuleResult =
  | { action: 'continue' }
  | { action: 'modify'; patch: Template }
  | { action: 'cancel'; reason: Template }
  | { action: 'redirect'; to: string }
  | { action: 'replace'; value: Template }
  | { action: 'retry'; attempts: number; delay: number }
  | { action: 'fork'; branches?: StepDef[]; forEach?: Template; as: string; steps?: StepDef[]; concurrency?: number; join: 'wait' | 'detach' }
  | { action: 'cache'; key?: Template; ttl?: number }
  | { action: 'skip'; reason: Template };

/** How a declared hook produces its result. */
export type HookSource =
  | { kind: 'rule'; do: RuleResult }
  | { kind: 'module'; module: string; export?: string }
  | { kind: 'use'; use: string; with: Record<string, unknown> }
  | { kind: 'composite'; compose: 'sequence' | 'parallel' | 'firstMatch' | 'vote'; threshold?: number; hooks: HookDecl[] };

/** A hook declared in YAML (workflow-, step-scoped or from an included set), normalized. */
export interface HookDecl {
  id: string;
  at: HookPoint[];
  /** @default 0 */
  order: number;
  match?: HookMatch;
  when?: Template;
  /** Per-call timeout, ms. */
  timeout?: number;
  /** @default 'open' */
  failure: 'open' | 'closed';
  breaker?: Partial<BreakerOptions>;
  source: HookSource;
  loc: SourceLoc;
}

/** A hook registered from code through `engine.hooks.register`. */
export interface HookRegistration {
  id: string;
  at: HookPoint | HookPoint[];
  /** @default 0 */
  order?: number;
  match?: HookMatch;
  /** Optional guard; the hook runs only when it returns true. */
  when?: (ctx: HookContext) => boolean;
  timeout?: number;
  failure?: 'open' | 'closed';
  breaker?: Partial<BreakerOptions>;
  run(ctx: HookContext): HookResult | void | undefined | Promise<HookResult | void | undefined>;
}
