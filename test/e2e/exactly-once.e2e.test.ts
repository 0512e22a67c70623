import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Delivery } from '../../fake-provider/fake-provider';
import { insertClients } from '../support/fixtures';
import { startStack, waitFor, type Stack } from '../support/stack';

// A provider that does not dedupe by message id: every request it accepts is an SMS. Relay must never send one
// client two, whatever cuts sending off: a window closing, ends_at, a pause. (The worker kill is in worker-crash.)
let s: Stack;
before(async () => {
  s = await startStack({ config: { SEND_CONCURRENCY: '4', SEND_BATCH_SIZE: '20', PROVIDER_TIMEOUT_MS: '1000' } });
  s.provider.configure({ dedupe: false, latencyMs: 300 });
});
after(async () => {
  await s?.close();
});

const iso = (ms: number) => new Date(ms).toISOString();
const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);

async function create(body: Record<string, unknown>): Promise<number> {
  const created = await s.http('POST', '/api/v1/mailings', { text: 'Once only', starts_at: iso(Date.now() - 1000), ...body });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return created.body.id;
}

async function finished(id: number, timeoutMs = 120_000) {
  await waitFor(async () => ['completed', 'cancelled'].includes((await s.http('GET', `/api/v1/mailings/${id}`)).body.status), timeoutMs, `mailing ${id} finished`);
  return (await s.http('GET', `/api/v1/mailings/${id}/stats?limit=500`)).body;
}

/** The deliveries of one mailing's clients: none twice, and exactly the messages recorded as sent. */
function assertOncePerClient(stats: { counts: Record<string, number> }, phones: Set<string>): Delivery[] {
  const mine = s.provider.deliveries().filter((d) => phones.has(String(d.phone)));
  const perPhone = new Map<number, number>();
  for (const d of mine) perPhone.set(d.phone, (perPhone.get(d.phone) ?? 0) + 1);
  assert.deepEqual([...perPhone.entries()].filter(([, n]) => n > 1), [], 'no client received two SMS');
  assert.equal(mine.length, stats.counts.sent, 'every SMS the provider got is recorded as sent (none unaccounted for)');
  assert.equal(stats.counts.unknown, 0);
  return mine;
}

describe('exactly once toward a provider that does not dedupe', () => {
  test('an end cutoff and a window close: nothing starts that could end after them, nothing is sent twice', async () => {
    const endClients = await insertClients(s.tdb.db, 200, { operator: '971' });
    const windowClients = await insertClients(s.tdb.db, 1000, { operator: '972' });
    // The window closes at the first minute boundary at least 10 s away (windows are HH:MM in local time, UTC here).
    const closeAt = Math.ceil((Date.now() + 10_000) / 60_000) * 60_000;
    const endsAt = Date.now() + 6_000;
    const cut = await create({ ends_at: iso(endsAt), filter: { operator_codes: ['971'] } });
    const windowed = await create({
      ends_at: iso(closeAt + 5_000),
      filter: { operator_codes: ['972'] },
      send_window: { from: hhmm(Date.now() - 3_600_000), to: hhmm(closeAt) },
    });

    const cutStats = await finished(cut);
    const cutDeliveries = assertOncePerClient(cutStats, new Set(endClients.map((c) => c.phone)));
    assert.ok(cutStats.counts.sent > 0 && cutStats.counts.expired > 0, JSON.stringify(cutStats.counts));
    assert.equal(cutStats.counts.sent + cutStats.counts.expired, 200);
    // A request starts only if its 1 s timeout ends before ends_at.
    assert.deepEqual(cutDeliveries.filter((d) => d.at > endsAt - 1_000 + 100), [], 'no request started within a timeout of ends_at');

    const windowStats = await finished(windowed);
    const windowDeliveries = assertOncePerClient(windowStats, new Set(windowClients.map((c) => c.phone)));
    assert.ok(windowStats.counts.sent > 0 && windowStats.counts.expired > 0, JSON.stringify(windowStats.counts));
    assert.equal(windowStats.counts.sent + windowStats.counts.expired, 1000);
    assert.deepEqual(windowDeliveries.filter((d) => d.at > closeAt - 1_000 + 100), [], 'no request started within a timeout of the window close');
  });

  test('pause and resume: requests in flight finish and are recorded, nothing is sent twice', async () => {
    const clients = await insertClients(s.tdb.db, 80, { operator: '973' });
    const phones = new Set(clients.map((c) => c.phone));
    const id = await create({ ends_at: iso(Date.now() + 600_000), filter: { operator_codes: ['973'] } });
    const delivered = () => s.provider.deliveries().filter((d) => phones.has(String(d.phone))).length;
    await waitFor(() => delivered() >= 10, 30_000, 'sending under way');
    assert.equal((await s.http('POST', `/api/v1/mailings/${id}/pause`)).status, 202);
    await waitFor(async () => (await s.http('GET', `/api/v1/mailings/${id}`)).body.status === 'paused', 20_000, 'paused');
    const atPause = delivered();
    await new Promise((r) => setTimeout(r, 1_500));
    assert.equal(delivered(), atPause, 'nothing sent while paused');
    assert.equal((await s.http('GET', `/api/v1/mailings/${id}/progress`)).body.counts.sent, atPause, 'in-flight answers recorded');
    assert.ok(atPause < 80);
    assert.equal((await s.http('POST', `/api/v1/mailings/${id}/resume`)).status, 202);
    const stats = await finished(id);
    assertOncePerClient(stats, phones);
    assert.equal(stats.counts.sent, 80);
  });
});
