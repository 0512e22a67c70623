import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { insertClients } from '../support/fixtures';
import { startStack, waitFor, type Stack } from '../support/stack';

// One stack for the file: a global cap of 100 messages/s (SEND_RATE_PER_S), 2 attempts per message, a 1 s provider
// timeout. Rates are checked on the provider's own arrival times (an upper bound a slow machine cannot break) and
// on lower bounds of elapsed time (a slow machine only makes them longer).
const GLOBAL_RATE = 100;
let s: Stack;
before(async () => {
  s = await startStack({ config: { SEND_RATE_PER_S: String(GLOBAL_RATE), SEND_MAX_ATTEMPTS: '2', PROVIDER_TIMEOUT_MS: '1000' } });
});
after(async () => {
  await s?.close();
});
beforeEach(async () => {
  s.provider.reset();
  s.provider.configure({ latencyMs: 0, errorRate: 0, timeoutRate: 0, garbageRate: 0, down: false, outages: [], rateLimitPerS: 0 });
});

const iso = (ms: number) => new Date(ms).toISOString();
let operatorSeq = 700;

async function mailingTo(count: number, extra: Record<string, unknown> = {}): Promise<{ id: number; phones: Set<string> }> {
  const operator = String(operatorSeq++);
  const clients = await insertClients(s.tdb.db, count, { operator });
  const created = await s.http('POST', '/api/v1/mailings', {
    text: 'Rate-limited hello',
    starts_at: iso(Date.now() - 1000),
    ends_at: iso(Date.now() + 3_600_000),
    filter: { operator_codes: [operator], tags: [] },
    ...extra,
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return { id: created.body.id, phones: new Set(clients.map((c) => c.phone)) };
}

async function finished(id: number, timeoutMs = 120_000) {
  await waitFor(async () => (await s.http('GET', `/api/v1/mailings/${id}`)).body.status === 'completed', timeoutMs, `mailing ${id} completed`);
  return (await s.http('GET', `/api/v1/mailings/${id}/stats?limit=1`)).body;
}

/** No send activity of the mailing failed (the outage breaker never tripped). */
async function assertNoActivityFailed(id: number): Promise<void> {
  const history = await s.env.client.workflow.getHandle(`mailing-${id}`).fetchHistory();
  const failed = (history.events ?? []).filter((e) => e.activityTaskFailedEventAttributes || e.activityTaskTimedOutEventAttributes);
  assert.deepEqual(failed.map((e) => e.activityTaskFailedEventAttributes?.failure?.message), [], 'no send activity stopped on a provider outage');
}

/** The most requests the provider saw inside any one-second window, and the span from first to last. */
function arrivals(phones: Set<string>): { peakPerSecond: number; spanMs: number; n: number } {
  const at = s.provider
    .deliveries()
    .filter((d) => phones.has(String(d.phone)))
    .map((d) => d.at)
    .sort((a, b) => a - b);
  let peak = 0;
  for (let i = 0, j = 0; i < at.length; i++) {
    while (at[i] - at[j] >= 1000) j++;
    peak = Math.max(peak, i - j + 1);
  }
  return { peakPerSecond: peak, spanMs: at.length ? at[at.length - 1] - at[0] : 0, n: at.length };
}

describe('sending-rate caps, the provider\'s 429 and a partly failing provider (dev server + PostgreSQL + fake provider)', () => {
  test('SEND_RATE_PER_S caps two mailings sending at once, together', async () => {
    const [a, b] = await Promise.all([mailingTo(150), mailingTo(150)]);
    const [sa, sb] = await Promise.all([finished(a.id), finished(b.id)]);
    assert.equal(sa.counts.sent + sb.counts.sent, 300);
    const both = arrivals(new Set([...a.phones, ...b.phones]));
    assert.equal(both.n, 300);
    // Slots are reserved in chunks of 50 ms worth (5), and a busy machine bunches requests a little: uncapped, all
    // 300 would go out within a fraction of a second.
    assert.ok(both.peakPerSecond <= GLOBAL_RATE * 1.3, `at most ~${GLOBAL_RATE}/s together (peak ${both.peakPerSecond} in a second)`);
    assert.ok(both.spanMs >= ((300 - 12) / GLOBAL_RATE) * 1000, `300 messages at ${GLOBAL_RATE}/s take ~3 s (${both.spanMs} ms)`);
    await assertNoActivityFailed(a.id);
    await assertNoActivityFailed(b.id);
  });

  test('a mailing\'s own send_rate_per_s caps it below the global cap', async () => {
    const m = await mailingTo(40, { send_rate_per_s: 20 });
    const got = await s.http('GET', `/api/v1/mailings/${m.id}`);
    assert.equal(got.body.send_rate_per_s, 20);
    const stats = await finished(m.id);
    assert.equal(stats.counts.sent, 40);
    const seen = arrivals(m.phones);
    assert.ok(seen.peakPerSecond <= 26, `at most ~20 in any second, give or take a busy machine's bunching (peak ${seen.peakPerSecond})`);
    assert.ok(seen.spanMs >= 1_800, `40 messages at 20/s take ~2 s (${seen.spanMs} ms)`);
    await assertNoActivityFailed(m.id); // waiting for a slot is not a slow provider
  });

  test('the provider\'s 429 + Retry-After is honoured: nothing fails, no attempt is spent on it', async () => {
    s.provider.configure({ rateLimitPerS: 30 });
    const m = await mailingTo(120);
    const stats = await finished(m.id);
    assert.deepEqual(stats.counts, { pending: 0, sent: 120, failed: 0, expired: 0, cancelled: 0, unknown: 0 });
    const providerStats = s.provider.stats();
    assert.ok(providerStats.throttled > 0, 'the provider did throttle');
    // With 2 attempts per message and several 429s each for some, only refunded attempts let all of them through.
    const attempts = await s.tdb.db.selectFrom('messages').select(['attempts', 'last_error']).where('mailing_id', '=', m.id).execute();
    assert.deepEqual([...new Set(attempts.map((a) => a.attempts))], [1], `a 429 spends no attempt: ${JSON.stringify(attempts.filter((a) => a.attempts !== 1).slice(0, 3))}`);
  });

  test('a partly failing provider (10% errors, 5% never answered) is not called down: the breaker never trips', async () => {
    s.provider.configure({ errorRate: 0.1, timeoutRate: 0.05 });
    const m = await mailingTo(300);
    const stats = await finished(m.id);
    const c = stats.counts;
    assert.equal(c.pending + c.expired + c.cancelled, 0);
    assert.equal(c.sent + c.failed + c.unknown, 300, 'every client sent once or ended');
    assert.ok(c.unknown > 0 && c.sent > 250, JSON.stringify(c));
    // The provider never got a second request for a message it had answered, nor one without an answer.
    const perPhone = new Map<string, number>();
    for (const d of s.provider.deliveries()) if (m.phones.has(String(d.phone))) perPhone.set(String(d.phone), (perPhone.get(String(d.phone)) ?? 0) + 1);
    assert.ok([...perPhone.values()].every((n) => n === 1), 'each client got one SMS');
    await assertNoActivityFailed(m.id);
  });
});
