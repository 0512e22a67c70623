import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { localDateOf, localDayRange, reportDateFor } from '../../lib/reports/report-day';
import { ensureDailyReportSchedule } from '../../lib/temporal/report-workflows';
import { DAILY_REPORT_SCHEDULE_ID, SCHEDULED_DAILY_REPORT_WORKFLOW_TYPE, type ScheduledReportResult } from '../../workflows/report.contract';
import { seedMailing, seedSyncRuns } from '../support/report-seed';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink';
import { startStack, waitFor, type Stack } from '../support/stack';

// The daily report end to end: the worker's Schedule on a real Temporal dev server, the API's recipient list and
// "send now", real PostgreSQL, and a real SMTP server in this process.

const ZONE = 'America/New_York';
let s: Stack;
let sink: SmtpSink;
const keys = { viewer: '', operator: '' };

before(async () => {
  sink = await startSmtpSink();
  s = await startStack({ config: { REPORT_CRON: '15 6 * * *', REPORT_TIMEZONE: ZONE, SMTP_URL: sink.url, REPORT_FROM: 'reports@relay.example.com' } });
  keys.viewer = (await s.http('POST', '/api/v1/api-keys', { name: 'report viewer', role: 'viewer' })).body.key;
  keys.operator = (await s.http('POST', '/api/v1/api-keys', { name: 'report operator', role: 'operator' })).body.key;
});
after(async () => {
  await s?.close();
  await sink?.close();
});

