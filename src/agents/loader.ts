/**
 * Loads agent definitions from YAML (definitions/agents/*.yaml): parsed with source positions,
 * validated with zod, reported as `file:line:col: path: message`.
 */
import { readFile, readdir } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { ErrorCode, HookflowError } from '../errors.js';
import { formatPath, problems } from './issues.js';
import { agentDefinitionSchema, agentFileSchema, agentName, type AgentFile } from './schema.js';
import type { AgentDefinition, ScriptedTurn } from './types.js';
import { parseYamlWith, validationError, type DefinitionIssue } from './yaml-validate.js';

export type { DefinitionIssue } from './yaml-validate.js';

/** Parses and validates YAML text as an agent definition; `file` names it in messages and `def.file`. */
export function parseAgentDefinition(text: string, file: string): AgentDefinition {
  const parsed = parseYamlWith(text, file, agentFileSchema, 'agent settings (provider, model, tools...)');
  const fallback = basename(file, extname(file));
  if (parsed.name === undefined && !agentName.safeParse(fallback).success) {
    throw validationError([
      { file, line: 1, col: 1, path: 'name', message: `the file name "${fallback}" is not a valid agent name; add \`name:\` (lower-case letters, digits, ".", "_", "-")` },
    ]);
  }
  return normalize(parsed, resolve(file), fallback);
}

function normalize(f: AgentFile, file: string, fallbackName: string): AgentDefinition {
  const def: AgentDefinition = {
    name: f.name ?? fallbackName,
    provider: f.provider,
    model: f.model ?? 'scripted',
    tools: f.tools,
    output: f.output,
    limits: { maxTurns: f.limits.maxTurns },
    recovery: { maxRecoveries: f.recovery.maxRecoveries, backoffMs: f.recovery.backoffMs, maxRateLimitPauses: f.recovery.maxRateLimitPauses },
    file,
  };
  if (f.description !== undefined) def.description = f.description;
  if (f.system !== undefined) def.system = f.system;
  if (f.limits.timeoutMs !== undefined) def.limits.timeoutMs = f.limits.timeoutMs;
  if (f.limits.maxTokens !== undefined) def.limits.maxTokens = f.limits.maxTokens;
  if (f.temperature !== undefined) def.temperature = f.temperature;
  if (f.openai !== undefined) def.openai = { ...f.openai };
  if (f.script !== undefined) {
    def.script = f.script.map((t) => {
      const turn: ScriptedTurn = {};
      if (t.content !== undefined) turn.content = t.content;
      if (t.toolCalls !== undefined) turn.toolCalls = t.toolCalls.map((c) => ({ name: c.name, arguments: c.arguments ?? {} }));
      if (t.usage !== undefined) turn.usage = { ...t.usage };
      if (t.when !== undefined) turn.when = t.when;
      if (t.error !== undefined) turn.error = { ...t.error };
      return turn;
    });
  }
  return def;
}

/** Reads and validates one agent definition file. Errors: `AGENT_NOT_FOUND` (unreadable), `VALIDATION`. */
export async function loadAgentDefinition(file: string): Promise<AgentDefinition> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    throw new HookflowError(
      code === 'ENOENT' ? ErrorCode.AGENT_NOT_FOUND : ErrorCode.VALIDATION,
      `cannot read agent definition ${file}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`,
      { cause: err, retryable: false },
    );
  }
  return parseAgentDefinition(text, file);
}

/**
 * Loads every `*.yaml`/`*.yml` in `dir`, keyed by agent name (the `name:` key, else the file's basename).
 * A missing directory yields an empty map; invalid files and duplicate names are one VALIDATION error
 * listing every problem.
 */
export async function findAgents(dir: string): Promise<Map<string, AgentDefinition>> {
  let entries: string[];
  try {
    entries = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile() && /\.ya?ml$/.test(e.name)).map((e) => e.name).sort();
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') return new Map();
    throw new HookflowError(ErrorCode.VALIDATION, `cannot list agent definitions in ${dir}: ${(err as Error).message}`, { cause: err, retryable: false });
  }
  const agents = new Map<string, AgentDefinition>();
  const issues: DefinitionIssue[] = [];
  for (const name of entries) {
    const file = join(dir, name);
    try {
      const def = await loadAgentDefinition(file);
      const prior = agents.get(def.name);
      if (prior !== undefined) {
        issues.push({ file, line: 1, col: 1, path: 'name', message: `agent "${def.name}" is already defined in ${prior.file}; agent names must be unique` });
        continue;
      }
      agents.set(def.name, def);
    } catch (err) {
      const details = (err as HookflowError).details as { issues?: DefinitionIssue[] } | undefined;
      if (!(err instanceof HookflowError) || details?.issues === undefined) throw err;
      issues.push(...details.issues);
    }
  }
  if (issues.length > 0) throw validationError(issues);
  return agents;
}

/** Validates a definition built in code (the loader's checks without positions); throws VALIDATION. */
export function checkAgentDefinition(def: AgentDefinition): void {
  const parsed = agentDefinitionSchema.safeParse(def, { reportInput: true });
  if (parsed.success) return;
  const lines = problems(parsed.error.issues, agentDefinitionSchema).map((p) => {
    const path = formatPath(p.key === undefined ? p.path : [...p.path, p.key]);
    return `${path ? `${path}: ` : ''}${p.message}`;
  });
  throw new HookflowError(ErrorCode.VALIDATION, `agent "${String(def.name)}" (${String(def.file)}): invalid definition: ${lines.join('; ')}`, {
    retryable: false,
    details: { problems: lines },
  });
}
