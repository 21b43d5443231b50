/**
 * The shape of the DSL as zod v4 schemas: the single source of truth for validation and for the
 * generated JSON Schema (definitions/schema/workflow.schema.json).
 *
 * Schemas are built by a factory because nested step and hook lists differ by use: the loader
 * validates one step at a time (nested lists are `unknown[]` so each nested step gets its own,
 * precise diagnostics), while the JSON Schema describes the whole recursive document.
 */
import { z } from 'zod';
import { HOOK_POINTS } from '../hooks/types.js';

/** Every kind key; a step has exactly one. */
export const KIND_KEYS = ['tool', 'agent', 'workflow', 'steps', 'parallel', 'if', 'switch', 'loop', 'set', 'wait', 'emit', 'fail'] as const;
export type KindKey = (typeof KIND_KEYS)[number];

/** Names of the built-in hooks usable with `use:`. */
export const BUILTIN_HOOKS = ['logging', 'metrics', 'debug', 'cache', 'rate-limit', 'retry', 'cost', 'security'] as const;

/** The four ways a hook declaration produces its result. */
export const HOOK_SOURCE_KEYS = ['do', 'module', 'use', 'compose'] as const;

export const ACTION_KEYS = ['continue', 'modify', 'cancel', 'redirect', 'replace', 'retry', 'fork', 'cache', 'skip'] as const;

/** Scope names a loop or fork `as:` may not shadow. */
export const RESERVED_NAMES = ['input', 'vars', 'steps', 'run', 'env', 'index', 'result', 'error'] as const;

export const STEP_ID_RE = /^[A-Za-z_][A-Za-z0-9_-]*$/;
export const WORKFLOW_NAME_RE = /^[a-z0-9][a-z0-9._-]*$/;
const VAR_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const DOTTED_RE = /^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_][A-Za-z0-9_-]*)*$/;
const HOOK_ID_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const DURATION_RE = /^\s*(\d+|\d+(\.\d+)?\s*(ms|s|m|h|d))\s*$/;
const EXPRESSION_RE = /^\s*\$\{[\s\S]*\}\s*$/;

export const Duration = z
  .union([z.int().min(0), z.string().regex(DURATION_RE)])
  .meta({ id: 'Duration', description: 'a duration: milliseconds or a string like 250ms, 2s, 5m, 1h, 1d' });
export const Expression = z.string().regex(EXPRESSION_RE).meta({ id: 'Expression', description: 'an expression ${ … }' });
const Condition = z.union([z.boolean(), Expression]).meta({ id: 'Condition', description: 'a condition: an expression ${ … } or a boolean' });
const StepId = z.string().regex(STEP_ID_RE).describe('a step id matching [A-Za-z_][A-Za-z0-9_-]*');
const VarName = z.string().regex(VAR_RE).describe('a name matching [A-Za-z_][A-Za-z0-9_]*');
const DottedName = z.string().regex(DOTTED_RE).describe('a dotted name such as util.echo');
const HookId = z.string().regex(HOOK_ID_RE).describe('a hook id matching [A-Za-z0-9_][A-Za-z0-9_.-]*');
const Json = z.unknown().describe('any value; strings may hold ${ … } expressions');
const Args = z
  .union([z.record(z.string(), z.unknown()), Expression])
  .describe('arguments: a mapping (values may hold ${ … }) or an expression ${ … }');
const PositiveInt = z.int().min(1).describe('an integer >= 1');
const EventName = z.string().regex(DOTTED_RE).describe('a name such as approval or order.shipped');

export const Retry = z
  .strictObject({
    attempts: PositiveInt.describe('an integer >= 1 (counts the first try)'),
    delay: Duration.optional(),
    backoff: z.enum(['constant', 'linear', 'exponential']).optional(),
    factor: z.number().min(1).optional(),
    maxDelay: Duration.optional(),
    jitter: z.enum(['none', 'full', 'equal']).optional(),
    on: z.array(z.string().min(1)).optional().describe('a list of error codes'),
  })
  .meta({ id: 'Retry', description: 'a retry policy {attempts, delay, backoff, factor, maxDelay, jitter, on}' });

const OnError = z.enum(['fail', 'continue']);

/** Schemas whose nested step/hook lists are given by the caller. */
export interface DslSchemas {
  step: Record<KindKey, z.ZodObject>;
  loop: z.ZodObject;
  hook: { do: z.ZodObject; module: z.ZodObject; use: z.ZodObject; compose: z.ZodObject; include: z.ZodObject };
  ruleDo: z.ZodObject;
  file: z.ZodObject;
  hookSet: z.ZodObject;
  defaults: z.ZodObject;
}

