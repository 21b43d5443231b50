/**
 * Error codes specific to agents and providers, on top of the shared ones in src/errors.ts.
 */

/** Stable codes raised by src/agents (HookflowError accepts any string code). */
export const AgentErrorCode = {
  /** The model still asked for tools when `limits.maxTurns` model calls were used up. */
  AGENT_MAX_TURNS: 'AGENT_MAX_TURNS',
  /** The provider answered with an HTTP status that is an error (`details.status`, `details.body`). */
  PROVIDER_HTTP: 'PROVIDER_HTTP',
  /** The request never got an HTTP answer (connection refused, reset, DNS...). */
  PROVIDER_NETWORK: 'PROVIDER_NETWORK',
  /** The provider answered 2xx with a body that is not a chat completion. */
  PROVIDER_RESPONSE: 'PROVIDER_RESPONSE',
  /** A scripted provider was asked for more turns than its script has. */
  SCRIPT_EXHAUSTED: 'SCRIPT_EXHAUSTED',
} as const;
/** One of {@link AgentErrorCode}. */
export type AgentErrorCode = (typeof AgentErrorCode)[keyof typeof AgentErrorCode];
