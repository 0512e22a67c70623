// GET JSON from an upstream API for a sync: timeouts, the SSRF guard on every connection, a size cap, and statuses
// turned into the typed errors of ./errors so providers only handle the happy path.
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { assertSafeUrl, guardedLookup, UnsafeUrlError, type UrlPolicy } from '../net/ssrf';
import { parseRetryAfter } from '../webhooks/retry-after';
import { hostAllowed } from './allowed-hosts';
import { IntegrationAuthError, ProviderConfigError, RateLimitedError, UpstreamError } from './errors';

export interface HttpResponse {
  status: number;
  /** Lower-case names; repeated headers joined with ', '. */
  headers: Record<string, string>;
  body: unknown;
  url: string;
}

export interface HttpRequest {
  headers?: Record<string, string>;
  /** Added to the URL's query string (undefined values skipped). */
  query?: Record<string, string | number | boolean | undefined>;
}

export interface HttpClient {
  getJson(url: string, request?: HttpRequest): Promise<HttpResponse>;
}

export interface HttpClientOptions {
  policy: UrlPolicy;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Bodies larger than this fail the page (not retried: a smaller page size is the fix). */
  maxBodyBytes?: number;
  now?: () => number;
  /**
   * The integration's credential: its auth header values and secret fields. A request with a header carrying any of
   * them (however the provider built the header) goes only to one of the credential's allowed hosts.
   */
  credential?: { values: readonly string[]; allowedHosts: readonly string[] };
}

function carriesCredential(headers: Record<string, string>, values: readonly string[]): boolean {
  const secrets = values.filter((v) => v.length >= 4);
  return Object.values(headers).some((header) => secrets.some((secret) => header.includes(secret)));
}

const DEFAULT_MAX_BODY = 32 * 1024 * 1024;
const MAX_REDIRECTS = 3;
const AGENT_OPTIONS = { keepAlive: true, maxSockets: 16, timeout: 30_000 };
type Agents = { 'http:': http.Agent; 'https:': https.Agent };
// Keep-alive pools per URL policy: a socket opened under a laxer allowlist must never serve a stricter client (a reused
// connection skips the lookup that enforces the policy).
const agentsByPolicy = new Map<string, Agents>();
function agentsFor(policy: UrlPolicy): Agents {
  const key = JSON.stringify(policy);
  let agents = agentsByPolicy.get(key);
  if (!agents) {
    agents = { 'http:': new http.Agent(AGENT_OPTIONS), 'https:': new https.Agent(AGENT_OPTIONS) };
    agentsByPolicy.set(key, agents);
  }
  return agents;
}

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

function flattenHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  return out;
}

function get(url: URL, headers: Record<string, string>, options: HttpClientOptions, lookup: ReturnType<typeof guardedLookup>): Promise<RawAnswer> {
  const protocol = url.protocol === 'https:' ? 'https:' : 'http:';
  const send = protocol === 'https:' ? https.request : http.request;
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  return new Promise((resolve, reject) => {
    const req = send(url, { method: 'GET', agent: agentsFor(options.policy)[protocol], lookup, headers: { accept: 'application/json', 'user-agent': 'Relay-Integrations/1.0', ...headers } });
    const fail = (error: Error) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      req.destroy();
      reject(error);
    };
    const onAbort = () => fail(new UpstreamError(`request to ${url.origin} cancelled`, null, true));
    const timer = setTimeout(() => fail(new UpstreamError(`no answer from ${url.origin} within ${options.timeoutMs} ms`, null, true)), options.timeoutMs);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (err: NodeJS.ErrnoException) => {
      const reason = 'reason' in err && typeof err.reason === 'string' ? `: ${err.reason}` : '';
      if (err instanceof UnsafeUrlError) fail(new ProviderConfigError(`${url.origin} is not allowed: ${err.reason}`));
      else fail(new UpstreamError(`${url.origin} unreachable: ${err.code ?? ''} ${err.message}${reason}`.replace(/\s+/g, ' '), null, true, null, { cause: err }));
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        // Not retried: the same request gets the same answer; a smaller page size is the fix.
        if (size > maxBody) fail(new UpstreamError(`answer from ${url.origin} larger than ${maxBody} bytes: use a smaller page size`, res.statusCode ?? null, false));
        else chunks.push(chunk);
      });
      res.on('error', (err) => fail(new UpstreamError(`answer from ${url.origin} cut off: ${err.message}`, res.statusCode ?? null, true)));
      res.on('end', () => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        resolve({ status: res.statusCode ?? 0, headers: flattenHeaders(res.headers), body: Buffer.concat(chunks) });
      });
    });
    req.end();
  });
}

/** A short, safe excerpt of an error answer for run records (never the request's headers). */
function excerpt(body: Buffer): string {
  // Control characters (NUL cannot even be stored) become spaces: an excerpt is for reading.
  const text = body.subarray(0, 300).toString('utf8').replace(/[\s\u0000-\u001f\u007f]+/g, ' ').trim();
  return text ? `: ${text}` : '';
}

