/**
 * A minimal ustar (POSIX tar) writer and reader for `file.archive` / `file.extract`: regular files and
 * directories, long names through the ustar prefix field or a PAX `path` record.
 */
import { ErrorCode, HookflowError } from '../../errors.js';

const BLOCK = 512;
/** Largest size the 11-digit octal field holds (8 GiB - 1). */
const MAX_SIZE = 0o77777777777;

/** One archive member. */
export interface TarEntry {
  name: string;
  type: 'file' | 'dir';
  size: number;
  mode: number;
  mtimeMs: number;
}

function writeString(buf: Buffer, s: string, offset: number, length: number): void {
  buf.write(s, offset, length, 'utf8');
}

function writeOctal(buf: Buffer, value: number, offset: number, length: number): void {
  buf.write(`${value.toString(8).padStart(length - 1, '0')}\0`, offset, length, 'ascii');
}

/** Splits `name` into ustar (prefix, name) fields, or returns undefined when it does not fit. */
function splitName(name: string): [string, string] | undefined {
  if (Buffer.byteLength(name) <= 100) return ['', name];
  for (let i = name.indexOf('/'); i !== -1; i = name.indexOf('/', i + 1)) {
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(rest) <= 100 && rest !== '') return [prefix, rest];
  }
  return undefined;
}

function header(name: string, prefix: string, size: number, mode: number, mtimeMs: number, type: string): Buffer {
  const h = Buffer.alloc(BLOCK);
  writeString(h, name, 0, 100);
  writeOctal(h, mode & 0o7777, 100, 8);
  writeOctal(h, 0, 108, 8);
  writeOctal(h, 0, 116, 8);
  writeOctal(h, size, 124, 12);
  writeOctal(h, Math.max(0, Math.floor(mtimeMs / 1000)), 136, 12);
  h.fill(' ', 148, 156);
  h.write(type, 156, 1, 'ascii');
  h.write('ustar\0', 257, 6, 'ascii');
  h.write('00', 263, 2, 'ascii');
  writeString(h, prefix, 345, 155);
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return h;
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  // The length prefix counts itself, so it may need one more digit than a first guess.
  let len = Buffer.byteLength(body) + 1;
  while (String(len).length + Buffer.byteLength(body) !== len) len = String(len).length + Buffer.byteLength(body);
  return `${len}${body}`;
}

/** Zero padding that completes a member's data to a 512-byte block. */
export function padding(size: number): Buffer {
  const rest = size % BLOCK;
  return rest === 0 ? Buffer.alloc(0) : Buffer.alloc(BLOCK - rest);
}

/** The header block(s) of one member; the caller writes the data and {@link padding} after it. */
export function entryHeader(entry: TarEntry): Buffer {
  if (entry.size > MAX_SIZE) {
    throw new HookflowError(ErrorCode.TOOL_ERROR, `file.archive: "${entry.name}" is larger than the 8 GiB ustar limit`, { retryable: false });
  }
  const name = entry.type === 'dir' && !entry.name.endsWith('/') ? `${entry.name}/` : entry.name;
  const type = entry.type === 'dir' ? '5' : '0';
  const size = entry.type === 'dir' ? 0 : entry.size;
  const split = splitName(name);
  if (split) return header(split[1], split[0], size, entry.mode, entry.mtimeMs, type);
  const pax = Buffer.from(paxRecord('path', name), 'utf8');
  const shortName = Buffer.from(name).subarray(0, 90).toString('utf8').replace(/\uFFFD+$/, '');
  return Buffer.concat([
    header(`PaxHeader/${shortName}`.slice(0, 100), '', pax.length, 0o644, entry.mtimeMs, 'x'),
    pax,
    padding(pax.length),
    header(shortName, '', size, entry.mode, entry.mtimeMs, type),
  ]);
}

/** The two zero blocks that end an archive. */
export function endOfArchive(): Buffer {
  return Buffer.alloc(BLOCK * 2);
}

function readString(buf: Buffer, offset: number, length: number): string {
  const raw = buf.subarray(offset, offset + length);
  const nul = raw.indexOf(0);
  return raw.subarray(0, nul === -1 ? length : nul).toString('utf8');
}

function readOctal(buf: Buffer, offset: number, length: number, what: string): number {
  const s = readString(buf, offset, length).trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) throw corrupt(`bad ${what} field ${JSON.stringify(s)}`);
  return parseInt(s, 8);
}

function corrupt(why: string): HookflowError {
  return new HookflowError(ErrorCode.TOOL_ERROR, `file.extract: not a valid tar archive: ${why}`, { retryable: false });
}

/** A member read back from an archive; `type: 'other'` covers links and devices, which are not extracted. */
export interface ReadEntry {
  name: string;
  type: 'file' | 'dir' | 'other';
  mode: number;
  data: Buffer;
}

/** Parses an uncompressed tar archive held in memory. */
export function readTar(buf: Buffer): ReadEntry[] {
  const out: ReadEntry[] = [];
  let pos = 0;
  let paxPath: string | undefined;
  while (pos + BLOCK <= buf.length) {
    const h = buf.subarray(pos, pos + BLOCK);
    if (h.every((b) => b === 0)) break;
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : (h[i] as number);
    if (sum !== readOctal(h, 148, 8, 'checksum')) throw corrupt(`header checksum mismatch at byte ${pos}`);
    const size = readOctal(h, 124, 12, 'size');
    const type = String.fromCharCode(h[156] as number);
    const prefix = readString(h, 345, 155);
    const short = readString(h, 0, 100);
    const dataStart = pos + BLOCK;
    if (dataStart + size > buf.length) throw corrupt(`member "${short}" is truncated`);
    const data = buf.subarray(dataStart, dataStart + size);
    pos = dataStart + size + padding(size).length;
    if (type === 'x') {
      for (const rec of data.toString('utf8').split('\n')) {
        const m = /^\d+ path=(.*)$/s.exec(rec);
        if (m) paxPath = m[1];
      }
      continue;
    }
    if (type === 'g') continue;
    const name = paxPath ?? (prefix ? `${prefix}/${short}` : short);
    paxPath = undefined;
    const kind = type === '0' || type === '\0' || type === '7' ? 'file' : type === '5' ? 'dir' : 'other';
    out.push({ name, type: kind, mode: readOctal(h, 100, 8, 'mode'), data });
  }
  return out;
}
