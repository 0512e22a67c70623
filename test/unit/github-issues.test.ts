import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { IntegrationAuthError, ProviderConfigError, RateLimitedError, UpstreamError } from '../../lib/integrations/errors';
import { fetchOnePage } from '../../lib/integrations/fetch-page';
import { nextLink } from '../../lib/integrations/http-client';
import type { OpenedCredential, SyncPage } from '../../lib/integrations/plugin';
import { githubIssues } from '../../plugins/providers/github-issues';
import { startFakeGitHub, type FakeGitHub } from '../support/fake-github';
import { provider, syncAll, syncContext } from '../support/sync-context';

const TOKEN = 'ghp_fake_0123456789';
const OWNER = 'octo-org';
const REPO = 'hello.world';
const credential = (token = TOKEN): OpenedCredential => ({ type: 'bearer-token', public: {}, secret: { token } });
const p = provider('github-issues');

async function fake(t: TestContext): Promise<FakeGitHub> {
  const gh = await startFakeGitHub({ token: TOKEN, owner: OWNER, repo: REPO });
  t.after(() => gh.close());
  return gh;
}
const configFor = (gh: FakeGitHub, extra: Record<string, unknown> = {}) => ({ owner: OWNER, repo: REPO, base_url: gh.url, ...extra });
const ctxFor = (gh: FakeGitHub, extra: Record<string, unknown> = {}, cred: OpenedCredential | null = credential()) => syncContext(p, configFor(gh, extra), cred);
const numbersOf = (pages: SyncPage[], ctx: { config: unknown }) => pages.flatMap((page) => page.records.map((r) => Number(p.normalize(r, ctx.config).data.number)));
const issueRequests = (gh: FakeGitHub) => gh.requests.filter((r) => r.path.endsWith('/issues'));
const cursorJson = (cursor: string | null): unknown => (cursor === null ? null : JSON.parse(cursor));

test('the registry finds the provider by its folder, with the contract the UI shows', () => {
  assert.equal(p, githubIssues);
  assert.deepEqual([p.category, p.credentialTypes, p.credentialRequired], ['developer-tools', ['bearer-token'], false]);
  const schema = z.toJSONSchema(p.configSchema, { io: 'input' });
  assert.equal(schema.additionalProperties, false);
  assert.deepEqual(schema.required, ['owner', 'repo']);
  const owner = schema.properties?.owner;
  assert.ok(typeof owner === 'object' && typeof owner.description === 'string' && typeof owner.pattern === 'string');
});

test('the config schema fills defaults and rejects names GitHub would not accept', () => {
  assert.deepEqual(p.configSchema.parse({ owner: 'octocat', repo: 'Hello-World' }), {
    owner: 'octocat', repo: 'Hello-World', state: 'all', include_pull_requests: false, per_page: 100, base_url: 'https://api.github.com',
  });
  for (const owner of ['', '-octocat', 'octo cat', 'octo/cat', 'octo.cat', 'a'.repeat(40), '../x']) {
    assert.equal(p.configSchema.safeParse({ owner, repo: 'r' }).success, false, `owner ${JSON.stringify(owner)} accepted`);
  }
  for (const repo of ['', '.', '..', 'a/b', 'a b', 'x'.repeat(101), 'r?x=1']) {
    assert.equal(p.configSchema.safeParse({ owner: 'o', repo }).success, false, `repo ${JSON.stringify(repo)} accepted`);
  }
  for (const extra of [{ per_page: 0 }, { per_page: 101 }, { state: 'merged' }, { base_url: 'ftp://example.com' }, { token: 'x' }]) {
    assert.equal(p.configSchema.safeParse({ owner: 'o', repo: 'r', ...extra }).success, false, `${JSON.stringify(extra)} accepted`);
  }
  assert.equal(p.configSchema.safeParse({ owner: 'octo-org_emu', repo: '.github' }).success, true);
});

