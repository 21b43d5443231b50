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
  return [
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
}
