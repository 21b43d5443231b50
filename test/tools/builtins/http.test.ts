import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callTool, errorOf } from '../helpers.js';

let server: Server;
let baseUrl: string;
const seen: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[] = [];

function handle(req: IncomingMessage, res: ServerResponse, body: string): void {
  seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
  const url = new URL(req.url ?? '/', 'http://x');
  switch (url.pathname) {
    case '/json':
      res.setHeader('content-type', 'application/json; charset=utf-8');
      res.setHeader('x-custom', 'yes');
      res.end(JSON.stringify({ ok: true, query: Object.fromEntries(url.searchParams) }));
      return;
    case '/echo':
      res.setHeader('content-type', req.headers['content-type'] ?? 'text/plain');
      res.end(body);
      return;
    case '/status': {
      const code = Number(url.searchParams.get('code'));
      res.statusCode = code;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ error: `status ${code}` }));
      return;
    }
    case '/bad-json':
      res.setHeader('content-type', 'application/json');
      res.end('{not json');
      return;
    case '/big':
      res.setHeader('content-type', 'text/plain');
      res.end('x'.repeat(5000));
      return;
    case '/hang':
      // Never answers: only a timeout or an abort ends the request.
      return;
    case '/page':
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(`<!doctype html><html><head><title>The &amp; Title</title><style>body{color:red}</style>
        <script>alert("x")</script></head><body><!-- comment --><h1>Heading</h1><p>First   paragraph with <b>bold</b> &lt;tag&gt; &#169; &#x263A;.</p>
        <ul><li>one</li><li>two</li></ul><noscript>enable js</noscript><div>Ünïcode — ok</div></body></html>`);
      return;
    case '/redirect':
      res.statusCode = 302;
      res.setHeader('location', '/page');
      res.end();
      return;
    case '/plain':
      res.setHeader('content-type', 'text/plain; charset=utf-8');
      res.end('just text <b>not html</b>');
      return;
    case '/hostile':
      res.setHeader('content-type', 'text/html');
      res.end(`<title>T</title><p>kept</p>${'<a<!--<script x'.repeat(40_000)}`);
      return;
    case '/multibyte':
      res.setHeader('content-type', 'text/plain; charset=utf-8');
      res.end('aé'.repeat(10));
      return;
    default:
      res.statusCode = 404;
      res.end('not found');
  }
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

type HttpResult = { status: number; statusText: string; headers: Record<string, string>; body: unknown };

describe('http.request', () => {
  it('GETs JSON with query parameters and returns status, lowercase headers and the parsed body', async () => {
    const res = (await callTool('http.request', { url: `${baseUrl}/json?a=1`, query: { b: 2, c: true } })) as HttpResult;
    expect(res.status).toBe(200);
    expect(res.headers['x-custom']).toBe('yes');
    expect(res.body).toEqual({ ok: true, query: { a: '1', b: '2', c: 'true' } });
  });

  it('sends objects as JSON and strings as they are, with custom headers', async () => {
    const res = (await callTool('http.request', { url: `${baseUrl}/echo`, method: 'POST', body: { n: 1 }, headers: { 'X-Trace': 't1' } })) as HttpResult;
    expect(res.body).toEqual({ n: 1 });
    const last = seen.at(-1);
    expect(last?.method).toBe('POST');
    expect(last?.headers['content-type']).toBe('application/json');
    expect(last?.headers['x-trace']).toBe('t1');
    const text = (await callTool('http.request', { url: `${baseUrl}/echo`, method: 'PUT', body: 'raw=1', headers: { 'content-type': 'text/plain' } })) as HttpResult;
    expect(text.body).toBe('raw=1');
  });

  it('returns non-2xx statuses as results by default', async () => {
    const res = (await callTool('http.request', { url: `${baseUrl}/status?code=503` })) as HttpResult;
    expect(res).toMatchObject({ status: 503, body: { error: 'status 503' } });
  });

  it('with failOnStatus throws HTTP_<status>, retryable only for 408/425/429/5xx', async () => {
    const rate = await errorOf(() => callTool('http.request', { url: `${baseUrl}/status?code=429`, failOnStatus: true }));
    expect(rate.code).toBe('HTTP_429');
    expect(rate.retryable).toBe(true);
    expect(rate.message).toContain('returned 429 Too Many Requests');
    expect(rate.details).toMatchObject({ status: 429, body: { error: 'status 429' } });
    const missing = await errorOf(() => callTool('http.request', { url: `${baseUrl}/status?code=404`, failOnStatus: true }));
    expect(missing.code).toBe('HTTP_404');
    expect(missing.retryable).toBe(false);
    expect((await callTool('http.request', { url: `${baseUrl}/json`, failOnStatus: true })) as HttpResult).toMatchObject({ status: 200 });
  });

  it('decodes according to responseType', async () => {
    expect(((await callTool('http.request', { url: `${baseUrl}/bad-json` })) as HttpResult).body).toBe('{not json');
    expect((await errorOf(() => callTool('http.request', { url: `${baseUrl}/bad-json`, responseType: 'json' }))).message).toContain('not valid JSON');
    expect(((await callTool('http.request', { url: `${baseUrl}/json`, responseType: 'text' })) as HttpResult).body).toMatch(/^\{"ok":true/);
    expect(((await callTool('http.request', { url: `${baseUrl}/plain`, responseType: 'base64' })) as HttpResult).body).toBe(Buffer.from('just text <b>not html</b>').toString('base64'));
  });

  it('times out with TIMEOUT and honours an abort with its reason', async () => {
    const t = await errorOf(() => callTool('http.request', { url: `${baseUrl}/hang`, timeoutMs: 50 }));
    expect(t.code).toBe('TIMEOUT');
    expect(t.message).toContain('timed out after 50ms');
    const ctl = new AbortController();
    const reason = new Error('step cancelled');
    const p = callTool('http.request', { url: `${baseUrl}/hang` }, { signal: ctl.signal });
    ctl.abort(reason);
    await expect(p).rejects.toBe(reason);
  });

  it('caps the response size', async () => {
    expect((await errorOf(() => callTool('http.request', { url: `${baseUrl}/big`, maxBytes: 100 }))).message).toContain('larger than maxBytes (100)');
  });

  it('keeps connection error codes for retry policies and rejects non-http URLs', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const err = await errorOf(() => callTool('http.request', { url: `http://127.0.0.1:${port}/` }));
    expect(err.code).toBe('ECONNREFUSED');
    expect(err.retryable).toBe(true);
    expect((await errorOf(() => callTool('http.request', { url: 'file:///etc/passwd' }))).message).toContain('unsupported protocol "file:"');
    expect((await errorOf(() => callTool('http.request', { url: 'not a url' }))).message).toContain('invalid URL');
  });
});

