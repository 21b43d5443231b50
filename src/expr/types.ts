/**
 * Compiled expression templates. Every value in a workflow that may hold `${...}` is compiled once,
 * at load time, into a {@link Template}; the engine only ever calls `evaluate`.
 */

/** What `steps.<id>` looks like inside expressions. */
export interface StepView {
  output: unknown;
  status: string;
  attempts: number;
  error: { code: string; message: string; step?: string } | null;
  startedAt: string | null;
  endedAt: string | null;
  /** Outputs of branches forked from this step by a `fork` hook result with `join: wait`. */
  forks?: unknown[];
}

/**
 * The names bound while evaluating an expression. Only the names listed here are visible; there is
 * no access to the process, the file system or the network.
 */
export interface ExprScope {
  input: unknown;
  vars: Record<string, unknown>;
  steps: Record<string, StepView>;
  run: { id: string; workflow: string; version: string | number | null; startedAt: string };
  env: Record<string, string>;
  item?: unknown;
  index?: number;
  /** Raw result of the step, bound in `output:` transforms. */
  result?: unknown;
  /** The error being handled, bound in `catch:` steps and error hooks. */
  error?: unknown;
  /** Extra names (hook guards bind the HookContext fields: point, step, output, attempt...). */
  [name: string]: unknown;
}

/** Where a template came from, used to name it in EXPRESSION errors. */
export interface TemplateOrigin {
  file: string;
  line: number;
  col: number;
  /** YAML path, e.g. `steps[2].with.url`. */
  path: string;
}

/**
 * A compiled value. `constant` templates hold no expression at all and `evaluate` returns `value`
 * unchanged (no copy), so the hot path pays nothing for literal arguments.
 */
export interface Template {
  readonly constant: boolean;
  /** The literal value when `constant` is true. */
  readonly value: unknown;
  /** Step ids referenced as `steps.<id>` anywhere in the template (statically knowable ones). */
  readonly stepRefs: readonly string[];
  /** Evaluates against a scope. Rejects with a HookflowError of code EXPRESSION on failure. */
  evaluate(scope: ExprScope): Promise<unknown>;
}
