/**
 * Network built-ins: `http.request`, `web.fetch_text` and `url.parse`. Requests use the global fetch
 * with `ctx.signal`, an optional timeout and a response size cap.
 */
import { z } from 'zod';
import { ErrorCode, HookflowError } from '../../errors.js';
import type { ToolContext } from '../types.js';
import { defineTool, toolError } from './define.js';
import { htmlToText } from './html-text.js';

const MiB = 1024 * 1024;

function httpUrl(tool: string, raw: string, query?: Record<string, string | number | boolean>): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch (err) {
    throw toolError(tool, `invalid URL ${JSON.stringify(raw)} (expected an absolute http:// or https:// URL)`, { cause: err });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw toolError(tool, `unsupported protocol "${url.protocol}" in ${raw} (only http and https)`);
  if (query) for (const [k, v] of Object.entries(query)) url.searchParams.append(k, String(v));
  return url;
}

interface Fetched {
  response: Response;
  body: Buffer;
  truncated: boolean;
}

/**
 * Fetches `url` and reads the body (at most `maxBytes`; beyond that it is cut when `truncate`, an
 * error otherwise). The timeout covers headers and body; aborting `ctx.signal` rejects with its reason.
 */
async function fetchBody(tool: string, url: URL, init: RequestInit, ctx: ToolContext, o: { timeoutMs?: number; maxBytes: number; truncate: boolean }): Promise<Fetched> {
  ctx.signal.throwIfAborted();
  const ctl = new AbortController();
  const onAbort = (): void => ctl.abort(ctx.signal.reason);
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  const timer =
    o.timeoutMs === undefined
      ? undefined
      : globalThis.setTimeout(() => ctl.abort(new HookflowError(ErrorCode.TIMEOUT, `${tool}: ${init.method ?? 'GET'} ${url.href} timed out after ${o.timeoutMs}ms`)), o.timeoutMs);
  try {
    const response = await fetch(url, { ...init, signal: ctl.signal });
    const chunks: Buffer[] = [];
    let size = 0;
    let truncated = false;
    if (response.body) {
      const reader = response.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (size + value.length > o.maxBytes) {
          if (!o.truncate) throw toolError(tool, `response from ${url.href} is larger than maxBytes (${o.maxBytes})`);
          chunks.push(Buffer.from(value.subarray(0, o.maxBytes - size)));
          size = o.maxBytes;
          truncated = true;
          await reader.cancel();
          break;
        }
        chunks.push(Buffer.from(value));
        size += value.length;
      }
    }
    return { response, body: Buffer.concat(chunks, size), truncated };
  } catch (err) {
    if (ctl.signal.aborted) throw ctl.signal.reason;
    if (err instanceof HookflowError) throw err;
    const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
    const code = typeof cause?.code === 'string' ? cause.code : ErrorCode.TOOL_ERROR;
    const why = typeof cause?.message === 'string' ? cause.message : err instanceof Error ? err.message : String(err);
    // Connection-level failures are usually transient: let retry policies (`on: [ECONNRESET]`) see the code.
    throw new HookflowError(code, `${tool}: ${init.method ?? 'GET'} ${url.href} failed: ${why}`, { cause: err, retryable: true });
  } finally {
    if (timer !== undefined) globalThis.clearTimeout(timer);
    ctx.signal.removeEventListener('abort', onAbort);
  }
}

