/**
 * Test helpers: call a built-in tool the way the engine does (registry lookup, validate, run).
 */
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HookflowError } from '../../src/errors.js';
import { ToolRegistry, builtinTools, type BuiltinToolsOptions } from '../../src/tools/registry.js';
import type { ToolContext } from '../../src/tools/types.js';

/** A ToolContext with a fresh signal, rooted at `workspace` (default cwd). */
export function makeCtx(over: Partial<ToolContext> = {}): ToolContext {
  return {
    signal: new AbortController().signal,
    idempotencyKey: 'run-1/step/1',
    runId: 'run-1',
    stepPath: 'step',
    attempt: 1,
    workspace: process.cwd(),
    ...over,
  };
}

const registries = new Map<string, ToolRegistry>();

/** A registry of the built-ins (cached per options). */
export function builtins(opts: BuiltinToolsOptions = {}): ToolRegistry {
  const key = JSON.stringify(opts);
  let r = registries.get(key);
  if (!r) {
    r = new ToolRegistry(builtinTools(opts));
    registries.set(key, r);
  }
  return r;
}

/** Validates `args` and runs tool `name` like the engine does. */
export async function callTool(name: string, args: unknown, ctx: Partial<ToolContext> = {}, opts: BuiltinToolsOptions = {}): Promise<unknown> {
  const tool = builtins(opts).get(name);
  if (!tool) throw new Error(`no tool ${name}`);
  return tool.definition.run(tool.validate(args), makeCtx(ctx));
}

/** Runs `fn` and returns the HookflowError it throws (fails the test when it does not). */
export async function errorOf(fn: () => unknown): Promise<HookflowError> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof HookflowError) return err;
    throw new Error(`expected a HookflowError, got ${String(err)}`, { cause: err });
  }
  throw new Error('expected an error, but the call succeeded');
}

/** A fresh temp directory (real path) and its cleanup. */
export async function tempDir(prefix = 'hookflow-tools-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), prefix)));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
