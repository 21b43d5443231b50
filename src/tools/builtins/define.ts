/**
 * Helpers shared by the built-in tools: a typed `defineTool` for zod-described tools and the error
 * constructor they use for deterministic failures.
 */
import type { z } from 'zod';
import { ErrorCode, HookflowError } from '../../errors.js';
import type { ToolContext, ToolDefinition } from '../types.js';

/** A built-in tool: always a zod input, a description and an output description. */
export interface BuiltinSpec<S extends z.ZodType, R> {
  name: string;
  description: string;
  input: S;
  output: string;
  fileArgs?: string[];
  run(args: z.output<S>, ctx: ToolContext): R | Promise<R>;
}

/** Identity function that types `run`'s args from the zod input schema. */
export function defineTool<S extends z.ZodType, R>(spec: BuiltinSpec<S, R>): ToolDefinition<z.output<S>, R> {
  return spec as ToolDefinition<z.output<S>, R>;
}

/**
 * A `TOOL_ERROR` for failures that retrying cannot fix (bad expression, malformed text), prefixed with
 * the tool name.
 */
export function toolError(tool: string, message: string, opts: { cause?: unknown; details?: unknown; retryable?: boolean; code?: string } = {}): HookflowError {
  return new HookflowError(opts.code ?? ErrorCode.TOOL_ERROR, `${tool}: ${message}`, {
    ...(opts.cause === undefined ? {} : { cause: opts.cause }),
    ...(opts.details === undefined ? {} : { details: opts.details }),
    retryable: opts.retryable ?? false,
  });
}
