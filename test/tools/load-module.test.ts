import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ToolRegistry, loadToolModule } from '../../src/tools/registry.js';
import { errorOf, makeCtx, tempDir } from './helpers.js';

let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  await mkdir(join(dir, 'sub'));
  const files: Record<string, string> = {
    'array.mjs': `export default [
      { name: 'math.add', description: 'Adds', input: { type: 'object', required: ['a', 'b'], properties: { a: { type: 'number' }, b: { type: 'number' } } },
        async run(args, ctx) { return { sum: args.a + args.b, key: ctx.idempotencyKey } } },
      { name: 'math.neg', run: (a) => -a.x },
    ];`,
    'single.mjs': `export default { name: 'one.tool', run: () => 'one' };`,
    'named.mjs': `export const a = { name: 'named.a', run: () => 'a' }; export const helper = 42; export const b = { name: 'named.b', run: () => 'b' };`,
    'bad-element.mjs': `export default [{ name: 'ok.tool', run: () => 1 }, { name: 'no.run' }];`,
    'bad-default.mjs': `export default function tools() { return [] }`,
    'empty.mjs': `export default [];`,
    'none.mjs': `export const x = 1;`,
    'syntax.mjs': `export default [ {`,
    'sub/rel.mjs': `export default [{ name: 'rel.tool', run: () => 'rel' }];`,
  };
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
});

afterAll(() => cleanup());

describe('loadToolModule', () => {
  it('loads a default array, resolved relative to baseDir, and the tools run after registration', async () => {
    const tools = await loadToolModule('./array.mjs', dir);
    expect(tools.map((t) => t.name)).toEqual(['math.add', 'math.neg']);
    const r = new ToolRegistry(tools);
    const add = r.get('math.add');
    expect(await add?.definition.run(add.validate({ a: 2, b: 3 }), makeCtx({ idempotencyKey: 'r/p/1' }))).toEqual({ sum: 5, key: 'r/p/1' });
    expect((await errorOf(() => add?.validate({ a: 2 }))).message).toContain('with.b: required field missing');
  });

  it('loads a single default tool, named exports, absolute paths and file URLs', async () => {
    expect((await loadToolModule('single.mjs', dir)).map((t) => t.name)).toEqual(['one.tool']);
    expect((await loadToolModule(join(dir, 'named.mjs'), '/')).map((t) => t.name).sort()).toEqual(['named.a', 'named.b']);
    expect((await loadToolModule(pathToFileURL(join(dir, 'sub/rel.mjs')).href, '/')).map((t) => t.name)).toEqual(['rel.tool']);
    expect((await loadToolModule('./rel.mjs', join(dir, 'sub'))).map((t) => t.name)).toEqual(['rel.tool']);
  });

  it('reports a missing file with the resolved path', async () => {
    const err = await errorOf(() => loadToolModule('./missing.mjs', dir));
    expect(err.code).toBe('VALIDATION');
    expect(err.message).toContain('tool module "./missing.mjs" not found');
    expect(err.message).toContain(join(dir, 'missing.mjs'));
  });

  it('reports a directory instead of a file', async () => {
    expect((await errorOf(() => loadToolModule('./sub', dir))).message).toContain('is not a file');
  });

  it.each([
    ['bad-element.mjs', 'default export [1] is not a tool'],
    ['bad-default.mjs', 'the default export is not a tool'],
    ['empty.mjs', 'empty array'],
    ['none.mjs', 'exports no tools'],
    ['syntax.mjs', 'failed to load'],
  ])('rejects %s with a clear message', async (file, message) => {
    const err = await errorOf(() => loadToolModule(file, dir));
    expect(err.code).toBe('VALIDATION');
    expect(err.message).toContain(message);
    expect(err.message).toContain(file);
  });
});