function decodeBody(body: Buffer, contentType: string, mode: 'auto' | 'json' | 'text' | 'base64', url: string): unknown {
  if (mode === 'base64') return body.toString('base64');
  const text = new TextDecoder('utf-8').decode(body);
  const isJson = /[/+]json\b/i.test(contentType);
  if (mode === 'text' || (mode === 'auto' && !isJson)) return text;
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    if (mode === 'auto') return text;
    throw toolError('http.request', `response from ${url} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

const request = defineTool({
  name: 'http.request',
  description:
    'HTTP request with fetch. Non-2xx statuses are returned, not thrown, unless `failOnStatus` (then the error code is HTTP_<status>, e.g. HTTP_429, for retry `on:` lists). JSON bodies are sent and parsed automatically.',
  input: z.strictObject({
    url: z.string(),
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']).default('GET'),
    headers: z.record(z.string(), z.string()).default({}),
    query: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
    body: z.unknown().optional(),
    timeoutMs: z.number().int().positive().optional(),
    failOnStatus: z.boolean().default(false),
    responseType: z.enum(['auto', 'json', 'text', 'base64']).default('auto'),
    maxBytes: z.number().int().positive().default(10 * MiB),
  }),
  output: '{status, statusText, headers (lowercase names), body (parsed JSON for JSON responses, else text)}',
  async run(args, ctx) {
    const url = httpUrl('http.request', args.url, args.query);
    const headers = new Headers(args.headers);
    let body: string | undefined;
    if (args.body !== undefined && args.body !== null) {
      if (typeof args.body === 'string') body = args.body;
      else {
        body = JSON.stringify(args.body);
        if (!headers.has('content-type')) headers.set('content-type', 'application/json');
      }
    }
    const init: RequestInit = { method: args.method, headers, ...(body === undefined ? {} : { body }) };
    const { response, body: raw } = await fetchBody('http.request', url, init, ctx, {
      maxBytes: args.maxBytes,
      truncate: false,
      ...(args.timeoutMs === undefined ? {} : { timeoutMs: args.timeoutMs }),
    });
    const result = {
      status: response.status,
      statusText: response.statusText,
      headers: Object.fromEntries(response.headers),
      body: decodeBody(raw, response.headers.get('content-type') ?? '', args.responseType, url.href),
    };
    if (args.failOnStatus && !response.ok) {
      const s = response.status;
      throw new HookflowError(`HTTP_${s}`, `http.request: ${args.method} ${url.href} returned ${s}${response.statusText ? ` ${response.statusText}` : ''}`, {
        details: result,
        // Worth retrying: timeouts, rate limits and server errors; other 4xx will fail the same way again.
        retryable: s === 408 || s === 425 || s === 429 || s >= 500,
      });
    }
    return result;
  },
});

const fetchText = defineTool({
  name: 'web.fetch_text',
  description: 'Fetches a web page and returns its readable text (scripts, styles and tags removed) and title; the body is cut at maxBytes.',
  input: z.strictObject({
    url: z.string(),
    maxBytes: z.number().int().positive().default(MiB),
    timeoutMs: z.number().int().positive().default(30_000),
  }),
  output: '{url (after redirects), status, contentType, title, text, truncated}',
  async run(args, ctx) {
    const url = httpUrl('web.fetch_text', args.url);
    const { response, body, truncated } = await fetchBody('web.fetch_text', url, { method: 'GET', headers: { accept: 'text/html, text/plain;q=0.9, */*;q=0.5' } }, ctx, {
      timeoutMs: args.timeoutMs,
      maxBytes: args.maxBytes,
      truncate: true,
    });
    const contentType = response.headers.get('content-type') ?? '';
    // A cut in the middle of a multi-byte character leaves one replacement character at the end.
    const decoded = new TextDecoder('utf-8').decode(body);
    const raw = truncated ? decoded.replace(/\uFFFD$/, '') : decoded;
    const isHtml = /html|xml/i.test(contentType) || (contentType === '' && /^\s*<(!doctype|html)/i.test(raw));
    const { title, text } = isHtml ? htmlToText(raw) : { title: '', text: raw };
    return { url: response.url || url.href, status: response.status, contentType, title, text, truncated };
  },
});

const parseUrl = defineTool({
  name: 'url.parse',
  description: 'Splits a URL (optionally relative to `base`) into its parts; repeated query keys become arrays. Passwords are never returned.',
  input: z.strictObject({ url: z.string(), base: z.string().optional() }),
  output: '{href, origin, protocol (no colon), username, host, hostname, port (number or null), pathname, search, query, hash}',
  run(args) {
    let u: URL;
    try {
      u = new URL(args.url, args.base);
    } catch (err) {
      throw toolError('url.parse', `invalid URL ${JSON.stringify(args.url)}${args.base ? ` (base ${JSON.stringify(args.base)})` : ''}`, { cause: err });
    }
    const query: Record<string, string | string[]> = {};
    for (const [k, v] of u.searchParams) {
      const prev = Object.hasOwn(query, k) ? query[k] : undefined;
      const next = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
      Object.defineProperty(query, k, { value: next, enumerable: true, writable: true, configurable: true });
    }
    if (u.password) u.password = '';
    return {
      href: u.href,
      origin: u.origin,
      protocol: u.protocol.replace(/:$/, ''),
      username: decodeURIComponent(u.username),
      host: u.host,
      hostname: u.hostname,
      port: u.port === '' ? null : Number(u.port),
      pathname: u.pathname,
      search: u.search,
      query,
      hash: u.hash,
    };
  },
});

/** `http.request`, `web.fetch_text`, `url.parse`. */
export const httpTools = [request, fetchText, parseUrl];
