import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { parse } from 'csv-parse/sync';
import type { Config } from '../../lib/config';
import { findDailyReport } from '../../lib/db/daily-report.repository';
import { SCHEDULED_DAILY_REPORT_WORKFLOW_TYPE, type ScheduledReportInput, type ScheduledReportResult } from '../../workflows/report.contract';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { dayOf, REPORT_ZONE, startReport, startReportWorker } from '../support/report-env';
import { seedMailing, seedSyncRuns, seedWebhooks, setRecipients } from '../support/report-seed';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink';
import { timeSkippingEnv } from '../support/temporal';

// The daily report's workflows on the time-skipping server, with real PostgreSQL and a real SMTP server in this
// process: what it sends for a seeded day, figure by figure against the database, and that a day is sent once.

let env: TestWorkflowEnvironment;
let tdb: TestDatabase;
let sink: SmtpSink;
let worker: { config: Config; close(): Promise<void> };

const QUIET = '2026-11-09';
const DAY = '2026-11-10';
const seeded = { a: 0, b: 0, c: 0, url: '' };

before(async () => {
  [env, tdb, sink] = await Promise.all([timeSkippingEnv(), createTestDatabase(), startSmtpSink()]);
  worker = await startReportWorker(env, tdb.db, { SMTP_URL: sink.url });
  const day = dayOf(DAY);
  seeded.a = await seedMailing(tdb.db, day.noon, {
    text: 'Black Friday <preview> & more',
    sent: 5,
    expired: 1,
    failed: { 'provider answered 400: invalid number': 3, 'provider answered 500': 1 },
    unknown: { 'timeout after 5000 ms': 2 },
  });
  // On the day's first instant (in), and on the next day's first instant (out).
  seeded.b = await seedMailing(tdb.db, day.from, { text: 'Reminder', sent: 2, cancelled: 1 });
  seeded.c = await seedMailing(tdb.db, day.to, { text: 'Tomorrow', sent: 4 });
  seeded.url = (await seedWebhooks(tdb.db, day.noon, { succeeded: 3, failed: 1, pending: 1, disable: 'failing for 3 days (test)' })).url;
  await seedSyncRuns(tdb.db, day.noon, 'GitHub issues', [
    { status: 'succeeded', fetched: 10, inserted: 7, updated: 3 },
    { status: 'failed', fetched: 2, inserted: 0, updated: 0 },
  ]);
  await setRecipients(tdb.db, [{ email: 'ops@example.com', name: 'Ops Team' }, { email: 'cfo@example.org' }]);
});

after(async () => {
  await worker?.close();
  await env?.teardown();
  await sink?.close();
  await tdb?.drop();
});

