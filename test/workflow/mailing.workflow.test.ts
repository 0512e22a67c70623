import assert from 'node:assert/strict';
import type { MailingWorkflowInput, MailingResult } from '../../workflows/mailing.contract';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { WorkflowFailedError } from '@temporalio/client';
import { startFakeProvider, type FakeProvider } from '../../fake-provider/fake-provider';
import { createLogger } from '../../lib/logger';
import { findMailing } from '../../lib/db/mailing.repository';
import { countByStatus } from '../../lib/db/message.repository';
import { sendSettingsFromConfig } from '../../lib/send-settings';
import { startMailingWorkflow, pauseMailingWorkflow, queryMailingProgress, resumeMailingWorkflow } from '../../lib/temporal/mailing-workflows';
import type { Config } from '../../lib/config';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { createMailingRow, hours, insertClients, minutes, testConfig } from '../support/fixtures';
import { readHistory, recordedHistoryFiles, replay, replayAndRecord, type History } from '../support/histories';
import { startTimeSkippingWorker, timeSkippingEnv } from '../support/temporal';
import type { MailingRow } from '../../lib/db/database';

let env: TestWorkflowEnvironment;
let tdb: TestDatabase;
let provider: FakeProvider;
let config: Config;
let worker: { close(): Promise<void> };

before(async () => {
  [env, tdb, provider] = await Promise.all([timeSkippingEnv(), createTestDatabase(), startFakeProvider({ token: 'test-token-123456' })]);
  config = testConfig({ PROVIDER_URL: provider.url, PROVIDER_TOKEN: 'test-token-123456' });
  worker = await startTimeSkippingWorker(env, { config, db: tdb.db, logger: createLogger(config.LOG_LEVEL) });
});

after(async () => {
  await worker?.close();
  await env?.teardown();
  await provider?.close();
  await tdb?.drop();
});

beforeEach(async () => {
  provider.reset();
  provider.configure({ latencyMs: 0, errorRate: 0, timeoutRate: 0, garbageRate: 0, down: false, outages: [] });
  await tdb.db.deleteFrom('mailings').execute();
  await tdb.db.deleteFrom('clients').execute();
});

const serverNow = async (): Promise<number> => env.currentTimeMs();

async function start(mailing: MailingRow) {
  await startMailingWorkflow(env.client, mailing, { taskQueue: config.TEMPORAL_TASK_QUEUE, settings: sendSettingsFromConfig(config), searchAttributes: false });
  return env.client.workflow.getHandle(`mailing-${mailing.id}`);
}

