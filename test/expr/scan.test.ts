import fc from 'fast-check';
import jsonata from 'jsonata';
import { describe, expect, it } from 'vitest';
import { HookflowError } from '../../src/errors.js';
import { compileTemplate, evaluateCondition } from '../../src/expr/compile.js';
import { isTruthy, toPlainJson } from '../../src/expr/json.js';
import { scanTemplate } from '../../src/expr/scan.js';
import type { ExprScope } from '../../src/expr/types.js';

const origin = { file: 'f.yaml', line: 1, col: 1, path: 'x' };
const scope: ExprScope = { input: {}, vars: {}, steps: {}, run: { id: 'r', workflow: 'w', version: null, startedAt: '' }, env: {} };
const noDollar = fc.string({ maxLength: 30 }).filter((s) => !s.includes('$'));

describe('scanTemplate', () => {
  it('splits text and expressions', () => {
    expect(scanTemplate('a ${ x } b ${y}')).toEqual({
      ok: true,
      hasExpr: true,
      whole: false,
      segments: [
        { kind: 'text', text: 'a ' },
        { kind: 'expr', source: ' x ', offset: 4 },
        { kind: 'text', text: ' b ' },
        { kind: 'expr', source: 'y', offset: 13 },
      ],
    });
    expect(scanTemplate(' ${ {"a": 1} } ')).toMatchObject({ ok: true, whole: true });
    expect(scanTemplate('${a}${b}')).toMatchObject({ ok: true, whole: false });
  });

  it('property: strings without ${ compile to themselves as constants', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }).filter((s) => !s.includes('${')), (s) => {
        const t = compileTemplate(s, origin);
        expect(t.constant).toBe(true);
        expect(t.value).toBe(s);
      }),
      { numRuns: 300 },
    );
  });

  it('property: $${ always yields a literal ${', () => {
    fc.assert(
      fc.property(noDollar, noDollar, (a, b) => {
        const t = compileTemplate(`${a}$\${${b}`, origin);
        expect(t.constant).toBe(true);
        expect(t.value).toBe(`${a}\${${b}`);
      }),
      { numRuns: 200 },
    );
  });

  it('property: interpolating a string literal reproduces the surrounding text', async () => {
    await fc.assert(
      fc.asyncProperty(noDollar, noDollar, fc.string({ maxLength: 10 }).filter((s) => /^[a-z ]*$/.test(s)), async (a, b, lit) => {
        const out = await compileTemplate(`${a}\${ "${lit}" }${b}`, origin).evaluate(scope);
        // With only whitespace around it, the string is a whole expression and yields the bare value.
        expect(out).toBe((a + b).trim() === '' ? lit : a + lit + b);
      }),
      { numRuns: 200 },
    );
  });

  it('property: any string either compiles or throws an EXPRESSION HookflowError', () => {
    const withDollar = fc.array(fc.constantFrom('${', '}', '{', '$${', '"', "'", '`', '/*', '*/', 'a', ' ', '.', '[', '('), { maxLength: 12 }).map((p) => p.join(''));
    fc.assert(
      fc.property(fc.oneof(withDollar, fc.string({ maxLength: 40 })), (s) => {
        try {
          compileTemplate(s, origin);
        } catch (err) {
          expect(err).toBeInstanceOf(HookflowError);
          expect((err as HookflowError).code).toBe('EXPRESSION');
        }
      }),
      { numRuns: 400 },
    );
  });
});

describe('truthiness and JSON normalisation', () => {
  it('property: isTruthy agrees with JSONata $boolean on JSON values', async () => {
    const boolean = jsonata('$boolean($.v)');
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 3 }), async (v) => {
        const plain = JSON.parse(JSON.stringify(v)) as unknown;
        const expected = (await boolean.evaluate({ v: plain })) as boolean | undefined;
        expect(isTruthy(plain)).toBe(expected ?? false);
        expect(await evaluateCondition(compileTemplate('${ input.v }', origin), { ...scope, input: { v: plain } })).toBe(expected ?? false);
      }),
      { numRuns: 300 },
    );
  });

  it('property: plain JSON passes through toPlainJson as the same reference', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (v) => {
        const plain = JSON.parse(JSON.stringify(v)) as unknown;
        expect(toPlainJson(plain)).toBe(plain);
      }),
      { numRuns: 300 },
    );
  });
});
