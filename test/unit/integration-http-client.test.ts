import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { IntegrationAuthError, ProviderConfigError, RateLimitedError, UpstreamError } from '../../lib/integrations/errors';
import { createHttpClient, nextLink, type HttpClientOptions } from '../../lib/integrations/http-client';

// A fixed clock (a whole second) so Retry-After dates and rate-limit resets give exact waits.
const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const LOCAL: HttpClientOptions['policy'] = { allowlist: ['127.0.0.1'], httpsOnly: false };

interface Seen {
  path: string;
  query: Record<string, string>;
  headers: http.IncomingHttpHeaders;
}
type Route = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/** A local server answering by path; `seen` logs every request. */
async function serve(t: { after: (fn: () => Promise<void>) => void }, routes: Record<string, Route>) {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    seen.push({ path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers });
    const route = routes[url.pathname];
    if (route) route(req, res);
    else res.writeHead(404).end('{"error":"not found"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { port: (server.address() as AddressInfo).port, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

const client = (options: Partial<HttpClientOptions> = {}) => createHttpClient({ policy: LOCAL, timeoutMs: 2_000, now: () => NOW, ...options });
const answer = (status: number, body: string, headers: Record<string, string> = {}): Route => (_req, res) => void res.writeHead(status, headers).end(body);

test('a JSON answer comes back parsed with lower-case headers; query params merge into the URL; default and given headers are sent', async (t) => {
  const { base, seen } = await serve(t, { '/items': answer(200, '[{"id":1}]', { 'Content-Type': 'application/json', 'X-Total': '1' }) });
  const res = await client().getJson(`${base}/items?keep=yes&a=1`, { query: { a: 'two', b: 3, c: undefined, d: true }, headers: { 'x-custom': 'v' } });
  assert.deepEqual(res.body, [{ id: 1 }]);
  assert.equal(res.status, 200);
  assert.equal(res.headers['x-total'], '1');
  assert.deepEqual(seen[0].query, { keep: 'yes', a: 'two', b: '3', d: 'true' });
  assert.equal(new URL(res.url).search, '?keep=yes&a=two&b=3&d=true');
  assert.equal(seen[0].headers.accept, 'application/json');
  assert.match(String(seen[0].headers['user-agent']), /^Relay-Integrations\//);
  assert.equal(seen[0].headers['x-custom'], 'v');
});

const inSeconds = (s: number) => new Date(NOW + s * 1000).toUTCString();
const cases: Array<[string, number, Record<string, string>, (err: unknown) => boolean]> = [
  ['401', 401, {}, (e) => e instanceof IntegrationAuthError && e.status === 401 && /refused the credentials \(401\): \{"error":"nope"\}/.test(e.message)],
  ['403', 403, {}, (e) => e instanceof IntegrationAuthError && e.status === 403],
  ['403 with x-ratelimit-remaining 0', 403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW / 1000 + 120) }, (e) => e instanceof RateLimitedError && e.retryAfterMs === 120_000],
  ['403 rate limit with a reset in the past', 403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW / 1000 - 5) }, (e) => e instanceof RateLimitedError && e.retryAfterMs === 0],
  ['403 rate limit, Retry-After first', 403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW / 1000 + 120), 'retry-after': '5' }, (e) => e instanceof RateLimitedError && e.retryAfterMs === 5_000],
  ['403 with x-ratelimit-remaining 10', 403, { 'x-ratelimit-remaining': '10' }, (e) => e instanceof IntegrationAuthError],
  ['429 Retry-After seconds', 429, { 'retry-after': '7' }, (e) => e instanceof RateLimitedError && e.retryAfterMs === 7_000],
  ['429 Retry-After HTTP-date', 429, { 'retry-after': inSeconds(90) }, (e) => e instanceof RateLimitedError && e.retryAfterMs === 90_000],
  ['429 without Retry-After', 429, {}, (e) => e instanceof RateLimitedError && e.retryAfterMs === null],
  ['429 with a used-up quota and its reset', 429, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW / 1000 + 600) }, (e) => e instanceof RateLimitedError && e.retryAfterMs === 600_000],
  ['404', 404, {}, (e) => e instanceof UpstreamError && e.status === 404 && !e.retryable],
  ['422', 422, {}, (e) => e instanceof UpstreamError && e.status === 422 && !e.retryable],
  ['500', 500, {}, (e) => e instanceof UpstreamError && e.status === 500 && e.retryable && e.retryAfterMs === null],
  ['503 with Retry-After', 503, { 'retry-after': '30' }, (e) => e instanceof UpstreamError && e.status === 503 && e.retryable && e.retryAfterMs === 30_000],
  ['408', 408, {}, (e) => e instanceof UpstreamError && e.status === 408 && e.retryable],
];
test('status mapping: 403 whose body names the secondary rate limit waits a minute', async (t) => {
  const { base } = await serve(t, { '/x': answer(403, '{"message":"You have exceeded a secondary rate limit. Please wait a few minutes."}') });
  await assert.rejects(client().getJson(`${base}/x`), (e) => e instanceof RateLimitedError && e.retryAfterMs === 60_000);
});

