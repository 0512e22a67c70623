// The HTTP exchange with the SMS provider: one POST, an answer read up to MAX_RESPONSE_BYTES, or a transport error.
import http from 'node:http';
import https from 'node:https';

export const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * What one HTTP exchange produced: a (possibly truncated) answer, or a transport error. `written` tells whether the
 * whole request had been handed to the connection before the error: only then may the provider have acted on it.
 */
/** An answer (with its Retry-After header, raw, when there was one) or an error. */
export type Exchange = { status: number; text: string; truncated: boolean; retryAfter?: string } | { error: unknown; written: boolean };

const retryAfterOf = (value: string | string[] | null | undefined): { retryAfter?: string } =>
  typeof value === 'string' && value !== '' ? { retryAfter: value } : {};
/**
 * Starts one exchange and reports it through `done` (at most once). The handle cancels it, and tells whether the
 * whole request has been written yet (a timeout before that is a request the provider never got).
 */
export type Transport = (path: string, body: string, done: (result: Exchange) => void) => { cancel(): void; written(): boolean };

/** Errors raised before a connection exists: the provider cannot have seen the request. */
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);

const utf8 = new TextDecoder();

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

/**
 * node:http / node:https `request` over a keep-alive Agent owned by the provider instance. Deliberately not global
 * fetch: at thousands of sends per second undici's fetch machinery and web streams dominated the worker's CPU.
 * Throws at boot on a URL every send would fail with.
 */
export function httpTransport(base: string, baseHeaders: Record<string, string>): { transport: Transport; close(): void } {
  const target = new URL(base);
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    throw new Error(`unsupported provider URL protocol: ${target.protocol}`);
  }
  if (target.username || target.password) throw new Error('provider URL must not include credentials');
  const agent = target.protocol === 'https:' ? new https.Agent(AGENT_OPTIONS) : new http.Agent(AGENT_OPTIONS);
  const request = target.protocol === 'https:' ? https.request : http.request;
  const hostname = target.hostname.startsWith('[') ? target.hostname.slice(1, -1) : target.hostname; // IPv6 literal
  const port = target.port || undefined;
  const prefix = target.pathname.replace(/\/+$/, '');

  const transport: Transport = (path, body, done) => {
    const headers = { ...baseHeaders, 'content-length': String(Buffer.byteLength(body)) };
    let finished = false;
    let written = false;
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
        finish({ error: err, written });
      });
      req.on('finish', () => {
        if (current === req) written = true; // the whole request is on the wire
      });
      req.on('response', (res: http.IncomingMessage) => {
        answered = true;
        const status = res.statusCode ?? 0;
        const retryAfter = retryAfterOf(res.headers['retry-after']);
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          if (finished) return;
          const room = MAX_RESPONSE_BYTES - size;
          if (chunk.length > room) {
            chunks.push(chunk.subarray(0, room));
            finish({ status, text: decode(chunks), truncated: true, ...retryAfter });
            req.destroy(); // drop the rest; the connection is not reused
            return;
          }
          chunks.push(chunk);
          size += chunk.length;
        });
        res.on('end', () => finish({ status, text: decode(chunks), truncated: false, ...retryAfter }));
        res.on('error', (err) => finish({ error: err, written: true }));
        res.on('close', () => {
          if (!res.complete) finish({ error: new Error('connection closed before the answer was complete'), written: true });
        });
      });
      req.end(body);
    };

    attempt(true);
    return {
      // Finished first: the destroy's own 'error' must not look like a stale pooled connection and send it again.
      cancel: () => {
        finished = true;
        current.destroy();
      },
      written: () => written,
    };
  };
  return { transport, close: () => agent.destroy() };
}

function errorCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; cause?: { code?: unknown } } | undefined;
  const code = e?.code ?? e?.cause?.code;
  return typeof code === 'string' ? code : undefined;
}

function decode(chunks: Buffer[]): string {
  if (chunks.length === 0) return '';
  return utf8.decode(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
}

/** Test seam: the same exchange through an injected fetch. */
export function fetchTransport(doFetch: typeof fetch, base: string, headers: Record<string, string>): { transport: Transport; close(): void } {
  const transport: Transport = (path, body, done) => {
    const controller = new AbortController();
    let answered = false;
    doFetch(`${base}${path}`, { method: 'POST', headers, body, signal: controller.signal, redirect: 'manual' })
      .then(async (res) => {
        answered = true;
        return { status: res.status, ...retryAfterOf(res.headers.get('retry-after')), ...(await readLimited(res, MAX_RESPONSE_BYTES)) };
      })
      // fetch does not say whether the request went out: only errors known to come before a connection say no.
      .then(done, (error: unknown) => done({ error, written: answered || !NOT_CONNECTED.has(errorCode(error) ?? '') }));
    return { cancel: () => controller.abort(), written: () => true };
  };
  return { transport, close: () => undefined };
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