test('a full sync reads 250 issues in pages of 100 with GitHub headers, skips pull requests, and ends at the newest updated_at', async (t) => {
  const gh = await fake(t);
  for (let i = 1; i <= 250; i++) {
    gh.addIssue();
    if (i % 80 === 0) gh.addIssue({ pull_request: true });
  }
  const ctx = ctxFor(gh);
  const { pages, cursor } = await syncAll(p, ctx, null);

  const numbers = numbersOf(pages, ctx);
  const prs = gh.issues().filter((i) => 'pull_request' in i).map((i) => i.number);
  assert.equal(prs.length, 3);
  assert.equal(new Set(numbers).size, 250);
  assert.ok(numbers.every((n) => !prs.includes(n)), 'a pull request was synced');
  assert.deepEqual(pages.map((page) => page.hasMore), [true, true, false]);
  assert.deepEqual(cursorJson(cursor), { since: gh.issues().at(-1)?.updated_at });

  const requests = issueRequests(gh);
  assert.equal(requests.length, 3);
  assert.deepEqual(requests[0].query, { state: 'all', sort: 'updated', direction: 'asc', per_page: '100', page: '1' });
  assert.equal(requests[0].headers.accept, 'application/vnd.github+json');
  assert.equal(requests[0].headers['x-github-api-version'], '2022-11-28');
  assert.equal(requests[0].headers.authorization, `Bearer ${TOKEN}`);
  // Later pages ask from the newest updated_at seen so far, never an earlier one.
  assert.ok(requests.slice(1).every((r, i) => r.query.since !== undefined && (i === 0 || r.query.since > (requests[i].query.since ?? ''))));
});

test('the next run asks with since and gets only the issues changed or added after the last one', async (t) => {
  const gh = await fake(t);
  for (let i = 0; i < 25; i++) gh.addIssue();
  const ctx = ctxFor(gh, { per_page: 10 });
  const first = await syncAll(p, ctx, null);
  const since = gh.issues()[24].updated_at;
  assert.deepEqual(cursorJson(first.cursor), { since });

  gh.updateIssue(3, { labels: ['bug'] });
  gh.updateIssue(7, { state: 'closed' });
  gh.addIssue({ title: 'new' });
  const pr = gh.addIssue({ pull_request: true });
  gh.requests.length = 0;
  const second = await syncAll(p, ctx, first.cursor);
  assert.equal(issueRequests(gh)[0].query.since, since);
  // Issue 25 is the boundary (GitHub's since is inclusive): read again, stored unchanged.
  assert.deepEqual(numbersOf(second.pages, ctx).sort((a, b) => a - b), [3, 7, 25, 26]);
  assert.deepEqual(cursorJson(second.cursor), { since: pr.updated_at }, 'pull requests move the cursor too');

  const third = await syncAll(p, ctx, second.cursor);
  assert.deepEqual(numbersOf(third.pages, ctx), []);
  assert.equal(third.cursor, second.cursor);
});

test('a run resumed from a mid-run cursor starts where it stopped and does not ask for earlier pages', async (t) => {
  const gh = await fake(t);
  for (let i = 0; i < 250; i++) gh.addIssue();
  const ctx = ctxFor(gh);
  const page1 = await fetchOnePage(p, ctx, null);
  const t100 = gh.issues()[99].updated_at;
  assert.deepEqual(cursorJson(page1.nextCursor), { since: t100, page: 1, max: t100 });
  const page2 = await fetchOnePage(p, ctx, page1.nextCursor);
  const t199 = gh.issues()[198].updated_at;
  assert.deepEqual(cursorJson(page2.nextCursor), { since: t199, page: 1, max: t199 });

  gh.requests.length = 0;
  const rest = await syncAll(p, ctx, page2.nextCursor);
  assert.deepEqual(issueRequests(gh).map((r) => [r.query.since, r.query.page]), [[t199, '1']]);
  const numbers = numbersOf(rest.pages, ctx);
  assert.equal(Math.min(...numbers), 199);
  assert.equal(Math.max(...numbers), 250);
});

