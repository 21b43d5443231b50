/**
 * Loads user tool modules (`--tools ./tools.mjs`, workflow `tools:`): `export default [tools]`, a
 * default single tool, or named exports that are tools.
 */
import { stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ErrorCode, HookflowError } from '../errors.js';
import type { ToolDefinition } from './types.js';

function isToolLike(value: unknown): value is ToolDefinition {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { name?: unknown }).name === 'string' &&
    typeof (value as { run?: unknown }).run === 'function'
  );
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return `an object with keys [${Object.keys(value).join(', ')}]`;
  return typeof value;
}

/**
 * Loads a tool module and returns its tools. Relative paths resolve against `baseDir`. Throws
 * `VALIDATION` when the file is missing, fails to import, or exports something that is not a tool.
 * Names and schemas are checked later, when the tools are registered.
 */
export async function loadToolModule(file: string, baseDir: string): Promise<ToolDefinition[]> {
  const abs = file.startsWith('file:') ? fileURLToPath(file) : isAbsolute(file) ? file : resolve(baseDir, file);
  try {
    const st = await stat(abs);
    if (!st.isFile()) throw new HookflowError(ErrorCode.VALIDATION, `tool module "${file}" is not a file (resolved to ${abs})`);
  } catch (err) {
    if (err instanceof HookflowError) throw err;
    throw new HookflowError(ErrorCode.VALIDATION, `tool module "${file}" not found (resolved to ${abs}); paths are relative to ${baseDir}`, {
      cause: err,
    });
  }
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(abs).href)) as Record<string, unknown>;
  } catch (err) {
    throw new HookflowError(ErrorCode.VALIDATION, `tool module "${file}" failed to load: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
  return toolsOf(mod, file);
}

function toolsOf(mod: Record<string, unknown>, file: string): ToolDefinition[] {
  const def = mod.default;
  const hint = 'expected `export default [{ name, run }]`, a default tool, or named exports that are tools';
  if (Array.isArray(def)) {
    def.forEach((t, i) => {
      if (!isToolLike(t)) {
        throw new HookflowError(ErrorCode.VALIDATION, `tool module "${file}": default export [${i}] is not a tool (${hint}); got ${describe(t)}`);
      }
    });
    if (def.length === 0) throw new HookflowError(ErrorCode.VALIDATION, `tool module "${file}": the default export is an empty array`);
    return [...def];
  }
  if (def !== undefined) {
    if (isToolLike(def)) return [def];
    throw new HookflowError(ErrorCode.VALIDATION, `tool module "${file}": the default export is not a tool (${hint}); got ${describe(def)}`);
  }
  const named = Object.values(mod).filter(isToolLike);
  if (named.length === 0) throw new HookflowError(ErrorCode.VALIDATION, `tool module "${file}" exports no tools (${hint})`);
  return named;
}
