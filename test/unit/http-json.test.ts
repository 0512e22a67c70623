import { test } from 'node:test';
import assert from 'node:assert/strict';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { z } from 'zod';
import { IntegrationAuthError, ProviderConfigError, RateLimitedError, UpstreamError } from '../../lib/integrations/errors';
import { fetchOnePage } from '../../lib/integrations/fetch-page';
import type { OpenedCredential, SyncPage } from '../../lib/integrations/plugin';
import { httpJson } from '../../plugins/providers/http-json';
import { configSchema } from '../../plugins/providers/http-json/config';
import { parseTimestamp } from '../../plugins/providers/http-json/timestamps';
import { startFakeJsonApi, type FakeJsonApi, type FakeJsonApiOptions } from '../support/fake-json-api';
import { provider, syncAll, syncContext } from '../support/sync-context';

const p = provider('http-json');
const DEFAULTS = configSchema.parse({ url: 'https://api.example.com/items' });

async function api(t: { after: (fn: () => Promise<void>) => void }, options: FakeJsonApiOptions = { items: 25 }): Promise<FakeJsonApi> {
  const started = await startFakeJsonApi(options);
  t.after(() => started.close());
  return started;
}

const ids = (pages: SyncPage[]): string[] => pages.flatMap((page) => page.records.map((r) => p.normalize(r, DEFAULTS).externalId));
const range = (from: number, to: number): string[] => Array.from({ length: to - from + 1 }, (_, i) => String(from + i));
const STYLES = {
  page: (url: string) => ({ url: `${url}/page`, items_path: 'data', pagination: { type: 'page', page_size: 10 } }),
  offset: (url: string) => ({ url: `${url}/offset`, items_path: 'data', pagination: { type: 'offset', page_size: 10 } }),
  cursor: (url: string) => ({ url: `${url}/cursor`, items_path: 'data', pagination: { type: 'cursor', next_cursor_path: 'meta.next_cursor', size_param: 'limit', page_size: 10 } }),
  link: (url: string) => ({ url: `${url}/link`, query: { per_page: '10' }, pagination: { type: 'link' } }),
};
const INCREMENTAL = { modified_field: 'updated_at', since: { param: 'since' } };

test('the registry finds http-json in its folder with the contract fields', () => {
  assert.equal(p, httpJson);
  assert.deepEqual([p.category, p.credentialRequired, p.credentialTypes], ['generic', false, ['bearer-token', 'api-key', 'basic-auth']]);
});

test('the config schema becomes a JSON Schema (output and input) that accepts a valid config and describes every field', () => {
  const schema = z.toJSONSchema(configSchema);
  const input = z.toJSONSchema(configSchema, { io: 'input' });
  const props = (schema.properties ?? {}) as Record<string, { description?: string }>;
  for (const name of ['url', 'query', 'headers', 'items_path', 'id_field', 'modified_field', 'pagination', 'since', 'max_pages_per_run']) {
    assert.ok(props[name]?.description, `${name} has a description`);
  }
  const ajv = new Ajv2020({ strict: false });
  addFormats(ajv);
  const validate = ajv.compile(input);
  assert.ok(validate({ url: 'https://api.example.com/items', pagination: { type: 'cursor', next_cursor_path: 'meta.next' } }), JSON.stringify(validate.errors));
  assert.equal(validate({ url: 'https://api.example.com/items', pagination: { type: 'scroll' } }), false);
  assert.equal(validate({ url: 'https://api.example.com/items', extra: 1 }), false);
});