test('an issue changed during a run does not push an unread issue out of it (GitHub page numbers would)', async (t) => {
  const gh = await fake(t);
  for (let i = 0; i < 5; i++) gh.addIssue();
  const ctx = ctxFor(gh, { per_page: 2 });
  const first = await fetchOnePage(p, ctx, null);
  gh.updateIssue(1, { title: 'edited mid-run' });
  const rest = await syncAll(p, ctx, first.nextCursor);
  const all = [...first.records, ...rest.pages.flatMap((page) => page.records)].map((r) => p.normalize(r, ctx.config).data);
  assert.deepEqual([...new Set(all.map((d) => d.number))].sort(), [1, 2, 3, 4, 5]);
  assert.equal(all.filter((d) => d.number === 1).at(-1)?.title, 'edited mid-run');
});

test('more issues in one second than fit a page are all read, and the run ends', async (t) => {
  const gh = await fake(t);
  for (let i = 0; i < 150; i++) gh.addIssue({ updated_at: '2023-12-31T12:00:00Z' });
  for (let i = 0; i < 10; i++) gh.addIssue();
  const ctx = ctxFor(gh);
  const { pages, cursor } = await syncAll(p, ctx, null, 10);
  assert.equal(new Set(numbersOf(pages, ctx)).size, 160);
  assert.deepEqual(cursorJson(cursor), { since: gh.issues()[159].updated_at });
  assert.ok(issueRequests(gh).some((r) => r.query.since === '2023-12-31T12:00:00Z' && r.query.page === '2'));
});

test('include_pull_requests keeps pull requests, marked in data', async (t) => {
  const gh = await fake(t);
  gh.addIssue();
  gh.addIssue({ pull_request: true });
  gh.addIssue();
  const ctx = ctxFor(gh, { include_pull_requests: true });
  const { pages } = await syncAll(p, ctx, null);
  const data = pages.flatMap((page) => page.records.map((r) => p.normalize(r, ctx.config).data));
  assert.deepEqual(data.map((d) => [d.number, d.is_pull_request]), [[1, false], [2, true], [3, false]]);
});

test('normalize keeps the global id as externalId and a flat, useful subset as data', async (t) => {
  const gh = await fake(t);
  gh.addIssue();
  const raw = gh.updateIssue(1, { title: 'Crash on start', body: 'Steps...', state: 'closed', labels: ['bug', 'p1'], assignees: ['alice', 'bob'], user: 'carol', comments: 4 });
  const ctx = ctxFor(gh, { state: 'closed' });
  const [page] = (await syncAll(p, ctx, null)).pages;
  assert.equal(page.records.length, 1);
  assert.deepEqual(p.normalize(page.records[0], ctx.config), {
    externalId: String(raw.id),
    modifiedAt: new Date(raw.updated_at),
    data: {
      number: 1, title: 'Crash on start', state: 'closed', body: 'Steps...', user: 'carol', labels: ['bug', 'p1'], assignees: ['alice', 'bob'],
      comments: 4, html_url: `https://github.com/${OWNER}/${REPO}/issues/1`, created_at: raw.created_at, updated_at: raw.updated_at,
      closed_at: raw.updated_at, is_pull_request: false,
    },
  });
  assert.notEqual(String(raw.id), '1');
});

test('check reads the repository; an unknown one is a ProviderConfigError naming it', async (t) => {
  const gh = await fake(t);
  await p.check(ctxFor(gh, { owner: 'Octo-Org' }));
  assert.deepEqual(gh.requests.map((r) => r.path), [`/repos/Octo-Org/${REPO}`]);
  await assert.rejects(p.check(ctxFor(gh, { repo: 'nope' })), (err: unknown) => {
    assert.ok(err instanceof ProviderConfigError);
    assert.equal(err.message, `repository ${OWNER}/nope not found or not visible with these credentials`);
    return true;
  });
  await assert.rejects(fetchOnePage(p, ctxFor(gh, { repo: 'nope' }), null), ProviderConfigError);
});

test('bad or missing credentials are an IntegrationAuthError', async (t) => {
  const gh = await fake(t);
  gh.addIssue();
  for (const cred of [credential('ghp_wrong'), null]) {
    await assert.rejects(fetchOnePage(p, ctxFor(gh, {}, cred), null), (err: unknown) => err instanceof IntegrationAuthError && err.status === 401);
    await assert.rejects(p.check(ctxFor(gh, {}, cred)), IntegrationAuthError);
  }
});

