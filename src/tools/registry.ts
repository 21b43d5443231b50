/**
 * The tool registry the engine codes against: named tools with compiled input validation, plus the
 * tool-module loader and the built-in library (re-exported here so callers need one import).
 */
import { ErrorCode, HookflowError } from '../errors.js';
import type { ToolDefinition } from './types.js';
import { compileInput } from './validator.js';

export { loadToolModule } from './load-module.js';
export { builtinTools, type BuiltinToolsOptions } from './builtins/index.js';

/** A registered tool: its definition plus the compiled input validator. */
export interface RegisteredTool {
  readonly name: string;
  readonly description: string;
  readonly definition: ToolDefinition;
  /** JSON Schema of the input (converted from zod with z.toJSONSchema when a zod schema was given). */
  readonly inputSchema: Record<string, unknown> | undefined;
  /**
   * Validates args; returns the (possibly coerced/defaulted) args or throws HookflowError code
   * `TOOL_INPUT` whose message names the tool and the offending field and whose details = list of
   * {path, message}. No schema: returns args as is.
   */
  validate(args: unknown): unknown;
}

/** Lowercase dotted names: segments start with a letter and hold letters, digits, `_` and `-`. */
const NAME = /^[a-z][a-z0-9_-]*(?:\.[a-z][a-z0-9_-]*)*$/;

/** Checks a tool definition's shape and compiles it; throws `VALIDATION` naming the problem. */
export function compileTool(tool: unknown, where = 'tool'): RegisteredTool {
  if (tool === null || typeof tool !== 'object' || Array.isArray(tool)) {
    throw new HookflowError(ErrorCode.VALIDATION, `${where}: expected a tool object {name, run}, got ${tool === null ? 'null' : Array.isArray(tool) ? 'an array' : typeof tool}`);
  }
  const def = tool as Partial<ToolDefinition> & Record<string, unknown>;
  const name = def.name;
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new HookflowError(
      ErrorCode.VALIDATION,
      `${where}: invalid tool name ${JSON.stringify(name)}; expected lowercase dotted segments like "math.add" or "file.read"`,
    );
  }
  if (typeof def.run !== 'function') {
    throw new HookflowError(ErrorCode.VALIDATION, `tool "${name}": expected \`run\` to be a function, got ${def.run === undefined ? 'nothing' : typeof def.run}`);
  }
  if (def.description !== undefined && typeof def.description !== 'string') {
    throw new HookflowError(ErrorCode.VALIDATION, `tool "${name}": expected \`description\` to be a string, got ${typeof def.description}`);
  }
  if (def.sideEffects !== undefined && typeof def.sideEffects !== 'boolean') {
    throw new HookflowError(ErrorCode.VALIDATION, `tool "${name}": expected \`sideEffects\` to be a boolean, got ${JSON.stringify(def.sideEffects)}`);
  }
  if (def.fileArgs !== undefined && !(Array.isArray(def.fileArgs) && def.fileArgs.every((a) => typeof a === 'string'))) {
    throw new HookflowError(ErrorCode.VALIDATION, `tool "${name}": expected \`fileArgs\` to be an array of argument names`);
  }
  const compiled = compileInput(name, def.input);
  return {
    name,
    description: def.description ?? '',
    definition: def as ToolDefinition,
    get inputSchema() {
      return compiled.inputSchema;
    },
    validate: compiled.validate,
  };
}

/**
 * Named tools. Names are unique; registration validates the definition and compiles its input schema
 * once, so {@link RegisteredTool.validate} is cheap per call.
 *
 * @example
 * const registry = new ToolRegistry(builtinTools());
 * const tool = registry.get('math.calc');
 * const args = tool?.validate({ expression: '1 + 2' });
 */
export class ToolRegistry {
  readonly #tools = new Map<string, RegisteredTool>();
  /** Bumped on every change, so callers can cache checks made against the registered names. */
  version = 0;

  constructor(tools?: Iterable<ToolDefinition>) {
    if (tools) this.registerAll(tools);
  }

  /** Registers one tool; throws `VALIDATION` on a duplicate or malformed tool. Returns an unregister function. */
  register(tool: ToolDefinition): () => void {
    const entry = compileTool(tool);
    this.#assertFree(entry.name);
    this.#tools.set(entry.name, entry);
    this.version++;
    return () => {
      if (this.#tools.get(entry.name) === entry) {
        this.#tools.delete(entry.name);
        this.version++;
      }
    };
  }

  /** Registers several tools atomically: if any is invalid or duplicated, none is registered. */
  registerAll(tools: Iterable<ToolDefinition>): void {
    const batch: RegisteredTool[] = [];
    const names = new Set<string>();
    let i = 0;
    for (const tool of tools) {
      const entry = compileTool(tool, `tool #${i++}`);
      this.#assertFree(entry.name);
      if (names.has(entry.name)) throw duplicate(entry.name);
      names.add(entry.name);
      batch.push(entry);
    }
    for (const entry of batch) this.#tools.set(entry.name, entry);
    this.version++;
  }

  /** The tool called `name`, if registered. */
  get(name: string): RegisteredTool | undefined {
    return this.#tools.get(name);
  }

  /** Whether a tool called `name` is registered. */
  has(name: string): boolean {
    return this.#tools.has(name);
  }

  /** Registered names, sorted. */
  names(): string[] {
    return [...this.#tools.keys()].sort();
  }

  /** Registered tools, sorted by name. */
  list(): RegisteredTool[] {
    return this.names().map((n) => this.#tools.get(n) as RegisteredTool);
  }

  #assertFree(name: string): void {
    if (this.#tools.has(name)) throw duplicate(name);
  }
}

function duplicate(name: string): HookflowError {
  return new HookflowError(ErrorCode.VALIDATION, `tool "${name}" is already registered; tool names must be unique (rename one of them)`, {
    details: { tool: name },
    retryable: false,
  });
}
