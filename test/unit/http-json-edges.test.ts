// http-json against upstreams that do not behave like the textbook: capped page sizes, 404 past the end, an ignored
// page parameter, clocks ahead of ours, ids too large for JSON numbers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProviderConfigError } from '../../lib/integrations/errors';
import { fetchOnePage } from '../../lib/integrations/fetch-page';
import { configSchema } from '../../plugins/providers/http-json/config';
import { startFakeJsonApi, type FakeJsonApiOptions } from '../support/fake-json-api';
import { provider, syncAll, syncContext } from '../support/sync-context';

const p = provider('http-json');

async function api(t: { after: (fn: () => Promise<void>) => void }, options: FakeJsonApiOptions) {
  const started = await startFakeJsonApi(options);
  t.after(() => started.close());
  return started;
}

test('an API capping the page size below page_size syncs everything with stop_on_short_page false (and stops early without)', async (t) => {
  const upstream = await api(t, { items: 23, maxPageSize: 5 });
  const config = (stop: boolean) => ({ url: `${upstream.url}/page`, items_path: 'data', pagination: { type: 'page', page_size: 10, stop_on_short_page: stop } });
  const capped = await syncAll(p, syncContext(p, config(false)), null);
  assert.equal(capped.pages.flatMap((page) => page.records).length, 23);
  const early = await syncAll(p, syncContext(p, config(true)), null);
  assert.equal(early.pages.flatMap((page) => page.records).length, 5, 'the default takes a short page as the last');
});

test('a 404 for the page after a full one ends the list instead of failing every later run', async (t) => {
  const upstream = await api(t, { items: 20 });
  const ctx = syncContext(p, { url: `${upstream.url}/page`, items_path: 'data', modified_field: 'updated_at', since: { param: 'since' }, pagination: { type: 'page', page_size: 10 } });
  const first = await fetchOnePage(p, ctx, null);
  const second = await fetchOnePage(p, ctx, first.nextCursor);
  assert.equal(second.hasMore, true, 'a full page: there may be more');
  upstream.failNext([{ status: 404, body: { detail: 'Invalid page.' } }]);
  const end = await fetchOnePage(p, ctx, second.nextCursor);
  assert.deepEqual([end.records.length, end.hasMore], [0, false]);
  assert.equal(Date.parse(JSON.parse(end.nextCursor ?? 'null').since), Date.parse('2024-01-01T00:00:20Z'), 'the newest change seen');
  // The first page's 404 is not "past the end": the URL is wrong, and the run says so.
  upstream.failNext([{ status: 404 }]);
  await assert.rejects(fetchOnePage(p, ctx, null), /answered 404/);
});

test('an API ignoring the page parameter fails the run naming it, instead of paging forever', async (t) => {
  const upstream = await api(t, { items: 10 });
  const ctx = syncContext(p, { url: `${upstream.url}/all`, pagination: { type: 'page', page_param: 'pg', page_size: 10 } });
  const first = await fetchOnePage(p, ctx, null);
  assert.equal(first.hasMore, true);
  await assert.rejects(fetchOnePage(p, ctx, first.nextCursor), (err: unknown) => err instanceof ProviderConfigError && /ignore 'pg'/.test(err.message));
});

test('the next since is never later than the run’s start: changes stamped ahead of the upstream clock are read again', async (t) => {
  const ahead = new Date(Date.now() + 86_400_000); // records stamped a day ahead of the Date header
  const upstream = await api(t, { items: 5, start: ahead });
  const ctx = syncContext(p, { url: `${upstream.url}/page`, items_path: 'data', modified_field: 'updated_at', since: { param: 'since' }, pagination: { type: 'page', page_size: 10 } });
  const before = Date.now() - 5_000;
  const { cursor } = await syncAll(p, ctx, null);
  const since = Date.parse(JSON.parse(cursor ?? 'null').since);
  assert.ok(since >= before && since <= Date.now() + 1_000, `since ${new Date(since).toISOString()} is the run's start, not ${ahead.toISOString()}`);
});

test('numeric ids beyond 2^53 are refused (two records could share one), strings of any size are fine', () => {
  const config = configSchema.parse({ url: 'https://api.example.com/items' });
  assert.throws(() => p.normalize({ id: 2 ** 60 }, config), ProviderConfigError);
  assert.equal(p.normalize({ id: '1152921504606846976' }, config).externalId, '1152921504606846976');
});

test('header values Node cannot send are refused when saved, not when a run sends them', () => {
  const parsed = configSchema.safeParse({ url: 'https://api.example.com/items', headers: { 'x-note': 'curly “quotes”' } });
  assert.equal(parsed.success, false);
  assert.ok(configSchema.safeParse({ url: 'https://api.example.com/items', headers: { 'x-note': 'café ok' } }).success, 'Latin-1 is fine');
});
