/**
 * Console sign-in on a real stack (API + PostgreSQL + Temporal dev server) and a real OIDC provider (oidc-provider):
 * API-key sessions (cookie attributes, CSRF on writes, roles, sign-out, key revocation, idle and absolute expiry,
 * admin revocation, retention), and the OIDC code flow over plain HTTP with a cookie-following client (login
 * redirect, the provider's login form, callback, role mapping by groups, e-mail domains, state checks, issuer errors,
 * RP-initiated logout), a public client whose claims come from userinfo, and an unreachable issuer.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { parseSetCookie, type SetCookie } from 'cookie';
import { sql } from 'kysely';
import { generateApiKey } from '../../api/auth';
import { startApiServer } from '../../api/start-api';
import { insertApiKey } from '../../lib/db/api-key.repository';
import type { Role } from '../../lib/db/database';
import { createLogger } from '../../lib/logger';
import { testConfig } from '../support/fixtures';
import { startOidcProvider, type OidcTestProvider } from '../support/oidc-provider';
import { ADMIN_KEY, startStack, waitFor, type Stack } from '../support/stack';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

interface Answer {
  status: number;
  headers: Headers;
  body: any;
  text: string;
  url: URL;
}

/**
 * A browser's cookie handling, enough for these flows: cookies per host (not port, as browsers do) and path,
 * Max-Age / Expires honoured, redirects followed by hand so each hop's Set-Cookie is kept.
 */
class CookieClient {
  private jar = new Map<string, SetCookie & { host: string }>();
  /** Every Set-Cookie seen, in order (to check attributes). */
  readonly setCookies: { url: URL; cookie: SetCookie; raw: string }[] = [];

  cookie(name: string): string | undefined {
    return [...this.jar.values()].find((c) => c.name === name)?.value;
  }

  set(host: string, name: string, value: string): void {
    this.jar.set(`${host}|/|${name}`, { name, value, path: '/', host });
  }

  private header(url: URL): string {
    const now = Date.now();
    return [...this.jar.values()]
      .filter((c) => c.host === url.hostname && url.pathname.startsWith(c.path ?? '/') && !(c.expires && c.expires.getTime() <= now))
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  private store(url: URL, res: Response): void {
    for (const raw of res.headers.getSetCookie()) {
      const cookie = parseSetCookie(raw);
      this.setCookies.push({ url, cookie, raw });
      const path = cookie.path ?? '/';
      const key = `${url.hostname}|${path}|${cookie.name}`;
      const expired = cookie.maxAge !== undefined ? cookie.maxAge <= 0 : cookie.expires !== undefined && cookie.expires.getTime() <= Date.now();
      if (expired) this.jar.delete(key);
      else this.jar.set(key, { ...cookie, path, host: url.hostname, ...(cookie.maxAge !== undefined ? { expires: new Date(Date.now() + cookie.maxAge * 1000) } : {}) });
    }
  }

  /** One request, no redirect followed. */
  async request(
    method: string,
    target: string | URL,
    init: { headers?: Record<string, string>; json?: unknown; form?: Record<string, string>; raw?: string } = {},
  ): Promise<Answer> {
    const url = new URL(target);
    const cookie = this.header(url);
    const res = await fetch(url, {
      method,
      redirect: 'manual',
      headers: {
        ...(cookie ? { cookie } : {}),
        ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(init.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        ...init.headers,
      },
      body: init.json !== undefined ? JSON.stringify(init.json) : init.form ? new URLSearchParams(init.form).toString() : init.raw,
    });
    this.store(url, res);
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON */
    }
    return { status: res.status, headers: res.headers, body, text, url };
  }

  /** Follows redirects (as a browser: 303 and 302 become GETs) until an answer that is not one, or until `stop` says so. */
  async follow(method: string, target: string | URL, init: { form?: Record<string, string> } = {}, stop?: (url: URL) => boolean): Promise<{ final: Answer; hops: URL[] }> {
    const hops: URL[] = [];
    let answer = await this.request(method, target, init);
    for (let i = 0; i < 20 && answer.status >= 300 && answer.status < 400; i++) {
      const next = new URL(answer.headers.get('location')!, answer.url);
      hops.push(next);
      if (stop?.(next)) break;
      answer = await this.request('GET', next);
    }
    return { final: answer, hops };
  }
}

/** The provider's login form: its action, filled with a user's login and password (or cancelled). */
async function submitLogin(browser: CookieClient, page: Answer, login: string, password = 'secret', cancel = false) {
  assert.equal(page.status, 200, page.text.slice(0, 500));
  const action = /<form method="post" action="([^"]+)"/.exec(page.text)?.[1];
  assert.ok(action, `a login form: ${page.text.slice(0, 500)}`);
  return browser.follow('POST', new URL(action, page.url), { form: cancel ? { login, cancel: '1' } : { login, password } });
}

