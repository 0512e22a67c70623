import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { safeReturnTo } from '../../api/session/return-to';
import { claimValues, decideRole, needsUserinfo } from '../../api/session/role-mapping';
import type { RoleRules } from '../../api/session/settings';
import { csrfTokenFor, sameSecret } from '../../api/session/tokens';
import { ConfigError, loadConfig } from '../../lib/config';

const rules = (over: Partial<RoleRules> = {}): RoleRules => ({
  claim: 'groups',
  values: { admin: ['relay-admins'], operator: ['relay-ops'], viewer: ['staff'] },
  allowedEmailDomains: [],
  ...over,
});

describe('OIDC role mapping', () => {
  test('the highest role with a matching value wins; values match exactly', () => {
    assert.deepEqual(decideRole({ groups: ['staff', 'relay-admins'] }, rules()), { role: 'admin' });
    assert.deepEqual(decideRole({ groups: ['staff', 'relay-ops'] }, rules()), { role: 'operator' });
    assert.deepEqual(decideRole({ groups: 'staff' }, rules()), { role: 'viewer' });
    assert.deepEqual(decideRole({ groups: ['Relay-Admins', 'relay-admins '] }, rules()), { refused: 'no_role', detail: 'no value of claim groups (2 values) maps to a role' });
    assert.equal('refused' in decideRole({}, rules()), true);
    assert.equal('refused' in decideRole({ groups: [1, null, { a: 'relay-admins' }] }, rules()), true);
  });

  test('a dotted claim path reaches into objects (Keycloak realm_access.roles)', () => {
    const claims = { realm_access: { roles: ['offline', 'relay-ops'] } };
    assert.deepEqual(claimValues(claims, 'realm_access.roles'), ['offline', 'relay-ops']);
    assert.deepEqual(decideRole(claims, rules({ claim: 'realm_access.roles' })), { role: 'operator' });
    assert.deepEqual(claimValues({ realm_access: ['x'] }, 'realm_access.roles'), []);
  });

  test('allowed domains: the e-mail must be in one and verified', () => {
    const domains = rules({ allowedEmailDomains: ['example.com'] });
    assert.deepEqual(decideRole({ email: 'Ada@EXAMPLE.com', email_verified: true, groups: ['staff'] }, domains), { role: 'viewer' });
    assert.deepEqual(decideRole({ email: 'ada@example.com', email_verified: 'true', groups: ['staff'] }, domains), { role: 'viewer' });
    for (const claims of [
      { email: 'ada@example.com', email_verified: false, groups: ['relay-admins'] },
      { email: 'ada@example.com', groups: ['relay-admins'] },
      { email: 'eve@example.com.evil.org', email_verified: true, groups: ['relay-admins'] },
      { email: 'eve@sub.example.com', email_verified: true, groups: ['relay-admins'] },
      { email: 'a@b@example.com', email_verified: true, groups: ['relay-admins'] },
      { groups: ['relay-admins'] },
    ]) {
      const decision = decideRole(claims, domains);
      assert.ok('refused' in decision && decision.refused === 'domain', JSON.stringify(claims));
    }
  });

  test('userinfo is asked when the ID token lacks the role claim, the e-mail, or (with domains) email_verified', () => {
    assert.equal(needsUserinfo({ sub: 'a' }, rules()), true);
    assert.equal(needsUserinfo({ groups: ['staff'] }, rules()), true);
    assert.equal(needsUserinfo({ groups: ['staff'], email: 'a@b.c' }, rules()), false);
    assert.equal(needsUserinfo({ groups: ['staff'], email: 'a@b.c' }, rules({ allowedEmailDomains: ['b.c'] })), true);
    assert.equal(needsUserinfo({ groups: ['staff'], email: 'a@b.c', email_verified: true }, rules({ allowedEmailDomains: ['b.c'] })), false);
  });
});

test('return_to: paths under /console only', () => {
  for (const bad of [undefined, 42, ['/console/a'], '', 'https://evil.example/console/', '//evil.example', '/\\evil.example', '/console\\..\\x', '/console/../docs', '/consoles', '/api/v1/clients', `/console/${'a'.repeat(2_000)}`, '/console/\u0000', '/console/\r\nSet-Cookie:x']) {
    assert.equal(safeReturnTo(bad), '/console/', JSON.stringify(bad));
  }
  assert.equal(safeReturnTo('/console/%0d%0aSet-Cookie:x'), '/console/%0d%0aSet-Cookie:x', 'stays percent-encoded in Location');
  assert.equal(safeReturnTo('/console'), '/console');
  assert.equal(safeReturnTo('/console/mailings/7?tab=stats#top'), '/console/mailings/7?tab=stats#top');
  assert.equal(safeReturnTo('/console/./clients'), '/console/clients');
});