/** Maps a non-2xx answer to the error that decides whether and when the page is tried again. */
export function errorForStatus(answer: RawAnswer, url: URL, now: number): Error {
  const { status, headers } = answer;
  const where = `${url.origin}${url.pathname}`;
  const retryAfterMs = parseRetryAfter(headers['retry-after'], now);
  // GitHub's (and others') quota reset, in epoch seconds, when the answer says the quota is used up.
  const reset = Number(headers['x-ratelimit-reset']);
  const resetMs = headers['x-ratelimit-remaining'] === '0' && Number.isFinite(reset) ? Math.max(0, reset * 1000 - now) : null;
  if (status === 429) return new RateLimitedError(`${where} answered 429 Too Many Requests`, retryAfterMs ?? resetMs);
  // GitHub's primary rate limit.
  if (status === 403 && headers['x-ratelimit-remaining'] === '0') return new RateLimitedError(`${where} rate limit exhausted`, retryAfterMs ?? resetMs);
  // GitHub's secondary rate limit: 403 with Retry-After, or without one and a body saying so (wait at least a minute).
  if (status === 403 && retryAfterMs !== null) return new RateLimitedError(`${where} asked to slow down (403 with Retry-After)`, retryAfterMs);
  if (status === 403 && /secondary rate limit|abuse/i.test(answer.body.subarray(0, 2_000).toString('utf8'))) {
    return new RateLimitedError(`${where} asked to slow down (secondary rate limit)`, 60_000);
  }
  if (status === 401 || status === 403) return new IntegrationAuthError(`${where} refused the credentials (${status})${excerpt(answer.body)}`, status);
  if (status === 408 || status >= 500) return new UpstreamError(`${where} answered ${status}${excerpt(answer.body)}`, status, true, retryAfterMs);
  return new UpstreamError(`${where} answered ${status}${excerpt(answer.body)}`, status, false);
}

export function createHttpClient(options: HttpClientOptions): HttpClient {
  const lookup = guardedLookup(options.policy);
  const now = options.now ?? Date.now;
  return {
    async getJson(rawUrl, request = {}) {
      let url = new URL(rawUrl);
      for (const [key, value] of Object.entries(request.query ?? {})) if (value !== undefined) url.searchParams.set(key, String(value));
      for (let hop = 0; ; hop++) {
        if (options.signal?.aborted) throw new UpstreamError('cancelled', null, true);
        if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UpstreamError(`${url.protocol} URLs are not supported`, null, false);
        if (options.policy.httpsOnly && url.protocol !== 'https:') throw new UpstreamError(`${url.origin}: only https is allowed`, null, false);
        const credential = options.credential;
        if (credential && carriesCredential(request.headers ?? {}, credential.values) && !hostAllowed(credential.allowedHosts, url.hostname)) {
          throw new ProviderConfigError(`the credential may not be sent to ${url.hostname} (its allowed hosts: ${credential.allowedHosts.join(', ') || 'none'})`);
        }
        // Literal IPs never reach the lookup: check them here (names are checked by the lookup at connect time).
        if (isIP(url.hostname.replace(/^\[|\]$/g, '')) !== 0) {
          await assertSafeUrl(url.toString(), options.policy).catch((err: unknown) => {
            throw err instanceof UnsafeUrlError ? new ProviderConfigError(`${url.origin} is not allowed: ${err.reason}`) : err;
          });
        }
        const answer = await get(url, request.headers ?? {}, options, lookup);
        const location = answer.headers.location;
        if (answer.status >= 300 && answer.status < 400 && location) {
          if (hop >= MAX_REDIRECTS) throw new UpstreamError(`${url.origin} redirected more than ${MAX_REDIRECTS} times`, answer.status, false);
          const next = new URL(location, url);
          // Credentials go only where they were meant to: redirects to another origin are not followed.
          if (next.origin !== url.origin) throw new UpstreamError(`${url.origin} redirected to another origin (${next.origin})`, answer.status, false);
          url = next;
          continue;
        }
        if (answer.status < 200 || answer.status >= 300) throw errorForStatus(answer, url, now());
        let body: unknown;
        try {
          body = answer.body.length === 0 ? null : JSON.parse(answer.body.toString('utf8'));
        } catch {
          // Garbage labelled JSON may be a passing glitch (retried); an HTML page means a wrong URL (not retried).
          const labelledJson = /json/i.test(answer.headers['content-type'] ?? 'application/json');
          throw new UpstreamError(
            `${url.origin}${url.pathname} answered ${answer.status} with a body that is not JSON (${answer.headers['content-type'] ?? 'no content type'})${excerpt(answer.body)}`,
            answer.status,
            labelledJson,
          );
        }
        return { status: answer.status, headers: answer.headers, body, url: url.toString() };
      }
    },
  };
}

/** The URL of `rel="next"` in an RFC 8288 Link header, or null (commas inside <...> or quotes do not split links). */
export function nextLink(link: string | undefined): string | null {
  if (!link) return null;
  const links = /<([^>]*)>((?:\s*;\s*[^;,=\s]+(?:\s*=\s*(?:"[^"]*"|[^;,\s]*))?)*)/g;
  for (const match of link.matchAll(links)) {
    const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^;,\s]*))/i.exec(match[2]);
    const rels = (rel?.[1] ?? rel?.[2] ?? '').toLowerCase().split(/\s+/);
    if (rels.includes('next')) return match[1];
  }
  return null;
}
