/**
 * The built-in tool library, assembled from its groups.
 */
import type { ToolDefinition } from '../types.js';
import { archiveTools } from './archive.js';
import { csvTools } from './csv.js';
import { datetimeTool } from './datetime.js';
import { fileTools } from './file.js';
import { httpTools } from './http.js';
import { jsonTools } from './json.js';
import { mathTools } from './math.js';
import { systemTools, type SystemToolOptions } from './system.js';
import { textTools } from './text.js';
import { utilTools } from './util.js';

/** Options of {@link builtinTools}. */
export type BuiltinToolsOptions = SystemToolOptions;

/**
 * The built-in library: util, text, math, json, csv, file (sandboxed to `ctx.workspace`), http/web/url,
 * env and process tools. `envAllow` lists the variables `env.read` may return.
 *
 * @example
 * const registry = new ToolRegistry(builtinTools({ envAllow: ['API_BASE'] }));
 */
export function builtinTools(opts: BuiltinToolsOptions = {}): ToolDefinition[] {
  const all = [
    ...utilTools,
    datetimeTool,
    ...textTools,
    ...mathTools,
    ...jsonTools,
    ...csvTools,
    ...fileTools,
    ...archiveTools,
    ...httpTools,
    ...systemTools(opts),
  ] as ToolDefinition[];
  return all.map((t) => (PURE.has(t.name) ? { ...t, sideEffects: false } : t));
}

/**
 * Deterministic tools that touch nothing outside the process: the engine may call them before the
 * journal is durable (see ToolDefinition.sideEffects). Readers of the outside world (file.read,
 * http.*, env.read) and sources of fresh values (util.uuid, util.random, util.datetime now) are not here.
 */
const PURE: ReadonlySet<string> = new Set([
  'util.echo', 'util.hash', 'util.base64',
  'text.template', 'text.regex', 'text.transform', 'text.diff',
  'math.calc',
  'json.query', 'json.validate', 'json.merge', 'json.parse', 'json.stringify',
  'csv.parse', 'csv.format',
  'url.parse',
]);