test('CSRF tokens: bound to the session token, compared in constant time', () => {
  const a = csrfTokenFor('a'.repeat(43));
  assert.notEqual(a, csrfTokenFor('b'.repeat(43)));
  assert.equal(a, csrfTokenFor('a'.repeat(43)));
  assert.equal(sameSecret(a, a), true);
  assert.equal(sameSecret(a, undefined), false);
  assert.equal(sameSecret(a, a.slice(1)), false);
  assert.equal(sameSecret(a, `${a.slice(0, -1)}${a.endsWith('A') ? 'B' : 'A'}`), false);
});

describe('console sign-in config', () => {
  const error = (env: Record<string, string>): Record<string, string> => {
    try {
      loadConfig(env);
    } catch (e) {
      assert.ok(e instanceof ConfigError);
      return Object.fromEntries(e.issues.map((i) => [i.variable, i.message]));
    }
    return {};
  };
  const oidc = { OIDC_ISSUER_URL: 'https://id.example.com', OIDC_CLIENT_ID: 'relay', OIDC_ADMIN_VALUES: 'admins' };

  test('defaults', () => {
    const c = loadConfig({});
    assert.equal(c.CONSOLE_SESSION_IDLE_MINUTES, 60);
    assert.equal(c.CONSOLE_SESSION_MAX_HOURS, 12);
    assert.equal(c.OIDC_SCOPES, 'openid email profile');
    assert.equal(c.OIDC_ROLE_CLAIM, 'groups');
    assert.deepEqual(c.OIDC_ADMIN_VALUES, []);
    const withOidc = loadConfig({ ...oidc, OIDC_OPERATOR_VALUES: ' ops , ,devs', OIDC_ALLOWED_EMAIL_DOMAINS: 'Example.com,corp.example' });
    assert.deepEqual(withOidc.OIDC_OPERATOR_VALUES, ['ops', 'devs']);
    assert.deepEqual(withOidc.OIDC_ALLOWED_EMAIL_DOMAINS, ['example.com', 'corp.example']);
  });

  test('bad combinations stop boot naming the variable', () => {
    assert.match(error({ OIDC_ISSUER_URL: 'https://id.example.com', OIDC_ADMIN_VALUES: 'a' }).OIDC_CLIENT_ID, /required when OIDC_ISSUER_URL/);
    assert.match(error({ OIDC_CLIENT_ID: 'relay' }).OIDC_CLIENT_ID, /needs OIDC_ISSUER_URL/);
    assert.match(error({ OIDC_CLIENT_SECRET: 's' }).OIDC_CLIENT_SECRET, /needs OIDC_ISSUER_URL/);
    assert.match(error({ OIDC_ISSUER_URL: 'https://id.example.com', OIDC_CLIENT_ID: 'relay' }).OIDC_ADMIN_VALUES, /nobody could sign in/);
    assert.match(error({ ...oidc, OIDC_ISSUER_URL: 'http://id.example.com' }).OIDC_ISSUER_URL, /https/);
    assert.deepEqual(error({ ...oidc, OIDC_ISSUER_URL: 'http://127.0.0.1:8080' }), {});
    assert.match(error({ ...oidc, OIDC_SCOPES: 'email profile' }).OIDC_SCOPES, /openid/);
    assert.match(error({ ...oidc, OIDC_ALLOWED_EMAIL_DOMAINS: 'example' }).OIDC_ALLOWED_EMAIL_DOMAINS, /domain names/);
    assert.match(error({ ...oidc, OIDC_ROLE_CLAIM: 'a..b' }).OIDC_ROLE_CLAIM, /dotted path/);
    assert.match(error({ CONSOLE_PUBLIC_URL: 'https://relay.example.com/console' }).CONSOLE_PUBLIC_URL, /origin only/);
    assert.match(error({ CONSOLE_SESSION_IDLE_MINUTES: '0' }).CONSOLE_SESSION_IDLE_MINUTES, /./);
  });
});
