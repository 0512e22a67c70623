import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { sendSettingsFromConfig } from '../../lib/send-settings';
import { ensureMailingWorkflows } from '../../lib/temporal/mailing-workflows';
import { createMailingRow, insertClients } from '../support/fixtures';
import { startStack, waitFor, type Stack } from '../support/stack';

let s: Stack;
before(async () => {
  s = await startStack({ config: { SEND_MAX_ATTEMPTS: '10' } });
});
after(async () => {
  await s?.close();
});
beforeEach(async () => {
  s.provider.reset();
  s.provider.configure({ latencyMs: 0, errorRate: 0, timeoutRate: 0, garbageRate: 0, down: false, outages: [] });
});

const iso = (ms: number) => new Date(ms).toISOString();

async function finished(id: number, timeoutMs = 60_000) {
  await waitFor(async () => {
    const r = await s.http('GET', `/api/v1/mailings/${id}`);
    return r.body.status === 'completed' || r.body.status === 'cancelled';
  }, timeoutMs, `mailing ${id} finished`);
  return (await s.http('GET', `/api/v1/mailings/${id}/stats?limit=500`)).body;
}

describe('mailings end to end (HTTP API + Temporal dev server + PostgreSQL + fake provider)', () => {
  test('a mailing reaches exactly the filtered clients, once each, and statistics add up', async () => {
    const targets = [
      ...(await insertClients(s.tdb.db, 8, { operator: '911', tag: 'promo' })),
      ...(await insertClients(s.tdb.db, 7, { operator: '912', tag: 'promo', timezone: 'Asia/Tokyo' })),
    ];
    await insertClients(s.tdb.db, 6, { operator: '913', tag: 'promo' }); // operator not in filter
    await insertClients(s.tdb.db, 5, { operator: '911', tag: 'cold' }); // tag not in filter
    const created = await s.http('POST', '/api/v1/mailings', {
      text: 'Spring sale -20%',
      starts_at: iso(Date.now() - 1000),
      ends_at: iso(Date.now() + 3_600_000),
      filter: { operator_codes: ['911', '912'], tags: ['promo'] },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.workflow_id, `mailing-${created.body.id}`);

    const stats = await finished(created.body.id);
    assert.equal(stats.mailing.status, 'completed');
    assert.deepEqual(stats.counts, { pending: 0, sent: 15, failed: 0, expired: 0, cancelled: 0, unknown: 0 });
    assert.equal(stats.total, 15);
    assert.equal(stats.messages.items.length, 15);
    assert.ok(stats.messages.items.every((m: { status: string; sent_at: string | null }) => m.status === 'sent' && m.sent_at));

    const byPhone = s.provider.deliveriesByPhone();
    assert.deepEqual([...byPhone.keys()].map(String).sort(), targets.map((c) => c.phone).sort());
    assert.ok([...byPhone.values()].every((d) => d.length === 1 && d[0].text === 'Spring sale -20%'));

    const overview = await s.http('GET', '/api/v1/stats/mailings');
    const item = overview.body.items.find((i: { mailing: { id: number } }) => i.mailing.id === created.body.id);
    assert.equal(item.counts.sent, 15);
    assert.ok(overview.body.totals.sent >= 15);
    const onlySent = await s.http('GET', `/api/v1/mailings/${created.body.id}/stats?status=failed`);
    assert.equal(onlySent.body.messages.items.length, 0);

    // Visible and filterable in Temporal by the custom search attribute.
    await waitFor(async () => {
      for await (const wf of s.env.client.workflow.list({ query: `RelayMailingId = ${created.body.id}` })) return wf.workflowId === `mailing-${created.body.id}`;
      return false;
    }, 15_000, 'search attribute indexed');
  });

  test('a provider answering errors, timeouts and garbage (and not deduping): errors are retried, no answer is unknown, none twice', async () => {
    await s.tdb.db.deleteFrom('clients').execute();
    const clients = await insertClients(s.tdb.db, 40, { operator: '921' });
    s.provider.configure({ errorRate: 0.2, timeoutRate: 0.1, garbageRate: 0.1, latencyMs: 5, dedupe: false });
    const created = await s.http('POST', '/api/v1/mailings', {
      text: 'Flaky provider',
      starts_at: iso(Date.now() - 1000),
      ends_at: iso(Date.now() + 45_000),
      filter: { operator_codes: ['921'] },
    });
    assert.equal(created.status, 201);
    const stats = await finished(created.body.id, 90_000);
    assert.equal(stats.counts.pending, 0);
    assert.equal(stats.counts.failed, 0);
    assert.equal(stats.counts.sent + stats.counts.expired + stats.counts.unknown, 40);
    assert.ok(stats.counts.sent > 0);
    const provider = s.provider.stats();
    assert.ok(provider.errors > 0 && provider.timeouts + provider.garbage > 0, 'faults were injected');
    // A timeout or an unreadable 2xx leaves the message unknown, and it is never sent again; a 500 is retried.
    assert.equal(stats.counts.unknown, provider.timeouts + provider.garbage);
    const unknown = stats.messages.items.filter((m: { status: string }) => m.status === 'unknown');
    assert.ok(unknown.every((m: { last_error: string }) => /no answer within|unreadable 200 answer/.test(m.last_error)));
    const byPhone = s.provider.deliveriesByPhone();
    assert.ok([...byPhone.values()].every((d) => d.length === 1), 'no client received two messages');
    const sentIds = stats.messages.items.filter((m: { status: string }) => m.status === 'sent').map((m: { id: number }) => m.id);
    const delivered = new Set(s.provider.deliveries().map((d) => d.msgId));
    assert.ok(sentIds.every((id: number) => delivered.has(id)), 'every sent message reached the provider');
    assert.ok(byPhone.size <= clients.length);
  });

  test('a provider outage pauses sending instead of hammering it, then sending resumes', async () => {
    await s.tdb.db.deleteFrom('clients').execute();
    await insertClients(s.tdb.db, 20, { operator: '931' });
    s.provider.configure({ down: true });
    const created = await s.http('POST', '/api/v1/mailings', {
      text: 'Outage', starts_at: iso(Date.now() - 1000), ends_at: iso(Date.now() + 120_000), filter: { operator_codes: ['931'] },
    });
    await waitFor(() => s.provider.stats().requests > 0, 20_000, 'first attempt');
    await new Promise((r) => setTimeout(r, 4_000));
    const during = s.provider.stats().requests;
    assert.ok(during <= 15, `backed off during the outage (${during} requests for 20 messages)`);
    const progress = await s.http('GET', `/api/v1/mailings/${created.body.id}/progress`);
    assert.equal(progress.body.counts.failed, 0);
    s.provider.configure({ down: false });
    const stats = await finished(created.body.id, 90_000);
    assert.deepEqual(stats.counts, { pending: 0, sent: 20, failed: 0, expired: 0, cancelled: 0, unknown: 0 });
  });

  test('control: PATCH before start, refused edits after start, pause/resume, progress, cancel and delete', async () => {
    await s.tdb.db.deleteFrom('clients').execute();
    await insertClients(s.tdb.db, 30, { operator: '941' });
    const future = await s.http('POST', '/api/v1/mailings', {
      text: 'Later', starts_at: iso(Date.now() + 3_600_000), ends_at: iso(Date.now() + 7_200_000), filter: { operator_codes: ['941'] },
    });
    const progress = await s.http('GET', `/api/v1/mailings/${future.body.id}/progress`);
    assert.equal(progress.body.phase, 'scheduled');
    assert.equal(progress.body.live, true);
    assert.equal(progress.body.next_wake_at, future.body.starts_at);
    const wrongEnd = await s.http('PATCH', `/api/v1/mailings/${future.body.id}`, { ends_at: iso(Date.now() + 1_000) });
    assert.equal(wrongEnd.status, 409);

    // Move the start to now and change the text: the workflow wakes and sends the new text.
    s.provider.configure({ latencyMs: 300 });
    const edited = await s.http('PATCH', `/api/v1/mailings/${future.body.id}`, { text: 'Now!', starts_at: iso(Date.now() - 1000) });
    assert.equal(edited.status, 200, JSON.stringify(edited.body));
    await waitFor(() => s.provider.deliveries().length >= 3, 20_000, 'sending started');
    assert.equal(s.provider.deliveries()[0].text, 'Now!');
    const lateFilter = await s.http('PATCH', `/api/v1/mailings/${future.body.id}`, { filter: { operator_codes: ['999'] } });
    assert.equal(lateFilter.status, 409);
    assert.match(lateFilter.body.detail, /filter/);
    assert.deepEqual((await s.http('GET', `/api/v1/mailings/${future.body.id}`)).body.filter.operator_codes, ['941'], 'refused edit rolled back');

    const paused = await s.http('POST', `/api/v1/mailings/${future.body.id}/pause`);
    assert.equal(paused.status, 202);
    await waitFor(async () => (await s.http('GET', `/api/v1/mailings/${future.body.id}`)).body.status === 'paused', 20_000, 'paused');
    const frozen = s.provider.deliveries().length;
    await new Promise((r) => setTimeout(r, 1_000));
    assert.equal(s.provider.deliveries().length, frozen);
    assert.equal((await s.http('GET', `/api/v1/mailings/${future.body.id}/progress`)).body.phase, 'paused');
    // Requests in flight at the pause ran to their answers: what the provider got is exactly what is recorded sent.
    const sentAtPause = (await s.http('GET', `/api/v1/mailings/${future.body.id}/stats`)).body.counts.sent;
    assert.equal(sentAtPause, frozen);
    assert.equal((await s.http('POST', `/api/v1/mailings/${future.body.id}/resume`)).status, 202);
    await waitFor(async () => (await s.http('GET', `/api/v1/mailings/${future.body.id}/stats`)).body.counts.sent > sentAtPause, 20_000, 'resumed');

    const cancel = await s.http('POST', `/api/v1/mailings/${future.body.id}/cancel`);
    assert.equal(cancel.status, 202);
    const stats = await finished(future.body.id);
    assert.equal(stats.mailing.status, 'cancelled');
    assert.equal(stats.counts.pending, 0);
    assert.equal(stats.counts.sent + stats.counts.cancelled, 30);
    assert.equal((await s.http('POST', `/api/v1/mailings/${future.body.id}/pause`)).status, 409);

    const doomed = await s.http('POST', '/api/v1/mailings', { text: 'x', starts_at: iso(Date.now() + 3_600_000), ends_at: iso(Date.now() + 7_200_000) });
    assert.equal((await s.http('DELETE', `/api/v1/mailings/${doomed.body.id}`)).status, 204);
    assert.equal((await s.http('GET', `/api/v1/mailings/${doomed.body.id}`)).status, 404);
    const wf = await s.env.client.workflow.getHandle(`mailing-${doomed.body.id}`).describe();
    await waitFor(async () => (await s.env.client.workflow.getHandle(`mailing-${doomed.body.id}`).describe()).status.name !== 'RUNNING', 15_000);
    assert.ok(wf);
  });

  test('a mailing stored without its workflow (API crash between insert and start) gets one at boot', async () => {
    await s.tdb.db.deleteFrom('clients').execute();
    await insertClients(s.tdb.db, 5, { operator: '961' });
    const row = await createMailingRow(s.tdb.db, {
      startsAt: new Date(Date.now() - 1000), endsAt: new Date(Date.now() + 3_600_000), filter: { operatorCodes: ['961'] },
    });
    const options = { taskQueue: s.config.TEMPORAL_TASK_QUEUE, settings: sendSettingsFromConfig(s.config), searchAttributes: true };
    const started = await ensureMailingWorkflows(s.tdb.db, s.env.client, options);
    assert.deepEqual(started, [row.id], 'only the orphan is started; mailings with workflows are left alone');
    assert.deepEqual(await ensureMailingWorkflows(s.tdb.db, s.env.client, options), [], 'idempotent');
    const stats = await finished(row.id);
    assert.equal(stats.counts.sent, 5);
  });
});
