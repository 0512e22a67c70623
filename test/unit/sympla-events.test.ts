import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { IntegrationAuthError, ProviderConfigError, RateLimitedError, UpstreamError } from '../../lib/integrations/errors';
import { fetchOnePage } from '../../lib/integrations/fetch-page';
import type { OpenedCredential, SyncPage } from '../../lib/integrations/plugin';
import { symplaEvents } from '../../plugins/providers/sympla-events';
import { startFakeSympla, type FakeSympla } from '../support/fake-sympla';
import { provider, syncAll, syncContext } from '../support/sync-context';

const TOKEN = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
// The header name and prefix a user typed are ignored: Sympla only reads s_token.
const credential = (key = TOKEN): OpenedCredential => ({ type: 'api-key', public: { header: 'X-API-Key', prefix: 'Token ' }, secret: { key } });
const p = provider('sympla-events');

async function fake(t: TestContext): Promise<FakeSympla> {
  const sympla = await startFakeSympla({ token: TOKEN });
  t.after(() => sympla.close());
  return sympla;
}
const ctxFor = (s: FakeSympla, extra: Record<string, unknown> = {}, cred: OpenedCredential | null = credential()) => syncContext(p, { base_url: s.url, ...extra }, cred);
const idsOf = (pages: SyncPage[]) => pages.flatMap((page) => page.records.map((r) => p.normalize(r, {}).externalId));
const parsed = (cursor: string | null): unknown => (cursor === null ? null : JSON.parse(cursor));

test('the registry finds the provider by its folder, with the contract the UI shows', () => {
  assert.equal(p, symplaEvents);
  assert.deepEqual([p.category, p.credentialTypes, p.credentialRequired], ['events', ['api-key'], true]);
  assert.match(p.description, /s_token/);
  const schema = z.toJSONSchema(p.configSchema, { io: 'input' });
  assert.equal(schema.additionalProperties, false);
  for (const field of ['base_url', 'page_size', 'from', 'published_only']) {
    const property = schema.properties?.[field];
    assert.ok(typeof property === 'object' && typeof property.description === 'string', `${field} has no description`);
  }
});

test('the config schema fills defaults and rejects what Sympla would refuse', () => {
  assert.deepEqual(p.configSchema.parse({}), { base_url: 'https://api.sympla.com.br', page_size: 100, published_only: true });
  for (const from of ['2025-01-01', '2025-01-01 18:30:00']) assert.equal(p.configSchema.safeParse({ from }).success, true, from);
  for (const bad of [{ page_size: 0 }, { page_size: 201 }, { page_size: 1.5 }, { from: 'tomorrow' }, { from: '2025-13-01' }, { from: '01/02/2025' },
    { from: '2025-01-01T10:00:00Z' }, { base_url: 'file:///etc' }, { token: 'x' }]) {
    assert.equal(p.configSchema.safeParse(bad).success, false, `${JSON.stringify(bad)} accepted`);
  }
});

test('a full sync reads 250 events in pages of 100 by id, sends the token in s_token only, and ends with a null cursor', async (t) => {
  const s = await fake(t);
  for (let i = 0; i < 250; i++) s.addEvent();
  const { pages, cursor } = await syncAll(p, ctxFor(s), null);
  assert.deepEqual(idsOf(pages), s.events().map((e) => String(e.id)));
  assert.deepEqual(pages.map((page) => parsed(page.nextCursor)), [{ page: 2, page_size: 100 }, { page: 3, page_size: 100 }, null]);
  assert.equal(cursor, null);

  assert.deepEqual(s.requests.map((r) => [r.path, r.query]), [1, 2, 3].map((page) => [
    '/public/v3/events', { page: String(page), page_size: '100', field_sort: 'id', sort: 'ASC', published: 'true' },
  ]));
  assert.equal(s.requests[0].headers.s_token, TOKEN);
  assert.equal(s.requests[0].headers['x-api-key'], undefined);
});

test('a run resumed from a mid-run cursor asks only for the pages after it; a cursor from another page size starts over', async (t) => {
  const s = await fake(t);
  for (let i = 0; i < 250; i++) s.addEvent();
  const ctx = ctxFor(s);
  const { pages } = await syncAll(p, ctx, JSON.stringify({ page: 3, page_size: 100 }));
  assert.deepEqual(s.requests.map((r) => r.query.page), ['3']);
  assert.deepEqual(idsOf(pages), s.events().slice(200).map((e) => String(e.id)));

  s.requests.length = 0;
  const page = await fetchOnePage(p, ctx, JSON.stringify({ page: 3, page_size: 50 }));
  assert.deepEqual(s.requests.map((r) => r.query.page), ['1']);
  assert.deepEqual(parsed(page.nextCursor), { page: 2, page_size: 100 });
});

test('every run reads all events again, so a change shows in the next run', async (t) => {
  const s = await fake(t);
  for (let i = 0; i < 5; i++) s.addEvent();
  const ctx = ctxFor(s, { page_size: 2 });
  const first = await syncAll(p, ctx, null);
  const target = s.events()[3].id;
  s.updateEvent(target, { name: 'Renomeado', cancelled: true });
  s.requests.length = 0;
  const second = await syncAll(p, ctx, first.cursor);
  assert.deepEqual(s.requests.map((r) => r.query.page), ['1', '2', '3']);
  const changed = second.pages.flatMap((page) => page.records.map((r) => p.normalize(r, ctx.config))).find((r) => r.externalId === String(target));
  assert.deepEqual([changed?.data.name, changed?.data.cancelled], ['Renomeado', true]);
});

