/**
 * The API's guards on a real stack: rate limits counted in PostgreSQL (per key, per address for the public paths,
 * failed authentications with a lockout; shared by two API replicas; failing open when the table is gone; on the
 * embedded PGlite database too), request ids in headers, problems and log lines, security headers under which
 * Swagger UI still runs, 405 with Allow and 401 with WWW-Authenticate.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { generateApiKey } from '../../api/auth';
import { startApiServer } from '../../api/start-api';
import { insertApiKey } from '../../lib/db/api-key.repository';
import { hitRateLimit, purgeEndedRateLimits, readRateLimit } from '../../lib/db/rate-limit.repository';
import type { Role } from '../../lib/db/database';
import { createLogger } from '../../lib/logger';
import { startStack, type Stack } from '../support/stack';

const PER_KEY = 60;
const PUBLIC_PER_ADDRESS = 30;
const AUTH_FAILURES = 5;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

async function call(
  base: string,
  method: string,
  path: string,
  opts: { key?: string; from?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(opts.key ? { authorization: `Bearer ${opts.key}` } : {}),
      ...(opts.from ? { 'x-forwarded-for': opts.from } : {}),
      ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...opts.headers,
    },
    body: opts.body,
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  return { status: res.status, headers: res.headers, body };
}

/** A problem+json answer whose request_id is the X-Request-Id header. */
function assertProblem(r: Answer, status: number): void {
  assert.equal(r.status, status, JSON.stringify(r.body));
  assert.match(r.headers.get('content-type') ?? '', /application\/problem\+json/);
  assert.equal(r.body.status, status);
  assert.equal(typeof r.body.title, 'string');
  assert.equal(typeof r.body.request_id, 'string');
  assert.equal(r.body.request_id, r.headers.get('x-request-id'));
}

function captureLogs() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return {
    logger: createLogger('info', {}, stream),
    text: () => lines.join('\n'),
    entries: () => lines.map((l) => JSON.parse(l) as Record<string, any>),
  };
}

let addressSeq = 0;
/** A client address of its own for each use (TRUST_PROXY=loopback believes the X-Forwarded-For of local callers). */
const newAddress = () => `203.0.113.${++addressSeq}`;

