/**
 * Shared CLI plumbing: engine construction from flags, error printing (one clear line, detail with
 * --verbose, never a raw stack trace), JSON parsing of flag values.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createEngine, openStore, loadToolModule, HookflowError, ErrorCode, type Engine, type Store } from '../index.js';
import type { CliIO } from './io.js';
import { Exit } from './io.js';

export interface EngineFlags {
  store?: string | undefined;
  tools?: string[] | undefined;
  workspace?: string | undefined;
}

/** Opens the store and builds an engine with the `--tools` modules registered. */
export async function engineFromFlags(flags: EngineFlags, io: CliIO): Promise<{ engine: Engine; store: Store }> {
  const store = openStore(flags.store, io.cwd, io.env);
  const engine = createEngine({ store, workspace: flags.workspace ? resolve(io.cwd, flags.workspace) : io.cwd, env: io.env });
  for (const mod of flags.tools ?? []) engine.tools.registerAll(await loadToolModule(mod, io.cwd));
  return { engine, store };
}

/** Parses a JSON flag value with a message that names the flag. */
export function parseJsonFlag(value: string, flag: string): unknown {
  try {
    return JSON.parse(value) as unknown;
  } catch (err) {
    throw new HookflowError(ErrorCode.INPUT, `${flag} is not valid JSON: ${err instanceof Error ? err.message : String(err)}; hint: quote it, e.g. ${flag} '{"name":"Ada"}'`, { retryable: false });
  }
}

export async function readJsonFile(file: string, cwd: string, flag: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(resolve(cwd, file), 'utf8');
  } catch (err) {
    throw new HookflowError(ErrorCode.INPUT, `${flag} ${file}: cannot read: ${err instanceof Error ? err.message : String(err)}`, { retryable: false });
  }
  return parseJsonFlag(text, `${flag} ${file}`);
}

/** Codes that mean the definition or the invocation is wrong (exit 2) rather than the run failing. */
const USAGE_CODES: ReadonlySet<string> = new Set([ErrorCode.VALIDATION, ErrorCode.INPUT, ErrorCode.RUN_EXISTS, ErrorCode.RUN_NOT_FOUND, ErrorCode.RUN_BUSY, ErrorCode.STORE_CORRUPT, ErrorCode.STORE, 'USAGE']);

/** Prints an error the way every command does and returns the exit code. */
export function reportError(err: unknown, io: CliIO, verbose: boolean): number {
  if (err instanceof HookflowError) {
    io.stderr(`hookflow: ${err.code}: ${err.message}\n`);
    if (verbose && err.stack) io.stderr(`${err.stack}\n`);
    return USAGE_CODES.has(err.code) ? Exit.USAGE : Exit.FAILED;
  }
  const message = err instanceof Error ? err.message : String(err);
  io.stderr(`hookflow: ${message}\n`);
  if (verbose && err instanceof Error && err.stack) io.stderr(`${err.stack}\n`);
  if (err instanceof TypeError && /parseArgs|option|argument/i.test(message)) return Exit.USAGE;
  return (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ? Exit.USAGE : Exit.FAILED;
}

export function usageError(message: string): HookflowError {
  return new HookflowError('USAGE', message, { retryable: false });
}