describe('mailing workflow (time-skipping)', () => {
  test('a future start sleeps durably until starts_at, then sends each matching client once', async () => {
    const matching = await insertClients(tdb.db, 12, { operator: '901', tag: 'vip' });
    await insertClients(tdb.db, 5, { operator: '902', tag: 'vip' }); // wrong operator
    await insertClients(tdb.db, 4, { operator: '901', tag: 'other' }); // wrong tag
    const now = await serverNow();
    const mailing = await createMailingRow(tdb.db, {
      startsAt: new Date(now + hours(24)),
      endsAt: new Date(now + hours(48)),
      filter: { operatorCodes: ['901'], tags: ['vip'] },
    });
    const handle = await start(mailing);
    const before = await queryMailingProgress(env.client, mailing.id);
    assert.equal(before.phase, 'scheduled');
    assert.equal(before.nextWakeAt, new Date(now + hours(24)).toISOString());
    assert.equal(provider.deliveries().length, 0);

    const result = await handle.result(); // time skips the 24 h timer
    await keepHistory('future-start', handle);
    assert.equal(result.outcome, 'completed');
    assert.deepEqual(result.counts, { pending: 0, sent: 12, failed: 0, expired: 0, cancelled: 0, unknown: 0 });
    const delivered = provider.deliveries().map((d) => String(d.phone)).sort();
    assert.deepEqual(delivered, matching.map((c) => c.phone).sort());
    assert.equal((await findMailing(tdb.db, mailing.id))?.status, 'completed');
  });

  test('SEND_PARALLELISM splits a window group into that many send activities on disjoint zones, each client once', async () => {
    const zones = ['UTC', 'Europe/Berlin', 'Asia/Tokyo', 'America/New_York', 'Africa/Cairo'];
    const clients = (await Promise.all(zones.map((timezone) => insertClients(tdb.db, 6, { operator: '903', timezone })))).flat();
    const now = await serverNow();
    const mailing = await createMailingRow(tdb.db, { startsAt: new Date(now - 1000), endsAt: new Date(now + hours(1)), filter: { operatorCodes: ['903'] } });
    await startMailingWorkflow(env.client, mailing, {
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      settings: { ...sendSettingsFromConfig(config), parallelism: 3 },
      searchAttributes: false,
    });
    const handle = env.client.workflow.getHandle(`mailing-${mailing.id}`);
    const result = await handle.result();
    assert.deepEqual(result.counts, { pending: 0, sent: 30, failed: 0, expired: 0, cancelled: 0, unknown: 0 });
    assert.deepEqual(provider.deliveries().map((d) => String(d.phone)).sort(), clients.map((c) => c.phone).sort());
    const history = await handle.fetchHistory();
    const sends = (history.events ?? [])
      .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'sendMessages')
      .map((e) => (e.activityTaskScheduledEventAttributes!.input!.payloads![0].data as Uint8Array))
      .map((data) => (JSON.parse(Buffer.from(data).toString('utf8')) as { timezones: string[] }).timezones);
    const first = sends.slice(0, 3);
    assert.equal(first.length, 3, 'three activities for the one group');
    assert.deepEqual(first.flat().sort(), [...zones].sort(), 'the zones dealt out, none twice');
  });

  test('ends_at cuts sending off mid-way: the rest expires and nothing reaches the provider at or after it', async () => {
    await insertClients(tdb.db, 40);
    provider.configure({ latencyMs: 400 });
    const now = await serverNow();
    const clockOffset = now - Date.now(); // the test server's clock runs ahead once earlier tests skipped time
    const endsAt = now + 2_500;
    const mailing = await createMailingRow(tdb.db, { startsAt: new Date(now - minutes(1)), endsAt: new Date(endsAt) });
    const handle = await start(mailing);
    const result = await handle.result();
    const counts = await countByStatus(tdb.db, mailing.id);
    assert.equal(result.outcome, 'completed');
    assert.ok(counts.sent > 0, `some sent (${counts.sent})`);
    assert.ok(counts.expired > 0, `some expired (${counts.expired})`);
    assert.equal(counts.sent + counts.expired, 40);
    assert.equal(counts.pending, 0);
    await assertSentWereDelivered(mailing.id);
    const deliveries = provider.deliveries();
    const late = deliveries.filter((d) => d.at + clockOffset >= endsAt);
    assert.deepEqual(late, [], 'no request reached the provider at or after ends_at');
    // No request is started unless its timeout ends before ends_at, and those in flight run to their answer: every
    // SMS the provider got is recorded as sent.
    assert.equal(deliveries.length, counts.sent);
    const lastStart = Math.max(...deliveries.map((d) => d.at + clockOffset));
    assert.ok(lastStart <= endsAt - config.PROVIDER_TIMEOUT_MS + 50, 'the last request started a provider timeout before ends_at');
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(provider.deliveries().length, deliveries.length, 'nothing sent after the workflow finished');
  });

  test('per-timezone windows: each group waits for its own local window, over several days', async () => {
    // Window 09:00-09:30 local. Moscow is UTC+3, Vladivostok UTC+10.
    await insertClients(tdb.db, 3, { timezone: 'Europe/Moscow' });
    await insertClients(tdb.db, 3, { timezone: 'Asia/Vladivostok' });
    const now = await serverNow();
    // Start at 10:00 Moscow time tomorrow (both windows closed then): Vladivostok's opens next at 09:00+10 = 23:00Z, Moscow's at 06:00Z the day after.
    const day = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), new Date(now).getUTCDate()) + hours(24);
    const startsAt = day + hours(7); // 10:00 Moscow, 17:00 Vladivostok
    const mailing = await createMailingRow(tdb.db, {
      startsAt: new Date(startsAt),
      endsAt: new Date(startsAt + hours(72)),
      sendWindow: { from: '09:00', to: '09:30' },
    });
    const handle = await start(mailing);
    await env.sleep(startsAt - now + minutes(1));
    const waiting = await queryMailingProgress(env.client, mailing.id);
    assert.equal(waiting.phase, 'waiting-window');
    assert.equal(waiting.nextWakeAt, new Date(day + hours(23)).toISOString()); // Vladivostok 09:00
    assert.equal(provider.deliveries().length, 0);

    await env.sleep(day + hours(23) - (await serverNow()) + minutes(1));
    await waitFor(() => provider.deliveries().length === 3);
    const between = await waitForProgress(mailing.id, (p) => p.phase === 'waiting-window');
    assert.equal(between.nextWakeAt, new Date(day + hours(24 + 6)).toISOString()); // Moscow 09:00 next day
    assert.equal(between.counts.sent, 3);

    const result = await handle.result();
    assert.deepEqual(result.counts, { pending: 0, sent: 6, failed: 0, expired: 0, cancelled: 0, unknown: 0 });
    await keepHistory('timezone-windows', handle);
  });

  test('a provider outage through a whole window: nothing fails, sending resumes in the next local day\'s window', async () => {
    await insertClients(tdb.db, 3, { timezone: 'Europe/Moscow' });
    provider.configure({ down: true });
    const now = await serverNow();
    const day = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), new Date(now).getUTCDate()) + hours(24);
    const opens = day + hours(6); // 09:00 Moscow
    const mailing = await createMailingRow(tdb.db, {
      startsAt: new Date(opens),
      endsAt: new Date(opens + hours(72)),
      sendWindow: { from: '09:00', to: '09:30' },
    });
    const handle = await start(mailing);
    await env.sleep(opens - now + minutes(45)); // through the whole window, provider down
    const waiting = await waitForProgress(mailing.id, (p) => p.phase === 'waiting-window');
    assert.equal(waiting.nextWakeAt, new Date(opens + hours(24)).toISOString(), 'next local day, 09:00 Moscow');
    assert.equal(waiting.counts.failed, 0);
    assert.equal(waiting.counts.pending, 3);
    assert.ok(provider.stats().requests > 0, 'it did try during the window');
    provider.configure({ down: false });
    const result = await handle.result();
    assert.deepEqual(result.counts, { pending: 0, sent: 3, failed: 0, expired: 0, cancelled: 0, unknown: 0 });
  });

  test('a window that never opens before ends_at expires its messages', async () => {
    await insertClients(tdb.db, 2, { timezone: 'UTC' });
    const now = await serverNow();
    const day = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), new Date(now).getUTCDate()) + hours(24);
    const mailing = await createMailingRow(tdb.db, {
      startsAt: new Date(day + hours(12)),
      endsAt: new Date(day + hours(20)),
      sendWindow: { from: '22:00', to: '06:00' }, // crosses midnight, never inside 12:00-20:00
    });
    const result = await (await start(mailing)).result();
    assert.deepEqual(result.counts, { pending: 0, sent: 0, failed: 0, expired: 2, cancelled: 0, unknown: 0 });
    assert.equal(provider.deliveries().length, 0);
  });

  test('cancel mid-send: pending messages become cancelled, the mailing is cancelled', async () => {
    await insertClients(tdb.db, 30);
    provider.configure({ latencyMs: 300 });
    const now = await serverNow();
    const mailing = await createMailingRow(tdb.db, { startsAt: new Date(now - 1000), endsAt: new Date(now + hours(1)) });
    const handle = await start(mailing);
    await waitFor(() => provider.deliveries().length >= 3);
    await handle.cancel();
    await assert.rejects(handle.result(), WorkflowFailedError);
    const counts = await countByStatus(tdb.db, mailing.id);
    assert.ok(counts.cancelled > 0, 'some cancelled');
    assert.equal(counts.pending, 0);
    assert.equal(counts.sent + counts.cancelled, 30);
    assert.equal((await findMailing(tdb.db, mailing.id))?.status, 'cancelled');
    await assertSentWereDelivered(mailing.id);
    const settled = provider.deliveries().length;
    await new Promise((r) => setTimeout(r, 800));
    assert.equal(provider.deliveries().length, settled, 'nothing delivered after the cancel settled');
  });

  test('a provider failing every request: each message is tried exactly SEND_MAX_ATTEMPTS times, then failed', async () => {
    await insertClients(tdb.db, 3);
    provider.configure({ errorRate: 1 });
    const now = await serverNow();
    const mailing = await createMailingRow(tdb.db, { startsAt: new Date(now - 1000), endsAt: new Date(now + hours(6)) });
    const result = await (await start(mailing)).result();
    assert.deepEqual(result.counts, { pending: 0, sent: 0, failed: 3, expired: 0, cancelled: 0, unknown: 0 });
    const messages = await tdb.db.selectFrom('messages').select(['attempts', 'last_error']).where('mailing_id', '=', mailing.id).execute();
    assert.deepEqual(messages.map((m) => m.attempts), [config.SEND_MAX_ATTEMPTS, config.SEND_MAX_ATTEMPTS, config.SEND_MAX_ATTEMPTS]);
    assert.ok(messages.every((m) => /HTTP 500/.test(m.last_error ?? '')));
    assert.equal(provider.stats().requests, 3 * config.SEND_MAX_ATTEMPTS, 'never more requests than attempts allowed');
  });

  test('pause stops sending until resume; the mailing then completes', async () => {
    await insertClients(tdb.db, 80);
    provider.configure({ latencyMs: 100 });
    const now = await serverNow();
    const mailing = await createMailingRow(tdb.db, { startsAt: new Date(now - 1000), endsAt: new Date(now + hours(2)) });
    const handle = await start(mailing);
    await waitFor(() => provider.deliveries().length >= 3);
    await pauseMailingWorkflow(env.client, mailing.id);
    const paused = await waitForProgress(mailing.id, (p) => p.phase === 'paused');
    assert.equal(paused.paused, true);
    await waitFor(async () => (await findMailing(tdb.db, mailing.id))?.status === 'paused');
    const frozen = provider.deliveries().length;
    await new Promise((r) => setTimeout(r, 1_000));
    assert.equal(provider.deliveries().length, frozen, 'no sends while paused');
    assert.ok(frozen < 80);
    // Requests in flight at the pause ran to their answers: everything the provider got is recorded as sent.
    assert.equal((await countByStatus(tdb.db, mailing.id)).sent, frozen);
    await resumeMailingWorkflow(env.client, mailing.id);
    const result = await handle.result();
    await keepHistory('pause-resume', handle);
    assert.deepEqual(result.counts, { pending: 0, sent: 80, failed: 0, expired: 0, cancelled: 0, unknown: 0 });
    assert.equal(provider.deliveries().length, 80);
  });
});