describe('API guards: rate limits, request ids, headers, 405, 401', { timeout: 240_000 }, () => {
  let s: Stack;
  /** A second API process on the same database, logging into a buffer: a replica. */
  let replica: { url: string; close(): Promise<void> };
  let logs: ReturnType<typeof captureLogs>;

  const newKey = async (role: Role = 'admin'): Promise<string> => {
    const k = generateApiKey();
    await insertApiKey(s.tdb.db, { name: `guards-${role}`, role, keyHash: k.hash, keyPrefix: k.prefix });
    return k.key;
  };

  before(async () => {
    s = await startStack({
      withWorker: false,
      config: {
        RATE_LIMIT_PER_MINUTE: String(PER_KEY),
        RATE_LIMIT_UNAUTH_PER_MINUTE: String(PUBLIC_PER_ADDRESS),
        RATE_LIMIT_AUTH_FAILURES: String(AUTH_FAILURES),
        TRUST_PROXY: 'loopback',
      },
    });
    logs = captureLogs();
    replica = await startApiServer({ config: s.config, db: s.tdb.db, logger: logs.logger });
  });
  after(async () => {
    await replica?.close();
    await s?.close();
  });

  test('per key: RateLimit headers count down, then a 429 problem with Retry-After; other keys are not affected', async () => {
    const key = await newKey('viewer');
    for (let i = 1; i <= PER_KEY; i++) {
      const r = await call(s.api.url, 'GET', '/api/v1/clients', { key });
      assert.equal(r.status, 200);
      assert.match(r.headers.get('ratelimit') ?? '', new RegExp(`^"per-key"; r=${PER_KEY - i}; t=\\d+$`));
      assert.match(r.headers.get('ratelimit-policy') ?? '', new RegExp(`^"per-key"; q=${PER_KEY}; w=60; pk=:[A-Za-z0-9+/=]+:$`));
    }
    const limited = await call(s.api.url, 'GET', '/api/v1/clients', { key });
    assertProblem(limited, 429);
    const retryAfter = Number(limited.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    assert.match(limited.headers.get('ratelimit') ?? '', /^"per-key"; r=0; t=\d+$/);
    assert.match(limited.body.detail, /API key/);
    assert.equal((await call(s.api.url, 'GET', '/api/v1/clients', { key: await newKey('viewer') })).status, 200);
    const stored = await sql<{ n: number }>`select count(*)::int as n from rate_limits where key like 'per-key:%'`.execute(s.tdb.db);
    assert.ok(stored.rows[0].n >= 2, 'counted in the rate_limits table');
  });

  test('the counts are shared by API replicas through PostgreSQL', async () => {
    const key = await newKey('viewer');
    for (let i = 0; i < PER_KEY; i++) {
      const r = await call(i % 2 === 0 ? s.api.url : replica.url, 'GET', '/api/v1/clients', { key });
      assert.equal(r.status, 200);
    }
    assertProblem(await call(s.api.url, 'GET', '/api/v1/clients', { key }), 429);
    assertProblem(await call(replica.url, 'GET', '/api/v1/clients', { key }), 429);
  });

  test('failed authentication: 401 with WWW-Authenticate counting down, then the address is locked out, even with a good key', async () => {
    const from = newAddress();
    const good = await newKey('viewer');
    const none = await call(s.api.url, 'GET', '/api/v1/clients', { from });
    assertProblem(none, 401);
    assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="relay"');
    assert.match(none.headers.get('ratelimit') ?? '', new RegExp(`^"auth-failures"; r=${AUTH_FAILURES - 1}; t=\\d+$`));
    for (let i = 2; i <= AUTH_FAILURES; i++) {
      const wrong = await call(s.api.url, 'GET', '/api/v1/clients', { from, key: `rk_wrong-${i}` });
      assertProblem(wrong, 401);
      assert.equal(wrong.headers.get('www-authenticate'), 'Bearer realm="relay", error="invalid_token"');
      assert.match(wrong.headers.get('ratelimit') ?? '', new RegExp(`^"auth-failures"; r=${AUTH_FAILURES - i}; t=\\d+$`));
      assert.match(wrong.headers.get('ratelimit-policy') ?? '', new RegExp(`^"auth-failures"; q=${AUTH_FAILURES}; w=900; pk=`));
    }
    const locked = await call(s.api.url, 'GET', '/api/v1/clients', { from, key: 'rk_wrong-again' });
    assertProblem(locked, 429);
    const retryAfter = Number(locked.headers.get('retry-after'));
    assert.ok(retryAfter > 800 && retryAfter <= 900, `Retry-After ${retryAfter}`);
    assert.match(locked.body.detail, /failed authentication/);
    // The lockout covers the right key too (else it would tell a guess that hit from one that missed)...
    assertProblem(await call(s.api.url, 'GET', '/api/v1/clients', { from, key: good }), 429);
    assertProblem(await call(replica.url, 'GET', '/api/v1/clients', { from, key: good }), 429);
    // ...from that address only.
    assert.equal((await call(s.api.url, 'GET', '/api/v1/clients', { from: newAddress(), key: good })).status, 200);
  });

  test('per address on the paths that need no key: /health, /docs and /openapi.json share one budget; API keys are not counted there', async () => {
    const from = newAddress();
    const key = await newKey('viewer');
    for (let i = 1; i <= PUBLIC_PER_ADDRESS; i++) {
      const path = ['/health', '/openapi.json', '/docs/'][i % 3];
      const r = await call(s.api.url, 'GET', path, { from });
      assert.equal(r.status, 200, path);
      assert.match(r.headers.get('ratelimit') ?? '', new RegExp(`^"per-address"; r=${PUBLIC_PER_ADDRESS - i}; t=\\d+$`));
    }
    const limited = await call(s.api.url, 'GET', '/health', { from });
    assertProblem(limited, 429);
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    assertProblem(await call(s.api.url, 'GET', '/docs/', { from }), 429);
    assert.equal((await call(s.api.url, 'GET', '/health', { from: newAddress() })).status, 200);
    const api = await call(s.api.url, 'GET', '/api/v1/clients', { from, key });
    assert.equal(api.status, 200);
    assert.match(api.headers.get('ratelimit') ?? '', /^"per-key"/);
  });

  test('405 with Allow for every documented path and a method it does not take; OPTIONS lists them; HEAD goes where GET does', async () => {
    let key = await newKey('admin');
    const doc = await call(s.api.url, 'GET', '/openapi.json', { from: newAddress() });
    const paths = Object.entries(doc.body.paths as Record<string, Record<string, unknown>>);
    assert.ok(paths.length > 20);
    for (const [i, [template, operations]] of paths.entries()) {
      if (i > 0 && i % (PER_KEY - 10) === 0) key = await newKey('admin'); // more paths than one key's budget a minute
      const path = template.replace(/^\/api\/v1/, '').replace(/\{[^}]+\}/g, '1');
      const documented = Object.keys(operations).map((m) => m.toUpperCase());
      const expected = [...new Set([...documented, ...(documented.includes('GET') ? ['HEAD'] : []), 'OPTIONS'])].sort().join(', ');
      const wrong = ['PUT', 'PATCH', 'DELETE', 'POST', 'GET'].find((m) => !documented.includes(m))!;
      const r = await call(s.api.url, wrong, `/api/v1${path}`, { key });
      assertProblem(r, 405);
      assert.equal(r.headers.get('allow'), expected, `${wrong} ${template}`);
      assert.match(r.body.detail, new RegExp(`^${wrong} is not allowed on /api/v1`));
    }
    const trailing = await call(s.api.url, 'POST', '/api/v1/clients/1/', { key: await newKey('admin') });
    assertProblem(trailing, 405);
    assert.equal(trailing.headers.get('allow'), 'DELETE, GET, HEAD, OPTIONS, PATCH');
    const key2 = await newKey('admin');
    const options = await call(s.api.url, 'OPTIONS', '/api/v1/clients', { key: key2 });
    assert.equal(options.status, 204);
    assert.equal(options.headers.get('allow'), 'GET, HEAD, OPTIONS, POST');
    const head = await call(s.api.url, 'HEAD', '/api/v1/clients', { key: key2 });
    assert.equal(head.status, 200);
    assert.equal(head.body, null);
    // Authentication comes first: no key, no 405. Unknown paths stay 404s.
    assertProblem(await call(s.api.url, 'POST', '/api/v1/clients/1', { from: newAddress() }), 401);
    assertProblem(await call(s.api.url, 'GET', '/api/v1/no-such-thing', { key: key2 }), 404);
  });

  test('request ids: made or taken (when sane) from X-Request-Id, echoed, in every problem and on the log lines', async () => {
    const key = await newKey('viewer');
    const from = newAddress();
    const fresh = await call(replica.url, 'GET', '/health', { from });
    assert.match(fresh.headers.get('x-request-id') ?? '', UUID);
    const kept = await call(replica.url, 'GET', '/api/v1/clients/987654', { key, headers: { 'x-request-id': 'edge-42.a:b_c' } });
    assertProblem(kept, 404);
    assert.equal(kept.body.request_id, 'edge-42.a:b_c');
    for (const insane of ['x'.repeat(65), 'has space', 'semi;colon', '']) {
      const r = await call(replica.url, 'GET', '/health', { from, headers: { 'x-request-id': insane } });
      assert.match(r.headers.get('x-request-id') ?? '', UUID, JSON.stringify(insane));
    }
    // 400 (body parser), 403, 401, 405: the same field everywhere
    assertProblem(await call(replica.url, 'POST', '/api/v1/clients', { key: await newKey('operator'), body: '{' }), 400);
    assertProblem(await call(replica.url, 'POST', '/api/v1/clients', { key, body: '{}' }), 403);
    assertProblem(await call(replica.url, 'GET', '/api/v1/clients', { from: newAddress() }), 401);
    assertProblem(await call(replica.url, 'PUT', '/api/v1/clients', { key }), 405);
    assertProblem(await call(replica.url, 'GET', '/nowhere', { from }), 404);

    await new Promise((r) => setTimeout(r, 50));
    const line = logs.entries().find((e) => e.reqId === 'edge-42.a:b_c' && e.msg === 'request');
    assert.ok(line, 'the request line carries the id');
    assert.equal(line.clientId, 987654);
    assert.equal(line.req.method, 'GET');
    assert.equal(line.res.statusCode, 404);
    assert.equal(typeof line.responseTime, 'number');
    assert.ok(!logs.text().includes(key), 'API keys are not logged');
  });

  test('an unexpected error is a 500 problem with the request id, logged with its stack under that id', async () => {
    const key = await newKey('viewer');
    await sql`alter table clients rename to clients_away`.execute(s.tdb.db);
    let r: Answer;
    try {
      r = await call(replica.url, 'GET', '/api/v1/clients', { key });
    } finally {
      await sql`alter table clients_away rename to clients`.execute(s.tdb.db);
    }
    assertProblem(r, 500);
    assert.match(r.body.detail, new RegExp(r.body.request_id));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const line = logs.entries().find((e) => e.reqId === r.body.request_id && e.level === 50);
    assert.ok(line, 'logged at error level with the id');
    assert.match(line.err.stack, /clients/);
  });

  test('X-Response-Time and security headers; the CSP lets /docs load its own scripts and no inline one', async () => {
    const from = newAddress();
    const health = await call(s.api.url, 'GET', '/health', { from });
    assert.match(health.headers.get('x-response-time') ?? '', /^\d+\.\d{3}ms$/);
    const csp = health.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /upgrade-insecure-requests/);
    assert.equal(health.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(health.headers.get('x-frame-options'), 'DENY');
    assert.equal(health.headers.get('x-powered-by'), null);
    const problem = await call(s.api.url, 'GET', '/api/v1/clients', { from: newAddress() });
    assert.ok(problem.headers.get('content-security-policy') && problem.headers.get('x-response-time'), 'on problems too');

    const page = await call(s.api.url, 'GET', '/docs/', { from });
    assert.equal(page.status, 200);
    const html = String(page.body);
    const inline = [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)].filter((m) => m[1].trim() !== '');
    assert.deepEqual(inline, [], 'no inline script (script-src is self only)');
    const assets = [...html.matchAll(/<(?:script|link)[^>]+(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    assert.ok(assets.some((a) => a.endsWith('swagger-ui-init.js')));
    for (const asset of assets) {
      assert.ok(!/^[a-z]+:/i.test(asset) || asset.startsWith(s.api.url), `same origin: ${asset}`);
      const r = await fetch(new URL(asset, `${s.api.url}/docs/`), { headers: { 'x-forwarded-for': from } });
      assert.equal(r.status, 200, asset);
      await r.arrayBuffer();
    }
  });

  test('Swagger UI renders in headless Chromium without a CSP violation', async (t) => {
    let executablePath = process.env.CHROMIUM_PATH;
    try {
      executablePath ??= execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim();
    } catch {
      /* not installed */
    }
    if (!executablePath) return t.skip('no chromium on this machine (apt-get install chromium, or set CHROMIUM_PATH)');
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
    try {
      const context = await browser.newContext({ extraHTTPHeaders: { 'x-forwarded-for': newAddress() } });
      const page = await context.newPage();
      await page.addInitScript(() => {
        const seen: string[] = [];
        (window as unknown as { cspViolations: string[] }).cspViolations = seen;
        document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.violatedDirective} ${e.blockedURI}`));
      });
      const problems: string[] = [];
      page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
      page.on('pageerror', (e) => problems.push(e.message));
      await page.goto(`${s.api.url}/docs/`);
      await page.locator('.swagger-ui .info .title', { hasText: 'Relay API' }).waitFor({ timeout: 30_000 });
      await page.locator('.opblock-summary-path', { hasText: '/api/v1/clients' }).first().waitFor();
      const violations = await page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations);
      assert.deepEqual(violations, []);
      assert.deepEqual(problems.filter((p) => /Content Security Policy|Refused to/i.test(p)), []);
      if (process.env.GUARDS_SCREENSHOT) await page.screenshot({ path: process.env.GUARDS_SCREENSHOT, fullPage: false });
    } finally {
      await browser.close();
    }
  });

  test('a window restarts once it has ended; ended windows are purged, current ones kept', async () => {
    const db = s.tdb.db;
    assert.equal((await hitRateLimit(db, 'test:a', 300)).hits, 1);
    const second = await hitRateLimit(db, 'test:a', 300);
    assert.equal(second.hits, 2);
    await hitRateLimit(db, 'test:b', 60_000);
    await new Promise((r) => setTimeout(r, 350));
    assert.equal(await readRateLimit(db, 'test:a'), undefined, 'an ended window reads as none');
    const restarted = await hitRateLimit(db, 'test:a', 300);
    assert.equal(restarted.hits, 1);
    assert.ok(restarted.resetAt > second.resetAt);
    await new Promise((r) => setTimeout(r, 350));
    assert.ok((await purgeEndedRateLimits(db, 1000)) >= 1);
    const left = await sql<{ key: string }>`select key from rate_limits where key like 'test:%'`.execute(db);
    assert.deepEqual(left.rows.map((r) => r.key), ['test:b']);
  });

  test('when the counters cannot be reached, requests pass (fail open) and the error is logged', async () => {
    const key = await newKey('viewer');
    await sql`alter table rate_limits rename to rate_limits_away`.execute(s.tdb.db);
    let ok: Answer, health: Answer, wrong: Answer;
    try {
      ok = await call(replica.url, 'GET', '/api/v1/clients', { key });
      health = await call(replica.url, 'GET', '/health', { from: newAddress() });
      wrong = await call(replica.url, 'GET', '/api/v1/clients', { key: 'rk_wrong', from: newAddress() });
    } finally {
      await sql`alter table rate_limits_away rename to rate_limits`.execute(s.tdb.db);
    }
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('ratelimit'), null, 'not counted');
    assert.equal(health.status, 200);
    assertProblem(wrong, 401);
    await new Promise((r) => setTimeout(r, 50));
    const errors = logs.entries().filter((e) => e.level === 50 && typeof e.limiter === 'string');
    for (const limiter of ['per-key', 'per-address', 'auth-failures']) {
      assert.ok(errors.some((e) => e.limiter === limiter && /rate_limits/.test(e.err?.message ?? '')), `${limiter} logged: ${JSON.stringify(errors)}`);
    }
    assert.equal((await call(replica.url, 'GET', '/api/v1/clients', { key })).headers.get('ratelimit')?.startsWith('"per-key"'), true, 'counting again');
  });
});

describe('API guards on the embedded PGlite database (one connection)', { timeout: 180_000 }, () => {
  let s: Stack;
  before(async () => {
    s = await startStack({ embedded: true, withWorker: false, config: { RATE_LIMIT_PER_MINUTE: '3', RATE_LIMIT_AUTH_FAILURES: '2' } });
  });
  after(async () => {
    await s?.close();
  });

  test('per-key and failed-authentication limits count there too', async () => {
    const k = generateApiKey();
    await insertApiKey(s.tdb.db, { name: 'pglite', role: 'viewer', keyHash: k.hash, keyPrefix: k.prefix });
    const results = await Promise.all([1, 2, 3, 4].map(() => call(s.api.url, 'GET', '/api/v1/clients', { key: k.key })));
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 200, 200, 429]);
    assert.deepEqual((await Promise.all([1, 2, 3].map(() => call(s.api.url, 'GET', '/api/v1/clients', { key: 'rk_nope' })))).map((r) => r.status).sort(), [401, 401, 429]);
  });
});
