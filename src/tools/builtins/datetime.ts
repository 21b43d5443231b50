/**
 * `util.datetime`: now / format / add / diff on ISO-8601 strings or epoch milliseconds. Reads the time
 * through `Date.now` at call time, so fake timers control it.
 */
import { z } from 'zod';
import { assertNever } from '../../errors.js';
import { defineTool, toolError } from './define.js';

const NAME = 'util.datetime';
const dateInput = z.union([z.string(), z.number()]).describe('ISO-8601 string or epoch milliseconds; default now');
const FIXED_UNITS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
type FixedUnit = keyof typeof FIXED_UNITS;
const fixedUnit = z.enum(['ms', 's', 'm', 'h', 'd', 'w']);

const input = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('now') }),
  z.strictObject({
    op: z.literal('format'),
    date: dateInput.optional(),
    format: z.string().default('iso').describe('iso | epoch | epochSeconds | date | time | a pattern of YYYY MM DD HH mm ss SSS Z (offset) tokens, [text] literal'),
    timeZone: z.string().default('UTC'),
  }),
  z.strictObject({ op: z.literal('add'), date: dateInput.optional(), amount: z.number(), unit: z.enum(['ms', 's', 'm', 'h', 'd', 'w', 'month', 'year']) }),
  z.strictObject({ op: z.literal('diff'), date: dateInput, to: dateInput.optional(), unit: fixedUnit.default('ms') }),
]);

function toEpoch(value: string | number | undefined, field: string): number {
  if (value === undefined) return Date.now();
  const ms = typeof value === 'number' ? value : Date.parse(value);
  if (!Number.isFinite(ms) || Number.isNaN(new Date(ms).getTime())) {
    throw toolError(NAME, `\`${field}\`: expected an ISO-8601 date or epoch milliseconds, got ${JSON.stringify(value)}`);
  }
  return ms;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function partsIn(ms: number, timeZone: string): Record<string, string> {
  let fmt = formatters.get(timeZone);
  if (!fmt) {
    try {
      fmt = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      });
    } catch (err) {
      throw toolError(NAME, `unknown timeZone ${JSON.stringify(timeZone)} (use an IANA name like "Europe/Paris" or "UTC")`, { cause: err });
    }
    formatters.set(timeZone, fmt);
  }
  const out: Record<string, string> = {};
  for (const p of fmt.formatToParts(new Date(ms))) out[p.type] = p.value;
  const milli = ((ms % 1000) + 1000) % 1000;
  out.ms = String(milli).padStart(3, '0');
  const local = Date.UTC(Number(out.year), Number(out.month) - 1, Number(out.day), Number(out.hour), Number(out.minute), Number(out.second));
  const offset = Math.round((local - (ms - milli)) / 60_000);
  const abs = Math.abs(offset);
  out.offset = `${offset < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  return out;
}

const TOKENS = /\[([^\]]*)\]|YYYY|SSS|MM|DD|HH|mm|ss|Z/g;

function formatDate(ms: number, format: string, timeZone: string): string | number {
  switch (format) {
    case 'iso':
      if (timeZone === 'UTC') return new Date(ms).toISOString();
      return formatDate(ms, 'YYYY-MM-DD[T]HH:mm:ss.SSSZ', timeZone);
    case 'epoch':
      return ms;
    case 'epochSeconds':
      return Math.floor(ms / 1000);
    case 'date':
      return formatDate(ms, 'YYYY-MM-DD', timeZone);
    case 'time':
      return formatDate(ms, 'HH:mm:ss', timeZone);
  }
  const p = partsIn(ms, timeZone);
  return format.replace(TOKENS, (tok, literal: string | undefined) => {
    if (literal !== undefined) return literal;
    switch (tok) {
      case 'YYYY':
        return p.year ?? '';
      case 'MM':
        return p.month ?? '';
      case 'DD':
        return p.day ?? '';
      case 'HH':
        return p.hour ?? '';
      case 'mm':
        return p.minute ?? '';
      case 'ss':
        return p.second ?? '';
      case 'Z':
        return p.offset ?? '';
      default:
        return p.ms ?? '';
    }
  });
}

function addTo(ms: number, amount: number, unit: FixedUnit | 'month' | 'year'): number {
  if (unit === 'month' || unit === 'year') {
    if (!Number.isInteger(amount)) throw toolError(NAME, `\`amount\` must be an integer for unit "${unit}", got ${amount}`);
    const d = new Date(ms);
    const day = d.getUTCDate();
    d.setUTCDate(1);
    d.setUTCMonth(d.getUTCMonth() + (unit === 'year' ? amount * 12 : amount));
    // Clamp like calendars do: Jan 31 + 1 month = Feb 28/29, not Mar 3.
    const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
    d.setUTCDate(Math.min(day, last));
    return d.getTime();
  }
  return ms + amount * FIXED_UNITS[unit];
}

/** `util.datetime`. */
export const datetimeTool = defineTool({
  name: NAME,
  description: 'Date arithmetic in UTC: `now`, `format` (ISO, epoch or a YYYY-MM-DD HH:mm:ss pattern, in UTC or an IANA time zone), `add` an amount of a unit, `diff` two dates.',
  input,
  output: 'now/add: ISO-8601 string; format: string (number for epoch formats); diff: number of `unit`s from `date` to `to`',
  run(args) {
    switch (args.op) {
      case 'now':
        return new Date(Date.now()).toISOString();
      case 'format':
        return formatDate(toEpoch(args.date, 'date'), args.format, args.timeZone);
      case 'add': {
        const ms = addTo(toEpoch(args.date, 'date'), args.amount, args.unit);
        if (Number.isNaN(new Date(ms).getTime())) throw toolError(NAME, 'the result is outside the representable date range');
        return new Date(ms).toISOString();
      }
      case 'diff':
        return (toEpoch(args.to, 'to') - toEpoch(args.date, 'date')) / FIXED_UNITS[args.unit];
      default:
        return assertNever(args, 'datetime op');
    }
  },
});