test('published_only leaves unpublished events out unless turned off', async (t) => {
  const s = await fake(t);
  s.addEvent();
  const draft = s.addEvent({ published: false });
  s.addEvent();
  assert.equal(idsOf((await syncAll(p, ctxFor(s), null)).pages).includes(String(draft.id)), false);
  const ctx = ctxFor(s, { published_only: false });
  const all = (await syncAll(p, ctx, null)).pages.flatMap((page) => page.records.map((r) => p.normalize(r, ctx.config)));
  assert.equal(s.requests.at(-1)?.query.published, 'false');
  assert.deepEqual(all.map((r) => r.data.published), [true, false, true]);
});

test('from is sent as given and only events starting from it come back', async (t) => {
  const s = await fake(t);
  for (let i = 0; i < 5; i++) s.addEvent();
  const { pages } = await syncAll(p, ctxFor(s, { from: '2025-01-03 12:00:00' }), null);
  assert.equal(s.requests[0].query.from, '2025-01-03 12:00:00');
  assert.deepEqual(idsOf(pages), s.events().slice(2).map((e) => String(e.id)));
});

test('normalize keeps the event id as externalId, flags as booleans, category names, and nulls for what Sympla left out', async (t) => {
  const s = await fake(t);
  const full = s.addEvent({ name: 'Python Brasil', category_sec: 'tecnologia' });
  const sparse = s.addEvent({ name: 'Encontro', image: null, address: null, host: null, category_prim: null, private_event: true });
  const ctx = ctxFor(s);
  const [a, b] = (await syncAll(p, ctx, null)).pages[0].records.map((r) => p.normalize(r, ctx.config));
  assert.deepEqual(a, {
    externalId: String(full.id),
    modifiedAt: null,
    data: {
      id: full.id, reference_id: full.reference_id, name: 'Python Brasil', start_date: '2025-01-01 19:00:00', end_date: '2025-01-01 22:00:00',
      url: full.url, image: full.image, published: true, cancelled: false, private_event: false, address: full.address,
      host: { name: 'Organizadora Exemplo', description: 'Eventos de tecnologia' }, category_prim: 'congressos-palestras', category_sec: 'tecnologia',
    },
  });
  assert.deepEqual([b.externalId, b.data.image, b.data.address, b.data.host, b.data.category_prim, b.data.category_sec, b.data.private_event],
    [String(sparse.id), null, null, null, null, null, true]);
});

test('check asks for one event; a wrong token is an IntegrationAuthError', async (t) => {
  const s = await fake(t);
  s.addEvent();
  await p.check(ctxFor(s));
  assert.deepEqual([s.requests[0].query.page, s.requests[0].query.page_size], ['1', '1']);
  await assert.rejects(p.check(ctxFor(s, {}, credential('wrong'))), (err: unknown) => err instanceof IntegrationAuthError && err.status === 401);
  await assert.rejects(fetchOnePage(p, ctxFor(s, {}, credential('wrong')), null), IntegrationAuthError);
});

test('without an api-key credential the run fails before any request, as a ProviderConfigError', async (t) => {
  const s = await fake(t);
  const bearer: OpenedCredential = { type: 'bearer-token', public: {}, secret: { token: TOKEN } };
  for (const cred of [null, bearer]) {
    await assert.rejects(fetchOnePage(p, ctxFor(s, {}, cred), null), ProviderConfigError);
    await assert.rejects(p.check(ctxFor(s, {}, cred)), ProviderConfigError);
  }
  assert.equal(s.requests.length, 0);
});

test('429 is a RateLimitedError with the wait; 502 a retryable UpstreamError; an unexpected body a final one', async (t) => {
  const s = await fake(t);
  s.addEvent();
  s.failNext([
    { status: 429, headers: { 'retry-after': '12' }, body: { error: true, code: 429, message: 'Too Many Requests' } },
    { status: 502, body: '<html>Bad Gateway</html>' },
    { status: 200, body: { data: 'nope' } },
  ]);
  const ctx = ctxFor(s);
  await assert.rejects(fetchOnePage(p, ctx, null), (err: unknown) => err instanceof RateLimitedError && err.retryAfterMs === 12_000);
  await assert.rejects(fetchOnePage(p, ctx, null), (err: unknown) => err instanceof UpstreamError && err.status === 502 && err.retryable);
  await assert.rejects(fetchOnePage(p, ctx, null), (err: unknown) => err instanceof UpstreamError && err.status === 200 && !err.retryable);
  assert.equal((await fetchOnePage(p, ctx, null)).records.length, 1);
});

test('an empty page ends the run even if has_next says there is more', async (t) => {
  const s = await fake(t);
  s.failNext([{ status: 200, body: { data: [], pagination: { has_next: true, has_prev: false, quantity: 0, offset: 0, page: 1, page_size: 100, total_page: 9 }, sort: { field_sort: 'id', sort: 'ASC' } } }]);
  const { pages, cursor } = await syncAll(p, ctxFor(s), null);
  assert.deepEqual([pages.length, pages[0].hasMore, cursor], [1, false, null]);
});

test('a cursor sympla-events did not write is a ProviderConfigError', async (t) => {
  const s = await fake(t);
  for (const cursor of ['3', 'null', '{"page":0,"page_size":100}', '{"page":2}', '{"since":"2025-01-01"}']) {
    await assert.rejects(fetchOnePage(p, ctxFor(s), cursor), ProviderConfigError, cursor);
  }
  assert.equal(s.requests.length, 0);
});
