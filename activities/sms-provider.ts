/**
 * HTTP client for the external SMS provider: POST {base}/send/{msgId}, Bearer JWT, body {id, phone, text}.
 * Success is HTTP 200 with JSON {code: 0}. A provider answer other than that (an error status) means the message was
 * not taken and may be retried; no usable answer to a request that was fully written (a timeout, a connection lost
 * mid-answer, a garbled 2xx) is 'unknown': the provider may have sent the SMS, so only a provider known to dedupe by
 * message id may be asked again.
 *
 * Never throws for provider misbehaviour; it only throws when the caller's own signal aborted.
 *
 * This file classifies answers; the HTTP exchange itself is in sms-transport.ts. Timeouts are a plain timer and the
 * caller's signal a direct 'abort' listener (AbortSignal.any/timeout showed up in the worker's CPU profile).
 */

import { parseRetryAfter } from '../lib/webhooks/retry-after';
import { fetchTransport, httpTransport, type Exchange, type Transport } from './sms-transport';

export type SendOutcome =
  | { ok: true; durationMs: number }
  | {
      ok: false;
      /**
       * transient: not taken, retry later with the same id; rejected: the message itself is bad; unauthorized: our
       * credentials are bad; unknown: the request reached the provider but no usable answer came back.
       */
      kind: 'transient' | 'rejected' | 'unauthorized' | 'unknown';
      error: string;
      status?: number;
      /** A 429 / 503 with a readable Retry-After: how long the provider asked us to wait (ms, at most 1 hour). */
      retryAfterMs?: number;
      durationMs: number;
    };

export interface SmsMessage { id: number; phone: string; text: string }

export interface SmsProvider {
  send(msg: SmsMessage, options?: { signal?: AbortSignal; timeoutMs?: number }): Promise<SendOutcome>;
  /**
   * Destroys the keep-alive agent: pooled idle connections are closed at once and sends still in flight end as
   * transient network errors. Call it when the provider is no longer used (e.g. on worker shutdown).
   */
  close?(): void;
}

export interface SmsProviderOptions {
  baseUrl: string;
  token: string;
  timeoutMs: number;
  /** Test seam: when given, requests go through this fetch instead of the node:http transport. */
  fetch?: typeof fetch;
}

