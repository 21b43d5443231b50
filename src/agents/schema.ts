/**
 * The zod schemas of an agent definition: `agentFileSchema` for what users write in
 * definitions/agents/*.yaml, `agentDefinitionSchema` for a normalized {@link AgentDefinition}.
 */
import { z } from 'zod';
import { parseDuration } from '../util/duration.js';

const NAME_RE = /^[a-z0-9][a-z0-9._-]*$/;
const TOOL_RE = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
const ENV_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Agent names follow workflow names: lower-case letters, digits, `.`, `_`, `-`. */
export const agentName = z.string().regex(NAME_RE, { error: 'expected an agent name of lower-case letters, digits, ".", "_" or "-" (e.g. researcher)' });

const toolName = z.string().regex(TOOL_RE, { error: 'expected a dotted tool name like math.calc' });
const envName = z.string().regex(ENV_RE, { error: 'expected an environment variable name like OPENAI_API_KEY' });

/** Milliseconds, or a duration string (`500ms`, `2s`, `1m`). */
const duration = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const ms = parseDuration(v);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `expected a duration like 500, "500ms" or "2s", found ${JSON.stringify(v)}`, input: v });
    return z.NEVER;
  }
  return ms;
});

const httpUrl = z.string().refine((s) => /^https?:\/\/[^\s/]+/.test(s), { error: 'expected an http(s) URL like https://api.openai.com/v1' });

const scriptedToolCall = z.strictObject({
  name: toolName,
  arguments: z.unknown().optional(),
});

const scriptedTurn = z
  .strictObject({
    content: z.union([z.string(), z.record(z.string(), z.unknown()), z.array(z.unknown())]).optional(),
    toolCalls: z.array(scriptedToolCall).min(1).optional(),
    usage: z.strictObject({ inputTokens: z.int().min(0), outputTokens: z.int().min(0) }).optional(),
    when: z.string().min(1).optional(),
    error: z
      .strictObject({
        code: z.string().min(1),
        message: z.string().default('scripted failure'),
        retryAfterMs: duration.optional(),
        retryable: z.boolean().default(true),
      })
      .optional(),
  })
  .refine((t) => t.content !== undefined || t.toolCalls !== undefined || t.error !== undefined, {
    error: 'a script turn needs `content`, `toolCalls` or `error`',
  });

const limits = z
  .strictObject({
    maxTurns: z.int().min(1).default(8),
    timeoutMs: duration.optional(),
    maxTokens: z.int().min(1).optional(),
  })
  .prefault({});

const recovery = z
  .strictObject({
    maxRecoveries: z.int().min(0).default(2),
    backoffMs: duration.default(500),
    maxRateLimitPauses: z.int().min(0).default(5),
  })
  .prefault({});

const openai = z.strictObject({
  baseUrlEnv: envName.optional(),
  apiKeyEnv: envName.optional(),
  modelEnv: envName.optional(),
  baseUrl: httpUrl.optional(),
  stream: z.boolean().optional(),
  retries: z.int().min(0).max(10).optional(),
});

const shape = {
  name: agentName.optional(),
  description: z.string().optional(),
  provider: z.enum(['openai', 'scripted']),
  model: z.string().min(1).optional(),
  system: z.string().optional(),
  tools: z.array(toolName).default([]),
  output: z.enum(['text', 'json']).default('text'),
  limits,
  recovery,
  temperature: z.number().min(0).max(2).optional(),
  openai: openai.optional(),
  script: z.array(scriptedTurn).min(1).optional(),
};

type Shaped = { provider: 'openai' | 'scripted'; model?: string | undefined; script?: unknown; openai?: unknown };

function crossChecks(v: Shaped, ctx: z.RefinementCtx): void {
  if (v.provider === 'scripted' && v.script === undefined) {
    ctx.addIssue({ code: 'custom', path: ['script'], message: 'provider "scripted" needs a `script:` list of turns' });
  }
  if (v.provider !== 'scripted' && v.script !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['script'], message: '`script` only applies to provider: scripted; remove it or set provider: scripted' });
  }
  if (v.provider === 'openai' && v.model === undefined) {
    ctx.addIssue({ code: 'custom', path: ['model'], message: 'provider "openai" needs `model:` (e.g. gpt-4o-mini)' });
  }
  if (v.provider !== 'openai' && v.openai !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['openai'], message: '`openai` settings only apply to provider: openai' });
  }
}

/** What a definitions/agents/*.yaml file may contain. */
export const agentFileSchema = z.strictObject(shape).superRefine(crossChecks);
/** A validated definition file, before normalization. */
export type AgentFile = z.output<typeof agentFileSchema>;

/** A normalized agent definition (for definitions built in code). */
export const agentDefinitionSchema = z
  .strictObject({ ...shape, name: agentName, model: z.string().min(1), file: z.string().min(1) })
  .superRefine(crossChecks);
