import { afterEach, describe, expect, it } from 'vitest';
import type { HookflowError } from '../../src/errors.js';
import { compileTemplate } from '../../src/expr/compile.js';
import type { ExprScope, TemplateOrigin } from '../../src/expr/types.js';

const origin: TemplateOrigin = { file: 'wf.yaml', line: 1, col: 1, path: 'output' };

function scope(input: unknown): ExprScope {
  return { input, vars: {}, steps: {}, run: { id: 'r', workflow: 'w', version: null, startedAt: '' }, env: {} };
}

async function run(src: string, input: unknown = {}, limits = {}): Promise<unknown> {
  return compileTemplate(src, origin, limits).evaluate(scope(input));
}

async function fails(src: string, input: unknown = {}, limits = {}): Promise<HookflowError> {
  const err = await run(src, input, limits).then(
    () => undefined,
    (e: unknown) => e as HookflowError,
  );
  if (!err) throw new Error(`expected ${src} to fail`);
  expect(err.code).toBe('EXPRESSION');
  return err;
}

afterEach(() => {
  delete (Object.prototype as Record<string, unknown>)['polluted'];
});

describe('expression sandbox', () => {
  it('refuses to call host functions found in the scope, however they are reached', async () => {
    let called = 0;
    const input = { fn: () => ++called, nested: { f: () => ++called } };
    for (const src of [
      '${ input.fn() }',
      '${ ($f := input.fn; $f()) }',
      '${ $lookup(input, "fn")() }',
      '${ $each(input.nested, function($v){ $v() }) }',
      '${ $eval("input.fn()") }',
      '${ $$.input.nested.f() }',
    ]) {
      const err = await fails(src, input);
      expect(err.message, src).toContain('host functions are not accessible');
    }
    expect(called).toBe(0);
  });

  it('does not reach prototypes through constructor or __proto__', async () => {
    expect(await run('${ input.constructor }', { a: 1 })).toBeNull();
    expect(await run('${ input.__proto__ }', { a: 1 })).toBeNull();
    expect(await run('${ $lookup(input, "constructor") }', { a: 1 })).toBeNull();
    expect(await run('${ $string.constructor }')).toBeNull();
    expect(await run('${ input.a.constructor.name }', { a: 'str' })).toBeNull();
  });

  it('cannot pollute Object.prototype through object constructors or transforms', async () => {
    await run('${ {"__proto__": {"polluted": 1}} }');
    await run('${ input ~> | $ | {"__proto__": {"polluted": 1}} | }', { a: 1 });
    await run('${ $merge([{}, {"__proto__": {"polluted": 1}}]) }');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('keeps a key named __proto__ a plain own key in results', async () => {
    const out = (await run('${ {"__proto__": {"x": 1}} }')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toEqual(['__proto__']);
    expect(out['__proto__']).toEqual({ x: 1 });
    expect(Object.getPrototypeOf(await run('${ $merge([{"a": 1}, {"b": 2}]) }'))).toBe(Object.prototype);
  });

  it('still allows regex literals, which JSONata implements as functions', async () => {
    expect(await run('${ $match("abcb", /b/).index }')).toEqual([1, 3]);
    expect(await run('${ ($r := /o+/; $replace("foo", $r, "0")) }')).toBe('f0');
    expect(await run('${ $contains("Hello", /l+/) }')).toBe(true);
  });

  it('stops runaway recursion with the depth limit', async () => {
    const err = await fails('${ ($f := function($n){ 1 + $f($n + 1) }; $f(0)) }');
    expect(err.message).toContain('[D1011]');
  });

  it('stops infinite tail recursion (which JSONata runs without growing the stack) with the step budget', async () => {
    const err = await fails('${ ($f := function($n){ $f($n + 1) }; $f(0)) }', {}, { maxSteps: 20_000 });
    expect(err.message).toContain('exceeded 20000 steps');
  });

  it('stops long evaluations with the step budget', async () => {
    const err = await fails('${ $sum([1..5000].($ * 2)) }', {}, { maxSteps: 1000 });
    expect(err.message).toContain('exceeded 1000 steps');
    expect(await run('${ $sum([1..5000].($ * 2)) }')).toBe(25005000);
  });

  it('counts the budget per evaluation, not per compiled expression', async () => {
    const t = compileTemplate('${ $sum([1..100].($ * 2)) }', origin, { maxSteps: 1000 });
    for (let i = 0; i < 20; i++) expect(await t.evaluate(scope({}))).toBe(10100);
  });
});

describe('scopes built with prototype chains', () => {
  function chained(): ExprScope {
    const rootSteps = Object.create(null) as Record<string, unknown>;
    rootSteps.fetch = { output: { n: 2 }, status: 'completed' };
    const root = { input: { x: 1 }, vars: { v: 3 }, steps: rootSteps, run: { id: 'r', workflow: 'w', version: null, startedAt: '' }, env: {} };
    const iterSteps = Object.create(rootSteps) as Record<string, unknown>;
    iterSteps.body = { output: 'b', status: 'completed' };
    const loopScope = Object.assign(Object.create(root) as ExprScope, { item: 'it', index: 0, steps: iterSteps });
    return Object.create(loopScope) as ExprScope;
  }

  it('sees inherited names and inherited steps', async () => {
    const s = chained();
    const t = compileTemplate('${ input.x & "/" & vars.v & "/" & item & "/" & steps.fetch.output.n & "/" & steps.body.output }', origin);
    expect(await t.evaluate(s)).toBe('1/3/it/2/b');
    expect(await compileTemplate('${ $sort($keys(steps)) }', origin).evaluate(s)).toEqual(['body', 'fetch']);
  });

  it('treats a step named constructor as data, but leaves class instances alone', async () => {
    const s = chained();
    (Object.getPrototypeOf(s.steps) as Record<string, unknown>)['constructor'] = { output: 'c' };
    expect(await compileTemplate('${ steps.constructor.output }', origin).evaluate(s)).toBe('c');
    class Point {
      constructor(readonly x: number) {}
    }
    expect(await compileTemplate('${ input.p.x }', origin).evaluate({ ...chained(), input: { p: new Point(3) } })).toBe(3);
  });

  it('returns plain objects, never the views', async () => {
    const out = (await compileTemplate('${ steps }', origin).evaluate(chained())) as Record<string, unknown>;
    expect(out).toEqual({ body: { output: 'b', status: 'completed' }, fetch: { output: { n: 2 }, status: 'completed' } });
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(structuredClone(out)).toEqual(out);
  });

  it('cannot change the scope through a transform', async () => {
    const s = chained();
    await compileTemplate('${ $ ~> | steps | {"fetch": 1} | }', origin).evaluate(s);
    expect((s.steps as Record<string, { output: unknown }>).fetch?.output).toEqual({ n: 2 });
  });
});
