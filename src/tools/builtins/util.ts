/**
 * `util.*` built-ins: echo, sleep, hash, uuid, base64, random.
 */
import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { sleep, systemClock } from '../../util/clock.js';
import { parseDuration } from '../../util/duration.js';
import { defineTool, toolError } from './define.js';

const echo = defineTool({
  name: 'util.echo',
  description: 'Returns its `value` unchanged (useful to shape data or as a placeholder step).',
  input: z.strictObject({ value: z.unknown() }),
  output: 'the value, as given (null when absent)',
  run: (args) => args.value ?? null,
});

const MAX_TIMER_MS = 2_147_483_647;

const sleepTool = defineTool({
  name: 'util.sleep',
  description: 'Waits `ms` milliseconds (a number or a duration like "2s"); cancellation aborts the wait.',
  input: z.strictObject({ ms: z.union([z.number().nonnegative(), z.string()]) }),
  output: 'null',
  async run(args, ctx) {
    const ms = parseDuration(args.ms);
    if (ms === undefined) throw toolError('util.sleep', `expected \`ms\` to be milliseconds or a duration like "250ms" or "2s", got ${JSON.stringify(args.ms)}`);
    // Timers overflow past 2^31-1 ms and would fire at once; durable waits belong to the DSL's `wait:`.
    if (ms > MAX_TIMER_MS) throw toolError('util.sleep', `${ms}ms is longer than the ${MAX_TIMER_MS}ms (~24.8 days) a timer can wait; use a \`wait:\` step for long waits`);
    await sleep(systemClock, ms, ctx.signal);
    return null;
  },
});

const hash = defineTool({
  name: 'util.hash',
  description: 'Hashes `text` (UTF-8) with sha256, sha1, md5 or sha512.',
  input: z.strictObject({
    text: z.string(),
    algorithm: z.enum(['sha256', 'sha1', 'md5', 'sha512']).default('sha256'),
    encoding: z.enum(['hex', 'base64']).default('hex'),
  }),
  output: 'the digest as a hex (default) or base64 string',
  run: (args) => createHash(args.algorithm).update(args.text, 'utf8').digest(args.encoding),
});

const uuid = defineTool({
  name: 'util.uuid',
  description: 'Generates a random RFC 4122 version 4 UUID.',
  input: z.strictObject({}),
  output: 'a UUID string like "3b241101-e2bb-4255-8caf-4136c566a962"',
  run: () => randomUUID(),
});

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/;

const base64 = defineTool({
  name: 'util.base64',
  description: 'Encodes UTF-8 text to base64 or decodes base64 to UTF-8 text (`urlSafe` for base64url).',
  input: z.strictObject({ op: z.enum(['encode', 'decode']), text: z.string(), urlSafe: z.boolean().default(false) }),
  output: 'the encoded or decoded string',
  run(args) {
    const enc = args.urlSafe ? 'base64url' : 'base64';
    if (args.op === 'encode') return Buffer.from(args.text, 'utf8').toString(enc);
    const compact = args.text.replace(/\s+/g, '');
    // Buffer.from silently skips bad characters; a corrupted payload must fail loudly instead.
    if (!(args.urlSafe ? BASE64URL : BASE64).test(compact) || (!args.urlSafe && compact.length % 4 !== 0)) {
      throw toolError('util.base64', `input is not valid ${enc}${args.urlSafe ? '' : ' (length must be a multiple of 4, alphabet A-Z a-z 0-9 + /)'}`);
    }
    return Buffer.from(compact, enc).toString('utf8');
  },
});

const random = defineTool({
  name: 'util.random',
  description: 'A random number in [min, max]: an integer by default, a float with `integer: false`.',
  input: z
    .strictObject({ min: z.number().default(0), max: z.number().default(1), integer: z.boolean().default(true) })
    .refine((a) => a.min <= a.max, { message: '`min` must not be greater than `max`', path: ['min'] }),
  output: 'a number',
  run(args) {
    if (!args.integer) return args.min + Math.random() * (args.max - args.min);
    const lo = Math.ceil(args.min);
    const hi = Math.floor(args.max);
    if (lo > hi) throw toolError('util.random', `no integer lies in [${args.min}, ${args.max}]`);
    return lo + Math.floor(Math.random() * (hi - lo + 1));
  },
});

/** The `util.*` group (datetime lives in its own module). */
export const utilTools = [echo, sleepTool, hash, uuid, base64, random];
