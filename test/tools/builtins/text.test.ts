import { describe, expect, it } from 'vitest';
import { callTool, errorOf } from '../helpers.js';

describe('text.template', () => {
  const render = (template: string, data?: unknown, strict?: boolean) =>
    callTool('text.template', { template, ...(data === undefined ? {} : { data }), ...(strict === undefined ? {} : { strict }) });

  it('fills names, dotted paths and array indexes', async () => {
    const data = { user: { name: 'Ada', tags: ['x', 'y'] }, n: 3, ok: false, obj: { a: 1 }, nothing: null };
    expect(await render('Hi {{user.name}} ({{ user.tags.1 }}): {{n}} {{ok}} {{obj}} [{{nothing}}]', data)).toBe('Hi Ada (y): 3 false {"a":1} []');
  });

  it('renders missing values empty by default, and fails on them in strict mode', async () => {
    expect(await render('a{{missing.deep}}b')).toBe('ab');
    const err = await errorOf(() => render('a{{missing}}b', {}, true));
    expect(err.code).toBe('TOOL_ERROR');
    expect(err.message).toContain('no value for placeholder {{missing}}');
  });

  it('never reaches prototype properties or runs code', async () => {
    expect(await render('{{constructor}}{{__proto__}}{{toString}}', {})).toBe('');
    const err = await errorOf(() => render('{{ process.exit() }}', {}));
    expect(err.message).toContain('invalid placeholder');
  });

  it('supports an escaped literal and reports unclosed placeholders with line and column', async () => {
    expect(await render('\\{{name}} = {{name}}', { name: 'v' })).toBe('{{name}} = v');
    const err = await errorOf(() => render('line one\nsee {{oops', {}));
    expect(err.message).toContain('unclosed "{{" at line 2, column 5');
  });

  it('requires data to be an object', async () => {
    expect((await errorOf(() => render('x', [1]))).message).toContain('with.data: expected record, got array');
  });
});

describe('text.regex', () => {
  it('lists every match with captures and named groups', async () => {
    expect(await callTool('text.regex', { text: 'a1 b22 c', pattern: '(?<letter>[a-z])(\\d+)' })).toEqual([
      { match: 'a1', index: 0, captures: ['a', '1'], groups: { letter: 'a' } },
      { match: 'b22', index: 3, captures: ['b', '22'], groups: { letter: 'b' } },
    ]);
    expect(await callTool('text.regex', { text: 'abc', pattern: 'x' })).toEqual([]);
  });

  it('tests, replaces every match with references and splits', async () => {
    expect(await callTool('text.regex', { text: 'Hello', pattern: 'hello', flags: 'i', mode: 'test' })).toBe(true);
    expect(await callTool('text.regex', { text: '2024-01-05', pattern: '(\\d+)-(\\d+)-(\\d+)', mode: 'replace', replacement: '$3/$2/$1' })).toBe('05/01/2024');
    expect(await callTool('text.regex', { text: 'a a a', pattern: 'a', mode: 'replace', replacement: 'b' })).toBe('b b b');
    expect(await callTool('text.regex', { text: 'a, b;c', pattern: '[,;]\\s*', mode: 'split' })).toEqual(['a', 'b', 'c']);
  });

  it('rejects invalid patterns, bad flags and replace without replacement', async () => {
    expect((await errorOf(() => callTool('text.regex', { text: 'x', pattern: '(' }))).message).toContain('invalid regular expression');
    expect((await errorOf(() => callTool('text.regex', { text: 'x', pattern: 'x', flags: 'gx' }))).code).toBe('TOOL_INPUT');
    expect((await errorOf(() => callTool('text.regex', { text: 'x', pattern: 'x', mode: 'replace' }))).message).toContain('needs `replacement`');
  });
});

describe('text.transform', () => {
  it.each([
    ['upper', 'Straße', 'STRASSE'],
    ['lower', 'ÀB', 'àb'],
    ['trim', '  a b \n', 'a b'],
    ['slug', '  Héllo, Wörld! -- 2024 ', 'hello-world-2024'],
    ['length', 'a😀é', 3],
    ['words', ' one  two\tthree\n', ['one', 'two', 'three']],
    ['words', '   ', []],
    ['capitalize', 'hello world', 'Hello world'],
    ['title', 'hello big world', 'Hello Big World'],
  ])('%s', async (op, text, expected) => {
    expect(await callTool('text.transform', { text, op })).toEqual(expected);
  });

  it('rejects unknown ops listing the valid ones', async () => {
    const err = await errorOf(() => callTool('text.transform', { text: 'x', op: 'reverse' }));
    expect(err.message).toContain('with.op: expected one of "upper"');
  });
});
