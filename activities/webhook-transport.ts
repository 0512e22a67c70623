// One webhook POST over node:http(s): the answer (status, body cut at 20 KB, Retry-After) or what went wrong.
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';

/** Response bodies are logged up to this size. */
export const MAX_LOGGED_BODY_BYTES = 20 * 1024;

export type HttpAttempt =
  | { kind: 'response'; status: number; body: string; retryAfter: string | null; durationMs: number }
  | { kind: 'timeout' | 'network'; error: string; durationMs: number };

export interface WebhookRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  /** Resolves host names and refuses unsafe addresses (lib/net/ssrf.ts guardedLookup). */
  lookup: LookupFunction;
}

// Keep-alive pools shared by every endpoint a worker talks to. Redirects are never followed.
const AGENT_OPTIONS = { keepAlive: true, maxSockets: 64, maxFreeSockets: 16, timeout: 4_000, scheduling: 'lifo' as const };
const agents = { 'http:': new http.Agent(AGENT_OPTIONS), 'https:': new https.Agent(AGENT_OPTIONS) };

const utf8 = new TextDecoder();

/** Never rejects: whatever goes wrong, before or after sending, is an attempt of kind `network` or `timeout`. */
export function postWebhook(request: WebhookRequest): Promise<HttpAttempt> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const settle = (attempt: HttpAttempt) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(attempt);
    };
    let req: http.ClientRequest;
    try {
      const url = new URL(request.url);
      const protocol = url.protocol === 'https:' ? 'https:' : 'http:';
      const send = protocol === 'https:' ? https.request : http.request;
      req = send(url, {
        method: 'POST',
        agent: agents[protocol],
        lookup: request.lookup,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Relay-Webhooks/1.0',
          ...request.headers,
          'content-length': String(Buffer.byteLength(request.body)),
        },
      });
    } catch (err) {
      // Node refused to build the request (a header name or value it cannot send, say): nothing went out.
      const e = err as NodeJS.ErrnoException;
      return settle({ kind: 'network', error: `not sent: ${e.code ? `${e.code} ` : ''}${e.message}`, durationMs: elapsed() });
    }
    timer = setTimeout(() => {
      settle({ kind: 'timeout', error: `no answer within ${request.timeoutMs} ms`, durationMs: elapsed() });
      req.destroy();
    }, request.timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => {
      const reason = 'reason' in err && typeof err.reason === 'string' ? `: ${err.reason}` : '';
      settle({ kind: 'network', error: `${err.code ?? 'ERROR'} ${err.message}${reason}`.trim(), durationMs: elapsed() });
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const finish = () =>
        settle({
          kind: 'response',
          status: res.statusCode ?? 0,
          body: utf8.decode(Buffer.concat(chunks).subarray(0, MAX_LOGGED_BODY_BYTES)),
          retryAfter: typeof res.headers['retry-after'] === 'string' ? res.headers['retry-after'] : null,
          durationMs: elapsed(),
        });
      res.on('data', (chunk: Buffer) => {
        if (size >= MAX_LOGGED_BODY_BYTES) return;
        chunks.push(chunk);
        size += chunk.length;
        if (size >= MAX_LOGGED_BODY_BYTES) {
          finish();
          res.destroy();
        }
      });
      res.on('end', finish);
      res.on('error', finish);
    });
    // As bytes: a string body would be written together with the head in its encoding (UTF-8), turning a Latin-1
    // header value into two bytes per character; beside a Buffer, Node writes the head in Latin-1, as HTTP means it.
    req.end(Buffer.from(request.body, 'utf8'));
  });
}