const schedule = () => s.env.client.schedule.getHandle(DAILY_REPORT_SCHEDULE_ID);
const wallTime = (d: Date) => new Intl.DateTimeFormat('en-GB', { timeZone: ZONE, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(d);

test('the worker creates the Schedule at boot: REPORT_CRON in REPORT_TIMEZONE, starting the report workflow', async () => {
  const described = await schedule().describe();
  assert.equal(described.spec.timezone, ZONE);
  assert.ok(described.spec.calendars && described.spec.calendars.length > 0, 'the cron became a calendar spec');
  assert.equal(described.action.type, 'startWorkflow');
  assert.equal(described.action.type === 'startWorkflow' && described.action.workflowType, SCHEDULED_DAILY_REPORT_WORKFLOW_TYPE);
  assert.equal(described.action.type === 'startWorkflow' && described.action.taskQueue, s.config.TEMPORAL_TASK_QUEUE);
  assert.deepEqual(described.action.type === 'startWorkflow' && described.action.args, [{ timezone: ZONE, searchAttributes: true }]);
  assert.ok(described.info.nextActionTimes.length > 0);
  for (const next of described.info.nextActionTimes) assert.equal(wallTime(next), '06:15', `${next.toISOString()} is 06:15 in New York`);

  // Booting again with other settings brings the same Schedule in line.
  await ensureDailyReportSchedule(s.env.client, { taskQueue: s.config.TEMPORAL_TASK_QUEUE, searchAttributes: true, cron: '30 5 * * *', timezone: 'Europe/Moscow' });
  const changed = await schedule().describe();
  assert.equal(changed.spec.timezone, 'Europe/Moscow');
  for (const next of changed.info.nextActionTimes) assert.equal(`${next.getUTCHours()}:${next.getUTCMinutes()}`, '2:30', 'Moscow 05:30 is 02:30Z');
  await ensureDailyReportSchedule(s.env.client, { taskQueue: s.config.TEMPORAL_TASK_QUEUE, searchAttributes: true, cron: '15 6 * * *', timezone: ZONE });
});

test('recipients: validated, unique, and only an admin changes the list', async () => {
  const post = (body: unknown, key?: string) => s.http('POST', '/api/v1/report-recipients', body, key);
  const invalid: [unknown, string][] = [
    [{ email: 'not-an-address' }, 'body.email'],
    [{ email: 'ops\u0000@example.com' }, 'body.email'],
    [{ email: `${'a'.repeat(250)}@example.com` }, 'body.email'],
    [{ email: 'ops@example.com', name: 'two\nlines' }, 'body.name'],
    [{ email: 'ops@example.com', name: 'x'.repeat(101) }, 'body.name'],
    [{ email: 'ops@example.com', colour: 'blue' }, 'body.colour'],
    [{}, 'body.email'],
  ];
  for (const [body, path] of invalid) {
    const r = await post(body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(r.contentType, 'application/problem+json; charset=utf-8');
    assert.ok(r.body.errors.some((e: { path: string }) => e.path === path), `${JSON.stringify(body)}: ${JSON.stringify(r.body.errors)}`);
  }
  assert.equal((await post({ email: 'ops@example.com' }, keys.operator)).status, 403, 'an operator cannot add');
  const ops = await post({ email: 'Ops@Example.com', name: 'Ops Team' });
  assert.equal(ops.status, 201, JSON.stringify(ops.body));
  assert.deepEqual({ email: ops.body.email, name: ops.body.name }, { email: 'Ops@Example.com', name: 'Ops Team' });
  const dup = await post({ email: 'ops@example.COM' });
  assert.equal(dup.status, 409);
  assert.equal(dup.body.errors[0].path, 'body.email');
  const temp = await post({ email: 'temp@example.org' });
  const cfo = await post({ email: 'cfo@example.org' });
  assert.equal(cfo.status, 201);

  const list = await s.http('GET', '/api/v1/report-recipients', undefined, keys.viewer);
  assert.equal(list.status, 200, 'a viewer reads the list');
  assert.deepEqual(list.body.items.map((r: { email: string }) => r.email), ['Ops@Example.com', 'temp@example.org', 'cfo@example.org']);
  assert.equal((await s.http('DELETE', `/api/v1/report-recipients/${temp.body.id}`, undefined, keys.viewer)).status, 403);
  assert.equal((await s.http('DELETE', `/api/v1/report-recipients/${temp.body.id}`, undefined, keys.operator)).status, 403);
  assert.equal((await s.http('DELETE', `/api/v1/report-recipients/${temp.body.id}`)).status, 204);
  assert.equal((await s.http('DELETE', `/api/v1/report-recipients/${temp.body.id}`)).status, 404);
  assert.equal((await s.http('DELETE', '/api/v1/report-recipients/abc')).status, 400);
  assert.equal((await s.http('GET', '/api/v1/report-recipients')).body.items.length, 2);
});

test('send now: a past day goes once, to exactly the list; its figures read back as JSON', async () => {
  for (const date of ['2026-02-30', '2026/01/01', '26-01-01', '']) {
    const r = await s.http('POST', '/api/v1/reports/daily/send', { date });
    assert.equal(r.status, 400, date);
    assert.equal(r.body.errors[0].path, 'body.date');
  }
  assert.equal((await s.http('POST', '/api/v1/reports/daily/send', { date: '2026-01-01' }, keys.viewer)).status, 403);
  const today = await s.http('POST', '/api/v1/reports/daily/send', { date: localDateOf(Date.now(), ZONE) });
  assert.equal(today.status, 409, 'a day still going is not sent');

  const date = '2026-06-15';
  const noon = new Date(localDayRange(date, ZONE).from.getTime() + 12 * 3_600_000);
  const mailingId = await seedMailing(s.tdb.db, noon, { text: 'Summer sale', sent: 6, failed: { 'number blocked': 2 } });
  await seedSyncRuns(s.tdb.db, noon, 'CRM import', [{ status: 'succeeded', fetched: 40, inserted: 30, updated: 10 }]);
  const started = await s.http('POST', '/api/v1/reports/daily/send', { date }, keys.operator);
  assert.equal(started.status, 202, JSON.stringify(started.body));
  assert.deepEqual(started.body, { date, workflow_id: `daily-report-${date}` });
  const result = await s.env.client.workflow.getHandle(started.body.workflow_id).result();
  assert.equal(result.status, 'sent');
  const [mail] = await sink.waitFor(1);
  // Exactly the API-managed list (nodemailer writes domains in lower case, as DNS compares them).
  assert.deepEqual(mail.to.map((a) => a.toLowerCase()).sort(), ['cfo@example.org', 'ops@example.com'], 'exactly the API-managed list');
  assert.ok(mail.parsed.subject?.includes(date));
  assert.ok(mail.parsed.text?.includes(`#${mailingId} "Summer sale" (completed): 6 sent, 2 failed`));
  assert.ok(mail.parsed.text?.includes('Records: 40 fetched, 30 inserted, 10 updated'));

  const again = await s.http('POST', '/api/v1/reports/daily/send', { date }, keys.operator);
  assert.equal(again.status, 409);
  assert.match(again.body.detail, /was sent at/);

  const figures = await s.http('GET', `/api/v1/reports/daily?date=${date}`, undefined, keys.viewer);
  assert.equal(figures.status, 200, JSON.stringify(figures.body));
  assert.equal(figures.body.timezone, ZONE);
  assert.equal(figures.body.quiet, false);
  assert.deepEqual(figures.body.mailings.items.map((m: { mailing_id: number; counts: unknown }) => [m.mailing_id, m.counts]), [
    [mailingId, { sent: 6, failed: 2, unknown: 0, expired: 0, cancelled: 0 }],
  ]);
  assert.deepEqual(figures.body.mailings.items[0].failure_reasons, [{ status: 'failed', reason: 'number blocked', count: 2 }]);
  assert.equal(figures.body.syncs.totals.inserted, 30);
  assert.equal(figures.body.sent.message_id, result.messageId);
  assert.deepEqual(figures.body.sent.recipients.sort(), ['Ops@Example.com', 'cfo@example.org']);
  assert.equal((await s.http('GET', '/api/v1/reports/daily?date=2026-13-01')).status, 400);
});

test('a Schedule run reports the day before in the zone', async () => {
  const before = sink.received.length;
  // The day the run will report (and the next, should the clock pass midnight in New York meanwhile).
  const dates = [...new Set([reportDateFor(Date.now(), ZONE), reportDateFor(Date.now() + 120_000, ZONE)])];
  for (const date of dates) {
    await seedSyncRuns(s.tdb.db, new Date(localDayRange(date, ZONE).from.getTime() + 12 * 3_600_000), `nightly ${date}`, [{ status: 'failed', fetched: 0, inserted: 0, updated: 0 }]);
  }
  await schedule().trigger();
  await waitFor(async () => (await schedule().describe()).info.recentActions.length > 0, 30_000, 'the scheduled action');
  const actions = (await schedule().describe()).info.recentActions;
  const run: ScheduledReportResult = await s.env.client.workflow.getHandle(actions[actions.length - 1].action.workflow.workflowId).result();
  assert.ok(dates.includes(run.date), `${run.date} in ${dates.join(', ')}`);
  assert.equal(run.outcome, 'started');
  assert.equal(run.workflowId, `daily-report-${run.date}`);
  assert.equal(run.result?.status, 'sent');
  const mails = await sink.waitFor(before + 1);
  assert.ok(mails[mails.length - 1].parsed.subject?.includes(run.date));
});