test('the schema rejects bad urls, reserved or doubled headers, query keys the pagination owns and incomplete settings', () => {
  const issue = (config: Record<string, unknown>): string => {
    const result = configSchema.safeParse(config);
    assert.equal(result.success, false, JSON.stringify(config));
    return result.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') ?? '';
  };
  const url = 'https://api.example.com/items';
  assert.match(issue({ url: 'ftp://api.example.com/items' }), /^url:/);
  assert.match(issue({ url: 'not a url' }), /^url:/);
  assert.match(issue({ url: 'https://user:pw@api.example.com/' }), /url: must not contain a user name/);
  assert.match(issue({ url, headers: { Authorization: 'Bearer x' } }), /headers.Authorization: 'Authorization' cannot be set here: use a credential/);
  assert.match(issue({ url, headers: { HOST: 'evil' } }), /headers.HOST/);
  assert.match(issue({ url, headers: { 'content-length': '1' } }), /headers.content-length/);
  assert.match(issue({ url, headers: { 'X-A': '1', 'x-a': '2' } }), /given twice/);
  assert.match(issue({ url, headers: { 'X-A': 'a\r\nHost: b' } }), /line breaks/);
  assert.match(issue({ url, query: { page: '3' }, pagination: { type: 'page' } }), /query.page: 'page' is set by the pagination/);
  assert.match(issue({ url, pagination: { type: 'cursor', next_cursor_path: 'next', size_param: 'limit' } }), /pagination.page_size: size_param and page_size go together/);
  assert.match(issue({ url, since: { param: 'since' } }), /since.field: is required when modified_field is not set/);
  assert.match(issue({ url, modified_field: 'updated_at', since: { param: 'since', initial: 'yesterday' } }), /since.initial/);
  assert.match(issue({ url, items_path: 'data..items' }), /items_path/);
  assert.match(issue({ url, pagination: { type: 'page', page_size: 0 } }), /page_size/);
  assert.match(issue({ url, surprise: true }), /surprise|Unrecognized/);
  assert.deepEqual(configSchema.parse({ url }).pagination, { type: 'none' });
});

for (const [style, config] of Object.entries(STYLES)) {
  test(`${style} pagination drains every item exactly once, in order, and stops on the short last page`, async (t) => {
    const upstream = await api(t);
    const { pages, cursor } = await syncAll(p, syncContext(p, config(upstream.url)), null);
    assert.deepEqual(ids(pages), range(1, 25));
    assert.deepEqual(pages.map((page) => [page.records.length, page.hasMore]), [[10, true], [10, true], [5, false]]);
    assert.equal(cursor, null, 'no since: the next run starts over');
    assert.equal(upstream.requests.length, 3);
  });
}

test('none takes the whole answer in one request; page stops on an empty page after an exact multiple', async (t) => {
  const upstream = await api(t, { items: 20 });
  const all = await syncAll(p, syncContext(p, { url: `${upstream.url}/all` }), null);
  assert.deepEqual([ids(all.pages), all.pages.length], [range(1, 20), 1]);
  upstream.requests.length = 0;
  const paged = await syncAll(p, syncContext(p, STYLES.page(upstream.url)), null);
  assert.deepEqual(ids(paged.pages), range(1, 20));
  assert.deepEqual(upstream.requests.map((r) => r.query.page), ['1', '2', '3']);
});

test('incremental runs ask for changes since the newest item seen and fetch only new or changed items', async (t) => {
  const upstream = await api(t);
  const ctx = syncContext(p, { ...STYLES.page(upstream.url), ...INCREMENTAL });
  const first = await syncAll(p, ctx, null);
  assert.equal(ids(first.pages).length, 25);
  const newest = upstream.items()[24].updated_at;
  assert.deepEqual(first.cursor && JSON.parse(first.cursor), { since: newest });
  assert.equal(upstream.requests[0].query.since, undefined, 'the first run asks for everything');

  upstream.upsert({ id: 3, name: 'changed' });
  upstream.upsert({ id: 26 });
  upstream.requests.length = 0;
  const second = await syncAll(p, ctx, first.cursor);
  assert.deepEqual(ids(second.pages), ['3', '26']);
  assert.deepEqual(upstream.requests.map((r) => r.query.since), [String(newest).replace('.000Z', 'Z')]);
  assert.deepEqual(second.cursor && JSON.parse(second.cursor), { since: upstream.items()[25].updated_at });

  const third = await syncAll(p, ctx, second.cursor);
  assert.deepEqual([ids(third.pages), third.cursor], [[], second.cursor], 'nothing new: one empty page, the since stays');
});

