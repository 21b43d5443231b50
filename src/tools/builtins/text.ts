/**
 * `text.*` built-ins: template, regex, transform, diff.
 */
import { z } from 'zod';
import { assertNever } from '../../errors.js';
import { defineTool, toolError } from './define.js';
import { renderTemplate } from './template.js';
import { unifiedDiff } from './text-diff.js';

const template = defineTool({
  name: 'text.template',
  description:
    'Fills `{{name}}` / `{{a.b}}` / `{{items.0}}` placeholders from `data` (no code runs). Missing values render empty unless `strict`; `\\{{` is a literal "{{".',
  input: z.strictObject({ template: z.string(), data: z.record(z.string(), z.unknown()).default({}), strict: z.boolean().default(false) }),
  output: 'the rendered string',
  run: (args) => renderTemplate(args.template, args.data, args.strict),
});

function compileRegex(pattern: string, flags: string): RegExp {
  try {
    return new RegExp(pattern, flags);
  } catch (err) {
    throw toolError('text.regex', `invalid regular expression /${pattern}/${flags}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

const regex = defineTool({
  name: 'text.regex',
  description:
    'Regular expressions (JavaScript syntax) over `text`: `match` lists every match, `test` checks, `replace` replaces every match ($1, $<name> allowed), `split` splits.',
  input: z.strictObject({
    text: z.string(),
    pattern: z.string(),
    flags: z.string().regex(/^[imsuvy]*$/, 'flags may only contain i, m, s, u, v, y (g is implied where it matters)').default(''),
    mode: z.enum(['match', 'test', 'replace', 'split']).default('match'),
    replacement: z.string().optional(),
  }),
  output: 'match: [{match, index, captures, groups}]; test: boolean; replace: string; split: string[]',
  run(args) {
    switch (args.mode) {
      case 'test':
        return compileRegex(args.pattern, args.flags).test(args.text);
      case 'split':
        return args.text.split(compileRegex(args.pattern, args.flags));
      case 'replace':
        if (args.replacement === undefined) throw toolError('text.regex', 'mode "replace" needs `replacement`');
        return args.text.replace(compileRegex(args.pattern, `${args.flags}g`), args.replacement);
      case 'match':
        return [...args.text.matchAll(compileRegex(args.pattern, `${args.flags}g`))].map((m) => ({
          match: m[0],
          index: m.index,
          captures: m.slice(1).map((c) => c ?? null),
          groups: m.groups ? Object.fromEntries(Object.entries(m.groups).map(([k, v]) => [k, v ?? null])) : null,
        }));
      default:
        return assertNever(args.mode, 'regex mode');
    }
  },
});

function slug(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '');
}

const transform = defineTool({
  name: 'text.transform',
  description:
    'Simple string operations: upper, lower, trim, slug (url-safe, accents removed), length (in characters), words (split on whitespace), capitalize, title.',
  input: z.strictObject({ text: z.string(), op: z.enum(['upper', 'lower', 'trim', 'slug', 'length', 'words', 'capitalize', 'title']) }),
  output: 'a string; length: a number; words: an array of strings',
  run(args) {
    const t = args.text;
    switch (args.op) {
      case 'upper':
        return t.toUpperCase();
      case 'lower':
        return t.toLowerCase();
      case 'trim':
        return t.trim();
      case 'slug':
        return slug(t);
      case 'length':
        // Characters as people count them (code points), not UTF-16 units.
        return [...t].length;
      case 'words':
        return t.split(/\s+/u).filter(Boolean);
      case 'capitalize':
        return t.charAt(0).toUpperCase() + t.slice(1);
      case 'title':
        return t.replace(/(^|\s)(\p{L})/gu, (_m, sp: string, ch: string) => sp + ch.toUpperCase());
      default:
        return assertNever(args.op, 'transform op');
    }
  },
});

const diff = defineTool({
  name: 'text.diff',
  description: 'Unified line diff (like `diff -u`) from `a` to `b`, with `context` lines around changes.',
  input: z.strictObject({
    a: z.string(),
    b: z.string(),
    context: z.number().int().min(0).max(1000).default(3),
    aName: z.string().default('a'),
    bName: z.string().default('b'),
  }),
  output: 'the diff text; an empty string when a and b are equal',
  run: (args) => unifiedDiff(args.a, args.b, { context: args.context, aName: args.aName, bName: args.bName }),
});

/** The `text.*` group. */
export const textTools = [template, regex, transform, diff];
