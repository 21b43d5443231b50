import { describe, expect, it } from 'vitest';
import { callTool, errorOf } from '../helpers.js';

describe('json.query', () => {
  const orders = { orders: [{ id: 'a', total: 10, status: 'paid' }, { id: 'b', total: 25, status: 'open' }, { id: 'c', total: 5, status: 'paid' }] };

  it('evaluates JSONata and returns plain JSON', async () => {
    expect(await callTool('json.query', { data: orders, expression: '$sum(orders[status="paid"].total)' })).toBe(15);
    const ids = await callTool('json.query', { data: orders, expression: 'orders[total > 6].id' });
    expect(ids).toEqual(['a', 'b']);
    expect(Object.getOwnPropertyNames(ids)).not.toContain('sequence');
    expect(await callTool('json.query', { data: orders, expression: 'orders{status: $count(id)}' })).toEqual({ paid: 2, open: 1 });
  });

  it('binds variables and maps no match to null', async () => {
    expect(await callTool('json.query', { data: orders, expression: 'orders[total >= $min].id', bindings: { min: 20 } })).toBe('b');
    expect(await callTool('json.query', { data: orders, expression: 'nothing.here' })).toBeNull();
    expect(await callTool('json.query', { expression: '1 + 1' })).toBe(2);
  });

  it('reports syntax and evaluation errors with their position', async () => {
    const err = await errorOf(() => callTool('json.query', { data: {}, expression: 'orders[' }));
    expect(err.code).toBe('TOOL_ERROR');
    expect(err.message).toMatch(/JSONata S0\d+ error at position \d+/);
    expect((await errorOf(() => callTool('json.query', { data: {}, expression: '$unknownFn(1)' }))).message).toContain('JSONata');
  });

  it('stops an endless evaluation at timeoutMs', async () => {
    const err = await errorOf(() => callTool('json.query', { data: {}, expression: '($f := function($n){ $f($n + 1) }; $f(0))', timeoutMs: 50 }));
    expect(err.message).toMatch(/timeout|stack/i);
  });

  it('does not start when the signal is already aborted', async () => {
    const ctl = new AbortController();
    ctl.abort(new Error('stop'));
    await expect(callTool('json.query', { data: {}, expression: '1' }, { signal: ctl.signal })).rejects.toThrow('stop');
  });
});

describe('json.validate', () => {
  const schema = {
    type: 'object',
    required: ['id', 'email'],
    properties: { id: { type: 'integer' }, email: { type: 'string', format: 'email' }, tags: { type: 'array', items: { type: 'string' } } },
  };

  it('returns valid with no errors', async () => {
    expect(await callTool('json.validate', { data: { id: 1, email: 'a@b.io' }, schema })).toEqual({ valid: true, errors: [] });
  });

  it('lists every problem with data paths', async () => {
    const res = (await callTool('json.validate', { data: { id: 'x', email: 'nope', tags: ['a', 2] }, schema })) as { valid: boolean; errors: unknown[] };
    expect(res.valid).toBe(false);
    expect(res.errors).toEqual(
      expect.arrayContaining([
        { path: 'data.id', message: 'expected integer, got string' },
        { path: 'data.email', message: 'must match format "email", got "nope"' },
        { path: 'data.tags[1]', message: 'expected string, got number' },
      ]),
    );
    expect(await callTool('json.validate', { schema })).toEqual({ valid: false, errors: [{ path: 'data', message: 'expected object, got null' }] });
  });

  it('reports an invalid schema as a tool error', async () => {
    const err = await errorOf(() => callTool('json.validate', { data: 1, schema: { type: 'banana' } }));
    expect(err.message).toContain('not a valid JSON Schema');
  });
});

describe('json.merge', () => {
  it('deep-merges left to right, replacing arrays by default', async () => {
    const objects = [{ a: 1, nested: { x: 1, list: [1] } }, { nested: { y: 2, list: [2] } }, { a: 3 }];
    expect(await callTool('json.merge', { objects })).toEqual({ a: 3, nested: { x: 1, y: 2, list: [2] } });
    expect(await callTool('json.merge', { objects, arrays: 'concat' })).toEqual({ a: 3, nested: { x: 1, y: 2, list: [1, 2] } });
    expect(objects[0]).toEqual({ a: 1, nested: { x: 1, list: [1] } });
  });

  it('keeps __proto__ as a plain key instead of polluting prototypes', async () => {
    const evil = JSON.parse('{"__proto__": {"polluted": true}}') as unknown;
    const res = (await callTool('json.merge', { objects: [{}, evil] })) as Record<string, unknown>;
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(res)).toBe(Object.prototype);
    expect(Object.keys(res)).toEqual(['__proto__']);
  });

  it('needs at least one object', async () => {
    expect((await errorOf(() => callTool('json.merge', { objects: [] }))).code).toBe('TOOL_INPUT');
  });
});

describe('json.parse / json.stringify', () => {
  it('round-trips values', async () => {
    const text = await callTool('json.stringify', { value: { a: [1, true, null] } });
    expect(text).toBe('{"a":[1,true,null]}');
    expect(await callTool('json.parse', { text })).toEqual({ a: [1, true, null] });
    expect(await callTool('json.stringify', { value: { a: 1 }, indent: 2 })).toBe('{\n  "a": 1\n}');
  });

  it('reports invalid JSON', async () => {
    expect((await errorOf(() => callTool('json.parse', { text: '{a:1}' }))).message).toContain('invalid JSON');
  });
});
