import { afterEach, describe, expect, it, vi } from 'vitest';
import { callTool, errorOf } from '../helpers.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('util.echo', () => {
  it('returns the value unchanged', async () => {
    expect(await callTool('util.echo', { value: { a: [1, 'x'] } })).toEqual({ a: [1, 'x'] });
    expect(await callTool('util.echo', { value: null })).toBeNull();
  });

  it('requires value and rejects unknown fields', async () => {
    expect((await errorOf(() => callTool('util.echo', {}))).details).toEqual([{ path: 'with.value', message: 'required field missing' }]);
    expect((await errorOf(() => callTool('util.echo', { value: 1, valeu: 2 }))).code).toBe('TOOL_INPUT');
  });
});

describe('util.sleep', () => {
  it('resolves null after ms on (fake) timers, accepting durations', async () => {
    vi.useFakeTimers();
    let done = false;
    const p = callTool('util.sleep', { ms: '2s' }).then((v) => {
      done = true;
      return v;
    });
    await vi.advanceTimersByTimeAsync(1999);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await p).toBeNull();
  });

  it('rejects with the abort reason when the signal fires', async () => {
    vi.useFakeTimers();
    const ctl = new AbortController();
    const p = callTool('util.sleep', { ms: 60_000 }, { signal: ctl.signal });
    const reason = new Error('cancelled by test');
    ctl.abort(reason);
    await expect(p).rejects.toBe(reason);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects bad durations and negative numbers', async () => {
    expect((await errorOf(() => callTool('util.sleep', { ms: 'soon' }))).message).toContain('duration');
    expect((await errorOf(() => callTool('util.sleep', { ms: -1 }))).code).toBe('TOOL_INPUT');
    expect((await errorOf(() => callTool('util.sleep', { ms: '30d' }))).message).toContain('longer than');
  });
});

describe('util.hash', () => {
  it.each([
    ['sha256', 'hex', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    ['sha1', 'hex', 'a9993e364706816aba3e25717850c26c9cd0d89d'],
    ['md5', 'hex', '900150983cd24fb0d6963f7d28e17f72'],
    ['sha256', 'base64', 'ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0='],
  ])('%s/%s of "abc" matches the published test vector', async (algorithm, encoding, digest) => {
    expect(await callTool('util.hash', { text: 'abc', algorithm, encoding })).toBe(digest);
  });

  it('defaults to sha256 hex and refuses unknown algorithms', async () => {
    expect(await callTool('util.hash', { text: 'abc' })).toMatch(/^ba7816bf/);
    expect((await errorOf(() => callTool('util.hash', { text: 'abc', algorithm: 'crc32' }))).code).toBe('TOOL_INPUT');
  });
});

describe('util.uuid', () => {
  it('returns distinct v4 UUIDs', async () => {
    const a = await callTool('util.uuid', {});
    const b = await callTool('util.uuid', {});
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a).not.toBe(b);
  });
});

describe('util.base64', () => {
  it('round-trips UTF-8 text, standard and url-safe', async () => {
    const text = 'héllo wörld ✓ ~~~???';
    const std = await callTool('util.base64', { op: 'encode', text });
    const url = await callTool('util.base64', { op: 'encode', text, urlSafe: true });
    expect(std).toBe(Buffer.from(text).toString('base64'));
    expect(url).not.toMatch(/[+/=]/);
    expect(await callTool('util.base64', { op: 'decode', text: std })).toBe(text);
    expect(await callTool('util.base64', { op: 'decode', text: url, urlSafe: true })).toBe(text);
  });

  it('rejects corrupted input instead of decoding garbage', async () => {
    const err = await errorOf(() => callTool('util.base64', { op: 'decode', text: 'ab$c' }));
    expect(err.code).toBe('TOOL_ERROR');
    expect(err.message).toContain('not valid base64');
  });
});

describe('util.random', () => {
  it('returns integers within [min, max] inclusive', async () => {
    const seen = new Set<unknown>();
    for (let i = 0; i < 200; i++) seen.add(await callTool('util.random', { min: 1, max: 3 }));
    expect([...seen].sort()).toEqual([1, 2, 3]);
  });

  it('returns floats with integer: false and rejects min > max', async () => {
    const v = (await callTool('util.random', { min: 0.5, max: 0.6, integer: false })) as number;
    expect(v).toBeGreaterThanOrEqual(0.5);
    expect(v).toBeLessThanOrEqual(0.6);
    expect((await errorOf(() => callTool('util.random', { min: 2, max: 1 }))).message).toContain('with.min');
    expect((await errorOf(() => callTool('util.random', { min: 1.2, max: 1.8 }))).message).toContain('no integer');
  });
});
