import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SecretBox } from '../../lib/crypto/secret-box';
import { TEST_ENCRYPTION_KEY } from '../support/fixtures';
import { startFakeJsonApi, type FakeJsonApi } from '../support/fake-json-api';
import { createCredential, createIntegration, finishedRun, records, syncNow, systemEvents } from '../support/integrations';
import { startStack, type Stack } from '../support/stack';

let s: Stack;
let api: FakeJsonApi;
const TOKEN = 'upstream-token-5f1c9a7e';

before(async () => {
  [s, api] = await Promise.all([startStack(), startFakeJsonApi({ items: 25, auth: { header: 'authorization', value: `Bearer ${TOKEN}` } })]);
});
after(async () => {
  await s?.close();
  await api?.close();
});

const pagedConfig = () => ({
  url: `${api.url}/page`,
  items_path: 'data',
  modified_field: 'updated_at',
  pagination: { type: 'page', page_size: 10 },
  since: { param: 'since', format: 'iso' },
});

test('the plugin catalogue lists credential types and providers with JSON Schemas for forms', async () => {
  const types = await s.http('GET', '/api/v1/credential-types');
  assert.equal(types.status, 200);
  const bearer = types.body.items.find((t: { id: string }) => t.id === 'bearer-token');
  assert.deepEqual(bearer.secret_schema.required, ['token']);
  const providers = await s.http('GET', '/api/v1/providers');
  const ids = providers.body.items.map((p: { id: string }) => p.id);
  for (const id of ['http-json', 'github-issues', 'sympla-events']) assert.ok(ids.includes(id), `${id} listed`);
  const github = await s.http('GET', '/api/v1/providers/github-issues');
  assert.equal(github.status, 200);
  assert.equal(github.body.config_schema.type, 'object');
  assert.ok('owner' in github.body.config_schema.properties);
  assert.equal((await s.http('GET', '/api/v1/providers/nope')).status, 404);
  const openapi = await s.http('GET', '/openapi.json', undefined, null);
  for (const path of ['/api/v1/credentials', '/api/v1/integrations/{id}', '/api/v1/integrations/{id}/sync', '/api/v1/integrations/{id}/records', '/api/v1/providers']) {
    assert.ok(path in openapi.body.paths, `${path} documented`);
  }
});

test('credentials: secrets validated, stored encrypted, never returned', async () => {
  const bad = await s.http('POST', '/api/v1/credentials', { name: 'x', type: 'bearer-token', secret: { token: '' }, allowed_hosts: ['127.0.0.1'] });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.errors[0].path, 'body.secret.token');
  const unknown = await s.http('POST', '/api/v1/credentials', { name: 'x', type: 'telepathy', secret: {}, allowed_hosts: ['127.0.0.1'] });
  assert.equal(unknown.status, 400);
  assert.equal(unknown.body.errors[0].path, 'body.type');
  const unbound = await s.http('POST', '/api/v1/credentials', { name: 'x', type: 'bearer-token', secret: { token: 'abcd' } });
  assert.equal(unbound.status, 400);
  assert.equal(unbound.body.errors[0].path, 'body.allowed_hosts');
  const nul = await s.http('POST', '/api/v1/credentials', { name: 'a\u0000b', type: 'bearer-token', secret: { token: 'abcd' }, allowed_hosts: ['127.0.0.1'] });
  assert.equal(nul.status, 400, 'NUL cannot be stored: a 400, not a 500');
  assert.equal(nul.body.errors[0].path, 'body.name');

  const created = await createCredential(s, 'bearer-token', { token: TOKEN });
  assert.deepEqual(created.secret_fields, ['token']);
  for (const r of [await s.http('GET', `/api/v1/credentials/${created.id}`), await s.http('GET', '/api/v1/credentials')]) {
    assert.equal(r.status, 200);
    assert.ok(!JSON.stringify(r.body).includes(TOKEN), 'the secret never appears in answers');
  }
  const row = await s.tdb.db.selectFrom('credentials').selectAll().where('id', '=', created.id).executeTakeFirstOrThrow();
  assert.ok(!JSON.stringify(row).includes(TOKEN), 'the secret is not stored in clear');
  assert.deepEqual(JSON.parse(new SecretBox(TEST_ENCRYPTION_KEY).open(row.secret_sealed)), { token: TOKEN });

  const renamed = await s.http('PATCH', `/api/v1/credentials/${created.id}`, { name: 'renamed' });
  assert.equal(renamed.status, 200);
  assert.equal(renamed.body.name, 'renamed');
});