/** Builds every schema; `stepItem`/`hookItem` are the element schemas of nested lists. */
export function buildSchemas(stepItem: z.ZodType, hookItem: z.ZodType, named = false): DslSchemas {
  // Only the document build names its lists: ids live in zod's global registry and must be unique.
  const StepList = z.array(stepItem).min(1).meta({ ...(named ? { id: 'StepList' } : {}), description: 'a non-empty list of steps' });
  const HookList = z.array(hookItem).meta({ ...(named ? { id: 'HookList' } : {}), description: 'a list of hooks' });

  const common = {
    id: StepId,
    when: Condition.optional(),
    timeout: Duration.optional(),
    retry: Retry.optional(),
    onError: OnError.optional(),
    catch: StepList.optional(),
    output: Json.optional(),
    export: z.record(VarName, z.unknown()).optional().describe('a mapping of variable names to values or expressions'),
    hooks: HookList.optional(),
  };

  const loop = z
    .strictObject({
      while: Condition.optional(),
      until: Condition.optional(),
      forEach: z.union([Expression, z.array(z.unknown())]).optional().describe('an expression ${ … } or a list'),
      times: z.union([z.int().min(0), Expression]).optional().describe('an integer >= 0 or an expression ${ … }'),
      as: VarName.optional(),
      max: PositiveInt.optional(),
      onLimit: z.enum(['fail', 'stop']).optional(),
      concurrency: PositiveInt.optional(),
      collect: z.enum(['all', 'last', 'none']).optional(),
      steps: StepList,
    })
    .describe('a loop {while|until|forEach|times, as, max, onLimit, concurrency, collect, steps}');

  const step = {
    tool: z.strictObject({ ...common, tool: DottedName, with: Args.optional() }),
    agent: z.strictObject({ ...common, agent: DottedName, with: Args.optional() }),
    workflow: z.strictObject({
      ...common,
      workflow: z.string().min(1).describe('a path to a workflow file, relative to this file'),
      with: Json.optional(),
    }),
    steps: z.strictObject({ ...common, steps: StepList }),
    parallel: z.strictObject({ ...common, parallel: StepList, concurrency: PositiveInt.optional(), failFast: z.boolean().optional() }),
    if: z.strictObject({ ...common, if: Condition, then: StepList, else: StepList.optional() }),
    switch: z.strictObject({
      ...common,
      switch: z.array(z.strictObject({ when: Condition, steps: StepList }).describe('a case {when, steps}')).min(1).describe('a non-empty list of cases {when, steps}'),
      default: StepList.optional(),
    }),
    loop: z.strictObject({ ...common, loop }),
    set: z.strictObject({ ...common, set: z.record(VarName, z.unknown()).describe('a mapping of variable names to values or expressions') }),
    wait: z.strictObject({
      ...common,
      wait: z
        .union([Duration, Expression, z.strictObject({ signal: EventName, timeout: Duration.optional() })])
        .describe('a duration, an expression ${ … } or {signal, timeout}'),
    }),
    emit: z.strictObject({ ...common, emit: z.strictObject({ event: EventName, data: Json.optional() }).describe('an event {event, data}') }),
    fail: z.strictObject({ ...common, fail: z.strictObject({ code: z.string().min(1).optional().describe('an error code (may hold ${ … })'), message: z.string().describe('an error message (may hold ${ … })') }).describe('an error {code, message}') }),
  } satisfies Record<KindKey, z.ZodObject>;

  const reasonable = z.union([z.null(), z.string(), z.strictObject({ reason: z.string().optional() })]);
  const ruleDo = z
    .strictObject({
      continue: z.union([z.null(), z.strictObject({})]).optional(),
      modify: z.union([Expression, z.record(z.string(), z.unknown())]).optional().describe('{patch} or the patch mapping itself'),
      cancel: reasonable.optional().describe('{reason} or a reason string'),
      redirect: z.union([StepId, z.strictObject({ to: StepId })]).optional().describe('{to: stepId} or a step id'),
      replace: z.strictObject({ value: z.unknown().describe('the value to use (may hold ${ … })') }).optional().describe('{value}'),
      retry: z.union([z.null(), z.strictObject({ attempts: PositiveInt.optional(), delay: Duration.optional() })]).optional(),
      fork: z
        .strictObject({
          branches: StepList.optional(),
          forEach: z.union([Expression, z.array(z.unknown())]).optional(),
          as: VarName.optional(),
          steps: StepList.optional(),
          concurrency: PositiveInt.optional(),
          join: z.enum(['wait', 'detach']).optional(),
        })
        .optional()
        .describe('{branches} or {forEach, as, steps}, with concurrency and join'),
      cache: z.union([z.null(), z.strictObject({ key: z.string().optional(), ttl: Duration.optional() })]).optional(),
      skip: reasonable.optional().describe('{reason} or a reason string'),
    })
    .describe('a rule: one action key (continue, modify, cancel, redirect, replace, retry, fork, cache, skip)');

  const Point = z.enum(HOOK_POINTS).describe('a hook point');
  const hookCommon = {
    id: HookId,
    at: z.union([Point, z.array(Point).min(1)]).optional().describe('a hook point or a list of hook points'),
    order: z.number().optional(),
    match: z
      .strictObject({ step: z.string().optional(), path: z.string().optional(), tool: z.string().optional(), agent: z.string().optional(), kind: z.string().optional() })
      .optional()
      .describe('globs {step, path, tool, agent, kind}'),
    when: Condition.optional(),
    timeout: Duration.optional(),
    failure: z.enum(['open', 'closed']).optional(),
    breaker: z
      .strictObject({
        windowSize: PositiveInt.optional(),
        windowMs: Duration.optional(),
        consecutiveFailures: PositiveInt.optional(),
        overheadRatio: z.number().gt(0).optional(),
        minCalls: z.int().min(0).optional(),
        floorMs: Duration.optional(),
        coolDownMs: Duration.optional(),
        timeoutMs: Duration.optional(),
      })
      .optional(),
  };
  const hook = {
    do: z.strictObject({ ...hookCommon, do: ruleDo }),
    module: z.strictObject({ ...hookCommon, module: z.string().min(1), export: z.string().min(1).optional() }),
    use: z.strictObject({ ...hookCommon, use: z.enum(BUILTIN_HOOKS).describe('a built-in hook name'), with: z.record(z.string(), z.unknown()).optional() }),
    compose: z.strictObject({
      ...hookCommon,
      compose: z.enum(['sequence', 'parallel', 'firstMatch', 'vote']),
      threshold: z.number().gt(0).max(1).optional().describe('a number in (0, 1]'),
      hooks: HookList,
    }),
    include: z.strictObject({ include: z.string().min(1).describe('a hook set name or a ./path.yaml') }),
  };

  const defaults = z.strictObject({ timeout: Duration.optional(), retry: Retry.optional(), onError: OnError.optional() });
  const file = z.strictObject({
    hookflow: z.literal(1).describe('1 (the DSL version)'),
    name: z.string().regex(WORKFLOW_NAME_RE).describe('a name matching [a-z0-9][a-z0-9._-]*'),
    version: z.union([z.int(), z.string()]).optional().describe('an integer or a string'),
    description: z.string().optional(),
    input: z.record(z.string(), z.unknown()).optional().describe('a JSON Schema (mapping)'),
    vars: z.record(VarName, z.unknown()).optional().describe('a mapping of variable names to initial values'),
    defaults: defaults.optional(),
    env: z.array(VarName).optional().describe('a list of environment variable names'),
    tools: z.array(z.string().min(1)).optional().describe('a list of tool module paths'),
    hooks: HookList.optional(),
    steps: StepList,
    output: Json.optional(),
  });
  const hookSet = z.strictObject({ description: z.string().optional(), hooks: HookList });
  return { step, loop, hook, ruleDo, file, hookSet, defaults };
}