test('429 with Retry-After is a RateLimitedError with the wait, and the page is read on the next try', async (t) => {
  const gh = await fake(t);
  gh.addIssue();
  gh.failNext([{ status: 429, headers: { 'retry-after': '30' }, body: { message: 'You have exceeded a secondary rate limit.', documentation_url: 'https://docs.github.com/rest', status: '429' } }]);
  const ctx = ctxFor(gh);
  await assert.rejects(fetchOnePage(p, ctx, null), (err: unknown) => err instanceof RateLimitedError && err.retryAfterMs === 30_000);
  assert.equal((await fetchOnePage(p, ctx, null)).records.length, 1);
});

test("403 with x-ratelimit-remaining: 0 is a RateLimitedError until GitHub's reset time", async (t) => {
  const gh = await fake(t);
  const reset = Math.floor(Date.now() / 1000) + 120;
  gh.failNext([{
    status: 403,
    headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-limit': '60', 'x-ratelimit-reset': String(reset) },
    body: { message: 'API rate limit exceeded for 127.0.0.1.', documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api', status: '403' },
  }]);
  await assert.rejects(fetchOnePage(p, ctxFor(gh), null), (err: unknown) => {
    assert.ok(err instanceof RateLimitedError);
    assert.ok(err.retryAfterMs !== null && err.retryAfterMs > 100_000 && err.retryAfterMs <= 120_000, `retryAfterMs ${err.retryAfterMs}`);
    return true;
  });
});

test('502 is a retryable UpstreamError; a body that is not a list of issues is not retryable', async (t) => {
  const gh = await fake(t);
  gh.failNext([{ status: 502, body: { message: 'Server Error' } }, { status: 200, body: { message: 'not a list' } }]);
  const ctx = ctxFor(gh);
  await assert.rejects(fetchOnePage(p, ctx, null), (err: unknown) => err instanceof UpstreamError && err.status === 502 && err.retryable);
  await assert.rejects(fetchOnePage(p, ctx, null), (err: unknown) => err instanceof UpstreamError && err.status === 200 && !err.retryable);
});

test('a slow answer past the timeout is a retryable UpstreamError', async (t) => {
  const gh = await fake(t);
  gh.setLatency(500);
  const ctx = syncContext(p, configFor(gh), credential(), 100);
  await assert.rejects(fetchOnePage(p, ctx, null), (err: unknown) => err instanceof UpstreamError && err.retryable && err.status === null);
});

test("the fake's Link header is GitHub's: absolute /repositories/:id URLs that keep the filters and serve the next page", async (t) => {
  const gh = await fake(t);
  for (let i = 0; i < 5; i++) gh.addIssue();
  const headers = { authorization: `Bearer ${TOKEN}` };
  const first = await fetch(`${gh.url}/repos/${OWNER}/${REPO}/issues?state=all&per_page=2`, { headers });
  const link = first.headers.get('link') ?? '';
  assert.match(link, /rel="next".*rel="last"/);
  const next = new URL(nextLink(link) ?? '');
  assert.equal(`${next.origin}${next.pathname}`, `${gh.url}/repositories/${gh.repoId}/issues`);
  assert.deepEqual(Object.fromEntries(next.searchParams), { state: 'all', per_page: '2', page: '2' });
  const second = await fetch(next, { headers });
  assert.deepEqual(((await second.json()) as { number: number }[]).map((i) => i.number), [3, 2]);
  assert.match(second.headers.get('link') ?? '', /rel="prev".*rel="next".*rel="last".*rel="first"/);
});

test('a cursor github-issues did not write is a ProviderConfigError, not a silent restart', async (t) => {
  const gh = await fake(t);
  for (const cursor of ['not json', '{"page":2}', '{"since":"yesterday"}', '{"since":null,"url":"http://x"}']) {
    await assert.rejects(fetchOnePage(p, ctxFor(gh), cursor), ProviderConfigError, cursor);
  }
  assert.equal(gh.requests.length, 0);
});
