/**
 * JSON Schema (draft 2020-12) support shared by the registry and `json.validate`: one configured ajv
 * factory and the mapping of ajv errors to hookflow's `{path, message}` issue shape.
 */
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import { newAjv, type Ajv2020Class } from '../util/lazy-ajv.js';
import { formatPath, describeType, shortJson, type PathSegment } from './issues.js';
import type { Issue } from './issues.js';

export type { ValidateFunction };

/**
 * Creates an ajv instance for draft 2020-12 with formats (`email`, `uri`, `date-time`, ...).
 * `strict: false` because user schemas often carry annotations ajv does not know (`example`, `x-*`).
 */
export function createAjv(opts: { useDefaults?: boolean } = {}): Ajv2020Class {
  return newAjv({ allErrors: true, strict: false, useDefaults: opts.useDefaults ?? false });
}

/** True when a JSON Schema declares a `default` anywhere (ajv then mutates the validated data). */
export function schemaHasDefaults(schema: unknown): boolean {
  if (Array.isArray(schema)) return schema.some(schemaHasDefaults);
  if (schema === null || typeof schema !== 'object') return false;
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'default') return true;
    if (key !== 'const' && key !== 'enum' && key !== 'examples' && schemaHasDefaults(value)) return true;
  }
  return false;
}

/** Splits an ajv `instancePath` (JSON Pointer) into path segments. */
function pointerSegments(pointer: string): PathSegment[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => {
      const key = s.replace(/~1/g, '/').replace(/~0/g, '~');
      return /^(0|[1-9]\d*)$/.test(key) ? Number(key) : key;
    });
}

function valueAt(data: unknown, segments: readonly PathSegment[]): unknown {
  let cur = data;
  for (const seg of segments) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  return cur;
}

/**
 * Maps ajv errors to issues whose paths start with `root` (e.g. `with`) and whose messages say what was
 * expected and what was found.
 */
export function ajvIssues(errors: readonly ErrorObject[] | null | undefined, data: unknown, root: string): Issue[] {
  if (!errors) return [];
  const out: Issue[] = [];
  for (const err of errors) {
    const segments = pointerSegments(err.instancePath);
    const params = err.params as Record<string, unknown>;
    const value = valueAt(data, segments);
    let message: string;
    switch (err.keyword) {
      case 'required':
        segments.push(String(params.missingProperty));
        message = 'required field missing';
        break;
      case 'additionalProperties':
        segments.push(String(params.additionalProperty));
        message = 'unknown field';
        break;
      case 'type': {
        const t = params.type;
        message = `expected ${Array.isArray(t) ? t.join(' | ') : String(t)}, got ${describeType(value)}`;
        break;
      }
      case 'enum':
        message = `expected one of ${(params.allowedValues as unknown[]).map((v) => shortJson(v)).join(' | ')}, got ${shortJson(value)}`;
        break;
      case 'const':
        message = `expected ${shortJson(params.allowedValue)}, got ${shortJson(value)}`;
        break;
      default:
        message = `${err.message ?? `fails "${err.keyword}"`}, got ${shortJson(value)}`;
    }
    out.push({ path: formatPath(root, segments), message });
  }
  return dedupe(out);
}

function dedupe(issues: Issue[]): Issue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.path}\u0000${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
