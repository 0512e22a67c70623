import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure, RetryState } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { simpleParser } from 'mailparser';
import type { Config } from '../../lib/config';
import { findDailyReport } from '../../lib/db/daily-report.repository';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { activityAttempts, dayOf, startReport, startReportWorker } from '../support/report-env';
import { seedSyncRuns, setRecipients } from '../support/report-seed';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink';
import { timeSkippingEnv } from '../support/temporal';

// How the daily report goes out when SMTP fails (time-skipping server, real PostgreSQL, a real SMTP server in this
// process): a 5xx ends the workflow failed without retrying; a 4xx or a refused connection is retried by the activity
// policy; without SMTP_URL the message is written to the outbox as an .eml file.

type Worker = { config: Config; close(): Promise<void> };
let env: TestWorkflowEnvironment;
let tdb: TestDatabase;
let sink: SmtpSink;
let outbox: string;
const workers: Record<'smtp' | 'refused' | 'outbox', Worker> = {} as never;

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Some activity on the day, so it is not quiet. */
const busyDay = (date: string) => seedSyncRuns(tdb.db, dayOf(date).noon, `sync of ${date}`, [{ status: 'succeeded', fetched: 1, inserted: 1, updated: 0 }]);

before(async () => {
  [env, tdb, sink] = await Promise.all([timeSkippingEnv(), createTestDatabase(), startSmtpSink()]);
  outbox = await fs.mkdtemp(path.join(os.tmpdir(), 'relay-outbox-'));
  workers.smtp = await startReportWorker(env, tdb.db, { SMTP_URL: sink.url });
  workers.refused = await startReportWorker(env, tdb.db, { SMTP_URL: `smtp://127.0.0.1:${await closedPort()}` });
  // The embedded default: no SMTP_URL. It sends quiet days too.
  workers.outbox = await startReportWorker(env, tdb.db, { REPORT_OUTBOX_DIR: outbox, REPORT_SEND_EMPTY: 'true' });
  await setRecipients(tdb.db, [{ email: 'ops@example.com', name: 'Ops' }]);
});

after(async () => {
  for (const w of Object.values(workers)) await w?.close();
  await env?.teardown();
  await sink?.close();
  await tdb?.drop();
  if (outbox) await fs.rm(outbox, { recursive: true, force: true });
});

test('an SMTP 550 fails the workflow at once (non-retryable); after the fix the day can be sent', async () => {
  const date = '2026-10-01';
  await busyDay(date);
  sink.failNext(550);
  const handle = await startReport(env, workers.smtp.config, date);
  const err: unknown = await handle.result().then(() => null, (e: unknown) => e);
  assert.ok(err instanceof WorkflowFailedError, String(err));
  assert.ok(err.cause instanceof ActivityFailure, String(err.cause));
  assert.equal(err.cause.retryState, RetryState.NON_RETRYABLE_FAILURE);
  assert.ok(err.cause.cause instanceof ApplicationFailure);
  assert.equal(err.cause.cause.type, 'SmtpRejectedError');
  assert.match(err.cause.cause.message, /550/);
  assert.deepEqual(await activityAttempts(handle), [1], 'one attempt, no retry');
  assert.equal(sink.refused(), 1);
  assert.equal(sink.received.length, 0);
  const stored = await findDailyReport(tdb.db, date);
  assert.equal(stored?.sentAt, null);
  assert.equal(stored?.claimedBy, null, 'the claim was given back');

  // The server accepts again: the same day's workflow may run again (it failed), and sends.
  const retried = await (await startReport(env, workers.smtp.config, date)).result();
  assert.equal(retried.status, 'sent');
  assert.equal((await sink.waitFor(1))[0].parsed.subject?.includes(date), true);
});

test('an SMTP 421 is retried by the activity policy until the server takes the message, which arrives once', async () => {
  const date = '2026-10-02';
  await busyDay(date);
  const before = sink.received.length;
  sink.failNext(421, 2);
  const handle = await startReport(env, workers.smtp.config, date);
  const result = await handle.result();
  assert.equal(result.status, 'sent');
  assert.deepEqual(await activityAttempts(handle), [3], 'two refusals, sent by the third attempt');
  assert.equal(sink.received.length, before + 1);
  assert.equal(sink.received.filter((m) => m.parsed.subject?.includes(date)).length, 1);
  assert.ok((await findDailyReport(tdb.db, date))?.sentAt);
});

test('a refused connection is retried (visible on the pending activity), never given up after one try', async () => {
  const date = '2026-10-03';
  await busyDay(date);
  const handle = await startReport(env, workers.refused.config, date);
  let pending: { attempt?: number | null; lastFailure?: { message?: string | null } | null } | undefined;
  for (let i = 0; i < 60; i++) {
    await env.sleep('2 minutes'); // skips the back-off on the time-skipping server
    pending = (await handle.describe()).raw.pendingActivities?.[0];
    if ((pending?.attempt ?? 0) >= 3) break;
  }
  assert.ok((pending?.attempt ?? 0) >= 3, `attempts: ${pending?.attempt}`);
  assert.match(pending?.lastFailure?.message ?? '', /ECONNREFUSED|connect|ESOCKET/i);
  assert.equal((await handle.describe()).status.name, 'RUNNING', 'still trying');
  await handle.terminate('test over');
  assert.equal((await findDailyReport(tdb.db, date))?.sentAt ?? null, null);
});

test('without SMTP_URL the report is written to the outbox as an .eml file any mail client opens', async () => {
  const date = '2026-10-04'; // quiet: sent because this worker has REPORT_SEND_EMPTY=true
  const result = await (await startReport(env, workers.outbox.config, date)).result();
  assert.equal(result.status, 'sent');
  const file = path.join(outbox, `${date}-daily-report.eml`);
  assert.equal(result.deliveredTo, `file:${file}`);
  assert.deepEqual(await fs.readdir(outbox), [`${date}-daily-report.eml`], 'only the finished file, no temporary one');
  const parsed = await simpleParser(await fs.readFile(file));
  assert.ok(parsed.subject?.includes(date));
  assert.equal(parsed.messageId, `<relay-daily-report-${date}@relay.example.com>`);
  assert.ok(parsed.text?.includes('MAILINGS: 0 active'));
  assert.equal(parsed.attachments[0]?.content.toString().split('\r\n')[0], 'date,mailing_id,mailing_status,text,sent,failed,unknown,expired,cancelled,total,failure_reasons');
  assert.equal((await findDailyReport(tdb.db, date))?.deliveredTo, `file:${file}`);
});

test('with nobody on the list nothing is sent and the day stays unsent', async () => {
  const date = '2026-10-05';
  await setRecipients(tdb.db, []);
  try {
    const result = await (await startReport(env, workers.outbox.config, date)).result();
    assert.equal(result.status, 'no-recipients');
    assert.equal((await fs.readdir(outbox)).includes(`${date}-daily-report.eml`), false);
    assert.equal(await findDailyReport(tdb.db, date), null);
  } finally {
    await setRecipients(tdb.db, [{ email: 'ops@example.com', name: 'Ops' }]);
  }
});
