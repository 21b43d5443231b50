import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ToolRegistry, builtinTools } from '../../src/tools/registry.js';
import type { ToolDefinition } from '../../src/tools/types.js';
import { errorOf } from './helpers.js';

const add: ToolDefinition = {
  name: 'math.add',
  description: 'Adds two numbers',
  input: { type: 'object', required: ['a', 'b'], properties: { a: { type: 'number' }, b: { type: 'number' } } },
  run: (args: { a: number; b: number }) => args.a + args.b,
};

describe('ToolRegistry registration', () => {
  it('registers, looks up, lists sorted and unregisters', () => {
    const r = new ToolRegistry([add]);
    const off = r.register({ name: 'a.first', run: () => 1 });
    expect(r.has('math.add')).toBe(true);
    expect(r.get('math.add')?.description).toBe('Adds two numbers');
    expect(r.get('a.first')?.description).toBe('');
    expect(r.names()).toEqual(['a.first', 'math.add']);
    expect(r.list().map((t) => t.name)).toEqual(['a.first', 'math.add']);
    off();
    expect(r.has('a.first')).toBe(false);
    expect(r.get('nope')).toBeUndefined();
  });

  it('rejects a duplicate name with VALIDATION', async () => {
    const r = new ToolRegistry([add]);
    const err = await errorOf(() => r.register({ ...add }));
    expect(err.code).toBe('VALIDATION');
    expect(err.message).toContain('"math.add" is already registered');
  });

  it('an old unregister function does not remove a tool registered later under the same name', () => {
    const r = new ToolRegistry();
    const off = r.register({ name: 'x.y', run: () => 1 });
    off();
    r.register({ name: 'x.y', run: () => 2 });
    off();
    expect(r.has('x.y')).toBe(true);
  });

  it.each([['Math.add'], ['math..add'], ['1math'], ['math.'], [''], ['math add'], ['.x']])('rejects the bad name %j', async (name) => {
    const err = await errorOf(() => new ToolRegistry().register({ name, run: () => 1 }));
    expect(err.code).toBe('VALIDATION');
    expect(err.message).toContain('invalid tool name');
  });

  it('accepts lowercase dotted names with digits, _ and -', () => {
    const r = new ToolRegistry();
    for (const name of ['echo', 'web.fetch_text', 'llm.gpt-4o', 'a1.b2.c3']) r.register({ name, run: () => 1 });
    expect(r.names()).toHaveLength(4);
  });

  it('rejects a missing run, a non-string description and bad fileArgs', async () => {
    const r = new ToolRegistry();
    expect((await errorOf(() => r.register({ name: 'a.b' } as unknown as ToolDefinition))).message).toContain('`run` to be a function');
    expect((await errorOf(() => r.register({ name: 'a.b', description: 3, run: () => 1 } as unknown as ToolDefinition))).message).toContain('`description`');
    expect((await errorOf(() => r.register({ name: 'a.b', fileArgs: 'path', run: () => 1 } as unknown as ToolDefinition))).message).toContain('fileArgs');
    expect((await errorOf(() => r.register(null as unknown as ToolDefinition))).message).toContain('expected a tool object');
  });

  it('registerAll is atomic: one bad tool registers none', async () => {
    const r = new ToolRegistry();
    const err = await errorOf(() => r.registerAll([add, { name: 'ok.one', run: () => 1 }, { name: 'math.add', run: () => 2 }]));
    expect(err.message).toContain('already registered');
    expect(r.names()).toEqual([]);
  });

  it('rejects an input that is neither JSON Schema nor zod, an invalid JSON Schema and a zod v3-like schema', async () => {
    const r = new ToolRegistry();
    expect((await errorOf(() => r.register({ name: 'a.b', input: 'string' as unknown as Record<string, unknown>, run: () => 1 }))).message).toContain(
      'JSON Schema object or a zod schema',
    );
    const bad = await errorOf(() => r.register({ name: 'a.c', input: { type: 'object', properties: { a: { type: 'nope' } } }, run: () => 1 }));
    expect(bad.code).toBe('VALIDATION');
    expect(bad.message).toContain('tool "a.c": its input JSON Schema is invalid');
    const v3 = await errorOf(() => r.register({ name: 'a.d', input: { _def: {}, parse: () => 1 }, run: () => 1 }));
    expect(v3.message).toContain('zod v3');
  });
});