const PREVIEW_CHARS = 200;
const TRANSIENT_STATUSES = new Set([408, 425, 429]);
/** A provider asking for a longer pause than this is taken as asking for this long. */
export const MAX_PROVIDER_RETRY_AFTER_MS = 60 * 60_000;
/** setTimeout fires immediately (with a warning) above this; longer timeouts are clamped to it (~24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

export function createSmsProvider(options: SmsProviderOptions): SmsProvider {
  const base = new URL(options.baseUrl).toString().replace(/\/+$/, ''); // invalid URL is a config error: throw at boot
  const headers = {
    authorization: `Bearer ${options.token}`,
    'content-type': 'application/json',
    accept: 'application/json',
  };
  const { transport, close } = options.fetch ? fetchTransport(options.fetch, base, headers) : httpTransport(base, headers);
  // Belt and braces: a provider or proxy could echo our Authorization header back in a body we quote.
  // Tokens too short to be real (test tokens like 't') are not redacted, or every error would be mangled.
  const redact = (s: string): string => (options.token.length >= 8 ? s.split(options.token).join('[redacted]') : s);

  return {
    async send(msg, callOptions = {}) {
      const started = performance.now();
      const elapsed = (): number => Math.round(performance.now() - started);
      const fail = (kind: 'transient' | 'rejected' | 'unauthorized' | 'unknown', error: string, status?: number, retryAfterMs?: number | null): SendOutcome => ({
        ok: false,
        kind,
        error: redact(error),
        ...(status !== undefined ? { status } : {}),
        ...(retryAfterMs !== undefined && retryAfterMs !== null ? { retryAfterMs: Math.min(retryAfterMs, MAX_PROVIDER_RETRY_AFTER_MS) } : {}),
        durationMs: elapsed(),
      });

      const callerSignal = callOptions.signal;
      callerSignal?.throwIfAborted();
      if (!Number.isSafeInteger(msg.id) || msg.id < 0) return fail('rejected', `invalid message id: ${String(msg.id)}`);
      if (typeof msg.phone !== 'string' || !/^\d{11}$/.test(msg.phone)) {
        return fail('rejected', 'invalid phone: expected 11 digits like 7XXXXXXXXXX');
      }
      if (typeof msg.text !== 'string') return fail('rejected', 'invalid text: expected a string');

      const timeoutMs = callOptions.timeoutMs ?? options.timeoutMs;
      validateTimeout(timeoutMs);

      let timedOut = false;
      let handle: ReturnType<Transport> | undefined;
      let writtenAtTimeout = false;
      const result = await new Promise<Exchange | 'aborted'>((resolve) => {
        let settled = false;
        const cancel = (): void => handle?.cancel();
        const settle = (r: Exchange | 'aborted'): void => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          callerSignal?.removeEventListener('abort', onAbort);
          resolve(r);
        };
        const onAbort = (): void => {
          settle('aborted');
          cancel?.();
        };
        const timer = setTimeout(() => {
          timedOut = true;
          writtenAtTimeout = handle?.written() ?? false;
          settle({ error: new Error('timeout'), written: writtenAtTimeout });
          cancel();
        }, Math.min(timeoutMs, MAX_TIMER_MS));
        callerSignal?.addEventListener('abort', onAbort);
        const body = JSON.stringify({ id: msg.id, phone: Number(msg.phone), text: msg.text });
        handle = transport(`/send/${msg.id}`, body, settle);
        if (settled && callerSignal?.aborted) cancel(); // aborted synchronously while the request was being started
      });

      if (result === 'aborted' || 'error' in result) {
        if (callerSignal?.aborted) throw callerSignal.reason; // we are being cancelled: not an outcome
        if (timedOut) {
          return writtenAtTimeout
            ? fail('unknown', `no answer within ${timeoutMs} ms`)
            : fail('transient', `timeout after ${timeoutMs} ms before the request was sent`);
        }
        const { error, written } = result as { error: unknown; written: boolean };
        return fail(written ? 'unknown' : 'transient', `network error${written ? ' after the request was sent' : ''}: ${describeError(error)}`);
      }

      const { status } = result;
      const preview = result.text.slice(0, PREVIEW_CHARS);
      if (status >= 200 && status < 300) {
        const answer = result.truncated ? undefined : parseJson(result.text);
        if (isOkAnswer(answer)) return { ok: true, durationMs: elapsed() };
        const code = errorCodeOf(answer);
        if (code !== undefined) return fail('transient', `provider error code ${code}: ${JSON.stringify(preview)}`, status);
        // The provider took the request (2xx) but its answer cannot be read: it may well have sent the SMS.
        return fail('unknown', `unreadable ${status} answer: ${JSON.stringify(preview)}`, status);
      }
      const httpError = `HTTP ${status}${preview ? `: ${preview}` : ''}`;
      if (status === 401 || status === 403) return fail('unauthorized', httpError, status);
      if (TRANSIENT_STATUSES.has(status) || status >= 500) {
        const retryAfterMs = status === 429 || status === 503 ? parseRetryAfter(result.retryAfter, Date.now()) : null;
        return fail('transient', httpError, status, retryAfterMs);
      }
      if (status >= 400) return fail('rejected', httpError, status);
      // 1xx/3xx: the provider (or something in front of it) is misconfigured; retrying is the safe choice.
      return fail('transient', `unexpected ${httpError}`, status);
    },
    close,
  };
}

/** Same contract as the AbortSignal.timeout(ms) the client used before: a non-negative integer up to 2^32 - 1. */
function validateTimeout(ms: unknown): asserts ms is number {
  if (typeof ms !== 'number') throw new TypeError(`The "timeoutMs" argument must be of type number. Received ${typeof ms}`);
  if (!Number.isInteger(ms) || ms < 0 || ms > 0xffff_ffff) {
    throw new RangeError(`The value of "timeoutMs" is out of range. It must be an integer >= 0 && <= 4294967295. Received ${ms}`);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isOkAnswer(answer: unknown): boolean {
  return typeof answer === 'object' && answer !== null && !Array.isArray(answer) && (answer as { code?: unknown }).code === 0;
}

/** The provider's own error code in a readable answer ({code: N}, N a number other than 0). */
function errorCodeOf(answer: unknown): number | undefined {
  if (typeof answer !== 'object' || answer === null || Array.isArray(answer)) return undefined;
  const code = (answer as { code?: unknown }).code;
  return typeof code === 'number' && code !== 0 ? code : undefined;
}

function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause as { code?: unknown; message?: unknown } | undefined;
  const detail = cause && typeof cause === 'object' ? [cause.code, cause.message].filter((x) => typeof x === 'string').join(' ') : '';
  if (detail) return `${err.message} (${detail})`;
  // node:http errors carry the code on the error itself; most messages already include it ("connect ECONNREFUSED ...").
  const code = (err as NodeJS.ErrnoException).code;
  return typeof code === 'string' && !err.message.includes(code) ? `${err.message} (${code})` : err.message;
}
