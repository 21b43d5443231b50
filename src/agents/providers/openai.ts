/**
 * OpenAI-compatible chat completions over global fetch (OpenAI, Azure-style gateways, vLLM, Ollama,
 * LM Studio...), with retries on transient failures, per-request timeouts and optional streaming.
 */
import pRetry from 'p-retry';
import { ErrorCode, HookflowError } from '../../errors.js';
import { sleep, systemClock } from '../../util/clock.js';
import { AgentErrorCode } from '../codes.js';
import type { ChatRequest, ChatResponse, Provider } from '../types.js';
import { StreamAccumulator, parseCompletion, toWireBody } from './openai-wire.js';
import { sseData } from './sse.js';

/** Options of {@link OpenAIProvider}. */
export interface OpenAIProviderOptions {
  /** e.g. `https://api.openai.com/v1`; `/chat/completions` is appended. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <key>`; never appears in errors. */
  apiKey?: string;
  /** Use server-sent events. @default false */
  stream?: boolean;
  /** Retries on 429/500/502/503/504 and network errors. @default 2 */
  retries?: number;
  /** Per request (each attempt), ms. @default 60000 */
  timeoutMs?: number;
  /** First retry delay, doubled per retry. @default 500 */
  minRetryDelayMs?: number;
  /** Cap of the retry delay (not of Retry-After). @default 30000 */
  maxRetryDelayMs?: number;
  /** Extra request headers. */
  headers?: Record<string, string>;
}

const TRANSIENT_STATUS = new Set([429, 500, 502, 503, 504]);
const BODY_EXCERPT = 300;

/** Milliseconds a response asks us to wait: `retry-after-ms`, else `retry-after` (seconds or HTTP date). */
export function parseRetryAfter(headers: Headers, now: number = Date.now()): number | undefined {
  const ms = headers.get('retry-after-ms');
  if (ms !== null && ms.trim() !== '' && Number.isFinite(Number(ms))) return Math.max(0, Math.ceil(Number(ms)));
  const ra = headers.get('retry-after');
  if (ra === null || ra.trim() === '') return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(ra)) return Math.ceil(Number(ra) * 1000);
  const at = Date.parse(ra);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** A provider speaking the OpenAI chat-completions protocol. */
export class OpenAIProvider implements Provider {
  readonly name = 'openai';
  private readonly url: string;
  private readonly opts: Required<Omit<OpenAIProviderOptions, 'apiKey' | 'headers'>> & Pick<OpenAIProviderOptions, 'apiKey' | 'headers'>;

  constructor(options: OpenAIProviderOptions) {
    for (const key of ['retries', 'timeoutMs', 'minRetryDelayMs', 'maxRetryDelayMs'] as const) {
      const v = options[key];
      if (v !== undefined && !(Number.isFinite(v) && v >= 0)) {
        throw new HookflowError(ErrorCode.VALIDATION, `Expected \`${key}\` to be a number from 0 and up, got \`${String(v)}\` (${typeof v})`, { retryable: false });
      }
    }
    if (!URL.canParse(options.baseUrl)) {
      throw new HookflowError(ErrorCode.VALIDATION, `Expected \`baseUrl\` to be an http(s) URL like https://api.openai.com/v1, got ${JSON.stringify(options.baseUrl)}`, { retryable: false });
    }
    const protocol = new URL(options.baseUrl).protocol;
    if (protocol !== 'http:' && protocol !== 'https:') {
      throw new HookflowError(ErrorCode.VALIDATION, `Expected \`baseUrl\` to use http or https, got ${JSON.stringify(protocol)}`, { retryable: false });
    }
    this.url = `${options.baseUrl.replace(/\/+$/, '')}/chat/completions`;
    this.opts = {
      baseUrl: options.baseUrl,
      stream: options.stream ?? false,
      retries: options.retries ?? 2,
      timeoutMs: options.timeoutMs ?? 60_000,
      minRetryDelayMs: options.minRetryDelayMs ?? 500,
      maxRetryDelayMs: options.maxRetryDelayMs ?? 30_000,
      ...(options.apiKey === undefined ? {} : { apiKey: options.apiKey }),
      ...(options.headers === undefined ? {} : { headers: options.headers }),
    };
  }

  /**
   * Sends one chat request. Transient failures are retried; once retries are exhausted a 429 is a
   * `RATE_LIMITED` error with `details.retryAfterMs`, other HTTP errors are `PROVIDER_HTTP`, an attempt
   * slower than `timeoutMs` is `TIMEOUT`, and an aborted `req.signal` is `CANCELLED`.
   */
  async complete(req: ChatRequest): Promise<ChatResponse> {
    const body = JSON.stringify(toWireBody(req, this.opts.stream));
    const { minRetryDelayMs: min, maxRetryDelayMs: max } = this.opts;
    try {
      return await pRetry(() => this.attempt(body, req), {
        retries: this.opts.retries,
        factor: 2,
        minTimeout: min,
        maxTimeout: max,
        signal: req.signal,
        shouldRetry: async ({ error, retriesConsumed }) => {
          if (!isTransient(error)) return false;
          const wait = retryAfterOf(error);
          // p-retry sleeps its own backoff after this; top it up so the total honours Retry-After.
          if (wait !== undefined) await sleep(systemClock, wait - Math.min(min * 2 ** retriesConsumed, max), req.signal);
          return true;
        },
      });
    } catch (err) {
      if (req.signal.aborted) throw this.cancelled(req.signal);
      if (err instanceof HookflowError) throw err;
      throw new HookflowError(ErrorCode.INTERNAL, this.redact(`openai: ${(err as Error).message ?? String(err)}`), { cause: err });
    }
  }

