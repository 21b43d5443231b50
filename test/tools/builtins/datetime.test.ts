import { afterEach, describe, expect, it, vi } from 'vitest';
import { callTool, errorOf } from '../helpers.js';

afterEach(() => {
  vi.useRealTimers();
});

const call = (args: unknown) => callTool('util.datetime', args);

describe('util.datetime', () => {
  it('now reads Date.now, so fake timers control it', async () => {
    vi.useFakeTimers({ now: Date.UTC(2024, 1, 29, 12, 0, 0) });
    expect(await call({ op: 'now' })).toBe('2024-02-29T12:00:00.000Z');
    await vi.advanceTimersByTimeAsync(1500);
    expect(await call({ op: 'now' })).toBe('2024-02-29T12:00:01.500Z');
  });

  it('formats as ISO, epoch, date/time and token patterns, in UTC or a time zone', async () => {
    const date = '2024-03-05T07:08:09.045Z';
    expect(await call({ op: 'format', date })).toBe(date);
    expect(await call({ op: 'format', date, format: 'epoch' })).toBe(Date.parse(date));
    expect(await call({ op: 'format', date, format: 'epochSeconds' })).toBe(Math.floor(Date.parse(date) / 1000));
    expect(await call({ op: 'format', date, format: 'date' })).toBe('2024-03-05');
    expect(await call({ op: 'format', date, format: 'time' })).toBe('07:08:09');
    expect(await call({ op: 'format', date, format: 'DD/MM/YYYY [at] HH:mm:ss.SSS' })).toBe('05/03/2024 at 07:08:09.045');
    expect(await call({ op: 'format', date, format: 'YYYY-MM-DD HH:mm', timeZone: 'Asia/Tokyo' })).toBe('2024-03-05 16:08');
    expect(await call({ op: 'format', date: 0, format: 'iso', timeZone: 'America/New_York' })).toBe('1969-12-31T19:00:00.000-05:00');
    expect(await call({ op: 'format', date, format: 'HH:mmZ', timeZone: 'Asia/Kolkata' })).toBe('12:38+05:30');
  });

  it('adds fixed units and calendar months (clamped to the month end)', async () => {
    expect(await call({ op: 'add', date: '2024-01-31T00:00:00Z', amount: 1, unit: 'month' })).toBe('2024-02-29T00:00:00.000Z');
    expect(await call({ op: 'add', date: '2024-02-29T00:00:00Z', amount: 1, unit: 'year' })).toBe('2025-02-28T00:00:00.000Z');
    expect(await call({ op: 'add', date: '2024-01-01T00:00:00Z', amount: -90, unit: 'm' })).toBe('2023-12-31T22:30:00.000Z');
    expect(await call({ op: 'add', date: 0, amount: 2, unit: 'w' })).toBe('1970-01-15T00:00:00.000Z');
    expect((await errorOf(() => call({ op: 'add', amount: 1.5, unit: 'month' }))).message).toContain('integer');
  });

  it('diffs in a unit, defaulting `to` to now', async () => {
    vi.useFakeTimers({ now: Date.UTC(2024, 0, 2) });
    expect(await call({ op: 'diff', date: '2024-01-01T00:00:00Z', to: '2024-01-01T06:00:00Z', unit: 'h' })).toBe(6);
    expect(await call({ op: 'diff', date: '2024-01-01T00:00:00Z', unit: 'd' })).toBe(1);
  });

  it('rejects malformed dates, unknown zones and unknown ops', async () => {
    expect((await errorOf(() => call({ op: 'format', date: 'yesterday' }))).message).toContain('expected an ISO-8601 date');
    expect((await errorOf(() => call({ op: 'format', date: 0, timeZone: 'Mars/Olympus' }))).message).toContain('unknown timeZone');
    const err = await errorOf(() => call({ op: 'later' }));
    expect(err.code).toBe('TOOL_INPUT');
    expect(err.message).toContain('with.op');
  });
});