for (const [name, status, headers, check] of cases) {
  test(`status mapping: ${name}`, async (t) => {
    const { base } = await serve(t, { '/x': answer(status, '{"error":"nope"}', headers) });
    await assert.rejects(client().getJson(`${base}/x`), check);
  });
}

test('a body that is not JSON: retried when labelled JSON (a glitch), not when it is an HTML page (a wrong URL); an empty body is null', async (t) => {
  const { base } = await serve(t, {
    '/html': answer(200, '<html>maintenance</html>', { 'content-type': 'text/html' }),
    '/garbled': answer(200, '{"items": [1, 2', { 'content-type': 'application/json' }),
    '/empty': answer(204, ''),
  });
  await assert.rejects(client().getJson(`${base}/html`), (e) => e instanceof UpstreamError && !e.retryable && e.status === 200 && /not JSON \(text\/html\): <html>maintenance/.test(e.message));
  await assert.rejects(client().getJson(`${base}/garbled`), (e) => e instanceof UpstreamError && e.retryable && /not JSON \(application\/json\)/.test(e.message));
  assert.equal((await client().getJson(`${base}/empty`)).body, null);
});

test('no answer within timeoutMs is a retryable UpstreamError; an aborted signal cancels; a larger body than allowed fails for good', async (t) => {
  const { base } = await serve(t, {
    '/slow': (_req, res) => void setTimeout(() => res.writeHead(200).end('{}'), 1_000),
    '/big': answer(200, JSON.stringify({ pad: 'x'.repeat(5_000) })),
  });
  const started = Date.now();
  await assert.rejects(client({ timeoutMs: 50 }).getJson(`${base}/slow`), (e) => e instanceof UpstreamError && e.retryable && e.status === null && /within 50 ms/.test(e.message));
  assert.ok(Date.now() - started < 900, 'the timeout does not wait for the answer');
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 30);
  await assert.rejects(client({ signal: controller.signal }).getJson(`${base}/slow`), (e) => e instanceof UpstreamError && e.retryable && /cancelled/.test(e.message));
  await assert.rejects(client({ maxBodyBytes: 1_024 }).getJson(`${base}/big`), (e) => e instanceof UpstreamError && !e.retryable && /larger than 1024 bytes/.test(e.message));
});

test('a refused connection is a retryable UpstreamError; httpsOnly refuses http without connecting', async (t) => {
  const { base, seen } = await serve(t, {});
  const closed = http.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  await assert.rejects(client().getJson(`http://127.0.0.1:${port}/`), (e) => e instanceof UpstreamError && e.retryable && /unreachable: ECONNREFUSED/.test(e.message));
  await assert.rejects(client({ policy: { ...LOCAL, httpsOnly: true } }).getJson(`${base}/`), (e) => e instanceof UpstreamError && !e.retryable && /only https/.test(e.message));
  assert.equal(seen.length, 0);
});

