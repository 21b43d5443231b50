import { describe, expect, it } from 'vitest';
import { HookflowError } from '../../src/errors.js';
import { compileTemplate, constantTemplate, envRefsOf, evaluateCondition } from '../../src/expr/compile.js';
import type { ExprScope, TemplateOrigin } from '../../src/expr/types.js';

const origin: TemplateOrigin = { file: 'wf.yaml', line: 4, col: 7, path: 'steps[0].with' };

function scope(extra: Partial<ExprScope> = {}): ExprScope {
  return {
    input: { name: 'Ada', n: 3, list: [1], tags: ['a', 'b'], o: [{ x: 1 }, { x: 2 }] },
    vars: { count: 2 },
    steps: {
      fetch: { output: { items: [10, 20] }, status: 'completed', attempts: 1, error: null, startedAt: null, endedAt: null },
    },
    run: { id: 'r1', workflow: 'wf', version: 1, startedAt: '2024-01-01T00:00:00.000Z' },
    env: { API: 'http://x' },
    ...extra,
  };
}

function syncThrow(fn: () => unknown): HookflowError {
  try {
    fn();
  } catch (err) {
    return err as HookflowError;
  }
  throw new Error('expected a throw');
}

describe('compileTemplate constants', () => {
  it('returns the very same object for subtrees without expressions', async () => {
    const value = { a: 1, b: [true, null, 'x'], c: { d: 'plain $ text' } };
    const t = compileTemplate(value, origin);
    expect(t.constant).toBe(true);
    expect(t.value).toBe(value);
    expect(await t.evaluate(scope())).toBe(value);
    expect(t.stepRefs).toEqual([]);
  });

  it('keeps constant children by reference inside a non-constant object', async () => {
    const inner = { deep: [1, 2] };
    const t = compileTemplate({ inner, who: '${ input.name }' }, origin);
    expect(t.constant).toBe(false);
    const out = (await t.evaluate(scope())) as { inner: unknown; who: unknown };
    expect(out).toEqual({ inner: { deep: [1, 2] }, who: 'Ada' });
    expect(out.inner).toBe(inner);
  });

  it('treats $${ as an escaped literal ${ and yields a constant', async () => {
    const t = compileTemplate('cost: $${ price }', origin);
    expect(t.constant).toBe(true);
    expect(t.value).toBe('cost: ${ price }');
    expect(await t.evaluate(scope())).toBe('cost: ${ price }');
  });

  it('constantTemplate wraps a value', async () => {
    const t = constantTemplate({ a: 1 });
    expect(t.constant).toBe(true);
    expect(await t.evaluate(scope())).toEqual({ a: 1 });
  });
});

describe('compileTemplate expressions', () => {
  it('evaluates a whole-string expression to a JSON value (whitespace allowed)', async () => {
    expect(await compileTemplate('  ${ input.n * vars.count }  ', origin).evaluate(scope())).toBe(6);
    expect(await compileTemplate('${ steps.fetch.output }', origin).evaluate(scope())).toEqual({ items: [10, 20] });
    expect(await compileTemplate('${ {"k": input.name} }', origin).evaluate(scope())).toEqual({ k: 'Ada' });
  });

  it('interpolates text: objects are JSON, null and no-match are empty strings', async () => {
    const t = compileTemplate('Hi ${input.name}, n=${input.n} obj=${steps.fetch.output} none=[${input.missing}] b=${true}', origin);
    expect(await t.evaluate(scope())).toBe('Hi Ada, n=3 obj={"items":[10,20]} none=[] b=true');
  });

  it('turns JSONata undefined (no match) into null', async () => {
    expect(await compileTemplate('${ input.nothing.here }', origin).evaluate(scope())).toBeNull();
  });

  it('keeps a one-element array an array when the path points at an array value', async () => {
    const out = await compileTemplate('${ input.list }', origin).evaluate(scope());
    expect(out).toEqual([1]);
    expect(Array.isArray(out)).toBe(true);
  });

  it('normalises JSONata sequences into plain arrays', async () => {
    const out = (await compileTemplate('${ input.o.x }', origin).evaluate(scope())) as unknown[];
    expect(out).toEqual([1, 2]);
    expect(Object.keys(out)).toEqual(['0', '1']);
    const mapped = (await compileTemplate('${ { "m": input.tags.($uppercase($)) } }', origin).evaluate(scope())) as { m: unknown[] };
    expect(Object.keys(mapped.m)).toEqual(['0', '1']);
    expect(mapped.m).toEqual(['A', 'B']);
  });

  it('binds item, index, result, error and extra names', async () => {
    const t = compileTemplate('${ item & ":" & index & ":" & result.v & ":" & error.code & ":" & point }', origin);
    const out = await t.evaluate(scope({ item: 'it', index: 2, result: { v: 5 }, error: { code: 'E' }, point: 'after_step' }));
    expect(out).toBe('it:2:5:E:after_step');
  });

  it('evaluates arrays of templates element by element', async () => {
    const t = compileTemplate(['${ input.n }', 'x', { y: '${ vars.count }' }], origin);
    expect(await t.evaluate(scope())).toEqual([3, 'x', { y: 2 }]);
  });
});