test('integrations validate provider, config and credential type, naming the field', async () => {
  const basic = await createCredential(s, 'basic-auth', { password: 'pw' }, { username: 'u' });
  const cases: [Record<string, unknown>, string][] = [
    [{ provider: 'nope', config: {} }, 'body.provider'],
    [{ provider: 'http-json', config: { url: 'not a url' } }, 'body.config.url'],
    [{ provider: 'github-issues', config: { owner: 'bad owner!', repo: 'r' } }, 'body.config.owner'],
    [{ provider: 'github-issues', config: { owner: 'o', repo: 'r' }, credential_id: basic.id }, 'body.credential_id'],
    [{ provider: 'sympla-events', config: {} }, 'body.credential_id'],
    [{ provider: 'http-json', config: { url: 'http://10.1.2.3/items' } }, 'body.config.url'],
    [{ provider: 'http-json', config: pagedConfig(), schedule: { kind: 'cron', cron: 'every day', timezone: 'UTC' } }, 'body.schedule.cron'],
    [{ provider: 'http-json', config: pagedConfig(), schedule: { kind: 'interval', every_seconds: 5 } }, 'body.schedule.every_seconds'],
    [{ provider: 'http-json', config: pagedConfig(), schedule: { kind: 'cron', cron: '99 * * * *', timezone: 'UTC' } }, 'body.schedule'],
    [{ provider: 'http-json', config: pagedConfig(), schedule: { kind: 'cron', cron: '0 * * * *', timezone: 'Mars/Base' } }, 'body.schedule.timezone'],
  ];
  for (const [fields, path] of cases) {
    const r = await s.http('POST', '/api/v1/integrations', { name: 'bad', schedule: { kind: 'interval', every_seconds: 3600 }, ...fields });
    assert.equal(r.status, 400, `${JSON.stringify(fields)} -> ${JSON.stringify(r.body)}`);
    assert.ok(r.body.errors.some((e: { path: string }) => e.path === path), `${path} named in ${JSON.stringify(r.body.errors)}`);
  }
  assert.equal((await s.tdb.db.selectFrom('integrations').select('id').where('name', '=', 'bad').execute()).length, 0, 'nothing stored');
});

test('credentials go only to their allowed hosts: refused at create time and again at send time', async () => {
  const github = await createCredential(s, 'bearer-token', { token: 'ghp_only_for_github' }, {}, ['api.github.com']);
  const elsewhere = await s.http('POST', '/api/v1/integrations', {
    name: 'exfiltrate', provider: 'github-issues', credential_id: github.id, config: { owner: 'o', repo: 'r', base_url: api.url }, schedule: { kind: 'interval', every_seconds: 3600 },
  });
  assert.equal(elsewhere.status, 400, JSON.stringify(elsewhere.body));
  assert.equal(elsewhere.body.errors[0].path, 'body.config.base_url');
  assert.match(elsewhere.body.errors[0].message, /api\.github\.com/);

  // A binding narrowed after the integration was made: the sync refuses to send the token, and says why.
  const credential = await createCredential(s, 'bearer-token', { token: TOKEN });
  const integration = await createIntegration(s, { provider: 'http-json', credential_id: credential.id, config: pagedConfig() });
  assert.equal((await s.http('PATCH', `/api/v1/credentials/${credential.id}`, { allowed_hosts: ['api.example.com'] })).status, 200);
  const before = api.requests.length;
  const run = await finishedRun(s, integration.id, (await syncNow(s, integration.id)).id);
  assert.equal(run.status, 'failed');
  assert.match(run.error ?? '', /may not be sent to 127\.0\.0\.1/);
  assert.equal(api.requests.length, before, 'the token never left');
});

