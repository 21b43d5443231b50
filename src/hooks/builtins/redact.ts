/**
 * Secret redaction shared by the `security` hook (which installs it as a run redactor, so events, step
 * records and the journal never hold a secret) and the `logging` hook (which applies it to every line).
 *
 * Two rules: string values under secret-looking keys (`password`, `apiKey`, `authorization`, any key
 * ending in `token`...) are replaced whole; anywhere else, substrings that look like credentials
 * (OpenAI/Anthropic/AWS/GitHub/Slack/Google keys, JWTs, bearer tokens, PEM private keys) are replaced.
 * Values are copied on write: the input is never mutated and unchanged subtrees are shared.
 */
import { isPlainObject } from '../../util/merge.js';

/** What a secret is replaced with. */
export const REDACTED = '[REDACTED]';

/** Substrings of a normalized key (lowercase, without `-`, `_`, `.`, spaces) that mark its value secret. */
const SECRET_KEY_PARTS = ['password', 'passwd', 'passphrase', 'secret', 'apikey', 'privatekey', 'accesskey', 'authorization', 'credential', 'cookie'];
/** Normalized keys that are secret on their own. */
const SECRET_KEYS = new Set(['auth', 'pwd', 'token', 'sessionid', 'xapikey']);

/** Value patterns of well-known credential formats (sources, combined into one RegExp). */
export const SECRET_PATTERNS: Readonly<Record<string, RegExp>> = Object.freeze({
  // sk-…, sk-proj-…, sk-svcacct-…, and Anthropic's sk-ant-api03-…
  openaiOrAnthropic: /\bsk-(?:ant-|proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}/,
  awsAccessKeyId: /\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b/,
  awsSecretAssignment: /\baws_?secret_?access_?key["']?\s*[:=]\s*["']?[A-Za-z0-9/+=]{40}/,
  github: /\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b/,
  slack: /\bxox[abposr]-[A-Za-z0-9-]{10,}/,
  google: /\bAIza[0-9A-Za-z_-]{35}/,
  jwt: /\beyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/,
  bearer: /\b[Bb]earer\s+[A-Za-z0-9._~+/-]{8,}=*/,
  privateKey: /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/,
});

/** Options of {@link createRedactor}. */
export interface RedactOptions {
  /** Extra secret key names (matched case-insensitively, ignoring `-`, `_` and `.`). */
  keys?: readonly string[];
  /** Extra value patterns; every match is replaced. */
  patterns?: readonly RegExp[];
  /** Whether the built-in key names and patterns apply. @default true */
  defaults?: boolean;
}

function normalizeKey(k: string): string {
  return k.toLowerCase().replace(/[-_. ]/g, '');
}

/** Whether a key name marks its (string) value as a secret under the built-in rules. */
export function isSecretKey(name: string): boolean {
  const k = normalizeKey(name);
  if (SECRET_KEYS.has(k) || k.endsWith('token')) return true;
  for (const part of SECRET_KEY_PARTS) if (k.includes(part)) return true;
  return false;
}

/** A pattern as a probe (non-global, for `test`) plus its global twin (for `replace`). */
interface Matcher {
  probe: RegExp;
  all: RegExp;
  /** Strings shorter than this cannot hold a match (skipped without a scan). */
  minLength: number;
}

function matcher(re: RegExp, minLength = 0): Matcher {
  const flags = re.flags.replace(/[gy]/g, '');
  return { probe: new RegExp(re.source, flags), all: new RegExp(re.source, `${flags}g`), minLength };
}

/**
 * The built-in patterns as one alternation, so a clean string costs one regex scan. The shortest
 * match any of them can make is `Bearer ` + 8 characters (15); paths, ids and codes are shorter.
 */
const DEFAULT_MATCHER = matcher(new RegExp(Object.values(SECRET_PATTERNS).map((p) => `(?:${p.source})`).join('|')), 15);

/**
 * Builds a redactor: `(value) => value` with secrets replaced by `[REDACTED]` (a bearer token keeps its
 * `Bearer ` prefix). Unchanged values are returned as they are (same reference).
 *
 * @example
 * const redact = createRedactor({ keys: ['pin'] });
 * redact({ pin: '1234', note: 'key sk-abcdefghijklmnopqrstuv' }); // { pin: '[REDACTED]', note: 'key [REDACTED]' }
 */
export function createRedactor(options: RedactOptions = {}): (value: unknown) => unknown {
  const useDefaults = options.defaults !== false;
  const extraKeys = new Set((options.keys ?? []).map(normalizeKey));
  const matchers = [...(useDefaults ? [DEFAULT_MATCHER] : []), ...(options.patterns ?? []).map(matcher)];
  const keyCache = new Map<string, boolean>();

  const secretKey = (name: string): boolean => {
    let hit = keyCache.get(name);
    if (hit === undefined) {
      hit = (useDefaults && isSecretKey(name)) || extraKeys.has(normalizeKey(name));
      // Keys come from data shapes, so they are few; the cap only bounds hostile inputs.
      if (keyCache.size < 10_000) keyCache.set(name, hit);
    }
    return hit;
  };

  const redactString = (s: string): string => {
    let out = s;
    for (const m of matchers) {
      if (out.length >= m.minLength && m.probe.test(out)) out = out.replace(m.all, (hit) => (/^[Bb]earer\s/.test(hit) ? `Bearer ${REDACTED}` : REDACTED));
    }
    return out;
  };

  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') return redactString(v);
    if (v === null || typeof v !== 'object' || depth > 100) return v;
    if (Array.isArray(v)) {
      let out: unknown[] | undefined;
      for (let i = 0; i < v.length; i++) {
        const item: unknown = v[i];
        const r = walk(item, depth + 1);
        if (r !== item) (out ??= v.slice())[i] = r;
      }
      return out ?? v;
    }
    if (!isPlainObject(v)) return v;
    let out: Record<string, unknown> | undefined;
    for (const key of Object.keys(v)) {
      const item = v[key];
      const r = typeof item === 'string' && item !== '' && secretKey(key) ? REDACTED : walk(item, depth + 1);
      if (r !== item) {
        if (out === undefined) out = { ...v };
        Object.defineProperty(out, key, { value: r, enumerable: true, writable: true, configurable: true });
      }
    }
    return out ?? v;
  };

  return (value) => walk(value, 0);
}

const defaultRedactor = createRedactor();

/** Redacts with the built-in key names and patterns only (see {@link createRedactor}). */
export function redactSecrets(value: unknown): unknown {
  return defaultRedactor(value);
}