describe('compileTemplate errors', () => {
  it('throws EXPRESSION at compile time on a JSONata syntax error, naming the nested path', () => {
    const err = syncThrow(() => compileTemplate({ a: { b: 'x ${ input.list[ }' } }, origin));
    expect(err).toBeInstanceOf(HookflowError);
    expect(err.code).toBe('EXPRESSION');
    expect(err.details).toMatchObject({ file: 'wf.yaml', line: 4, col: 7, path: 'steps[0].with.a.b', expression: ' input.list[ ', jsonataCode: 'S0203' });
    expect(err.message).toContain('invalid expression ${ input.list[ }');
  });

  it('throws EXPRESSION for an unterminated or empty ${', () => {
    expect(syncThrow(() => compileTemplate('a ${ input.x', origin)).message).toContain('unterminated expression');
    expect(syncThrow(() => compileTemplate('${   }', origin)).message).toContain('empty expression');
  });

  it('finds the closing brace past braces in strings, backticks and comments', async () => {
    const t = compileTemplate('${ "}" & `a}b` /* } */ & {"k": "v"}.k }', origin);
    expect(await t.evaluate(scope({ 'a}b': 'Q' }))).toBe('}Qv');
  });

  it('rejects with EXPRESSION naming the YAML path and the expression at run time', async () => {
    const t = compileTemplate({ url: '${ input.name + 1 }' }, origin);
    const err = (await t.evaluate(scope()).catch((e: unknown) => e)) as HookflowError;
    expect(err).toBeInstanceOf(HookflowError);
    expect(err.code).toBe('EXPRESSION');
    expect(err.message).toContain('steps[0].with.url');
    expect(err.message).toContain('${ input.name + 1 }');
    expect(err.message).toContain('[T2001]');
  });

  it('rejects a result that is a function', async () => {
    const err = (await compileTemplate('${ function($x){ $x } }', origin).evaluate(scope()).catch((e: unknown) => e)) as HookflowError;
    expect(err.code).toBe('EXPRESSION');
    expect(err.message).toContain('not JSON');
  });
});

describe('static references', () => {
  it('lists steps.<id> read from the scope root', () => {
    const t = compileTemplate(
      {
        a: '${ steps.a.output }',
        b: 'x ${ steps.`my-step`.status } ${ $$.steps.c.output } ${ $.steps.d }',
        c: '${ $count(steps.e.output) > 1 ? steps.f : {"k": steps.g} }',
        d: '${ ($x := steps.h; $x) }',
      },
      origin,
    );
    expect([...t.stepRefs].sort()).toEqual(['a', 'c', 'd', 'e', 'f', 'g', 'h', 'my-step']);
  });

  it('ignores `steps` that is a field of the current item, and dynamic lookups', () => {
    expect(compileTemplate('${ input.items[steps.x > 1] }', origin).stepRefs).toEqual([]);
    expect(compileTemplate('${ input.plan.steps.y }', origin).stepRefs).toEqual([]);
    expect(compileTemplate('${ $lookup(steps, "z") }', origin).stepRefs).toEqual([]);
    expect(compileTemplate('${ input.items[$$.steps.w.output > 1] }', origin).stepRefs).toEqual(['w']);
  });

  it('lists env.<NAME> reads', () => {
    expect(envRefsOf(compileTemplate('${ env.API }/${ env.TOKEN }', origin))).toEqual(['API', 'TOKEN']);
  });
});

describe('evaluateCondition', () => {
  it('casts with JSONata truthiness', async () => {
    const cases: Array<[string, boolean]> = [
      ['${ 0 }', false],
      ['${ 1 }', true],
      ['${ "" }', false],
      ['${ "x" }', true],
      ['${ [] }', false],
      ['${ [0, ""] }', false],
      ['${ [0, 1] }', true],
      ['${ {} }', false],
      ['${ {"a": 1} }', true],
      ['${ input.missing }', false],
      ['${ input.n = 3 and vars.count > 1 }', true],
    ];
    for (const [src, want] of cases) expect(await evaluateCondition(compileTemplate(src, origin), scope()), src).toBe(want);
    expect(await evaluateCondition(compileTemplate(true, origin), scope())).toBe(true);
  });
});
