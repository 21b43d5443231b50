/**
 * EngineCore: the engine-wide services a run uses (clock, store, bus, hooks, tools, cache, limits).
 * Built once by createEngine; runs only read it.
 */
import type { LRUCache } from 'lru-cache';
import type { WorkflowDefinition } from '../dsl/types.js';
import type { EventBus } from '../events/bus.js';
import type { HookRegistry } from '../hooks/registry.js';
import type { HookRunner } from '../hooks/runner.js';
import type { Store } from '../store/types.js';
import type { ToolRegistry } from '../tools/registry.js';
import type { Clock } from '../util/clock.js';
import type { BuiltinFactory } from '../hooks/builtins/types.js';
import type { AgentDefinition } from '../agents/types.js';
import type { Provider } from '../agents/types.js';

export interface CacheEntry {
  value: unknown;
}

export interface CacheStats {
  hits: number;
  misses: number;
  evictions: number;
  sets: number;
}

export interface EngineLimits {
  /** Redirects a run may take before failing with REDIRECT_LIMIT. @default 100 */
  maxRedirects: number;
}

export interface EngineCore {
  readonly clock: Clock;
  readonly store: Store;
  readonly bus: EventBus;
  readonly hooks: HookRegistry;
  readonly runner: HookRunner;
  readonly tools: ToolRegistry;
  /** Step/tool output cache driven by `cache` hook results. */
  readonly cache: LRUCache<string, CacheEntry>;
  readonly cacheStats: CacheStats;
  readonly limits: EngineLimits;
  readonly random: () => number;
  /** Root for file tools and the security sandbox. */
  readonly workspace: string;
  readonly env: Record<string, string | undefined>;
  readonly builtins: ReadonlyMap<string, BuiltinFactory>;
  /** Loads (and caches) a workflow file, e.g. a sub-workflow. */
  loadDefinition(file: string): Promise<WorkflowDefinition>;
  /** Finds an agent definition by name. */
  findAgent(name: string): Promise<AgentDefinition | undefined>;
  /** Providers injected by the embedding program (tests), by name. */
  readonly providers: Record<string, Provider> | undefined;
  /** Starts or resumes a child run (sub-workflow) and waits for it. */
  runChild(req: ChildRunRequest): Promise<ChildRunResult>;
}

export interface ChildRunRequest {
  def: WorkflowDefinition;
  input: unknown;
  runId: string;
  parentRunId: string;
  parentStepPath: string;
  correlationId: string;
  signal: AbortSignal;
}

export interface ChildRunResult {
  status: 'completed' | 'failed' | 'cancelled' | 'suspended';
  output: unknown;
  error: { code: string; message: string; step?: string } | null;
}