test('unix since: the parameter is written in seconds and numeric updated_at values move it; initial starts the first run', async (t) => {
  const upstream = await api(t, { items: 25, timestamps: 'unix' });
  const items = upstream.items();
  const config = { ...STYLES.offset(upstream.url), ...INCREMENTAL, since: { param: 'since', format: 'unix', initial: String(items[19].updated_at) } };
  const ctx = syncContext(p, config);
  const first = await syncAll(p, ctx, null);
  assert.deepEqual(ids(first.pages), range(21, 25));
  assert.equal(upstream.requests[0].query.since, String(items[19].updated_at));
  upstream.upsert({ id: 7 });
  const second = await syncAll(p, ctx, first.cursor);
  assert.deepEqual(ids(second.pages), ['7']);
  assert.equal(upstream.requests.at(-1)?.query.since, String(items[24].updated_at));
  assert.equal(p.normalize(second.pages[0].records[0], ctx.config).modifiedAt?.getTime(), Number(upstream.items()[24].updated_at) * 1000);
});

for (const style of ['page', 'offset', 'cursor', 'link'] as const) {
  test(`${style}: a run resumed from a mid-run cursor does not fetch earlier pages and keeps the run's since and newest`, async (t) => {
    const upstream = await api(t, { items: 30 });
    const ctx = syncContext(p, { ...STYLES[style](upstream.url), ...INCREMENTAL, since: { param: 'since', initial: '2023-12-31T00:00:00Z' } });
    const firstPage = await fetchOnePage(p, ctx, null);
    assert.equal(firstPage.hasMore, true);
    const mid = JSON.parse(String(firstPage.nextCursor));
    assert.deepEqual([mid.since, mid.max], ['2023-12-31T00:00:00.000Z', upstream.items()[9].updated_at]);
    upstream.requests.length = 0;
    // 30 items, pages of 10: the rest is pages 2 and 3 (and an empty page 4 for page/offset).
    const rest = await syncAll(p, ctx, firstPage.nextCursor);
    assert.deepEqual(ids(rest.pages), range(11, 30));
    assert.ok(upstream.requests.every((r) => r.query.since === '2023-12-31T00:00:00Z'), 'every page of the run asks for the same since');
    assert.ok(upstream.requests.every((r) => r.query.page !== '1' && r.query.offset !== '0' && (style !== 'cursor' || r.query.cursor)), 'page 1 is not fetched again');
    assert.deepEqual(rest.cursor && JSON.parse(rest.cursor), { since: upstream.items()[29].updated_at });
  });
}

test('the newest time survives an empty last page: it travels in the mid-run cursor', async (t) => {
  const upstream = await api(t, { items: 20 });
  const ctx = syncContext(p, { ...STYLES.page(upstream.url), ...INCREMENTAL });
  const { pages, cursor } = await syncAll(p, ctx, null);
  assert.deepEqual(pages.map((page) => page.records.length), [10, 10, 0]);
  assert.deepEqual(cursor && JSON.parse(cursor), { since: upstream.items()[19].updated_at });
});

test('max_pages_per_run ends a run early; the next run goes on from there', async (t) => {
  const upstream = await api(t);
  const ctx = syncContext(p, { ...STYLES.page(upstream.url), max_pages_per_run: 2 });
  const first = await syncAll(p, ctx, null);
  assert.deepEqual([ids(first.pages), first.pages.at(-1)?.hasMore], [range(1, 20), false]);
  const second = await syncAll(p, ctx, first.cursor);
  assert.deepEqual([ids(second.pages), second.cursor], [range(21, 25), null]);
});

