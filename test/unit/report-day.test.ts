import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../lib/config';
import { dailyReportMessageId, senderDomain } from '../../lib/reports/compose-report';
import { classifySendError, MailSendError, SmtpRejectedError } from '../../lib/reports/mailer';
import { addDays, isReportDate, localDateOf, localDayRange, reportDateFor } from '../../lib/reports/report-day';
import { REPORT_DATE_PATTERN } from '../../api/schemas/report.schemas';

const range = (date: string, tz: string) => {
  const r = localDayRange(date, tz);
  return { from: r.from.toISOString(), to: r.to.toISOString(), hours: (r.to.getTime() - r.from.getTime()) / 3_600_000 };
};

test('a report day spans its local midnights, 23 or 25 hours across DST', () => {
  assert.deepEqual(range('2026-12-03', 'UTC'), { from: '2026-12-03T00:00:00.000Z', to: '2026-12-04T00:00:00.000Z', hours: 24 });
  assert.deepEqual(range('2026-12-03', 'Europe/Moscow'), { from: '2026-12-02T21:00:00.000Z', to: '2026-12-03T21:00:00.000Z', hours: 24 });
  assert.deepEqual(range('2026-12-03', 'Asia/Kolkata'), { from: '2026-12-02T18:30:00.000Z', to: '2026-12-03T18:30:00.000Z', hours: 24 });
  assert.deepEqual(range('2026-03-08', 'America/New_York'), { from: '2026-03-08T05:00:00.000Z', to: '2026-03-09T04:00:00.000Z', hours: 23 });
  assert.deepEqual(range('2026-11-01', 'America/New_York'), { from: '2026-11-01T04:00:00.000Z', to: '2026-11-02T05:00:00.000Z', hours: 25 });
  assert.deepEqual(range('2026-03-29', 'Europe/Berlin'), { from: '2026-03-28T23:00:00.000Z', to: '2026-03-29T22:00:00.000Z', hours: 23 });
  assert.deepEqual(range('2026-10-25', 'Europe/Berlin'), { from: '2026-10-24T22:00:00.000Z', to: '2026-10-25T23:00:00.000Z', hours: 25 });
  // Midnight skipped (Brazil's DST began at 00:00): the day starts when the clocks jump, at 01:00 local.
  assert.deepEqual(range('2018-11-04', 'America/Sao_Paulo'), { from: '2018-11-04T03:00:00.000Z', to: '2018-11-05T02:00:00.000Z', hours: 23 });
  // Midnight twice (DST ended at 00:00, back to 23:00): the day before gets the extra hour.
  assert.deepEqual(range('2019-02-16', 'America/Sao_Paulo'), { from: '2019-02-16T02:00:00.000Z', to: '2019-02-17T03:00:00.000Z', hours: 25 });
});

test('the Schedule’s fire time reports the day before, in the report’s zone', () => {
  // 05:30 in Moscow on 4 December is 02:30Z: the report covers 3 December (Moscow).
  assert.equal(reportDateFor(Date.parse('2026-12-04T02:30:00Z'), 'Europe/Moscow'), '2026-12-03');
  // 05:30 in New York the morning after the spring-forward day (EDT, 09:30Z) and after the fall-back day (EST, 10:30Z).
  assert.equal(reportDateFor(Date.parse('2026-03-09T09:30:00Z'), 'America/New_York'), '2026-03-08');
  assert.equal(reportDateFor(Date.parse('2026-11-02T10:30:00Z'), 'America/New_York'), '2026-11-01');
  // A fire at local midnight reports the day that just ended; a catch-up delay does not change the day.
  assert.equal(reportDateFor(Date.parse('2026-12-03T21:00:00Z'), 'Europe/Moscow'), '2026-12-03');
  assert.equal(reportDateFor(Date.parse('2026-01-01T05:30:00Z'), 'UTC'), '2025-12-31');
  assert.equal(localDateOf(Date.parse('2026-12-03T23:59:59.999Z'), 'UTC'), '2026-12-03');
  assert.equal(addDays('2028-02-28', 1), '2028-02-29');
  assert.equal(addDays('2026-03-01', -1), '2026-02-28');
});

test('the API’s date pattern accepts exactly the calendar dates the report takes', () => {
  const pattern = new RegExp(REPORT_DATE_PATTERN);
  for (let ms = Date.UTC(1969, 11, 25); ms < Date.UTC(2200, 0, 5); ms += 86_400_000) {
    const date = new Date(ms).toISOString().slice(0, 10);
    assert.equal(pattern.test(date), isReportDate(date), date);
  }
  for (const bad of ['2026-02-29', '2100-02-29', '2026-13-01', '2026-04-31', '2026-1-01', '1969-12-31', '2200-01-01', ' 2026-01-01']) {
    assert.equal(pattern.test(bad), false, bad);
    assert.equal(isReportDate(bad), false, bad);
  }
  for (const good of ['2000-02-29', '2028-02-29', '2196-02-29', '1970-01-01', '2199-12-31']) assert.equal(pattern.test(good), true, good);
});

test('REPORT_* settings: defaults, and a bad value names its variable', () => {
  const c = loadConfig({});
  assert.deepEqual([c.REPORT_CRON, c.REPORT_TIMEZONE, c.REPORT_SEND_EMPTY, c.SMTP_URL, c.REPORT_TOP_REASONS], ['30 5 * * *', 'UTC', false, undefined, 5]);
  for (const [variable, value] of [
    ['REPORT_CRON', '99 5 * * *'], ['REPORT_CRON', '@daily'], ['REPORT_TIMEZONE', 'Mars/Olympus'], ['REPORT_FROM', 'not an address'],
    ['SMTP_URL', 'http://mail.example.com'], ['REPORT_SEND_EMPTY', 'yes'], ['REPORT_TOP_REASONS', '0'],
  ]) {
    assert.throws(() => loadConfig({ [variable]: value }), (err: Error) => err.message.includes(variable), `${variable}=${value}`);
  }
  assert.equal(loadConfig({ REPORT_FROM: 'ops@example.com' }).REPORT_FROM, 'ops@example.com');
});

test('the Message-ID derives from the date and the sender’s domain', () => {
  assert.equal(senderDomain('Relay <relay@Example.COM>'), 'example.com');
  assert.equal(dailyReportMessageId('2026-12-03', 'ops@mail.example.org'), '<relay-daily-report-2026-12-03@mail.example.org>');
});

test('SMTP failures: a 5xx (but 503) is permanent, the rest is retried', () => {
  assert.ok(classifySendError(Object.assign(new Error('no such user'), { responseCode: 550, code: 'EENVELOPE' })) instanceof SmtpRejectedError);
  assert.ok(classifySendError(Object.assign(new Error('bad sequence'), { responseCode: 503, code: 'EPROTOCOL' })) instanceof MailSendError);
  assert.ok(classifySendError(Object.assign(new Error('try later'), { responseCode: 421, code: 'EMESSAGE' })) instanceof MailSendError);
  assert.ok(classifySendError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ESOCKET' })) instanceof MailSendError);
});
