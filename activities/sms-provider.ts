/**
 * HTTP client for the external SMS provider: POST {base}/send/{msgId}, Bearer JWT, body {id, phone, text}.
 * Success is HTTP 200 with JSON {code: 0}. The message id is the provider's idempotency key, so any
 * transient outcome may be retried with the same id.
 *
 * Never throws for provider misbehaviour; it only throws when the caller's own signal aborted.
 */

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
}

export interface SmsProviderOptions { baseUrl: string; token: string; timeoutMs: number; fetch?: typeof fetch }

const MAX_RESPONSE_BYTES = 64 * 1024;
const PREVIEW_CHARS = 200;
const TRANSIENT_STATUSES = new Set([408, 425, 429]);

export function createSmsProvider(options: SmsProviderOptions): SmsProvider {
  const base = new URL(options.baseUrl).toString().replace(/\/+$/, ''); // invalid URL is a config error: throw at boot
  const doFetch: typeof fetch = options.fetch ?? ((input, init) => fetch(input, init));
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
      const timeoutSignal = AbortSignal.timeout(timeoutMs);
      const signal = callerSignal ? AbortSignal.any([callerSignal, timeoutSignal]) : timeoutSignal;

      let status: number;
      let body: { text: string; truncated: boolean };
      try {
        const res = await doFetch(`${base}/send/${msg.id}`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${options.token}`,
            'content-type': 'application/json',
            accept: 'application/json',
          },
          body: JSON.stringify({ id: msg.id, phone: Number(msg.phone), text: msg.text }),
          signal,
          redirect: 'manual',
        });
        status = res.status;
        body = await readLimited(res, MAX_RESPONSE_BYTES);
      } catch (err) {
        if (callerSignal?.aborted) throw callerSignal.reason; // we are being cancelled: not an outcome
        if (timeoutSignal.aborted) return fail('transient', `timeout after ${timeoutMs} ms`);
        return fail('transient', `network error: ${describeError(err)}`);
      }

      const preview = body.text.slice(0, PREVIEW_CHARS);
      if (status >= 200 && status < 300) {
        if (!body.truncated && isOkAnswer(parseJson(body.text))) return { ok: true, durationMs: elapsed() };
        return fail('transient', `garbage answer: ${JSON.stringify(preview)}`, status);
      }
      const httpError = `HTTP ${status}${preview ? `: ${preview}` : ''}`;
      if (status === 401 || status === 403) return fail('unauthorized', httpError, status);
      if (TRANSIENT_STATUSES.has(status) || status >= 500) return fail('transient', httpError, status);
      if (status >= 400) return fail('rejected', httpError, status);
      // 1xx/3xx: the provider (or something in front of it) is misconfigured; retrying is the safe choice.
      return fail('transient', `unexpected ${httpError}`, status);
    },
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
  return { text: new TextDecoder().decode(Buffer.concat(chunks)), truncated };
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
  return detail ? `${err.message} (${detail})` : err.message;
}
