/** Tools and helpers shared by the built-in hook tests. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HookflowError, type RunResult, type ToolContext, type ToolDefinition } from '../../../src/index.js';

/** A tool that records the (fake) clock time of each call and returns its `key`. */
export function stamper(name = 'test.stamp'): { tool: ToolDefinition; starts: Array<{ key: string; at: number }> } {
  const starts: Array<{ key: string; at: number }> = [];
  return {
    starts,
    tool: {
      name,
      run: (a: { key: string }) => {
        starts.push({ key: a.key, at: Date.now() });
        return a.key;
      },
    },
  };
}

/** An LLM-like tool: reports `inputTokens`/`outputTokens` of `model` per call and returns the call number. */
export function usageTool(name = 'llm.fake'): { tool: ToolDefinition; calls: number } {
  const state: { tool: ToolDefinition; calls: number } = {
    calls: 0,
    tool: {
      name,
      run: (a: { model?: string; inputTokens?: number; outputTokens?: number }, ctx: ToolContext) => {
        state.calls++;
        ctx.reportUsage?.({ model: a.model ?? 'priced', inputTokens: a.inputTokens ?? 1000, outputTokens: a.outputTokens ?? 0 });
        return state.calls;
      },
    },
  };
  return state;
}

/** `n` parallel branches, each calling `tool` with `key: b<i>`. */
export function parallelBranches(n: number, tool: string, indent = '      '): string {
  let out = '';
  for (let i = 0; i < n; i++) out += `${indent}- id: b${i}\n${indent}  tool: ${tool}\n${indent}  with: { key: b${i} }\n`;
  return out;
}

/** A temporary directory removed by `cleanup`. */
export function tempDir(prefix = 'hookflow-builtins-'): { path: string; cleanup(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** Fake credentials in the formats the redactor knows, assembled so the source holds none verbatim. */
export const FAKE = {
  openai: ['sk', 'proj', 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4'].join('-'),
  anthropic: ['sk', 'ant', 'api03', 'x'.repeat(40)].join('-'),
  aws: 'AKIA' + 'ABCDEFGHIJKLMNOP',
  github: 'ghp' + '_' + 'a1'.repeat(18),
  jwt: ['eyJhbGciOiJIUzI1NiJ9', 'eyJzdWIiOiIxMjM0NTY3ODkwIn0', 'dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U'].join('.'),
  bearer: 'opaque-bearer-' + 'z9'.repeat(8),
  plain: 'hunter2-but-longer',
};

/**
 * The VALIDATION message a refused run produced: built-in options are checked either before the run
 * is created (the call rejects) or when it builds its hooks (the run ends failed); both are refusals.
 */
export async function refused(p: Promise<RunResult>): Promise<string> {
  let r: RunResult;
  try {
    r = await p;
  } catch (err) {
    if (err instanceof HookflowError && err.code === 'VALIDATION') return err.message;
    throw err;
  }
  if (r.status !== 'failed' || r.error?.code !== 'VALIDATION') throw new Error(`expected the run to be refused with VALIDATION, it ended ${r.status}${r.error ? ` (${r.error.code}: ${r.error.message})` : ''}`);
  return r.error.message;
}