test('sync now imports every page; the next run fetches only new and changed records; full resync starts over', async () => {
  const credential = await createCredential(s, 'bearer-token', { token: TOKEN });
  const integration = await createIntegration(s, { provider: 'http-json', credential_id: credential.id, config: pagedConfig() });

  const first = await finishedRun(s, integration.id, (await syncNow(s, integration.id)).id);
  assert.equal(first.status, 'succeeded', first.error ?? '');
  assert.deepEqual([first.pages, first.fetched, first.inserted, first.updated], [3, 25, 25, 0]);
  assert.equal((await records(s, integration.id)).length, 25);
  const afterFirst = new Date().toISOString();

  api.upsert({ id: 3, name: 'renamed three' });
  api.upsert({ id: 7, name: 'renamed seven' });
  api.upsert({ id: 26 });
  const before = api.requests.length;
  const second = await finishedRun(s, integration.id, (await syncNow(s, integration.id)).id);
  assert.equal(second.status, 'succeeded', second.error ?? '');
  assert.deepEqual([second.fetched, second.inserted, second.updated], [3, 1, 2], 'only the new and changed records');
  // (The connection check asks for one item without since.)
  const listed = api.requests.slice(before).filter((r) => r.path === '/page' && r.query.per_page !== '1');
  assert.ok(listed.length > 0 && listed.every((r) => r.query.since === '2024-01-01T00:00:25Z'), `asked since the last run's newest change: ${JSON.stringify(listed.map((r) => r.query))}`);

  const changed = await records(s, integration.id, `&modified_since=${encodeURIComponent(afterFirst)}`);
  assert.deepEqual(changed.map((r) => r.external_id).sort(), ['26', '3', '7']);
  assert.equal((await records(s, integration.id, '&external_id=3'))[0].data.name, 'renamed three');

  const full = await finishedRun(s, integration.id, (await syncNow(s, integration.id, true)).id);
  assert.equal(full.status, 'succeeded');
  assert.deepEqual([full.fetched, full.inserted, full.updated], [26, 0, 0], 'a full resync fetches everything; nothing changed');

  // Another source: the old checkpoint would skip its records, so a config change starts from the beginning.
  const moved = await s.http('PATCH', `/api/v1/integrations/${integration.id}`, { config: { ...pagedConfig(), url: `${api.url}/offset`, pagination: { type: 'offset', page_size: 10 } } });
  assert.equal(moved.status, 200, JSON.stringify(moved.body));
  assert.equal(moved.body.cursor, null);
  assert.equal((await s.http('PATCH', `/api/v1/integrations/${integration.id}`, { name: 'renamed' })).body.cursor, null, 'other changes keep it');

  // A NUL character from upstream is stored (as U+FFFD), not a page failing forever.
  api.upsert({ id: 27, name: 'nul\u0000name' });
  const withNul = await finishedRun(s, integration.id, (await syncNow(s, integration.id)).id);
  assert.equal(withNul.status, 'succeeded', withNul.error ?? '');
  assert.equal((await records(s, integration.id, '&external_id=27'))[0].data.name, 'nul\ufffdname');

  const succeeded = await systemEvents(s, 'integration.sync.succeeded');
  const mine = succeeded.filter((e) => e.payload.integrationId === integration.id);
  assert.equal(mine.length, 4, 'one integration.sync.succeeded per run');
  assert.deepEqual(mine[1].payload, { integrationId: integration.id, runId: String(second.id), pages: second.pages, fetched: 3, inserted: 1, updated: 2 });
});

test('bad credentials fail the run at once with a clear error and an integration.sync.failed event', async () => {
  const wrong = await createCredential(s, 'bearer-token', { token: 'not-the-token' });
  const integration = await createIntegration(s, { provider: 'http-json', credential_id: wrong.id, config: pagedConfig() });
  const before = api.requests.length;
  const run = await finishedRun(s, integration.id, (await syncNow(s, integration.id)).id);
  assert.equal(run.status, 'failed');
  assert.match(run.error ?? '', /authentication failed.*401/);
  assert.ok(!(run.error ?? '').includes('not-the-token'), 'the error does not carry the secret');
  assert.equal(api.requests.length - before, 1, 'not retried: one request, the check');
  const failed = (await systemEvents(s, 'integration.sync.failed')).filter((e) => e.payload.integrationId === integration.id);
  assert.equal(failed.length, 1);
  assert.equal(failed[0].payload.error, run.error);
});

test('429 with Retry-After is waited out exactly, then the run goes on', async () => {
  const credential = await createCredential(s, 'bearer-token', { token: TOKEN });
  const integration = await createIntegration(s, { provider: 'http-json', credential_id: credential.id, config: { ...pagedConfig(), since: undefined } });
  // The first request (the connection check) is refused with Retry-After: 6; the default backoff would retry after 2 s.
  api.failNext([{ status: 429, headers: { 'retry-after': '6' }, body: { error: 'slow down' } }]);
  const before = api.requests.length;
  const run = await finishedRun(s, integration.id, (await syncNow(s, integration.id)).id);
  assert.equal(run.status, 'succeeded', run.error ?? '');
  const mine = api.requests.slice(before);
  const waited = mine[1].at - mine[0].at;
  assert.ok(waited >= 6_000, `waited ${waited} ms after the 429`);
  assert.ok(waited < 12_000, `and not much longer (${waited} ms)`);
  assert.equal(run.fetched, api.items().length);
});