const credentials: Array<[string, OpenedCredential, { header: string; value: string }]> = [
  ['bearer', { type: 'bearer-token', public: {}, secret: { token: 'tok-123' } }, { header: 'authorization', value: 'Bearer tok-123' }],
  ['api-key', { type: 'api-key', public: { header: 'X-Api-Token', prefix: 'Token ' }, secret: { key: 'k-9' } }, { header: 'x-api-token', value: 'Token k-9' }],
  ['basic', { type: 'basic-auth', public: { username: 'ann' }, secret: { password: 'pw:1' } }, { header: 'authorization', value: `Basic ${Buffer.from('ann:pw:1').toString('base64')}` }],
];
for (const [name, credential, auth] of credentials) {
  test(`${name} credentials reach the upstream on every page and in check`, async (t) => {
    const upstream = await api(t, { items: 15, auth });
    const ctx = syncContext(p, { ...STYLES.page(upstream.url), headers: { 'X-Extra': 'yes', 'X-Api-Token': 'from config' } }, credential);
    await p.check(ctx);
    const { pages } = await syncAll(p, ctx, null);
    assert.equal(ids(pages).length, 15);
    assert.ok(upstream.requests.every((r) => r.headers[auth.header] === auth.value && r.headers['x-extra'] === 'yes'));
  });
}

test('401 fails fetch and check with IntegrationAuthError; 429 with Retry-After is a RateLimitedError with the wait', async (t) => {
  const upstream = await api(t, { items: 5, auth: { header: 'authorization', value: 'Bearer right' } });
  const wrong = syncContext(p, STYLES.page(upstream.url), { type: 'bearer-token', public: {}, secret: { token: 'wrong' } });
  await assert.rejects(fetchOnePage(p, wrong, null), (err) => err instanceof IntegrationAuthError && err.status === 401);
  await assert.rejects(p.check(wrong), IntegrationAuthError);
  const right = syncContext(p, STYLES.page(upstream.url), { type: 'bearer-token', public: {}, secret: { token: 'right' } });
  upstream.failNext([{ status: 429, headers: { 'retry-after': '30' }, body: { error: 'slow down' } }]);
  await assert.rejects(fetchOnePage(p, right, null), (err) => err instanceof RateLimitedError && err.retryAfterMs === 30_000);
  assert.equal((await fetchOnePage(p, right, null)).records.length, 5, 'the retry succeeds');
});

test('a slow upstream times out and a 5xx fails the page, both retryable; the retry then succeeds', async (t) => {
  const upstream = await api(t, { items: 3 });
  const ctx = syncContext(p, { url: `${upstream.url}/all` }, null, 100);
  upstream.setLatency(400);
  await assert.rejects(fetchOnePage(p, ctx, null), (err) => err instanceof UpstreamError && err.retryable && /within 100 ms/.test(err.message));
  upstream.setLatency(0);
  upstream.failNext([{ status: 502, body: 'bad gateway' }]);
  await assert.rejects(fetchOnePage(p, ctx, null), (err) => err instanceof UpstreamError && err.retryable && err.status === 502);
  assert.equal((await fetchOnePage(p, ctx, null)).records.length, 3);
  assert.equal(upstream.requests.length, 3);
});

test('timestamps: ISO with or without offset (none means UTC), HTTP dates, unix seconds or ms; anything else is no date', () => {
  const iso = (v: unknown, format?: 'iso' | 'unix' | 'unix_ms') => {
    const ms = parseTimestamp(v, format);
    return ms === null ? null : new Date(ms).toISOString();
  };
  assert.equal(iso('2024-01-01T10:00:00+02:00'), '2024-01-01T08:00:00.000Z');
  assert.equal(iso('2024-01-01T10:00:00+0200'), '2024-01-01T08:00:00.000Z');
  assert.equal(iso('2024-01-01 10:00:00'), '2024-01-01T10:00:00.000Z');
  assert.equal(iso('2024-01-01'), '2024-01-01T00:00:00.000Z');
  assert.equal(iso('Tue, 15 Nov 1994 08:12:31 GMT'), '1994-11-15T08:12:31.000Z');
  assert.equal(iso(1_700_000_000), '2023-11-14T22:13:20.000Z');
  assert.equal(iso(1_700_000_000_123), '2023-11-14T22:13:20.123Z');
  assert.equal(iso('1700000000123', 'unix_ms'), '2023-11-14T22:13:20.123Z');
  for (const bad of ['soon', '', 'NaN', true, null, {}, -5, 1e20]) assert.equal(iso(bad), null, String(bad));
});

