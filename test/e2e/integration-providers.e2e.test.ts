// The named providers through the whole system: API → Temporal sync workflow → provider plugin → fake upstream →
// PostgreSQL → records API, and the integration.sync.* system events delivered to webhook endpoints, signed.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startFakeGitHub, type FakeGitHub } from '../support/fake-github';
import { startFakeSympla, type FakeSympla } from '../support/fake-sympla';
import { createCredential, createIntegration, finishedRun, records, syncNow, type RunBody } from '../support/integrations';
import { startStack, type Stack } from '../support/stack';
import { startTestReceiver, type TestReceiver } from '../support/webhook-receiver';
import { createEndpoint, received, verify } from '../support/webhooks';

const GH_TOKEN = 'ghp_fake0123456789abcdefghijklmnopqrstuv';
const SYMPLA_TOKEN = 'sympla-token-8d3e1f0a';
const OWNER = 'acme';
const REPO = 'widgets';

let s: Stack;
let gh: FakeGitHub;
let sympla: FakeSympla;
let rx: TestReceiver;

before(async () => {
  [s, gh, sympla, rx] = await Promise.all([
    startStack(),
    startFakeGitHub({ token: GH_TOKEN, owner: OWNER, repo: REPO }),
    startFakeSympla({ token: SYMPLA_TOKEN }),
    startTestReceiver(),
  ]);
  // 27 items, one second apart: 25 issues and 2 pull requests (#5, #15), #2 closed, #4 labelled and assigned.
  for (let n = 1; n <= 27; n++) {
    if (n === 5 || n === 15) gh.addIssue({ title: `PR ${n}`, pull_request: true });
    else if (n === 2) gh.addIssue({ state: 'closed' });
    else if (n === 4) gh.addIssue({ title: 'Crash on start', labels: ['bug', 'p1'], assignees: ['alice'], user: 'bob', comments: 3 });
    else gh.addIssue();
  }
  for (let n = 1; n <= 25; n++) sympla.addEvent();
});
after(async () => {
  await s?.close();
  await Promise.all([gh?.close(), sympla?.close(), rx?.close()]);
});

const githubConfig = () => ({ owner: OWNER, repo: REPO, per_page: 10, base_url: gh.url });
const issueListRequests = (from: number) => gh.requests.slice(from).filter((r) => r.path === `/repos/${OWNER}/${REPO}/issues`);
const issueNumber = (n: number) => gh.issues().find((i) => i.number === n)!;

async function syncAndWait(integrationId: number, expect: RunBody['status'] = 'succeeded'): Promise<RunBody> {
  const run = await finishedRun(s, integrationId, (await syncNow(s, integrationId)).id);
  assert.equal(run.status, expect, run.error ?? '');
  return run;
}

test('github-issues: the first sync imports every issue (not pull requests); the next asks since the newest change and gets only the changes', async () => {
  const credential = await createCredential(s, 'bearer-token', { token: GH_TOKEN });
  const integration = await createIntegration(s, { provider: 'github-issues', credential_id: credential.id, config: githubConfig() });

  const before1 = gh.requests.length;
  const first = await syncAndWait(integration.id);
  // Keyset pages of 10 over 27 items: since=<newest on the page> is inclusive, so pages 2 and 3 re-read the boundary
  // issue of the page before (27 + 2 listed, minus 2 pull requests = 27 fetched); each is stored once.
  assert.deepEqual([first.pages, first.fetched, first.inserted, first.updated], [3, 27, 25, 0]);
  assert.ok(gh.requests.slice(before1).every((r) => r.headers.authorization === `Bearer ${GH_TOKEN}`), 'the bearer token went with every request');
  const firstLists = issueListRequests(before1);
  assert.equal(firstLists[0].query.since, undefined, 'the first run starts without since');
  assert.deepEqual(firstLists.map((r) => [r.query.sort, r.query.direction, r.query.state]), firstLists.map(() => ['updated', 'asc', 'all']));

  const stored = await records(s, integration.id);
  assert.equal(stored.length, 25);
  const ids = new Set(stored.map((r) => r.external_id));
  for (const issue of gh.issues()) assert.equal(ids.has(String(issue.id)), !('pull_request' in issue), `#${issue.number} stored iff not a pull request`);
  const four = stored.find((r) => r.external_id === String(issueNumber(4).id))!;
  assert.deepEqual(four.data, {
    number: 4, title: 'Crash on start', state: 'open', body: 'Body of issue 4', user: 'bob', labels: ['bug', 'p1'], assignees: ['alice'], comments: 3,
    html_url: `https://github.com/${OWNER}/${REPO}/issues/4`, created_at: '2024-01-01T00:00:04Z', updated_at: '2024-01-01T00:00:04Z', closed_at: null, is_pull_request: false,
  });
  const two = stored.find((r) => r.external_id === String(issueNumber(2).id))!;
  assert.deepEqual([two.data.state, two.data.closed_at], ['closed', '2024-01-01T00:00:02Z'], 'closed issues are synced too (state: all)');

  const newestOfFirstRun = gh.issues().map((i) => i.updated_at).sort().at(-1)!;
  gh.updateIssue(3, { title: 'Renamed three', state: 'closed' });
  gh.updateIssue(8, { labels: ['enhancement'] });
  const added = gh.addIssue({ title: 'Brand new' });
  const before2 = gh.requests.length;
  const second = await syncAndWait(integration.id);
  // #27 (unchanged, updated at exactly `since`) is listed again and fetched, but neither inserted nor updated.
  assert.deepEqual([second.pages, second.fetched, second.inserted, second.updated], [1, 4, 1, 2], 'only the new and the changed issues are stored');
  const secondLists = issueListRequests(before2);
  assert.ok(secondLists.length > 0 && secondLists.every((r) => r.query.since === newestOfFirstRun), `since=${newestOfFirstRun}: ${JSON.stringify(secondLists.map((r) => r.query))}`);

  const three = (await records(s, integration.id, `&external_id=${issueNumber(3).id}`))[0];
  assert.deepEqual([three.data.title, three.data.state], ['Renamed three', 'closed']);
  assert.deepEqual((await records(s, integration.id, `&external_id=${issueNumber(8).id}`))[0].data.labels, ['enhancement']);
  assert.equal((await records(s, integration.id, `&external_id=${added.id}`))[0].data.title, 'Brand new');
  assert.equal((await records(s, integration.id)).length, 26);
});

