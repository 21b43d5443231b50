/**
 * Minimal glob matching shared by hook `match:` and bus subscriptions.
 *
 * `*` matches any run of characters except the separator, `**` matches anything (separators included),
 * `?` one non-separator character. Everything else is literal. Compiled patterns are cached.
 */
const cache = new Map<string, RegExp>();
// Globs come from definitions and subscriptions, so they are few; the cap only stops unbounded growth.
const CACHE_MAX = 1000;

/** Compiles a glob into an anchored RegExp. `sep` is the segment separator (`.` for event types, `/` for paths). */
export function globToRegExp(glob: string, sep = ''): RegExp {
  const key = `${sep}\u0000${glob}`;
  let re = cache.get(key);
  if (re) return re;
  const notSep = sep ? `[^${escapeClass(sep)}]` : '.';
  let src = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        src += '.*';
        i++;
      } else {
        src += `${notSep}*`;
      }
    } else if (c === '?') {
      src += notSep;
    } else {
      src += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
  }
  // `s`: wildcards also match line breaks; `u`: `?` and `*` step over whole code points, not UTF-16 halves.
  re = new RegExp(`^${src}$`, 'su');
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(key, re);
  return re;
}

function escapeClass(s: string): string {
  return s.replace(/[\]\\^-]/g, '\\$&');
}

/** True when `value` matches `glob` (see {@link globToRegExp}). */
export function globMatch(glob: string, value: string, sep = ''): boolean {
  if (glob === '**' || (glob === '*' && !sep)) return true;
  return globToRegExp(glob, sep).test(value);
}
