/**
 * Builds the provider an agent definition asks for.
 */
import { ErrorCode, HookflowError } from '../../errors.js';
import type { AgentDefinition, AgentEnvironment, Provider } from '../types.js';
import { OpenAIProvider, type OpenAIProviderOptions } from './openai.js';
import { ScriptedProvider } from './scripted.js';

/** Where the OpenAI provider goes when neither `openai.baseUrl` nor the base URL variable is set. */
export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

/**
 * The OpenAI provider options of a definition: base URL from `openai.baseUrl`, else the variable named by
 * `openai.baseUrlEnv` (default `OPENAI_BASE_URL`), else api.openai.com; the key from the variable named
 * by `openai.apiKeyEnv` (default `OPENAI_API_KEY`), required only for api.openai.com.
 */
export function openAIOptions(def: AgentDefinition, env: Record<string, string | undefined>): OpenAIProviderOptions {
  const cfg = def.openai ?? {};
  const baseUrlEnv = cfg.baseUrlEnv ?? 'OPENAI_BASE_URL';
  const apiKeyEnv = cfg.apiKeyEnv ?? 'OPENAI_API_KEY';
  const fromEnv = env[baseUrlEnv];
  const baseUrl = cfg.baseUrl ?? (fromEnv !== undefined && fromEnv !== '' ? fromEnv : OPENAI_DEFAULT_BASE_URL);
  const source = cfg.baseUrl !== undefined ? 'openai.baseUrl' : fromEnv !== undefined && fromEnv !== '' ? `the environment variable ${baseUrlEnv}` : 'the default';
  const url = URL.canParse(baseUrl) ? new URL(baseUrl) : undefined;
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new HookflowError(
      ErrorCode.VALIDATION,
      `agent "${def.name}" (${def.file}): expected the base URL from ${source} to be an http(s) URL like ${OPENAI_DEFAULT_BASE_URL}, found ${JSON.stringify(baseUrl)}`,
      { retryable: false },
    );
  }
  const apiKey = env[apiKeyEnv];
  if ((apiKey === undefined || apiKey === '') && url.hostname === 'api.openai.com') {
    throw new HookflowError(
      ErrorCode.VALIDATION,
      `agent "${def.name}" (${def.file}): the OpenAI API key is missing: set the environment variable ${apiKeyEnv}, ` +
        `or point ${baseUrlEnv} (or openai.baseUrl) at an OpenAI-compatible server that needs no key`,
      { retryable: false },
    );
  }
  const opts: OpenAIProviderOptions = { baseUrl };
  if (apiKey !== undefined && apiKey !== '') opts.apiKey = apiKey;
  if (cfg.stream !== undefined) opts.stream = cfg.stream;
  if (cfg.retries !== undefined) opts.retries = cfg.retries;
  if (def.limits.timeoutMs !== undefined) opts.timeoutMs = def.limits.timeoutMs;
  return opts;
}

/**
 * The provider for `def`: an injected one from `env.providers` (keyed by agent name, then by provider
 * kind) when present, otherwise a new {@link OpenAIProvider} or {@link ScriptedProvider}.
 */
export function createProvider(def: AgentDefinition, env: Pick<AgentEnvironment, 'env' | 'providers'>): Provider {
  const injected = env.providers?.[def.name] ?? env.providers?.[def.provider];
  if (injected !== undefined) return injected;
  switch (def.provider) {
    case 'openai':
      return new OpenAIProvider(openAIOptions(def, env.env));
    case 'scripted':
      if (def.script === undefined || def.script.length === 0) {
        throw new HookflowError(ErrorCode.VALIDATION, `agent "${def.name}" (${def.file}): provider "scripted" needs a non-empty \`script\` list`, { retryable: false });
      }
      return new ScriptedProvider(def.script, def.name);
    default: {
      const p: unknown = (def as { provider: unknown }).provider;
      throw new HookflowError(ErrorCode.VALIDATION, `agent "${def.name}" (${def.file}): unknown provider ${JSON.stringify(p)}; expected "openai" or "scripted"`, { retryable: false });
    }
  }
}

export { OpenAIProvider, parseRetryAfter, type OpenAIProviderOptions } from './openai.js';
export { ScriptedProvider } from './scripted.js';
