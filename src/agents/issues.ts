/**
 * Turns zod issues into messages that say what was expected, what was found, and a hint (did you
 * mean...). Positions are added by the caller, which knows the YAML.
 */
import { z } from 'zod';

type Issue = z.core.$ZodIssue;

/** One problem, anchored at `path` (and at the key `key` of that mapping for unknown keys). */
export interface Problem {
  path: PropertyKey[];
  key?: string;
  message: string;
}

/** `script[1].toolCalls[0].name` from a path. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out === '' ? String(seg) : `.${String(seg)}`;
  return out;
}

/** A short description of a found value. */
export function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (typeof v === 'string') return v.length > 40 ? `${JSON.stringify(v.slice(0, 40))}...` : JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return `${String(v)} (${typeof v})`;
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (typeof v === 'object') return 'a mapping';
  return typeof v;
}

/** The closest candidate within a small edit distance, if any. */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  const lower = word.toLowerCase();
  for (const c of candidates) {
    const d = c.toLowerCase() === lower ? 0 : distance(lower, c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== undefined && bestD <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j] as number;
      row[j] = Math.min((row[j] as number) + 1, (row[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length] as number;
}

/** Strips wrappers (optional, default, pipe...) that do not change the shape of the value. */
function unwrap(s: z.core.$ZodType): z.core.$ZodType {
  let cur = s;
  for (let i = 0; i < 10; i++) {
    if (cur instanceof z.ZodOptional || cur instanceof z.ZodNullable || cur instanceof z.ZodDefault || cur instanceof z.ZodPrefault) {
      cur = cur.unwrap() as z.core.$ZodType;
    } else if (cur instanceof z.ZodPipe) {
      cur = cur.in as z.core.$ZodType;
    } else {
      break;
    }
  }
  return cur;
}

/** Keys the schema allows for the mapping at `path`, or [] when it is not a known object. */
export function knownKeys(schema: z.core.$ZodType, path: readonly PropertyKey[]): string[] {
  let cur: z.core.$ZodType | undefined = unwrap(schema);
  for (const seg of path) {
    if (cur instanceof z.ZodObject && typeof seg === 'string') cur = (cur.shape as Record<string, z.core.$ZodType>)[seg];
    else if (cur instanceof z.ZodArray && typeof seg === 'number') cur = cur.element as z.core.$ZodType;
    else if (cur instanceof z.ZodRecord && typeof seg === 'string') cur = cur.valueType as z.core.$ZodType;
    else return [];
    if (cur === undefined) return [];
    cur = unwrap(cur);
  }
  return cur instanceof z.ZodObject ? Object.keys(cur.shape) : [];
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string', number: 'a number', int: 'an integer', boolean: 'true or false', array: 'a list',
  object: 'a mapping', record: 'a mapping', null: 'null',
};

function expectedWord(e: string): string {
  return TYPE_WORDS[e] ?? e;
}

/** Problems for the issues of one `safeParse` of `schema` (parse with `reportInput: true`). */
export function problems(issues: readonly Issue[], schema: z.core.$ZodType): Problem[] {
  const out: Problem[] = [];
  for (const issue of issues) {
    const path = issue.path.slice();
    switch (issue.code) {
      case 'unrecognized_keys': {
        const allowed = knownKeys(schema, path);
        for (const key of issue.keys) {
          const guess = didYouMean(key, allowed);
          out.push({
            path,
            key,
            message: `unknown key "${key}"${guess ? ` (did you mean "${guess}"?)` : ''}${allowed.length ? `; allowed keys: ${allowed.join(', ')}` : ''}`,
          });
        }
        break;
      }
      case 'invalid_type': {
        const last = path[path.length - 1];
        const message =
          issue.input === undefined && typeof last === 'string'
            ? `missing required key "${last}" (${expectedWord(issue.expected)})`
            : `expected ${expectedWord(issue.expected)}, found ${describe(issue.input)}`;
        out.push({ path, message });
        break;
      }
      case 'invalid_value': {
        const found = issue.input;
        const last = path[path.length - 1];
        const choices = issue.values.map((v) => JSON.stringify(v)).join(', ');
        if (found === undefined && typeof last === 'string') {
          out.push({ path, message: `missing required key "${last}" (one of ${choices})` });
          break;
        }
        const options = issue.values.map((v) => String(v));
        const guess = typeof found === 'string' ? didYouMean(found, options) : undefined;
        out.push({
          path,
          message: `expected one of ${choices}, found ${describe(found)}${guess ? ` (did you mean "${guess}"?)` : ''}`,
        });
        break;
      }
      case 'too_small':
      case 'too_big':
        out.push({ path, message: sizeMessage(issue) });
        break;
      case 'invalid_union': {
        const expected = new Set<string>();
        for (const branch of issue.errors) {
          const first = branch[0];
          if (first?.code === 'invalid_type') expected.add(expectedWord(first.expected));
        }
        const what = expected.size > 0 ? [...expected].join(' or ') : 'a different value';
        out.push({ path, message: `expected ${what}, found ${describe(issue.input)}` });
        break;
      }
      case 'invalid_format':
        out.push({ path, message: `${issue.message}, found ${describe(issue.input)}` });
        break;
      default:
        out.push({ path, message: issue.message });
    }
  }
  return out;
}

function sizeMessage(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig): string {
  const small = issue.code === 'too_small';
  const bound = small ? (issue as z.core.$ZodIssueTooSmall).minimum : (issue as z.core.$ZodIssueTooBig).maximum;
  const input = issue.input;
  switch (issue.origin) {
    case 'string':
      return small && Number(bound) === 1 ? `expected a non-empty string, found ""` : `expected ${small ? 'at least' : 'at most'} ${bound} characters, found ${describe(input)}`;
    case 'array':
      return `expected ${small ? 'at least' : 'at most'} ${bound} item${Number(bound) === 1 ? '' : 's'}, found ${Array.isArray(input) ? input.length : describe(input)}`;
    default: {
      const op = small ? (issue.inclusive === false ? '>' : '>=') : issue.inclusive === false ? '<' : '<=';
      return `expected ${issue.origin === 'int' ? 'an integer' : 'a number'} ${op} ${bound}, found ${describe(input)}`;
    }
  }
}
