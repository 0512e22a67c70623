import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cronProblem, dailyCron, fireTimes, nextFireTimes, normalizeCron, scheduleEnd, type RecurrenceTiming } from '../../lib/mailings/recurrence-timing';

const iso = (dates: Date[]) => dates.map((d) => d.toISOString());
const timing = (t: Partial<RecurrenceTiming>): RecurrenceTiming => ({
  cron: '0 9 * * *',
  timezone: 'UTC',
  every_day_at: null,
  days: null,
  starts_at: null,
  ends_at: null,
  ...t,
});

describe('recurrence timing', () => {
  test('daily 09:00 Europe/Berlin across the spring DST change: 08:00Z before 2027-03-28, 07:00Z from then on', () => {
    const runs = fireTimes('0 9 * * *', 'Europe/Berlin', new Date('2027-03-26T00:00:00Z'), 4);
    assert.deepEqual(iso(runs), ['2027-03-26T08:00:00.000Z', '2027-03-27T08:00:00.000Z', '2027-03-28T07:00:00.000Z', '2027-03-29T07:00:00.000Z']);
    // And back in the autumn (2027-10-31): 07:00Z in summer time, 08:00Z after.
    const autumn = fireTimes('0 9 * * *', 'Europe/Berlin', new Date('2027-10-30T00:00:00Z'), 2);
    assert.deepEqual(iso(autumn), ['2027-10-30T07:00:00.000Z', '2027-10-31T08:00:00.000Z']);
  });

  test('a start equal to a fire time includes it; one a moment later does not', () => {
    assert.equal(fireTimes('0 9 * * *', 'UTC', new Date('2027-01-01T09:00:00Z'), 1)[0].toISOString(), '2027-01-01T09:00:00.000Z');
    assert.equal(fireTimes('0 9 * * *', 'UTC', new Date('2027-01-01T09:00:00.500Z'), 1)[0].toISOString(), '2027-01-02T09:00:00.000Z');
  });

  test('every day at HH:MM for N days gives exactly N fire times; the end falls between the N-th and the next', () => {
    const t = timing({ cron: dailyCron('09:30'), timezone: 'Europe/Berlin', every_day_at: '09:30', days: 3, starts_at: new Date('2027-03-26T12:00:00Z') });
    assert.equal(t.cron, '30 9 * * *');
    const end = scheduleEnd(t);
    assert.equal(end?.toISOString(), '2027-03-29T07:31:00.000Z', 'one minute after the third run (27th, 28th, 29th)');
    const runs = nextFireTimes(t, 10, new Date('2027-03-20T00:00:00Z'));
    assert.deepEqual(iso(runs), ['2027-03-27T08:30:00.000Z', '2027-03-28T07:30:00.000Z', '2027-03-29T07:30:00.000Z']);
    // An earlier ends_at wins over N days.
    const cut = timing({ ...t, ends_at: new Date('2027-03-28T12:00:00Z') });
    assert.equal(scheduleEnd(cut)?.toISOString(), '2027-03-28T12:00:00.000Z');
    assert.equal(nextFireTimes(cut, 10, new Date('2027-03-20T00:00:00Z')).length, 2);
  });

  test('a cron recurrence ends at ends_at, starts at starts_at', () => {
    const t = timing({ cron: '0 */6 * * *', starts_at: new Date('2027-01-01T05:00:00Z'), ends_at: new Date('2027-01-02T00:00:00Z') });
    assert.equal(scheduleEnd(t)?.toISOString(), '2027-01-02T00:00:00.000Z');
    assert.deepEqual(iso(nextFireTimes(t, 10, new Date('2026-12-01T00:00:00Z'))), ['2027-01-01T06:00:00.000Z', '2027-01-01T12:00:00.000Z', '2027-01-01T18:00:00.000Z']);
    assert.equal(scheduleEnd(timing({})), null, 'no end at all');
  });

  test('cron validation: 5 plain fields that cron-parser accepts', () => {
    for (const ok of ['0 9 * * *', '*/15 8-18 * * 1-5', '0 0 1 JAN,jul *', '30 6 * * MON-FRI', '  0   9 * * *  ']) assert.equal(cronProblem(ok), null, ok);
    assert.equal(normalizeCron('  0   9 * * *  '), '0 9 * * *');
    const refused: Record<string, RegExp> = {
      '': /got 0/,
      '0 9 * *': /5 fields .*got 4/,
      '0 0 9 * * *': /5 fields .*got 6/,
      '99 * * * *': /not a valid cron expression/,
      '0 25 * * *': /not a valid cron expression/,
      '0 9 L * *': /day of month field/,
      '0 9 * * 1#2': /day of week field/,
      '0 9 ? * *': /day of month field/,
      '@daily': /5 fields/,
      '0 9 1 * 1': /not both/,
      'a b c d e': /minute field/,
    };
    for (const [expression, message] of Object.entries(refused)) assert.match(cronProblem(expression) ?? '', message, expression);
  });
});
