/**
 * hookflow's public API. The CLI imports only this module.
 */
export { createEngine, Engine, type EngineOptions, type RunOptions, type RunResult } from './engine/engine.js';
export { ErrorCode, HookflowError, toHookflowError, type ErrorInfo } from './errors.js';

// Definitions
export type * from './dsl/types.js';
export { loadWorkflowFile, loadWorkflowText, validateWorkflowText, compileSteps, ValidationError, formatDiagnostic, type Diagnostic, type LoadOptions } from './dsl/load.js';
export { compileTemplate, evaluateCondition } from './expr/compile.js';
export { toMermaid, toDot } from './dsl/graph.js';
export type { ExprScope, StepView, Template } from './expr/types.js';

// Hooks
export { HOOK_POINTS, HOOK_ACTIONS, isActionAllowed } from './hooks/types.js';
export type { HookPoint, HookAction, HookResult, HookContext, HookRegistration, HookMatch, BreakerOptions, ForkRequest, HookDecl, RuleResult } from './hooks/types.js';
export { HookRegistry, type HookTapFacade, type HookInstance } from './hooks/registry.js';
export { DEFAULT_BREAKER, type BreakerSnapshot, type BreakerState } from './hooks/breaker.js';
export { composite, type CompositeMode } from './hooks/composites.js';
export { compositeHook } from './hooks/composite-registration.js';
export { BUILTIN_HOOKS, MetricsRegistry, metricsOf, createRedactor, redactSecrets, isSecretKey, REDACTED, SECRET_PATTERNS, backoff, isTransient, parseRate } from './hooks/builtins/index.js';
export type { MetricFamily, MetricType, Labels, HistogramValue, RedactOptions, Backoff, Rate, CostTotals } from './hooks/builtins/index.js';
export type { BuiltinFactory, BuiltinEnv, BuiltinRunApi, BuiltinHookSpec } from './hooks/builtins/types.js';

// Events
export { EventBus, type EventBusOptions } from './events/bus.js';
export type { UniversalEvent, SubscribeOptions, OverflowPolicy, EventHandler, SubscriberStats } from './events/types.js';

// Persistence
export { MemoryStore, SqliteStore, openStore, resolveStoreTarget, DEFAULT_STORE_PATH, defaultOwnerId, isLocalOwnerAlive } from './store/index.js';
export type { Store, RunRecord, StepRecord, RunStatus, StepStatus, CommitBatch, SignalRecord } from './store/index.js';

// Tools and agents
export { ToolRegistry, builtinTools, loadToolModule, type RegisteredTool } from './tools/registry.js';
export type { ToolDefinition, ToolContext, TokenUsage } from './tools/types.js';
export { runAgent, AgentSession, findAgents, loadAgentDefinition, createProvider, ScriptedProvider, OpenAIProvider, loadPricing } from './agents/index.js';
export type { AgentDefinition, AgentState, Provider, ChatRequest, ChatResponse } from './agents/index.js';

// Utilities
export { systemClock, type Clock } from './util/clock.js';
export { parseDuration, formatDuration } from './util/duration.js';
export { globMatch } from './util/glob.js';