  private async attempt(body: string, req: ChatRequest): Promise<ChatResponse> {
    const timeout = new AbortController();
    const timer = globalThis.setTimeout(() => timeout.abort(), this.opts.timeoutMs);
    const signal = AbortSignal.any([req.signal, timeout.signal]);
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: this.opts.stream ? 'text/event-stream' : 'application/json', ...this.opts.headers };
    if (this.opts.apiKey) headers.authorization = `Bearer ${this.opts.apiKey}`;
    try {
      const res = await fetch(this.url, { method: 'POST', headers, body, signal });
      if (!res.ok) throw await this.httpError(res);
      if (!this.opts.stream) {
        const text = await res.text();
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          throw new HookflowError(AgentErrorCode.PROVIDER_RESPONSE, this.redact(`openai: POST ${this.url} answered HTTP ${res.status} with a body that is not JSON: ${text.slice(0, BODY_EXCERPT)}`), { retryable: false, details: { status: res.status } });
        }
        return parseCompletion(json, req.messages);
      }
      if (res.body === null) throw new HookflowError(AgentErrorCode.PROVIDER_RESPONSE, `openai: POST ${this.url} answered HTTP ${res.status} without a body`, { retryable: false });
      const acc = new StreamAccumulator();
      for await (const data of sseData(res.body)) {
        if (data.trim() === '[DONE]') break;
        let chunk: unknown;
        try {
          chunk = JSON.parse(data);
        } catch {
          throw new HookflowError(AgentErrorCode.PROVIDER_RESPONSE, this.redact(`openai: a streamed event is not JSON: ${data.slice(0, BODY_EXCERPT)}`), { retryable: false });
        }
        acc.push(chunk);
      }
      return acc.result(req.messages);
    } catch (err) {
      if (err instanceof HookflowError) throw err;
      if (req.signal.aborted) throw this.cancelled(req.signal);
      if (timeout.signal.aborted) {
        throw new HookflowError(ErrorCode.TIMEOUT, `openai: POST ${this.url} gave no complete answer within ${this.opts.timeoutMs}ms (limits.timeoutMs)`, { details: { timeoutMs: this.opts.timeoutMs } });
      }
      const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
      const why = typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : (err as Error).message;
      throw new HookflowError(AgentErrorCode.PROVIDER_NETWORK, this.redact(`openai: POST ${this.url} failed before an HTTP answer: ${why}`), { cause: err });
    } finally {
      globalThis.clearTimeout(timer);
    }
  }

  private async httpError(res: Response): Promise<HookflowError> {
    let text: string;
    try {
      text = await res.text();
    } catch (err) {
      text = `(body unreadable: ${(err as Error).message})`;
    }
    const excerpt = this.redact(text.replace(/\s+/g, ' ').trim().slice(0, BODY_EXCERPT));
    const retryAfterMs = parseRetryAfter(res.headers);
    const status = res.status;
    if (status === 429) {
      const wait = retryAfterMs === undefined ? '' : `; retry after ${retryAfterMs}ms`;
      return new HookflowError(ErrorCode.RATE_LIMITED, `openai: POST ${this.url} was rate limited (HTTP 429)${wait}: ${excerpt}`, {
        details: { status, body: excerpt, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) },
      });
    }
    const hint = status === 401 || status === 403 ? ' (check the API key variable)' : status === 404 ? ' (check the base URL and the model name)' : '';
    return new HookflowError(AgentErrorCode.PROVIDER_HTTP, `openai: POST ${this.url} failed with HTTP ${status}${hint}: ${excerpt}`, {
      details: { status, body: excerpt, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) },
      // 5xx and 408/409 may pass; other 4xx will fail the same way again.
      retryable: status >= 500 || status === 408 || status === 409,
    });
  }

  private cancelled(signal: AbortSignal): HookflowError {
    const reason = signal.reason instanceof Error ? signal.reason.message : String(signal.reason ?? 'aborted');
    return new HookflowError(ErrorCode.CANCELLED, `openai: request cancelled: ${reason}`, { cause: signal.reason, retryable: false });
  }

  private redact(text: string): string {
    const key = this.opts.apiKey;
    return key !== undefined && key.length >= 4 ? text.split(key).join('***') : text;
  }
}

function isTransient(err: unknown): boolean {
  if (!(err instanceof HookflowError)) return false;
  if (err.code === ErrorCode.RATE_LIMITED || err.code === AgentErrorCode.PROVIDER_NETWORK) return true;
  if (err.code !== AgentErrorCode.PROVIDER_HTTP) return false;
  const status = (err.details as { status?: unknown } | undefined)?.status;
  return typeof status === 'number' && TRANSIENT_STATUS.has(status);
}

function retryAfterOf(err: unknown): number | undefined {
  const v = (err as { details?: { retryAfterMs?: unknown } }).details?.retryAfterMs;
  return typeof v === 'number' ? v : undefined;
}