/** Replays a finished run against the current workflow code; RECORD_HISTORIES=1 stores it under histories/. */
async function keepHistory(name: string, handle: { fetchHistory(): Promise<History> }): Promise<void> {
  await replayAndRecord(await handle.fetchHistory(), name);
}

/** Every message we recorded as sent really reached the provider. */
async function assertSentWereDelivered(mailingId: number): Promise<void> {
  const sent = await tdb.db.selectFrom('messages').select('id').where('mailing_id', '=', mailingId).where('status', '=', 'sent').execute();
  const delivered = new Set(provider.deliveries().map((d) => d.msgId));
  assert.deepEqual(sent.filter((m) => !delivered.has(m.id)), []);
}

describe('mailing workflow: bounded histories and replay', () => {
  test('a long send continues as new, carrying its state, and still sends each client exactly once', async () => {
    const clients = await insertClients(tdb.db, 40);
    provider.configure({ latencyMs: 30 });
    const now = await serverNow();
    const mailing = await createMailingRow(tdb.db, { startsAt: new Date(now - 1000), endsAt: new Date(now + hours(1)) });
    const input: MailingWorkflowInput = {
      mailingId: mailing.id,
      startsAt: mailing.starts_at.toISOString(),
      endsAt: mailing.ends_at.toISOString(),
      sendWindow: null,
      settings: { ...sendSettingsFromConfig(config), batchSize: 4, concurrency: 2, activityBudgetMs: 150 },
      historyLimit: 25,
    };
    const handle = await env.client.workflow.start('mailingWorkflow', {
      workflowId: `mailing-${mailing.id}`,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      args: [input],
    });
    const result = (await handle.result()) as MailingResult;
    assert.ok(result.runs >= 2, `continued as new (${result.runs} runs)`);
    assert.equal(result.total, 40, 'total carried across runs');
    assert.deepEqual(result.counts, { pending: 0, sent: 40, failed: 0, expired: 0, cancelled: 0, unknown: 0 });
    const byPhone = provider.deliveriesByPhone();
    assert.deepEqual([...byPhone.keys()].map(String).sort(), clients.map((c) => c.phone).sort());
    assert.ok([...byPhone.values()].every((d) => d.length === 1));
    // Walk the chain of runs through their ContinuedAsNew events.
    let runId: string | null | undefined = handle.firstExecutionRunId;
    const lengths: number[] = [];
    while (runId) {
      const history: History = await env.client.workflow.getHandle(handle.workflowId, runId).fetchHistory();
      const events = history.events ?? [];
      lengths.push(events.length);
      runId = events[events.length - 1]?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
    }
    assert.equal(lengths.length, result.runs);
    assert.ok(Math.max(...lengths) < 60, `each run's history stays small (${lengths.join(', ')})`);
  });

  test('recorded histories replay with the current workflow code', async () => {
    const files = await recordedHistoryFiles();
    assert.ok(files.length >= 3, 'histories recorded');
    for (const file of files) await replay(await readHistory(file), file);
  });
});

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function waitForProgress(mailingId: number, check: (p: Awaited<ReturnType<typeof queryMailingProgress>>) => boolean) {
  let last: Awaited<ReturnType<typeof queryMailingProgress>> | undefined;
  await waitFor(async () => {
    last = await queryMailingProgress(env.client, mailingId);
    return check(last);
  });
  return last!;
}
