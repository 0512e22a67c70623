import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { WorkflowNotFoundError } from '@temporalio/common';
import { insertClients } from '../support/fixtures';
import { startStack, waitFor, type Stack } from '../support/stack';

// Drafts (POST /mailings with draft: true, PATCH, schedule) and test sends (POST /mailings/{id}/test) through the API,
// a real Temporal dev server, PostgreSQL, a worker and the fake provider.

/** The fake provider's random draws: scripted values first (one per accepted request), then "no fault". */
const draws: number[] = [];
let s: Stack;
before(async () => {
  s = await startStack({ provider: { random: () => draws.shift() ?? 0.99 } });
});
after(async () => {
  await s?.close();
});
beforeEach(() => {
  draws.length = 0;
  s.provider.reset();
  s.provider.configure({ errorRate: 0, timeoutRate: 0, garbageRate: 0, latencyMs: 0, down: false, outages: [] });
});

const iso = (ms: number) => new Date(ms).toISOString();
const H = 3_600_000;

async function workflowExists(id: string): Promise<boolean> {
  try {
    await s.env.client.workflow.getHandle(id).describe();
    return true;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

async function draft(body: Record<string, unknown> = {}) {
  const created = await s.http('POST', '/api/v1/mailings', {
    text: 'Draft text',
    starts_at: iso(Date.now() - 1000),
    ends_at: iso(Date.now() + H),
    draft: true,
    ...body,
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return created.body as { id: number; status: string; workflow_id: string; text: string };
}

describe('drafts', () => {
  test('a draft starts no workflow, edits freely, says so in progress, refuses controls; scheduled, it sends', async () => {
    const targets = await insertClients(s.tdb.db, 4, { operator: '931', tag: 'draft' });
    await insertClients(s.tdb.db, 3, { operator: '932', tag: 'draft' });
    const d = await draft({ filter: { operator_codes: ['932'] } });
    assert.equal(d.status, 'draft');
    assert.equal(await workflowExists(d.workflow_id), false);

    const listed = await s.http('GET', '/api/v1/mailings?status=draft&limit=500');
    assert.ok(listed.body.items.some((m: { id: number }) => m.id === d.id));
    const progress = await s.http('GET', `/api/v1/mailings/${d.id}/progress`);
    assert.equal(progress.status, 200);
    assert.equal(progress.body.phase, 'draft');
    assert.equal(progress.body.live, false);
    assert.equal(progress.body.total, 0);
    assert.deepEqual(progress.body.groups, []);
    const stats = await s.http('GET', `/api/v1/mailings/${d.id}/stats`);
    assert.equal(stats.status, 200);
    assert.equal(stats.body.progress.phase, 'draft');

    for (const action of ['pause', 'resume', 'cancel']) {
      const r = await s.http('POST', `/api/v1/mailings/${d.id}/${action}`);
      assert.equal(r.status, 409, action);
      assert.match(r.body.detail, /draft/);
    }

    // Every field, no worker involved, no workflow started.
    const patched = await s.http('PATCH', `/api/v1/mailings/${d.id}`, {
      text: 'Final text',
      starts_at: iso(Date.now() - 500),
      ends_at: iso(Date.now() + 2 * H),
      filter: { operator_codes: ['931'], tags: ['draft'] },
      send_window: null,
    });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.equal(patched.body.status, 'draft');
    assert.equal(patched.body.text, 'Final text');
    assert.deepEqual(patched.body.filter, { operator_codes: ['931'], tags: ['draft'] });
    assert.equal(await workflowExists(d.workflow_id), false);
    const backwards = await s.http('PATCH', `/api/v1/mailings/${d.id}`, { ends_at: iso(Date.now() - 2 * H) });
    assert.equal(backwards.status, 409);
    assert.equal(backwards.body.errors[0].path, 'body.ends_at');

    const scheduled = await s.http('POST', `/api/v1/mailings/${d.id}/schedule`, {});
    assert.equal(scheduled.status, 200, JSON.stringify(scheduled.body));
    assert.equal(scheduled.body.status, 'scheduled');
    assert.equal(await workflowExists(d.workflow_id), true);
    const again = await s.http('POST', `/api/v1/mailings/${d.id}/schedule`, {});
    assert.equal(again.status, 409);

    await waitFor(async () => (await s.http('GET', `/api/v1/mailings/${d.id}`)).body.status === 'completed', 60_000, 'scheduled draft completed');
    const done = await s.http('GET', `/api/v1/mailings/${d.id}/stats`);
    assert.equal(done.body.counts.sent, 4);
    const byPhone = s.provider.deliveriesByPhone();
    assert.deepEqual([...byPhone.keys()].map(String).sort(), targets.map((c) => c.phone).sort());
    assert.ok([...byPhone.values()].every((list) => list.length === 1 && list[0].text === 'Final text'));
  });

  test('scheduling checks the times: a past ends_at is a 400 and nothing changes; new times may come with it', async () => {
    const stale = await draft({ starts_at: iso(Date.now() - 3 * H), ends_at: iso(Date.now() - 2 * H) });
    const refused = await s.http('POST', `/api/v1/mailings/${stale.id}/schedule`, {});
    assert.equal(refused.status, 400);
    assert.equal(refused.body.errors[0].path, 'body.ends_at');
    assert.match(refused.body.errors[0].message, /future/);
    assert.equal((await s.http('GET', `/api/v1/mailings/${stale.id}`)).body.status, 'draft');
    assert.equal(await workflowExists(stale.workflow_id), false);

    const before = await s.http('POST', `/api/v1/mailings/${stale.id}/schedule`, { starts_at: iso(Date.now() + 2 * H), ends_at: iso(Date.now() + H) });
    assert.equal(before.status, 400);
    assert.equal(before.body.errors[0].path, 'body.ends_at');
    const nul = await s.http('POST', `/api/v1/mailings/${stale.id}/schedule`, { ends_at: '2030-01-01T00:00:00Z\u0000' });
    assert.equal(nul.status, 400);

    const later = iso(Date.now() + 5 * H);
    const ok = await s.http('POST', `/api/v1/mailings/${stale.id}/schedule`, { starts_at: iso(Date.now() + 4 * H), ends_at: later });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.ends_at, later);
    assert.equal(await workflowExists(stale.workflow_id), true);
    assert.equal((await s.http('POST', `/api/v1/mailings/${stale.id}/cancel`)).status, 202);

    assert.equal((await s.http('POST', '/api/v1/mailings/999999999/schedule', {})).status, 404);
    // Only a draft may have a past end; an ordinary create still refuses one.
    const past = await s.http('POST', '/api/v1/mailings', { text: 'x', starts_at: iso(Date.now() - 2 * H), ends_at: iso(Date.now() - H) });
    assert.equal(past.status, 400);
  });

  test('a draft is deleted without Temporal', async () => {
    const d = await draft();
    assert.equal((await s.http('DELETE', `/api/v1/mailings/${d.id}`)).status, 204);
    assert.equal((await s.http('GET', `/api/v1/mailings/${d.id}`)).status, 404);
  });
});

describe('test sends', () => {
  test('sends the text to each phone now, returns each answer (one failing), creates no message', async () => {
    const d = await draft({ text: 'Test me' });
    const phones = ['79990000001', '79990000002', '79990000003'];
    s.provider.configure({ errorRate: 0.5 });
    draws.push(0.99, 0.1, 0.99); // the second request the provider gets answers 500

    const r = await s.http('POST', `/api/v1/mailings/${d.id}/test`, { phones });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.mailing_id, d.id);
    assert.match(r.body.workflow_id, new RegExp(`^mailing-test-${d.id}-[0-9a-f-]{36}$`));
    assert.deepEqual(r.body.results.map((x: { phone: string }) => x.phone), phones);
    const failed = r.body.results.filter((x: { ok: boolean }) => !x.ok);
    assert.equal(failed.length, 1);
    assert.equal(failed[0].outcome, 'failed');
    assert.equal(failed[0].status_code, 500);
    assert.match(failed[0].error, /HTTP 500/);
    const sent = r.body.results.filter((x: { ok: boolean }) => x.ok);
    assert.ok(sent.every((x: { outcome: string; status_code: null; provider_message_id: number }) => x.outcome === 'sent' && x.status_code === null && x.provider_message_id >= 900_000_000_000_000));

    // The provider got all three requests and delivered the two it took, with the mailing's text.
    assert.equal(s.provider.stats().requests, 3);
    const delivered = s.provider.deliveries();
    assert.deepEqual(delivered.map((x) => String(x.phone)).sort(), sent.map((x: { phone: string }) => x.phone).sort());
    assert.ok(delivered.every((x) => x.text === 'Test me' && x.msgId >= 900_000_000_000_000));

    // Not a message: no statistics; logged per phone; the run is a completed workflow.
    const messages = await s.tdb.db.selectFrom('messages').select('id').where('mailing_id', '=', d.id).execute();
    assert.equal(messages.length, 0);
    assert.equal((await s.http('GET', `/api/v1/mailings/${d.id}/progress`)).body.total, 0);
    const logged = await s.tdb.db.selectFrom('mailing_test_sends').selectAll().where('mailing_id', '=', d.id).execute();
    assert.deepEqual(logged.map((x) => x.status).sort(), ['failed', 'sent', 'sent']);
    assert.equal((await s.env.client.workflow.getHandle(r.body.workflow_id).describe()).status.name, 'COMPLETED');
    assert.equal((await s.http('GET', `/api/v1/mailings/${d.id}`)).body.status, 'draft');
  });

  test('phones are validated like client phones: 1-10, distinct, no NUL; an unknown mailing is a 404', async () => {
    const d = await draft();
    const cases: [unknown, string][] = [
      [{ phones: [] }, 'body.phones'],
      [{ phones: Array.from({ length: 11 }, (_, i) => `7999000${String(i).padStart(4, '0')}`) }, 'body.phones'],
      [{ phones: ['89990000001'] }, 'body.phones.0'],
      [{ phones: ['79990000001', '7999000000'] }, 'body.phones.1'],
      [{ phones: ['79990000001', '79990000001'] }, 'body.phones.1'],
      [{ phones: ['7999000000\u00001'] }, 'body.phones.0'],
      [{ phones: ['79990000001'], colour: 'red' }, 'body.colour'],
      [{}, 'body.phones'],
    ];
    for (const [body, path] of cases) {
      const r = await s.http('POST', `/api/v1/mailings/${d.id}/test`, body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.body.errors[0].path, path, JSON.stringify(r.body));
    }
    assert.equal(s.provider.stats().requests, 0);
    assert.equal((await s.http('POST', '/api/v1/mailings/999999999/test', { phones: ['79990000001'] })).status, 404);
  });
});
