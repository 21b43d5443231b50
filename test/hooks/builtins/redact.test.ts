/**
 * The shared secret redactor: key rules, value patterns, copy-on-write (never mutates, keeps
 * identity of unchanged subtrees), idempotence, and a property test that no planted secret survives
 * anywhere in random JSON.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REDACTED } from '../../../src/hooks/builtins/redact.js';
import { createRedactor, isSecretKey, redactSecrets } from '../../../src/index.js';
import { FAKE } from './support.js';

describe('redactSecrets', () => {
  it('replaces values under secret keys, whatever their spelling', () => {
    for (const k of ['password', 'PASSWORD', 'db_password', 'apiKey', 'api-key', 'X-Api-Key', 'secret', 'clientSecret', 'Authorization', 'token', 'accessToken', 'refresh_token', 'privateKey', 'AWS_SECRET_ACCESS_KEY', 'cookie', 'credentials']) {
      expect([k, isSecretKey(k)]).toEqual([k, true]);
    }
    for (const k of ['tokens', 'inputTokens', 'maxTokens', 'key', 'cacheKey', 'author', 'name', 'passage']) {
      expect([k, isSecretKey(k)]).toEqual([k, false]);
    }
    expect(redactSecrets({ password: 'p@ss', inputTokens: 12, nested: [{ apiKey: 'k' }], token: '' })).toEqual({ password: REDACTED, inputTokens: 12, nested: [{ apiKey: REDACTED }], token: '' });
  });

  it('finds credentials inside free text', () => {
    const text = `a ${FAKE.openai} b ${FAKE.anthropic} c ${FAKE.aws} d ${FAKE.github} e ${FAKE.jwt} f Bearer ${FAKE.bearer} g`;
    expect(redactSecrets(text)).toBe(`a ${REDACTED} b ${REDACTED} c ${REDACTED} d ${REDACTED} e ${REDACTED} f Bearer ${REDACTED} g`);
    expect(redactSecrets('-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----')).toBe(REDACTED);
    expect(redactSecrets('sk-short and a task-list and Bearer of news')).toBe('sk-short and a task-list and Bearer of news');
    // The shortest credentials the patterns know (15 characters) are still caught.
    expect(redactSecrets('Bearer abcdefgh')).toBe(`Bearer ${REDACTED}`);
    expect(redactSecrets('xoxb-1234567890')).toBe(REDACTED);
  });

  it('never mutates its input and keeps unchanged subtrees by reference', () => {
    const clean = { a: [1, 2, { b: 'x' }] };
    const input = { clean, dirty: { password: 'p' } };
    const frozen = structuredClone(input);
    const out = redactSecrets(input) as typeof input;
    expect(input).toEqual(frozen);
    expect(out.clean).toBe(clean);
    expect(out.dirty).toEqual({ password: REDACTED });
    expect(redactSecrets(clean)).toBe(clean);
  });

  it('custom keys and patterns; defaults can be switched off', () => {
    const r = createRedactor({ keys: ['pin'], patterns: [/acme-\d{4}/i], defaults: false });
    expect(r({ pin: '1234', password: 'kept', note: 'ACME-9999 here' })).toEqual({ pin: REDACTED, password: 'kept', note: `${REDACTED} here` });
  });

  it('no planted secret survives anywhere in random JSON, and redaction is idempotent', () => {
    const secret = fc.constantFrom(...Object.values(FAKE).filter((s) => s !== FAKE.plain && s !== FAKE.bearer), `Bearer ${FAKE.bearer}`);
    const text = fc.tuple(fc.string({ maxLength: 8 }), secret, fc.string({ maxLength: 8 })).map(([a, s, b]) => `${a} ${s} ${b}`);
    const json = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, fc.string(), text, fc.integer(), fc.boolean(), fc.constant(null), tie('array'), tie('object')),
      array: fc.array(tie('value'), { maxLength: 4 }),
      object: fc.dictionary(fc.string({ maxLength: 6 }), tie('value'), { maxKeys: 4 }),
    })).value;
    fc.assert(
      fc.property(json, (v) => {
        const out = redactSecrets(v);
        const s = JSON.stringify(out);
        for (const planted of Object.values(FAKE)) if (planted !== FAKE.plain) expect(s.includes(planted)).toBe(false);
        expect(redactSecrets(out)).toEqual(out);
      }),
      { numRuns: 300 },
    );
  });
});