/** The schemas the loader validates with (nested lists are checked item by item). */
export const schemas = buildSchemas(z.unknown(), z.unknown());

let documentSchema: { workflow: z.ZodType; hookSet: z.ZodType } | undefined;

/** The full recursive schema of a workflow file, for JSON Schema generation (built once: ids are global). */
export function buildDocumentSchema(): { workflow: z.ZodType; hookSet: z.ZodType } {
  documentSchema ??= buildRecursive();
  return documentSchema;
}

function buildRecursive(): { workflow: z.ZodType; hookSet: z.ZodType } {
  // Forward references resolved lazily: steps contain steps, hooks contain hooks and steps.
  const stepRef: z.ZodType = z.lazy(() => stepUnion);
  const hookRef: z.ZodType = z.lazy(() => hookUnion);
  const s = buildSchemas(stepRef, hookRef, true);
  const stepUnion = z.union(KIND_KEYS.map((k) => s.step[k])).meta({ id: 'Step', description: 'a step: an id plus exactly one kind key' });
  const hookUnion = z
    .union([s.hook.do, s.hook.module, s.hook.use, s.hook.compose, s.hook.include])
    .meta({ id: 'Hook', description: 'a hook declaration (do, module, use or compose) or an include' });
  return { workflow: s.file, hookSet: s.hookSet };
}