test('redirects on the same origin are followed with the same headers; to another origin they are refused', async (t) => {
  const other = await serve(t, { '/steal': answer(200, '{}') });
  const { base, seen } = await serve(t, {
    '/old': answer(301, '', { location: '/new?x=1' }),
    '/new': answer(200, '{"moved":true}'),
    '/away': answer(302, '', { location: `${other.base}/steal` }),
    '/by-name': (req, res) => void res.writeHead(307, { location: `http://localhost:${req.socket.localPort}/new` }).end(),
    '/loop': answer(302, '', { location: '/loop' }),
  });
  const res = await client().getJson(`${base}/old`, { headers: { authorization: 'Bearer t' } });
  assert.deepEqual([res.body, res.url], [{ moved: true }, `${base}/new?x=1`]);
  assert.deepEqual(seen.map((s) => [s.path, s.headers.authorization]), [['/old', 'Bearer t'], ['/new', 'Bearer t']]);
  await assert.rejects(client().getJson(`${base}/away`), (e) => e instanceof UpstreamError && !e.retryable && /redirected to another origin/.test(e.message));
  await assert.rejects(client().getJson(`${base}/by-name`), /redirected to another origin \(http:\/\/localhost/);
  assert.equal(other.seen.length, 0, 'the other origin never sees the request');
  seen.length = 0;
  await assert.rejects(client().getJson(`${base}/loop`), (e) => e instanceof UpstreamError && !e.retryable && e.status === 302);
  assert.equal(seen.length, 4, 'three redirects are followed, then the loop stops');
});

test('SSRF guard: with an empty allowlist, a literal loopback IP and a name resolving to it are refused before any request', async (t) => {
  const { port, seen } = await serve(t, { '/': answer(200, '{}') });
  const strict = client({ policy: { allowlist: [], httpsOnly: false } });
  await assert.rejects(strict.getJson(`http://127.0.0.1:${port}/`), (e) => e instanceof ProviderConfigError && /127\.0\.0\.1.*loopback/.test(e.message));
  await assert.rejects(strict.getJson(`http://[::ffff:127.0.0.1]:${port}/`), ProviderConfigError);
  await assert.rejects(strict.getJson(`http://localhost:${port}/`), (e) => e instanceof ProviderConfigError && /localhost.*loopback/.test(e.message));
  assert.equal(seen.length, 0);
});

test('SSRF guard: a kept-alive connection opened under a looser policy is not reused by a stricter client', async (t) => {
  const { port, seen } = await serve(t, { '/': answer(200, '{}') });
  await client({ policy: { allowlist: ['localhost'], httpsOnly: false } }).getJson(`http://localhost:${port}/`);
  const strict = client({ policy: { allowlist: [], httpsOnly: false } });
  await assert.rejects(strict.getJson(`http://localhost:${port}/`), ProviderConfigError);
  assert.equal(seen.length, 1);
});

test('nextLink finds rel="next" among several links, quoted or not, and null when there is none', () => {
  const gh = '<https://api.github.com/repositories/1/issues?page=2>; rel="next", <https://api.github.com/repositories/1/issues?page=5>; rel="last"';
  assert.equal(nextLink(gh), 'https://api.github.com/repositories/1/issues?page=2');
  assert.equal(nextLink('<https://a.example/?p=1>; rel="prev", <https://a.example/?p=3>; rel="next"'), 'https://a.example/?p=3');
  assert.equal(nextLink('<https://a.example/?p=3>; rel=next'), 'https://a.example/?p=3');
  assert.equal(nextLink('<https://a.example/?p=3>;rel=NEXT'), 'https://a.example/?p=3');
  assert.equal(nextLink('<https://a.example/?p=3>; title="more"; rel="last next"'), 'https://a.example/?p=3');
  assert.equal(nextLink('</items?page=2>; rel="next"'), '/items?page=2');
  assert.equal(nextLink('<https://a.example/?p=5>; rel="last"'), null);
  assert.equal(nextLink('<https://a.example/?p=5>; rel="nextpage"'), null);
  assert.equal(nextLink('<https://a.example/?p=5>; rel="prefetch"; title="next"'), null);
  assert.equal(nextLink(''), null);
  assert.equal(nextLink(undefined), null);
});

test('nextLink keeps a URL that contains a comma', () => {
  assert.equal(nextLink('<https://a.example/items?ids=1,2&page=2>; rel="next"'), 'https://a.example/items?ids=1,2&page=2');
  assert.equal(nextLink('<https://a.example/?p=1>; rel="prev"; title="a, b", <https://a.example/?p=3>; rel="next"'), 'https://a.example/?p=3');
});
