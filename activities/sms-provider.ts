/**
 * HTTP client for the external SMS provider: POST {base}/send/{msgId}, Bearer JWT, body {id, phone, text}.
 * Success is HTTP 200 with JSON {code: 0}. The message id is the provider's idempotency key, so any
 * transient outcome may be retried with the same id.
 *
 * Never throws for provider misbehaviour; it only throws when the caller's own signal aborted.
 *
 * Transport: node:http / node:https `request` over a keep-alive Agent owned by the provider instance, with a plain
 * timer for the timeout and a direct 'abort' listener on the caller's signal. This is deliberately not global
 * fetch: at thousands of sends per second undici's fetch machinery, web streams and AbortSignal.any/timeout
 * dominated the worker's CPU profile.
 */

import http from 'node:http';
import https from 'node:https';

export type SendOutcome =
  | { ok: true; durationMs: number }
  | {
      ok: false;
      /** transient: retry later with the same id; rejected: the message itself is bad; unauthorized: our credentials are bad. */
      kind: 'transient' | 'rejected' | 'unauthorized';
      error: string;
      status?: number;
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

const MAX_RESPONSE_BYTES = 64 * 1024;
const PREVIEW_CHARS = 200;
const TRANSIENT_STATUSES = new Set([408, 425, 429]);
/** setTimeout fires immediately (with a warning) above this; longer timeouts are clamped to it (~24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Keep-alive pool, one per provider instance (everything goes to one origin, so the limits are per provider):
 * - maxSockets 256: concurrent connections to the provider. The default worker runs up to 20 activities x
 *   SEND_CONCURRENCY (50) sends; sends beyond 256 wait in the agent's queue for a free connection, and that wait
 *   counts towards their timeout. This bounds file descriptors/ephemeral ports and the load on the provider.
 * - maxFreeSockets 256: idle connections kept for reuse, so a burst's connections survive until the next burst.
 * - timeout 4 s: an idle pooled connection is closed after this, below Node's default server keepAliveTimeout (5 s)
 *   so we rarely reuse a connection the server is closing. A server's `Keep-Alive: timeout=N` hint lowers it to
 *   N s - 1 s. It only closes idle sockets: requests in flight are bounded by our own timer, not by this.
 * - keepAliveMsecs 1 s: TCP keep-alive probes on pooled connections.
 * - scheduling 'lifo': reuse the most recently used connection, so surplus connections go idle and get closed.
 */
const AGENT_OPTIONS: http.AgentOptions = {
  keepAlive: true,
  keepAliveMsecs: 1_000,
  maxSockets: 256,
  maxFreeSockets: 256,
  timeout: 4_000,
  scheduling: 'lifo',
};

/** What one HTTP exchange produced: a (possibly truncated) answer or a transport error. */
type Exchange = { status: number; text: string; truncated: boolean } | { error: unknown };
/** Starts one exchange, reports it through `done` (at most once) and returns a function that cancels it. */
type Transport = (path: string, body: string, done: (result: Exchange) => void) => () => void;

const utf8 = new TextDecoder();

export function createSmsProvider(options: SmsProviderOptions): SmsProvider {
  const base = new URL(options.baseUrl).toString().replace(/\/+$/, ''); // invalid URL is a config error: throw at boot
  const headers = {
    authorization: `Bearer ${options.token}`,
    'content-type': 'application/json',
    accept: 'application/json',
  };
  let agent: http.Agent | undefined;
  const transport: Transport = options.fetch
    ? fetchTransport(options.fetch, base, headers)
    : (() => {
        const target = new URL(base);
        // Config errors: throw at boot (fetch would have failed every single send on them).
        if (target.protocol !== 'http:' && target.protocol !== 'https:') {
          throw new Error(`unsupported provider URL protocol: ${target.protocol}`);
        }
        if (target.username || target.password) throw new Error('provider URL must not include credentials');
        agent = target.protocol === 'https:' ? new https.Agent(AGENT_OPTIONS) : new http.Agent(AGENT_OPTIONS);
        return httpTransport(target, agent, headers);
      })();
  // Belt and braces: a provider or proxy could echo our Authorization header back in a body we quote.
  // Tokens too short to be real (test tokens like 't') are not redacted, or every error would be mangled.
  const redact = (s: string): string => (options.token.length >= 8 ? s.split(options.token).join('[redacted]') : s);

  return {
    async send(msg, callOptions = {}) {
      const started = performance.now();
      const elapsed = (): number => Math.round(performance.now() - started);
      const fail = (kind: 'transient' | 'rejected' | 'unauthorized', error: string, status?: number): SendOutcome => ({
        ok: false,
        kind,
        error: redact(error),
        ...(status !== undefined ? { status } : {}),
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
      const result = await new Promise<Exchange | 'aborted'>((resolve) => {
        let settled = false;
        let cancel: (() => void) | undefined;
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
          settle({ error: new Error('timeout') });
          cancel?.();
        }, Math.min(timeoutMs, MAX_TIMER_MS));
        callerSignal?.addEventListener('abort', onAbort);
        const body = JSON.stringify({ id: msg.id, phone: Number(msg.phone), text: msg.text });
        cancel = transport(`/send/${msg.id}`, body, settle);
        if (settled && callerSignal?.aborted) cancel(); // aborted synchronously while the request was being started
      });

      if (result === 'aborted' || 'error' in result) {
        if (callerSignal?.aborted) throw callerSignal.reason; // we are being cancelled: not an outcome
        if (timedOut) return fail('transient', `timeout after ${timeoutMs} ms`);
        return fail('transient', `network error: ${describeError((result as { error: unknown }).error)}`);
      }

      const { status } = result;
      const preview = result.text.slice(0, PREVIEW_CHARS);
      if (status >= 200 && status < 300) {
        if (!result.truncated && isOkAnswer(parseJson(result.text))) return { ok: true, durationMs: elapsed() };
        return fail('transient', `garbage answer: ${JSON.stringify(preview)}`, status);
      }
      const httpError = `HTTP ${status}${preview ? `: ${preview}` : ''}`;
      if (status === 401 || status === 403) return fail('unauthorized', httpError, status);
      if (TRANSIENT_STATUSES.has(status) || status >= 500) return fail('transient', httpError, status);
      if (status >= 400) return fail('rejected', httpError, status);
      // 1xx/3xx: the provider (or something in front of it) is misconfigured; retrying is the safe choice.
      return fail('transient', `unexpected ${httpError}`, status);
    },
    close() {
      agent?.destroy();
    },
  };
}

/** Same contract as the AbortSignal.timeout(ms) the client used before: a non-negative integer up to 2^32 - 1. */
function validateTimeout(ms: unknown): asserts ms is number {
  if (typeof ms !== 'number') throw new TypeError(`The "timeoutMs" argument must be of type number. Received ${typeof ms}`);
  if (!Number.isInteger(ms) || ms < 0 || ms > 0xffff_ffff) {
    throw new RangeError(`The value of "timeoutMs" is out of range. It must be an integer >= 0 && <= 4294967295. Received ${ms}`);
  }
}

function httpTransport(target: URL, agent: http.Agent, baseHeaders: Record<string, string>): Transport {
  const request = target.protocol === 'https:' ? https.request : http.request;
  const hostname = target.hostname.startsWith('[') ? target.hostname.slice(1, -1) : target.hostname; // IPv6 literal
  const port = target.port || undefined;
  const prefix = target.pathname.replace(/\/+$/, '');

  return (path, body, done) => {
    const headers = { ...baseHeaders, 'content-length': String(Buffer.byteLength(body)) };
    let finished = false;
    let current: http.ClientRequest;
    const finish = (r: Exchange): void => {
      if (finished) return;
      finished = true;
      done(r);
    };

    const attempt = (mayRetry: boolean): void => {
      const req = request({ agent, hostname, port, path: prefix + path, method: 'POST', headers, protocol: target.protocol });
      current = req;
      let answered = false;
      // Listeners stay attached after we finish: a late 'error' from a destroyed request must not go unhandled.
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (finished || current !== req) return;
        // A pooled connection the server closed while idle fails on reuse before any answer. The request cannot have
        // been processed, and the message id makes a resend idempotent anyway: retry once on a fresh attempt.
        if (mayRetry && !answered && req.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE')) {
          attempt(false);
          return;
        }
        finish({ error: err });
      });
      req.on('response', (res: http.IncomingMessage) => {
        answered = true;
        const status = res.statusCode ?? 0;
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          if (finished) return;
          const room = MAX_RESPONSE_BYTES - size;
          if (chunk.length > room) {
            chunks.push(chunk.subarray(0, room));
            finish({ status, text: decode(chunks), truncated: true });
            req.destroy(); // drop the rest; the connection is not reused
            return;
          }
          chunks.push(chunk);
          size += chunk.length;
        });
        res.on('end', () => finish({ status, text: decode(chunks), truncated: false }));
        res.on('error', (err) => finish({ error: err }));
        res.on('close', () => {
          if (!res.complete) finish({ error: new Error('connection closed before the answer was complete') });
        });
      });
      req.end(body);
    };

    attempt(true);
    return () => current.destroy();
  };
}