describe('web.fetch_text', () => {
  it('returns readable text and the title of an HTML page, following redirects', async () => {
    const res = (await callTool('web.fetch_text', { url: `${baseUrl}/redirect` })) as { url: string; status: number; title: string; text: string; truncated: boolean };
    expect(res.url).toBe(`${baseUrl}/page`);
    expect(res.status).toBe(200);
    expect(res.title).toBe('The & Title');
    expect(res.text).toBe('Heading\n\nFirst paragraph with bold <tag> © ☺.\n\n- one\n- two\n\nÜnïcode — ok');
    expect(res.truncated).toBe(false);
    for (const hidden of ['alert', 'color:red', 'comment', 'enable js']) expect(res.text).not.toContain(hidden);
  });

  it('stays fast on hostile markup (unclosed tags, comments and scripts)', async () => {
    const started = performance.now();
    const res = (await callTool('web.fetch_text', { url: `${baseUrl}/hostile` })) as { title: string; text: string };
    expect(res.title).toBe('T');
    expect(res.text.startsWith('kept')).toBe(true);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('leaves plain text alone and truncates at maxBytes without a broken character', async () => {
    expect(await callTool('web.fetch_text', { url: `${baseUrl}/plain` })).toMatchObject({ title: '', text: 'just text <b>not html</b>' });
    const cut = (await callTool('web.fetch_text', { url: `${baseUrl}/multibyte`, maxBytes: 5 })) as { text: string; truncated: boolean };
    expect(cut).toMatchObject({ text: 'aéa', truncated: true });
  });
});

describe('url.parse', () => {
  it('splits a URL, collecting repeated query keys and dropping the password', async () => {
    expect(await callTool('url.parse', { url: 'https://user:pw@example.com:8443/a/b?x=1&y=2&x=3#frag' })).toEqual({
      href: 'https://user@example.com:8443/a/b?x=1&y=2&x=3#frag',
      origin: 'https://example.com:8443',
      protocol: 'https',
      username: 'user',
      host: 'example.com:8443',
      hostname: 'example.com',
      port: 8443,
      pathname: '/a/b',
      search: '?x=1&y=2&x=3',
      query: { x: ['1', '3'], y: '2' },
      hash: '#frag',
    });
  });

  it('resolves against a base and rejects invalid URLs', async () => {
    expect(await callTool('url.parse', { url: '../c?q', base: 'http://h/a/b/' })).toMatchObject({ href: 'http://h/a/c?q', port: null, query: { q: '' } });
    expect((await errorOf(() => callTool('url.parse', { url: '::nope' }))).message).toContain('invalid URL');
  });
});