/** Messages of the mailing by status, counted from the messages themselves (what the report must agree with). */
async function countedInDb(mailingId: number): Promise<Record<string, number>> {
  const rows = await tdb.db.selectFrom('messages').select(['status', (eb) => eb.fn.countAll<string>().as('n')]).where('mailing_id', '=', mailingId).groupBy('status').execute();
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

test('a day’s report: subject, recipients, text and HTML figures and the CSV agree with the database', async () => {
  const result = await (await startReport(env, worker.config, DAY)).result();
  assert.equal(result.status, 'sent');
  assert.equal(result.messageId, `<relay-daily-report-${DAY}@relay.example.com>`);
  assert.equal(result.recipients, 2);
  const [mail] = await sink.waitFor(1);
  assert.equal(sink.received.length, 1);
  assert.deepEqual([...mail.to].sort(), ['cfo@example.org', 'ops@example.com'], 'the envelope: exactly the recipient list');
  assert.equal(mail.from, 'reports@relay.example.com');
  const to = Array.isArray(mail.parsed.to) ? mail.parsed.to : [mail.parsed.to];
  assert.deepEqual(to.flatMap((t) => t?.value ?? []).map((a) => `${a.name}|${a.address}`).sort(), ['Ops Team|ops@example.com', '|cfo@example.org']);
  assert.equal(mail.parsed.messageId, result.messageId);
  assert.match(mail.parsed.subject ?? '', new RegExp(`^Relay daily report ${DAY} \\(${REPORT_ZONE}\\): 7 sent, 4 failed`));

  const text = mail.parsed.text ?? '';
  const a = await countedInDb(seeded.a);
  const b = await countedInDb(seeded.b);
  assert.deepEqual(a, { sent: 5, failed: 4, unknown: 2, expired: 1 });
  const totalSent = a.sent + b.sent;
  assert.ok(text.includes(`MAILINGS: 2 active`), text);
  assert.ok(text.includes(`Messages: ${totalSent} sent, ${a.failed} failed, ${a.unknown} unknown, ${a.expired} expired, ${b.cancelled} cancelled (15 in all)`), text);
  assert.ok(text.includes(`#${seeded.a} "Black Friday <preview> & more" (completed): 5 sent, 4 failed, 2 unknown, 1 expired, 0 cancelled`), text);
  assert.ok(text.includes(`#${seeded.b} "Reminder" (completed): 2 sent, 0 failed, 0 unknown, 0 expired, 1 cancelled`), text);
  assert.ok(!text.includes(`#${seeded.c} `), 'the next day’s mailing is not in this day');
  const reasons = text.split('\n').filter((l) => /^ {6}(failed|unknown): /.test(l)).map((l) => l.trim());
  assert.deepEqual(reasons, ['failed: provider answered 400: invalid number (3)', 'unknown: timeout after 5000 ms (2)', 'failed: provider answered 500 (1)'], 'top reasons, most frequent first');
  assert.ok(text.includes("Deliveries of the day's events: 5 (3 succeeded, 1 failed, 1 pending, 0 cancelled)"), text);
  assert.ok(text.includes('Delivery success rate: 75.0%'), text);
  assert.ok(text.includes('Attempts: 4 (3 succeeded, 1 failed), success rate 75.0%'), text);
  assert.ok(text.includes('Endpoints disabled: 1') && text.includes(`${seeded.url}: failing for 3 days (test)`), text);
  assert.ok(text.includes('Runs: 2 (1 succeeded, 1 failed, 0 cancelled, 0 running)'), text);
  assert.ok(text.includes('Records: 12 fetched, 7 inserted, 3 updated'), text);

  const html = String(mail.parsed.html);
  assert.ok(html.includes(`Relay daily report for ${DAY} (${REPORT_ZONE})`));
  assert.ok(html.includes('Black Friday &lt;preview&gt; &amp; more'), 'mailing texts are escaped');
  assert.ok(html.includes(seeded.url) && html.includes('>75.0%<'));
  assert.ok(html.includes(`<td style="text-align:right">${totalSent}</td>`), 'the sent total in its cell');

  assert.equal(mail.parsed.attachments.length, 1);
  const csv = mail.parsed.attachments[0];
  assert.equal(csv.filename, `relay-mailings-${DAY}.csv`);
  assert.equal(csv.contentType, 'text/csv');
  const rows: Record<string, string>[] = parse(csv.content, { columns: true });
  assert.deepEqual(rows.map((r) => Number(r.mailing_id)), [seeded.a, seeded.b], 'busiest first');
  for (const [row, db] of [[rows[0], a], [rows[1], b]] as [Record<string, string>, Record<string, number>][]) {
    for (const s of ['sent', 'failed', 'unknown', 'expired', 'cancelled']) assert.equal(Number(row[s]), db[s] ?? 0, `${row.mailing_id} ${s}`);
    assert.equal(row.date, DAY);
  }
  assert.equal(rows[0].total, '12');
  assert.equal(rows[0].failure_reasons, 'failed: provider answered 400: invalid number (3) | unknown: timeout after 5000 ms (2) | failed: provider answered 500 (1)');

  const stored = await findDailyReport(tdb.db, DAY);
  assert.ok(stored?.sentAt);
  assert.equal(stored.messageId, result.messageId);
  assert.deepEqual(stored.recipients.map((r) => r.address).sort(), ['cfo@example.org', 'ops@example.com']);
});

test('the same day is never sent twice: its workflow again, or the Schedule’s run for it', async () => {
  assert.equal(sink.received.length, 1);
  const again = await (await startReport(env, worker.config, DAY)).result();
  assert.equal(again.status, 'already-sent');
  assert.equal(again.messageId, `<relay-daily-report-${DAY}@relay.example.com>`);
  // 05:30 in Moscow the next morning: the Schedule's run for the same day finds its workflow completed.
  const scheduled: ScheduledReportResult = await env.client.workflow.execute(SCHEDULED_DAILY_REPORT_WORKFLOW_TYPE, {
    workflowId: 'relay-daily-report-run-test-1',
    taskQueue: worker.config.TEMPORAL_TASK_QUEUE,
    args: [{ timezone: REPORT_ZONE, searchAttributes: false, scheduledAt: '2026-11-11T02:30:00Z' } satisfies ScheduledReportInput],
  });
  assert.deepEqual({ ...scheduled }, { date: DAY, workflowId: `daily-report-${DAY}`, outcome: 'exists', result: null });
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(sink.received.length, 1, 'nothing more was sent');
});

test('the Schedule’s run reports the previous day in the zone; a quiet day sends nothing', async () => {
  // 05:30 Moscow on 10 November is 02:30Z: the report of 9 November, on which nothing happened.
  const scheduled: ScheduledReportResult = await env.client.workflow.execute(SCHEDULED_DAILY_REPORT_WORKFLOW_TYPE, {
    workflowId: 'relay-daily-report-run-test-2',
    taskQueue: worker.config.TEMPORAL_TASK_QUEUE,
    args: [{ timezone: REPORT_ZONE, searchAttributes: false, scheduledAt: '2026-11-10T02:30:00Z' } satisfies ScheduledReportInput],
  });
  assert.equal(scheduled.date, QUIET);
  assert.equal(scheduled.outcome, 'started');
  assert.equal(scheduled.result?.status, 'quiet');
  assert.equal(sink.received.length, 1);
  assert.equal(await findDailyReport(tdb.db, QUIET), null, 'a quiet day claims nothing');
  // The next day holds the mailing seeded on its first instant: it is reported there.
  const next = await (await startReport(env, worker.config, '2026-11-11')).result();
  assert.equal(next.status, 'sent');
  const [, mail] = await sink.waitFor(2);
  assert.ok(mail.parsed.text?.includes(`#${seeded.c} "Tomorrow" (completed): 4 sent`), mail.parsed.text);
});