test('sympla-events: every run re-reads every page; only the changed event counts as updated', async () => {
  const credential = await createCredential(s, 'api-key', { key: SYMPLA_TOKEN }, { header: 'x-api-key' });
  const integration = await createIntegration(s, { provider: 'sympla-events', credential_id: credential.id, config: { base_url: sympla.url, page_size: 10 } });
  const listRequests = (from: number) => sympla.requests.slice(from).filter((r) => r.path === '/public/v3/events' && r.query.page_size !== '1');

  const before1 = sympla.requests.length;
  const first = await syncAndWait(integration.id);
  assert.deepEqual([first.pages, first.fetched, first.inserted, first.updated], [3, 25, 25, 0]);
  assert.ok(sympla.requests.slice(before1).every((r) => r.headers.s_token === SYMPLA_TOKEN && r.headers['x-api-key'] === undefined), 'the key goes in s_token only');
  assert.deepEqual(listRequests(before1).map((r) => [r.query.page, r.query.field_sort, r.query.sort]), [['1', 'id', 'ASC'], ['2', 'id', 'ASC'], ['3', 'id', 'ASC']]);

  const event = sympla.events()[6];
  const stored = (await records(s, integration.id, `&external_id=${event.id}`))[0];
  assert.deepEqual(
    [stored.data.name, stored.data.published, stored.data.cancelled, stored.data.category_prim, stored.data.category_sec, stored.data.start_date],
    [event.name, true, false, 'congressos-palestras', null, event.start_date],
  );
  assert.equal((await records(s, integration.id)).length, 25);

  sympla.updateEvent(event.id, { name: 'Evento renomeado', cancelled: true });
  const before2 = sympla.requests.length;
  const second = await syncAndWait(integration.id);
  assert.deepEqual(listRequests(before2).map((r) => r.query.page), ['1', '2', '3'], 'no changed-since filter: every page again');
  assert.deepEqual([second.pages, second.fetched, second.inserted, second.updated], [3, 25, 0, 1]);
  const changed = (await records(s, integration.id, `&external_id=${event.id}`))[0];
  assert.deepEqual([changed.data.name, changed.data.cancelled], ['Evento renomeado', true]);
  assert.equal((await records(s, integration.id)).length, 25);
});

test('integration.sync.failed (bad token, not retried) and integration.sync.succeeded reach subscribed endpoints, signed', async () => {
  const all = await createEndpoint(s, rx, '/hooks/integration', { event_types: ['integration.*'] });
  const onlySucceeded = await createEndpoint(s, rx, '/hooks/succeeded', { event_types: ['integration.sync.succeeded'] });

  const wrong = await createCredential(s, 'bearer-token', { token: 'ghp_wrongwrongwrong' });
  const broken = await createIntegration(s, { provider: 'github-issues', credential_id: wrong.id, config: githubConfig() });
  const beforeFail = gh.requests.length;
  const failed = await syncAndWait(broken.id, 'failed');
  assert.match(failed.error ?? '', /authentication/i);
  assert.ok(!(failed.error ?? '').includes('ghp_wrongwrongwrong'), 'the error does not carry the token');
  assert.equal(gh.requests.length - beforeFail, 1, 'not retried: one request (the connection check)');

  const [failedHook] = await received(rx, '/hooks/integration', 1);
  const failedBody = verify(all.secret, failedHook);
  assert.equal(failedBody.type, 'integration.sync.failed');
  assert.deepEqual(failedBody.data, { integrationId: broken.id, runId: String(failed.id), error: failed.error });

  const good = await createCredential(s, 'bearer-token', { token: GH_TOKEN });
  const working = await createIntegration(s, { provider: 'github-issues', credential_id: good.id, config: githubConfig() });
  const ok = await syncAndWait(working.id);
  assert.ok(ok.inserted > 0);
  const counts = { integrationId: working.id, runId: String(ok.id), pages: ok.pages, fetched: ok.fetched, inserted: ok.inserted, updated: ok.updated };

  const [succeededHook] = await received(rx, '/hooks/succeeded', 1);
  const succeededBody = verify(onlySucceeded.secret, succeededHook);
  assert.equal(succeededBody.type, 'integration.sync.succeeded');
  assert.deepEqual(succeededBody.data, counts);
  assert.throws(() => verify(all.secret, succeededHook), "another endpoint's secret does not verify it");

  const both = await received(rx, '/hooks/integration', 2);
  assert.deepEqual(both.map((r) => verify(all.secret, r).type), ['integration.sync.failed', 'integration.sync.succeeded']);
  assert.deepEqual(verify(all.secret, both[1]).data, counts);
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(rx.received('/hooks/succeeded').length, 1, 'the failure did not reach the endpoint subscribed to successes only');
  assert.equal(rx.received('/hooks/integration').length, 2);
});