const PROBLEM = /application\/problem\+json/;

describe('console sign-in', { timeout: 300_000 }, () => {
  let s: Stack;
  let idp: OidcTestProvider;
  let api: string;
  let port: number;
  const extraServers: { close(): Promise<void> }[] = [];

  const newKey = async (role: Role, name = `console-${role}`) => {
    const k = generateApiKey();
    const row = await insertApiKey(s.tdb.db, { name, role, keyHash: k.hash, keyPrefix: k.prefix });
    return { key: k.key, id: row.id };
  };

  /** A browser signed in with an API key, and its session answer. */
  const signInWithKey = async (key: string, base = api) => {
    const browser = new CookieClient();
    const r = await browser.request('POST', `${base}/api/v1/session`, { json: { api_key: key } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return { browser, session: r.body, csrf: r.body.csrf_token as string };
  };

  /** The OIDC flow in a fresh browser up to the API's final redirect. */
  const signInWithOidc = async (login: string, returnTo?: string, base = api) => {
    const browser = new CookieClient();
    const start = `${base}/auth/oidc/login${returnTo === undefined ? '' : `?return_to=${encodeURIComponent(returnTo)}`}`;
    const toForm = await browser.follow('GET', start);
    const done = await submitLogin(browser, toForm.final, login);
    return { browser, toForm, done, landed: done.hops.at(-1)! };
  };

  before(async () => {
    port = await freePort();
    api = `http://127.0.0.1:${port}`;
    idp = await startOidcProvider({
      redirectUris: [`${api}/auth/oidc/callback`],
      postLogoutRedirectUris: [`${api}/console/`],
      users: [
        { login: 'ada', name: 'Ada Lovelace', email: 'ada@example.com', groups: ['staff', 'relay-admins'] },
        { login: 'olga', email: 'olga@Example.COM', groups: ['relay-operators'] },
        { login: 'vic', email: 'vic@example.com', groups: ['staff'] },
        { login: 'nobody', email: 'nobody@example.com', groups: ['marketing'] },
        { login: 'outsider', email: 'eve@elsewhere.org', groups: ['relay-admins'] },
        { login: 'unverified', email: 'ursula@example.com', emailVerified: false, groups: ['relay-admins'] },
      ],
    });
    s = await startStack({
      withWorker: false,
      config: {
        API_PORT: String(port),
        OIDC_ISSUER_URL: idp.issuer,
        OIDC_CLIENT_ID: idp.clientId,
        OIDC_CLIENT_SECRET: idp.clientSecret!,
        OIDC_ADMIN_VALUES: 'relay-admins',
        OIDC_OPERATOR_VALUES: 'relay-operators',
        OIDC_VIEWER_VALUES: 'relay-viewers, staff',
        OIDC_ALLOWED_EMAIL_DOMAINS: 'example.com',
        TEMPORAL_UI_URL: 'http://127.0.0.1:8233',
      },
    });
  });
  after(async () => {
    for (const server of extraServers) await server.close();
    await s?.close();
    await idp?.close();
  });

  test('GET /session without credentials: not signed in, both methods, the OIDC login path, the Temporal UI', async () => {
    const r = await new CookieClient().request('GET', `${api}/api/v1/session`);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, {
      authenticated: false,
      methods: { api_key: true, oidc: true },
      oidc_login_url: '/auth/oidc/login',
      temporal_ui_url: 'http://127.0.0.1:8233',
    });
    assert.equal(r.headers.get('cache-control'), 'no-store');
    // With an API key it says who the key is, without session material.
    const withKey = await s.http('GET', '/api/v1/session');
    assert.equal(withKey.body.authenticated, true);
    assert.deepEqual(withKey.body.principal, { name: 'bootstrap-admin', role: 'admin' });
    assert.equal(withKey.body.csrf_token, undefined);
    // The other methods are 405s, as everywhere; OPTIONS lists them.
    const put = await new CookieClient().request('PUT', `${api}/api/v1/session`);
    assert.equal(put.status, 405);
    assert.equal(put.headers.get('allow'), 'DELETE, GET, HEAD, OPTIONS, POST');
    assert.equal((await new CookieClient().request('OPTIONS', `${api}/api/v1/session`)).status, 204);
    // Everything else still needs credentials.
    assert.equal((await new CookieClient().request('GET', `${api}/api/v1/clients`)).status, 401);
    assert.equal((await new CookieClient().request('GET', `${api}/api/v1/sessions`)).status, 401);
  });

  test('API-key sign-in sets an HttpOnly, SameSite=Lax session cookie (not Secure over http) that reads', async () => {
    const viewer = await newKey('viewer', 'console-dash');
    const { browser, session } = await signInWithKey(viewer.key);
    const set = browser.setCookies.find((c) => c.cookie.name === 'relay_session')!;
    assert.ok(set, 'the session cookie is set');
    assert.equal(set.cookie.httpOnly, true);
    assert.equal(set.cookie.sameSite, 'lax');
    assert.equal(set.cookie.path, '/');
    assert.equal(set.cookie.secure, undefined);
    assert.match(set.cookie.value ?? '', /^[A-Za-z0-9_-]{43}$/);
    const cookieEnds = set.cookie.expires!.getTime() - Date.now();
    assert.ok(cookieEnds > 11.9 * 3_600_000 && cookieEnds <= 12 * 3_600_000, `cookie until the absolute end (${cookieEnds} ms)`);
    assert.equal(session.authenticated, true);
    assert.deepEqual(session.principal, { name: 'console-dash', role: 'viewer' });
    assert.match(session.csrf_token, /^[A-Za-z0-9_-]{43}$/);
    const idleEnd = Date.parse(session.expires_at) - Date.now();
    assert.ok(idleEnd > 59 * 60_000 && idleEnd <= 60 * 60_000, `expires_at is the idle end (${idleEnd} ms)`);

    const clients = await browser.request('GET', `${api}/api/v1/clients`);
    assert.equal(clients.status, 200);
    const again = await browser.request('GET', `${api}/api/v1/session`);
    assert.equal(again.body.csrf_token, session.csrf_token);
    // Only the token's hash is stored.
    const rows = await s.tdb.db.selectFrom('console_sessions').select(['token_hash', 'method', 'api_key_id']).execute();
    assert.ok(rows.every((r) => r.token_hash.length === 64 && r.token_hash !== set.cookie.value));
    assert.ok(rows.some((r) => r.method === 'api_key' && r.api_key_id === viewer.id));
  });

  test('a wrong key is a 401 naming body.api_key, counted as a failed authentication; a bad body is a 400', async () => {
    const browser = new CookieClient();
    const wrong = await browser.request('POST', `${api}/api/v1/session`, { json: { api_key: 'rk_wrong' } });
    assert.equal(wrong.status, 401);
    assert.match(wrong.headers.get('content-type') ?? '', PROBLEM);
    assert.deepEqual(wrong.body.errors, [{ path: 'body.api_key', message: 'is not a valid API key' }]);
    assert.equal(wrong.headers.get('www-authenticate'), 'Bearer realm="relay", error="invalid_token"');
    assert.match(wrong.headers.get('ratelimit') ?? '', /"auth-failures"; r=\d+/, 'counted by the failed-authentication limit');
    assert.match(wrong.headers.get('ratelimit') ?? '', /"per-address"; r=\d+/, 'a caller without credentials is limited per address');
    assert.equal(browser.cookie('relay_session'), undefined);
    const empty = await browser.request('POST', `${api}/api/v1/session`, { json: {} });
    assert.equal(empty.status, 400);
    assert.equal(empty.body.errors[0].path, 'body.api_key');
    const extra = await browser.request('POST', `${api}/api/v1/session`, { json: { api_key: ADMIN_KEY, remember: true } });
    assert.equal(extra.status, 400);
    assert.equal(extra.body.errors[0].path, 'body.remember');
    const notJson = await browser.request('POST', `${api}/api/v1/session`, { headers: { 'content-type': 'text/plain' }, raw: `api_key=${ADMIN_KEY}` });
    assert.equal(notJson.status, 415, 'a form post from another site is not JSON');
  });

  test('cookie writes need the CSRF token (403 naming X-CSRF-Token without it or with another one); API keys need none', async () => {
    const operator = await newKey('operator');
    const { browser, csrf } = await signInWithKey(operator.key);
    const body = { phone: '79161110001', timezone: 'UTC' };
    const none = await browser.request('POST', `${api}/api/v1/clients`, { json: body });
    assert.equal(none.status, 403);
    assert.match(none.headers.get('content-type') ?? '', PROBLEM);
    assert.match(none.body.detail, /X-CSRF-Token/);
    assert.deepEqual(none.body.errors, [{ path: 'headers.x-csrf-token', message: 'is missing or does not match the session' }]);
    const other = await signInWithKey(operator.key);
    assert.notEqual(other.csrf, csrf, 'a token per session');
    assert.equal((await browser.request('POST', `${api}/api/v1/clients`, { json: body, headers: { 'x-csrf-token': other.csrf } })).status, 403);
    assert.equal((await browser.request('POST', `${api}/api/v1/clients`, { json: body, headers: { 'x-csrf-token': `${csrf}x` } })).status, 403);
    const created = await browser.request('POST', `${api}/api/v1/clients`, { json: body, headers: { 'x-csrf-token': csrf } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const patched = await browser.request('PATCH', `${api}/api/v1/clients/${created.body.id}`, { json: { tag: 'vip' }, headers: { 'x-csrf-token': csrf } });
    assert.equal(patched.status, 200);
    assert.equal((await browser.request('DELETE', `${api}/api/v1/clients/${created.body.id}`)).status, 403);
    // A request with an API key is the key's, cookie or not: no CSRF token needed.
    const byKey = await browser.request('DELETE', `${api}/api/v1/clients/${created.body.id}`, { headers: { authorization: `Bearer ${operator.key}` } });
    assert.equal(byKey.status, 204);
    // Sign-out is a write too.
    assert.equal((await browser.request('DELETE', `${api}/api/v1/session`)).status, 403);
  });

  test('roles are enforced for sessions: a viewer session reads but cannot write, an operator cannot manage keys', async () => {
    const viewer = await signInWithKey((await newKey('viewer')).key);
    const denied = await viewer.browser.request('POST', `${api}/api/v1/clients`, { json: { phone: '79161110002', timezone: 'UTC' }, headers: { 'x-csrf-token': viewer.csrf } });
    assert.equal(denied.status, 403);
    assert.match(denied.body.detail, /needs the operator role; your session has viewer/);
    const operator = await signInWithKey((await newKey('operator')).key);
    assert.equal((await operator.browser.request('GET', `${api}/api/v1/api-keys`)).status, 403);
    assert.equal((await operator.browser.request('GET', `${api}/api/v1/sessions`)).status, 403);
  });

  test('sign-out revokes the session and clears the cookie; the old cookie no longer works anywhere', async () => {
    const { browser, csrf } = await signInWithKey((await newKey('operator')).key);
    const token = browser.cookie('relay_session')!;
    const out = await browser.request('DELETE', `${api}/api/v1/session`, { headers: { 'x-csrf-token': csrf } });
    assert.equal(out.status, 200);
    assert.deepEqual(out.body, {}, 'no logout_url for a key session');
    assert.equal(browser.cookie('relay_session'), undefined, 'the cookie is cleared');
    const replay = new CookieClient();
    replay.set('127.0.0.1', 'relay_session', token);
    const after = await replay.request('GET', `${api}/api/v1/clients`);
    assert.equal(after.status, 401);
    assert.match(after.body.detail, /session has ended/);
    const session = await replay.request('GET', `${api}/api/v1/session`);
    assert.equal(session.body.authenticated, false);
    assert.equal(replay.cookie('relay_session'), undefined, 'GET /session clears a dead cookie');
    // Signing out without a session is fine too.
    assert.deepEqual((await new CookieClient().request('DELETE', `${api}/api/v1/session`)).body, {});
  });

  test("revoking the API key ends the sessions made from it; a new sign-in replaces the browser's session", async () => {
    const key = await newKey('operator', 'soon-revoked');
    const a = await signInWithKey(key.key);
    const b = await signInWithKey(key.key);
    assert.equal((await a.browser.request('GET', `${api}/api/v1/clients`)).status, 200);
    assert.equal((await s.http('DELETE', `/api/v1/api-keys/${key.id}`)).status, 204);
    assert.equal((await a.browser.request('GET', `${api}/api/v1/clients`)).status, 401);
    assert.equal((await b.browser.request('GET', `${api}/api/v1/clients`)).status, 401);
    // POST /session in a browser that has a session (with its CSRF token) ends the old one.
    const c = await signInWithKey((await newKey('viewer')).key);
    const oldToken = c.browser.cookie('relay_session')!;
    const again = await c.browser.request('POST', `${api}/api/v1/session`, { json: { api_key: ADMIN_KEY }, headers: { 'x-csrf-token': c.csrf } });
    assert.equal(again.status, 201);
    assert.equal(again.body.principal.role, 'admin');
    const replay = new CookieClient();
    replay.set('127.0.0.1', 'relay_session', oldToken);
    assert.equal((await replay.request('GET', `${api}/api/v1/clients`)).status, 401);
  });

  test('idle expiry and absolute expiry are enforced by the server; use keeps a session alive', async () => {
    const idle = await signInWithKey((await newKey('viewer')).key);
    const latest = async () => (await sql<{ id: number }>`select max(id)::int as id from console_sessions`.execute(s.tdb.db)).rows[0].id;
    const idleId = await latest();
    await sql`update console_sessions set last_seen_at = now() - interval '59 minutes' where id = ${idleId}`.execute(s.tdb.db);
    assert.equal((await idle.browser.request('GET', `${api}/api/v1/clients`)).status, 200, 'within the idle time');
    const seen = await s.tdb.db.selectFrom('console_sessions').select('last_seen_at').where('id', '=', idleId).executeTakeFirstOrThrow();
    assert.ok(Date.now() - seen.last_seen_at.getTime() < 10_000, 'use moved last_seen_at');
    await sql`update console_sessions set last_seen_at = now() - interval '61 minutes' where id = ${idleId}`.execute(s.tdb.db);
    assert.equal((await idle.browser.request('GET', `${api}/api/v1/clients`)).status, 401, 'idle for longer than CONSOLE_SESSION_IDLE_MINUTES');

    const old = await signInWithKey((await newKey('viewer')).key);
    await sql`update console_sessions set expires_at = now() - interval '1 second' where id = ${await latest()}`.execute(s.tdb.db);
    assert.equal((await old.browser.request('GET', `${api}/api/v1/clients`)).status, 401, 'past CONSOLE_SESSION_MAX_HOURS');
  });

  test('admins list live sessions (no token material) and revoke one; the per-key rate limit counts by session', async () => {
    const target = await signInWithKey((await newKey('operator', 'to-revoke')).key);
    const admin = await signInWithKey(ADMIN_KEY);
    const list = await admin.browser.request('GET', `${api}/api/v1/sessions?limit=500`);
    assert.equal(list.status, 200);
    const items = list.body.items as Record<string, unknown>[];
    const mine = items.find((i) => i.current === true)!;
    assert.equal(mine.name, 'bootstrap-admin');
    assert.equal(mine.method, 'api_key');
    assert.equal(mine.api_key_id, null);
    const theirs = items.find((i) => i.name === 'to-revoke')!;
    assert.equal(theirs.current, false);
    for (const item of items) {
      assert.deepEqual(Object.keys(item).sort(), ['api_key_id', 'created_at', 'current', 'email', 'expires_at', 'id', 'last_seen_at', 'method', 'name', 'oidc_issuer', 'oidc_subject', 'role']);
    }
    assert.ok(!list.text.includes(target.browser.cookie('relay_session')!) && !list.text.includes(target.csrf));
    assert.ok(items.every((i) => i.name !== 'soon-revoked'), 'sessions of revoked keys are not live');

    assert.equal((await admin.browser.request('DELETE', `${api}/api/v1/sessions/${theirs.id}`)).status, 403, 'CSRF applies to admins too');
    assert.equal((await admin.browser.request('DELETE', `${api}/api/v1/sessions/${theirs.id}`, { headers: { 'x-csrf-token': admin.csrf } })).status, 204);
    assert.equal((await target.browser.request('GET', `${api}/api/v1/clients`)).status, 401);
    const again = await admin.browser.request('DELETE', `${api}/api/v1/sessions/${theirs.id}`, { headers: { 'x-csrf-token': admin.csrf } });
    assert.equal(again.status, 404);

    const limited = await sql<{ key: string }>`select key from rate_limits where key = ${`per-key:session:${mine.id}`}`.execute(s.tdb.db);
    assert.equal(limited.rows.length, 1, 'the session has its own per-key window');
  });

  test('ended sessions are deleted in batches when a session is made', async () => {
    const key = await newKey('viewer', 'retention');
    for (let i = 0; i < 3; i++) await signInWithKey(key.key);
    await sql`update console_sessions set revoked_at = now() where principal_name = 'retention'`.execute(s.tdb.db);
    const count = async () =>
      Number((await sql<{ n: string }>`select count(*) as n from console_sessions where principal_name = 'retention'`.execute(s.tdb.db)).rows[0].n);
    assert.equal(await count(), 3);
    await signInWithKey(ADMIN_KEY);
    await waitFor(async () => (await count()) === 0, 10_000, 'ended sessions deleted');
  });

  test('OIDC: login redirects to the issuer with PKCE (S256), state and nonce; the provider form signs in; the callback makes an admin session', async () => {
    const { browser, toForm, done, landed } = await signInWithOidc('ada', '/console/mailings?status=running');
    const authorize = toForm.hops[0];
    assert.equal(authorize.origin, idp.issuer);
    assert.equal(authorize.searchParams.get('response_type'), 'code');
    assert.equal(authorize.searchParams.get('client_id'), idp.clientId);
    assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
    assert.match(authorize.searchParams.get('code_challenge') ?? '', /^[A-Za-z0-9_-]{43}$/);
    assert.ok(authorize.searchParams.get('state') && authorize.searchParams.get('nonce'));
    assert.equal(authorize.searchParams.get('redirect_uri'), `${api}/auth/oidc/callback`);
    assert.equal(authorize.searchParams.get('scope'), 'openid email profile');
    const stateCookie = browser.setCookies.find((c) => c.cookie.name === 'relay_oidc_state')!;
    assert.equal(stateCookie.cookie.httpOnly, true);
    assert.equal(stateCookie.cookie.path, '/auth/oidc');
    assert.ok(!stateCookie.raw.includes(authorize.searchParams.get('state')!), 'the state cookie is sealed');

    assert.equal(landed.href, `${api}/console/mailings?status=running`, `hops: ${done.hops.map(String).join(' -> ')}`);
    assert.ok(done.hops.some((h) => h.pathname === '/auth/oidc/callback'));
    assert.equal(browser.cookie('relay_oidc_state'), undefined, 'the state cookie is used once');
    const session = await browser.request('GET', `${api}/api/v1/session`);
    assert.equal(session.body.authenticated, true);
    assert.deepEqual(session.body.principal, { name: 'Ada Lovelace', role: 'admin', email: 'ada@example.com' });
    // The session works like any other: admin reads, CSRF-protected writes.
    assert.equal((await browser.request('GET', `${api}/api/v1/api-keys`)).status, 200);
    const created = await browser.request('POST', `${api}/api/v1/clients`, { json: { phone: '79161110003', timezone: 'UTC' }, headers: { 'x-csrf-token': session.body.csrf_token } });
    assert.equal(created.status, 201);
    const row = await s.tdb.db.selectFrom('console_sessions').selectAll().where('principal_name', '=', 'Ada Lovelace').executeTakeFirstOrThrow();
    assert.equal(row.method, 'oidc');
    assert.equal(row.oidc_subject, 'ada');
    assert.equal(row.oidc_issuer, idp.issuer);
    assert.match(row.sealed_id_token ?? '', /^v1\./, 'the ID token is sealed at rest');
  });

  test('OIDC roles come from the groups claim (highest match wins); no match, another domain or an unverified e-mail are refused', async () => {
    const role = async (login: string) => {
      const { browser, landed } = await signInWithOidc(login);
      assert.equal(landed.href, `${api}/console/`, `${login} lands on the console`);
      return (await browser.request('GET', `${api}/api/v1/session`)).body.principal;
    };
    assert.deepEqual(await role('olga'), { name: 'olga@Example.COM', role: 'operator', email: 'olga@Example.COM' });
    assert.equal((await role('vic')).role, 'viewer');
    for (const [login, error] of [
      ['nobody', 'no_role'],
      ['outsider', 'domain'],
      ['unverified', 'domain'],
    ] as const) {
      const { browser, landed } = await signInWithOidc(login, '/console/clients');
      assert.equal(landed.pathname, '/console/sign-in', login);
      assert.equal(landed.searchParams.get('error'), error, login);
      assert.equal(landed.searchParams.get('return_to'), '/console/clients');
      assert.equal(browser.cookie('relay_session'), undefined, `${login} gets no session`);
    }
  });

  test('OIDC state: a mismatched, missing or forged state is refused with a redirect, never a 5xx; so is the issuer saying no', async () => {
    const browser = new CookieClient();
    const login = await browser.request('GET', `${api}/auth/oidc/login`);
    assert.equal(login.status, 303);
    const wrong = await browser.request('GET', `${api}/auth/oidc/callback?code=abc&state=not-the-state`);
    assert.equal(wrong.status, 303);
    assert.equal(wrong.headers.get('location'), '/console/sign-in?error=state');
    // The state cookie was used up by that attempt: even the right state fails now.
    const state = new URL(login.headers.get('location')!).searchParams.get('state')!;
    const replay = await browser.request('GET', `${api}/auth/oidc/callback?code=abc&state=${state}`);
    assert.equal(replay.headers.get('location'), '/console/sign-in?error=state');
    const fresh = new CookieClient();
    for (const query of ['', '?code=abc', '?state=x&code=y', '?error=access_denied']) {
      const r = await fresh.request('GET', `${api}/auth/oidc/callback${query}`);
      assert.equal(r.status, 303, query);
      assert.equal(r.headers.get('location'), '/console/sign-in?error=state', query);
    }
    const forged = new CookieClient();
    forged.set('127.0.0.1', 'relay_oidc_state', 'v1.deadbeef.AAAA.BBBB.CCCC');
    assert.equal((await forged.request('GET', `${api}/auth/oidc/callback?code=a&state=b`)).headers.get('location'), '/console/sign-in?error=state');
    // Right state, but a code the issuer never issued: the exchange fails, cleanly.
    const bogus = new CookieClient();
    const start = await bogus.request('GET', `${api}/auth/oidc/login`);
    const s2 = new URL(start.headers.get('location')!).searchParams.get('state')!;
    const exchange = await bogus.request('GET', `${api}/auth/oidc/callback?code=not-a-code&state=${s2}&iss=${encodeURIComponent(idp.issuer)}`);
    assert.equal(exchange.status, 303);
    assert.equal(exchange.headers.get('location'), '/console/sign-in?error=failed');
    // The user cancels at the provider: access_denied comes back, the console says so.
    const cancel = new CookieClient();
    const toForm = await cancel.follow('GET', `${api}/auth/oidc/login?return_to=/console/webhooks`);
    const cancelled = await submitLogin(cancel, toForm.final, 'ada', '', true);
    const end = cancelled.hops.at(-1)!;
    assert.equal(end.pathname, '/console/sign-in');
    assert.equal(end.searchParams.get('error'), 'denied');
    assert.equal(end.searchParams.get('return_to'), '/console/webhooks');
  });

  test('return_to: only paths under /console, never another origin', async () => {
    for (const [given, expected] of [
      ['https://evil.example/console/', '/console/'],
      ['//evil.example/console/', '/console/'],
      ['/\\evil.example', '/console/'],
      ['/console/../api/v1/clients', '/console/'],
      ['/consolex', '/console/'],
      ['/console/clients?tag=a#top', '/console/clients?tag=a#top'],
    ]) {
      const { landed } = await signInWithOidc('vic', given);
      assert.equal(landed.href.slice(api.length), expected, given);
    }
  });

  test('OIDC sign-out: the session ends and logout_url is the issuer end_session URL with id_token_hint; the issuer honours it', async () => {
    const { browser } = await signInWithOidc('ada');
    const session = (await browser.request('GET', `${api}/api/v1/session`)).body;
    const out = await browser.request('DELETE', `${api}/api/v1/session`, { headers: { 'x-csrf-token': session.csrf_token } });
    assert.equal(out.status, 200);
    const logout = new URL(out.body.logout_url);
    assert.equal(`${logout.origin}${logout.pathname}`, `${idp.issuer}/session/end`);
    assert.equal(logout.searchParams.get('post_logout_redirect_uri'), `${api}/console/`);
    assert.equal(logout.searchParams.get('client_id'), idp.clientId);
    const hint = logout.searchParams.get('id_token_hint')!;
    assert.equal(JSON.parse(Buffer.from(hint.split('.')[1], 'base64url').toString()).sub, 'ada');
    assert.equal((await browser.request('GET', `${api}/api/v1/clients`)).status, 401);
    // The issuer accepts the hint and the redirect URI: its confirmation form, then back to the console.
    const confirm = await browser.request('GET', logout);
    assert.equal(confirm.status, 200, confirm.text.slice(0, 300));
    const form = /<form[^>]*id="op.logoutForm"[^>]*>([\s\S]*?)<\/form>/.exec(confirm.text);
    assert.ok(form, 'the logout confirmation form');
    const action = /action="([^"]+)"/.exec(form[0])![1];
    const fields = Object.fromEntries([...form[1].matchAll(/name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    const back = await browser.follow('POST', new URL(action, logout), { form: { ...fields, logout: 'yes' } }, (url) => url.origin === api);
    assert.equal(back.hops.at(-1)?.href, `${api}/console/`);
  });

  test('a public client (PKCE only) whose claims come from userinfo; a bootstrap-key session ends when ADMIN_API_KEY changes; Secure cookies behind https', async () => {
    const port2 = await freePort();
    const api2 = `http://127.0.0.1:${port2}`;
    const idp2 = await startOidcProvider({
      redirectUris: [`${api2}/auth/oidc/callback`],
      users: [{ login: 'pat', email: 'pat@corp.example', groups: ['ops'] }],
      clientSecret: null,
      claimsInIdToken: false,
    });
    extraServers.push(idp2);
    const config = testConfig({
      TEMPORAL_ADDRESS: s.config.TEMPORAL_ADDRESS,
      API_PORT: String(port2),
      ADMIN_API_KEY: 'another-admin-key-0123456789',
      OIDC_ISSUER_URL: idp2.issuer,
      OIDC_CLIENT_ID: idp2.clientId,
      OIDC_OPERATOR_VALUES: 'ops',
      TRUST_PROXY: 'loopback',
      CONSOLE_SESSION_IDLE_MINUTES: '5',
    });
    const server = await startApiServer({ config, db: s.tdb.db, logger: createLogger('silent') });
    extraServers.unshift(server);

    const { browser, landed } = await signInWithOidc('pat', undefined, api2);
    assert.equal(landed.href, `${api2}/console/`);
    const session = (await browser.request('GET', `${api2}/api/v1/session`)).body;
    assert.deepEqual(session.principal, { name: 'pat@corp.example', role: 'operator', email: 'pat@corp.example' });
    const idleEnd = Date.parse(session.expires_at) - Date.now();
    assert.ok(idleEnd <= 5 * 60_000 && idleEnd > 4 * 60_000, `CONSOLE_SESSION_IDLE_MINUTES=5 (${idleEnd} ms)`);
    assert.equal(session.temporal_ui_url, undefined);

    // Made with the first API's bootstrap key: unknown to this one.
    const { browser: admin } = await signInWithKey(ADMIN_KEY);
    const token = admin.cookie('relay_session')!;
    const elsewhere = new CookieClient();
    elsewhere.set('127.0.0.1', 'relay_session', token);
    assert.equal((await elsewhere.request('GET', `${api2}/api/v1/clients`)).status, 401);
    assert.equal((await elsewhere.request('GET', `${api}/api/v1/clients`)).status, 200);

    // Behind a TLS-terminating proxy (X-Forwarded-Proto from a trusted address) the cookies are Secure.
    const https = new CookieClient();
    const signIn = await https.request('POST', `${api2}/api/v1/session`, { json: { api_key: 'another-admin-key-0123456789' }, headers: { 'x-forwarded-proto': 'https' } });
    assert.equal(signIn.status, 201);
    assert.equal(https.setCookies.find((c) => c.cookie.name === 'relay_session')?.cookie.secure, true);
    const login = await https.request('GET', `${api2}/auth/oidc/login`, { headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'relay.example' } });
    assert.equal(new URL(login.headers.get('location')!).searchParams.get('redirect_uri'), 'https://relay.example/auth/oidc/callback');
    assert.equal(https.setCookies.find((c) => c.cookie.name === 'relay_oidc_state')?.cookie.secure, true);
  });

  test('an unreachable issuer: the login redirects to sign-in with error=unavailable, and the API stays up', async () => {
    const deadPort = await freePort();
    const config = testConfig({
      TEMPORAL_ADDRESS: s.config.TEMPORAL_ADDRESS,
      API_PORT: '0',
      OIDC_ISSUER_URL: `http://127.0.0.1:${deadPort}`,
      OIDC_CLIENT_ID: 'relay',
      OIDC_ADMIN_VALUES: 'admins',
    });
    const server = await startApiServer({ config, db: s.tdb.db, logger: createLogger('silent') });
    extraServers.unshift(server);
    const r = await new CookieClient().request('GET', `${server.url}/auth/oidc/login?return_to=/console/clients`);
    assert.equal(r.status, 303);
    assert.equal(r.headers.get('location'), '/console/sign-in?error=unavailable&return_to=%2Fconsole%2Fclients');
    assert.equal((await new CookieClient().request('GET', `${server.url}/api/v1/session`)).body.methods.oidc, true);
  });

  test('without OIDC configured there are no OIDC routes and the session says so', async () => {
    const config = testConfig({ TEMPORAL_ADDRESS: s.config.TEMPORAL_ADDRESS, API_PORT: '0' });
    const server = await startApiServer({ config, db: s.tdb.db, logger: createLogger('silent') });
    extraServers.unshift(server);
    const session = await new CookieClient().request('GET', `${server.url}/api/v1/session`);
    assert.deepEqual(session.body, { authenticated: false, methods: { api_key: true, oidc: false } });
    assert.equal((await new CookieClient().request('GET', `${server.url}/auth/oidc/login`)).status, 404);
  });
});
