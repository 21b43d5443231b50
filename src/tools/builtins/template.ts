/**
 * The `{{name}}` / `{{a.b.0}}` template language of `text.template`: path lookups only, never code.
 */
import { LRUCache } from 'lru-cache';
import { toolError } from './define.js';

type Part = string | { path: string[]; raw: string };

const PLACEHOLDER = /^[A-Za-z_$][\w$-]*(?:\.[\w$-]+)*$/;
const compiled = new LRUCache<string, Part[]>({ max: 500 });

function position(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return `line ${line}, column ${offset - before.lastIndexOf('\n')}`;
}

/** Splits a template into literal text and placeholder paths; `\{{` is a literal `{{`. */
export function compileTemplate(template: string): Part[] {
  const hit = compiled.get(template);
  if (hit) return hit;
  const parts: Part[] = [];
  let text = '';
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf('{{', i);
    if (open === -1) {
      text += template.slice(i);
      break;
    }
    if (open > 0 && template[open - 1] === '\\') {
      text += `${template.slice(i, open - 1)}{{`;
      i = open + 2;
      continue;
    }
    text += template.slice(i, open);
    const close = template.indexOf('}}', open + 2);
    if (close === -1) throw toolError('text.template', `unclosed "{{" at ${position(template, open)} (write \\{{ for a literal "{{")`);
    const raw = template.slice(open + 2, close).trim();
    if (!PLACEHOLDER.test(raw)) {
      throw toolError('text.template', `invalid placeholder "{{${template.slice(open + 2, close)}}}" at ${position(template, open)}: expected a name or dotted path like {{user.name}} or {{items.0}}`);
    }
    if (text) parts.push(text);
    text = '';
    parts.push({ path: raw.split('.'), raw });
    i = close + 2;
  }
  if (text) parts.push(text);
  compiled.set(template, parts);
  return parts;
}

function lookup(data: unknown, path: readonly string[]): unknown {
  let cur = data;
  for (const key of path) {
    // Own properties only: `{{constructor}}` or `{{__proto__}}` must not reach prototypes.
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, key)) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/**
 * Renders a template. Strings are inserted as is, numbers and booleans as text, objects and arrays as
 * JSON, null as empty. A missing value renders empty, or is an error when `strict`.
 */
export function renderTemplate(template: string, data: unknown, strict: boolean): string {
  let out = '';
  for (const part of compileTemplate(template)) {
    if (typeof part === 'string') {
      out += part;
      continue;
    }
    const value = lookup(data, part.path);
    if (value === undefined) {
      if (strict) throw toolError('text.template', `no value for placeholder {{${part.raw}}} (strict mode; pass it in \`data\`)`);
      continue;
    }
    if (value === null) continue;
    out += typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
  return out;
}
