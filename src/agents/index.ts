/**
 * Public surface of the agents module: what the engine and src/index.ts re-export.
 */
export * from './types.js';
export { AgentErrorCode } from './codes.js';
export { agentMachine, type AgentMachine, type AgentMachineContext, type AgentMachineEvent, type AgentMachineInput } from './machine.js';
export { AgentSession, runAgent } from './session.js';
export { loadAgentDefinition, findAgents, parseAgentDefinition, checkAgentDefinition, type DefinitionIssue } from './loader.js';
export { createProvider, openAIOptions, OPENAI_DEFAULT_BASE_URL, OpenAIProvider, ScriptedProvider, parseRetryAfter, type OpenAIProviderOptions } from './providers/index.js';
export { toWireName, ToolNameMap } from './tool-names.js';
export { DEFAULT_PRICING_FILE, loadPricing, parsePricing, priceOf, costOf, type PriceTable, type ModelPrice } from './pricing.js';