test('an items_path that does not lead to an array is a ProviderConfigError naming the path and what was there', async (t) => {
  const upstream = await api(t, { items: 5 });
  const ctx = syncContext(p, { url: `${upstream.url}/page`, items_path: 'results' });
  const named = (err: unknown) => err instanceof ProviderConfigError && /items_path 'results'/.test(err.message) && /an object with keys data, meta/.test(err.message);
  await assert.rejects(p.check(ctx), named);
  await assert.rejects(fetchOnePage(p, ctx, null), named);
  const notArray = syncContext(p, { url: `${upstream.url}/page`, items_path: 'meta' });
  await assert.rejects(p.check(notArray), /items_path 'meta'.*an object with keys page, per_page, total, not an array/);
});

test('check asks for one item without the since parameter', async (t) => {
  const upstream = await api(t, { items: 5 });
  await p.check(syncContext(p, { ...STYLES.page(upstream.url), ...INCREMENTAL, since: { param: 'since', initial: '2024-01-01T00:00:00Z' } }));
  assert.deepEqual(upstream.requests[0].query, { page: '1', per_page: '1' });
});

test('ids: numbers and strings at a nested id_field; a record without one fails the page naming the path', async (t) => {
  const config = configSchema.parse({ url: 'https://x.example', id_field: 'attrs.uid', modified_field: 'changed' });
  assert.deepEqual(p.normalize({ attrs: { uid: 42 }, changed: '2024-05-01T10:00:00Z' }, config), {
    externalId: '42', data: { attrs: { uid: 42 }, changed: '2024-05-01T10:00:00Z' }, modifiedAt: new Date('2024-05-01T10:00:00Z'),
  });
  assert.equal(p.normalize({ attrs: { uid: 'a-1' }, changed: 'soon' }, config).modifiedAt, null);
  assert.throws(() => p.normalize(['not', 'an', 'object'], config), /must be a JSON object; found an array of 3/);
  assert.throws(() => p.normalize({ attrs: { uid: true } }, config), /id_field 'attrs.uid'.*found a boolean/);
  const upstream = await api(t, { items: 0 });
  upstream.failNext([{ status: 200, body: [{ id: 1 }, { name: 'no id' }] }]);
  await assert.rejects(fetchOnePage(p, syncContext(p, { url: `${upstream.url}/all` }), null), (err) => err instanceof ProviderConfigError && /item 1 .*id_field 'id'/.test(err.message));
});

test('an upstream that repeats a cursor or links to another origin fails the page instead of looping or leaking credentials', async (t) => {
  const upstream = await api(t, { items: 0 });
  const cursorCtx = syncContext(p, STYLES.cursor(upstream.url));
  const cursor = JSON.stringify({ since: null, max: null, at: { cursor: 'abc' }, pages: 1 });
  upstream.failNext([{ status: 200, body: { data: [{ id: 1 }], meta: { next_cursor: 'abc' } } }]);
  await assert.rejects(fetchOnePage(p, cursorCtx, cursor), (err) => err instanceof UpstreamError && !err.retryable && /same next cursor/.test(err.message));
  const port = new URL(upstream.url).port;
  upstream.failNext([{ status: 200, headers: { link: `<http://localhost:${port}/link?page=2>; rel="next"` }, body: [{ id: 1 }] }]);
  await assert.rejects(fetchOnePage(p, syncContext(p, STYLES.link(upstream.url)), null), /another origin/);
});

test('a cursor this provider did not write is a ProviderConfigError; one from another pagination style restarts the run', async (t) => {
  const upstream = await api(t, { items: 15 });
  const ctx = syncContext(p, STYLES.page(upstream.url));
  await assert.rejects(fetchOnePage(p, ctx, 'garbage'), ProviderConfigError);
  await assert.rejects(fetchOnePage(p, ctx, '{"page": "2"}'), ProviderConfigError);
  const { pages } = await syncAll(p, ctx, JSON.stringify({ since: null, max: null, at: { cursor: 'x' }, pages: 3 }));
  assert.deepEqual(ids(pages), range(1, 15));
});
