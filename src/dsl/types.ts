/**
 * The normalized workflow definition: what the DSL loader produces and the engine consumes.
 * Every node keeps its source location so runtime errors can point back at the YAML.
 */
import type { Template } from '../expr/types.js';
import type { HookDecl } from '../hooks/types.js';

/** A position in a source file (1-based line and column). */
export interface SourceLoc {
  file: string;
  line: number;
  col: number;
  /** YAML path, e.g. `steps[2].retry.attempts`. */
  path: string;
}

export type Backoff = 'constant' | 'linear' | 'exponential';
export type Jitter = 'none' | 'full' | 'equal';

/** Normalized retry policy. `attempts` counts the first try. Durations are milliseconds. */
export interface RetryPolicy {
  attempts: number;
  /** @default 0 */
  delay: number;
  /** @default 'constant' */
  backoff: Backoff;
  /** @default 2 */
  factor: number;
  maxDelay?: number;
  /** @default 'none' */
  jitter: Jitter;
  /** Error codes that may be retried; absent = every retryable error. */
  on?: string[];
}

export type StepKind =
  | 'tool'
  | 'agent'
  | 'workflow'
  | 'sequence'
  | 'parallel'
  | 'if'
  | 'switch'
  | 'loop'
  | 'set'
  | 'wait'
  | 'emit'
  | 'fail';

/** Keys every step may have. */
export interface StepCommon {
  id: string;
  kind: StepKind;
  loc: SourceLoc;
  when?: Template;
  /** Per-attempt timeout in milliseconds (after `defaults` are applied). */
  timeout?: number;
  retry?: RetryPolicy;
  /** @default 'fail' */
  onError: 'fail' | 'continue';
  catch?: StepDef[];
  output?: Template;
  export?: Record<string, Template>;
  /** Hooks scoped to this step and everything nested in it. */
  hooks: HookDecl[];
}

export interface ToolStep extends StepCommon {
  kind: 'tool';
  tool: string;
  with: Template;
}

export interface AgentStep extends StepCommon {
  kind: 'agent';
  agent: string;
  with: Template;
}

export interface WorkflowStep extends StepCommon {
  kind: 'workflow';
  /** Absolute path of the sub-workflow file. */
  workflow: string;
  /** Path as written in the YAML. */
  workflowRef: string;
  with: Template;
}

export interface SequenceStep extends StepCommon {
  kind: 'sequence';
  steps: StepDef[];
}

export interface ParallelStep extends StepCommon {
  kind: 'parallel';
  branches: StepDef[];
  /** @default unlimited (number of branches) */
  concurrency?: number;
  /** @default false */
  failFast: boolean;
}

export interface IfStep extends StepCommon {
  kind: 'if';
  if: Template;
  then: StepDef[];
  else?: StepDef[];
}

export interface SwitchCase {
  when: Template;
  steps: StepDef[];
  loc: SourceLoc;
}

export interface SwitchStep extends StepCommon {
  kind: 'switch';
  cases: SwitchCase[];
  default?: StepDef[];
}

export interface LoopSpec {
  mode: 'while' | 'until' | 'forEach' | 'times';
  /** The while/until condition, the forEach list, or the times count. */
  expr: Template;
  /** @default 'item' */
  as: string;
  /** @default 1000 */
  max: number;
  /** @default 'fail' */
  onLimit: 'fail' | 'stop';
  /** @default 1 (values > 1 only with forEach) */
  concurrency: number;
  /** @default 'all' */
  collect: 'all' | 'last' | 'none';
  steps: StepDef[];
}

export interface LoopStep extends StepCommon {
  kind: 'loop';
  loop: LoopSpec;
}

export interface SetStep extends StepCommon {
  kind: 'set';
  set: Record<string, Template>;
}

export type WaitSpec = { kind: 'delay'; ms: Template } | { kind: 'signal'; signal: string; timeout?: number };

export interface WaitStep extends StepCommon {
  kind: 'wait';
  wait: WaitSpec;
}

export interface EmitStep extends StepCommon {
  kind: 'emit';
  event: string;
  data: Template;
}

export interface FailStep extends StepCommon {
  kind: 'fail';
  code: Template;
  message: Template;
}

export type StepDef =
  | ToolStep
  | AgentStep
  | WorkflowStep
  | SequenceStep
  | ParallelStep
  | IfStep
  | SwitchStep
  | LoopStep
  | SetStep
  | WaitStep
  | EmitStep
  | FailStep;

/** Defaults inherited by every step (already applied to each StepDef by the loader). */
export interface StepDefaults {
  timeout?: number;
  retry?: RetryPolicy;
  onError?: 'fail' | 'continue';
}

/** A loaded, validated, normalized workflow. */
export interface WorkflowDefinition {
  hookflow: 1;
  name: string;
  version: string | number | null;
  description?: string;
  /** JSON Schema for the run input, if declared. */
  input?: Record<string, unknown>;
  vars: Record<string, unknown>;
  defaults: StepDefaults;
  env: string[];
  /** Absolute paths of tool modules named by the workflow. */
  tools: string[];
  hooks: HookDecl[];
  steps: StepDef[];
  output?: Template;
  /** Every step by id (ids are unique in a file). */
  stepsById: ReadonlyMap<string, StepDef>;
  /** Source file (absolute path, or a pseudo name such as `<inline>`), its text and sha256 hash. */
  source: { file: string; text: string; hash: string };
  /**
   * Every workflow reachable through `workflow:` steps, by absolute path (this one included), when
   * loaded with `loadSubWorkflows: true`; the map is shared by all of them.
   */
  subWorkflows?: ReadonlyMap<string, WorkflowDefinition>;
}