describe('RegisteredTool.validate with JSON Schema', () => {
  const r = new ToolRegistry([add]);
  const tool = r.get('math.add');

  it('returns valid args unchanged (same object)', () => {
    const args = { a: 1, b: 2 };
    expect(tool?.validate(args)).toBe(args);
  });

  it('throws TOOL_INPUT naming the tool and the field, with {path, message} details', async () => {
    const err = await errorOf(() => tool?.validate({ a: 'x' }));
    expect(err.code).toBe('TOOL_INPUT');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('"math.add"');
    expect(err.message).toContain('with.a: expected number, got string');
    expect(err.details).toEqual([
      { path: 'with.b', message: 'required field missing' },
      { path: 'with.a', message: 'expected number, got string' },
    ]);
  });

  it('reports a non-object argument list', async () => {
    const err = await errorOf(() => tool?.validate(null));
    expect(err.details).toEqual([{ path: 'with', message: 'expected object, got null' }]);
  });

  it('names nested array fields, enum and unknown-field problems', async () => {
    const reg = new ToolRegistry([
      {
        name: 'http.fetch',
        input: {
          type: 'object',
          additionalProperties: false,
          properties: {
            url: { type: 'string' },
            mode: { enum: ['a', 'b'] },
            items: { type: 'array', items: { type: 'object', properties: { id: { type: 'integer' } } } },
          },
        },
        run: () => null,
      },
    ]);
    const err = await errorOf(() => reg.get('http.fetch')?.validate({ url: 5, mode: 'c', items: [{ id: 1 }, { id: 'x' }], ulr: 1 }));
    expect(err.details).toEqual(
      expect.arrayContaining([
        { path: 'with.url', message: 'expected string, got number' },
        { path: 'with.mode', message: 'expected one of "a" | "b", got "c"' },
        { path: 'with.items[1].id', message: 'expected integer, got string' },
        { path: 'with.ulr', message: 'unknown field (did you mean "url"?)' },
      ]),
    );
    expect(err.message).toContain('and 1 more');
  });

  it('applies defaults on a copy, leaving the caller args untouched', () => {
    const reg = new ToolRegistry([
      { name: 'with.defaults', input: { type: 'object', properties: { n: { type: 'number', default: 3 } } }, run: () => null },
    ]);
    const args = {};
    expect(reg.get('with.defaults')?.validate(args)).toEqual({ n: 3 });
    expect(args).toEqual({});
  });

  it('checks formats (ajv-formats)', async () => {
    const reg = new ToolRegistry([{ name: 'mail.send', input: { type: 'object', properties: { to: { type: 'string', format: 'email' } } }, run: () => null }]);
    expect(reg.get('mail.send')?.validate({ to: 'a@b.co' })).toEqual({ to: 'a@b.co' });
    const err = await errorOf(() => reg.get('mail.send')?.validate({ to: 'nope' }));
    expect(err.details).toEqual([{ path: 'with.to', message: 'must match format "email", got "nope"' }]);
  });

  it('without input the args pass through as is', () => {
    const reg = new ToolRegistry([{ name: 'free.form', run: () => null }]);
    const args = { anything: [1] };
    expect(reg.get('free.form')?.validate(args)).toBe(args);
    expect(reg.get('free.form')?.inputSchema).toBeUndefined();
  });
});

describe('RegisteredTool.validate with zod', () => {
  const reg = new ToolRegistry([
    {
      name: 'z.tool',
      description: 'zod',
      input: z.strictObject({ url: z.string(), count: z.number().int().default(2), kind: z.enum(['x', 'y']).optional(), v: z.union([z.number(), z.string()]).optional() }),
      run: () => null,
    },
  ]);
  const tool = reg.get('z.tool');

  it('converts the schema to JSON Schema for tools list', () => {
    expect(tool?.inputSchema).toMatchObject({
      type: 'object',
      properties: { url: { type: 'string' }, count: { type: 'integer', default: 2 } },
      required: ['url'],
      additionalProperties: false,
    });
  });

  it('returns parsed args with defaults', () => {
    expect(tool?.validate({ url: 'u' })).toEqual({ url: 'u', count: 2 });
  });

  it('maps zod issues to the same {path, message} details', async () => {
    const err = await errorOf(() => tool?.validate({ url: 3, kind: 'z', v: true, urll: 1 }));
    expect(err.code).toBe('TOOL_INPUT');
    expect(err.message).toMatch(/^invalid input for tool "z\.tool": with\.url: expected string, got number/);
    expect(err.details).toEqual([
      { path: 'with.url', message: 'expected string, got number' },
      { path: 'with.kind', message: 'expected one of "x" | "y", got "z"' },
      { path: 'with.v', message: 'expected number | string, got boolean' },
      { path: 'with.urll', message: 'unknown field (did you mean "url"?)' },
    ]);
  });

  it('says a required field is missing', async () => {
    const err = await errorOf(() => tool?.validate({}));
    expect(err.details).toEqual([{ path: 'with.url', message: 'required field missing (expected string)' }]);
  });
});

describe('builtinTools', () => {
  const registry = new ToolRegistry(builtinTools());

  it('provides at least 25 tools, including the names example workflows use', () => {
    expect(registry.names().length).toBeGreaterThanOrEqual(25);
    for (const name of ['util.echo', 'text.template', 'math.calc', 'json.query', 'util.sleep', 'util.hash']) expect(registry.has(name)).toBe(true);
  });

  it('gives every built-in a description, an output description and an object input schema', () => {
    for (const t of registry.list()) {
      expect(t.description.length, t.name).toBeGreaterThan(10);
      expect(typeof t.definition.output, t.name).toBe('string');
      expect(t.inputSchema, t.name).toBeDefined();
      const s = t.inputSchema as { type?: string; oneOf?: unknown[] };
      expect(s.type === 'object' || Array.isArray(s.oneOf), t.name).toBe(true);
    }
  });

  it('declares fileArgs on every file tool', () => {
    for (const t of registry.list().filter((x) => x.name.startsWith('file.'))) expect(t.definition.fileArgs?.length, t.name).toBeGreaterThan(0);
  });

  it('returns fresh arrays so two registries can hold the library', () => {
    expect(() => new ToolRegistry(builtinTools()).registerAll([])).not.toThrow();
  });
});
