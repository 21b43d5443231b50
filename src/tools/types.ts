/**
 * Tool contract (../shared/spec/runtime.md "Tool modules").
 */
import type { z } from 'zod';

/** What a tool's `run` receives besides its arguments. */
export interface ToolContext {
  signal: AbortSignal;
  /** `runId/stepPath/attempt`: the same value when a step is re-run after a crash. */
  idempotencyKey: string;
  runId: string;
  stepPath: string;
  attempt: number;
  /** Workspace root for file tools (the sandbox); defaults to the process cwd. */
  workspace: string;
  /** Reports token usage (LLM-backed tools); feeds the `cost` hook. */
  reportUsage?: (usage: TokenUsage) => void;
  /** Capabilities granted by the security hook; `exec` gates `process.exec`. @default {} */
  permissions?: { exec?: boolean };
}

export interface TokenUsage {
  model: string;
  inputTokens: number;
  outputTokens: number;
}

/** A tool as users write it: `input` is a JSON Schema object or a zod schema. */
export interface ToolDefinition<A = any, R = unknown> { // eslint-disable-line @typescript-eslint/no-explicit-any
  name: string;
  description?: string;
  input?: Record<string, unknown> | z.ZodType<A>;
  /** Optional JSON Schema (or prose) describing the output, shown by `hookflow tools list`. */
  output?: Record<string, unknown> | string;
  /** Marks tools that touch the file system; the security hook sandboxes their `path`-like args. */
  fileArgs?: string[];
  /**
   * `false` declares the tool pure: calling it again with the same arguments gives the same result and
   * changes nothing outside the process. The engine then need not make the journal durable before
   * calling it (group commit batches across such steps); after a crash it is simply called again.
   * @default true
   */
  sideEffects?: boolean;
  run(args: A, ctx: ToolContext): R | Promise<R>;
}