function decode(chunks: Buffer[]): string {
  if (chunks.length === 0) return '';
  return utf8.decode(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
}

function fetchTransport(doFetch: typeof fetch, base: string, headers: Record<string, string>): Transport {
  return (path, body, done) => {
    const controller = new AbortController();
    doFetch(`${base}${path}`, { method: 'POST', headers, body, signal: controller.signal, redirect: 'manual' })
      .then(async (res) => ({ status: res.status, ...(await readLimited(res, MAX_RESPONSE_BYTES)) }))
      .then(done, (error: unknown) => done({ error }));
    return () => controller.abort();
  };
}

/** Reads at most `limit` bytes of the body, then cancels the rest. */
async function readLimited(res: Response, limit: number): Promise<{ text: string; truncated: boolean }> {
  if (!res.body) return { text: '', truncated: false };
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const room = limit - size;
    if (value.byteLength > room) {
      chunks.push(value.subarray(0, room));
      size = limit;
      truncated = true;
      reader.cancel().catch(() => undefined);
      break;
    }
    chunks.push(value);
    size += value.byteLength;
  }
  return { text: utf8.decode(Buffer.concat(chunks)), truncated };
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

function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause as { code?: unknown; message?: unknown } | undefined;
  const detail = cause && typeof cause === 'object' ? [cause.code, cause.message].filter((x) => typeof x === 'string').join(' ') : '';
  if (detail) return `${err.message} (${detail})`;
  // node:http errors carry the code on the error itself; most messages already include it ("connect ECONNREFUSED ...").
  const code = (err as NodeJS.ErrnoException).code;
  return typeof code === 'string' && !err.message.includes(code) ? `${err.message} (${code})` : err.message;
}
