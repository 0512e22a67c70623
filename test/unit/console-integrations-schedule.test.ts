import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CronSyntaxError, draftFromSchedule, intervalSeconds, nextCronRuns, nextIntervalRuns, parseCron, previewRuns, scheduleFromDraft, splitInterval } from '../../console/src/integrations/schedule';

const iso = (dates: Date[] | null) => dates?.map((d) => d.toISOString()) ?? null;

describe('integration schedule editor', () => {
  test('intervals in the largest whole unit, and back to seconds', () => {
    assert.deepEqual(splitInterval(7_200), { amount: 2, unit: 'hours' });
    assert.deepEqual(splitInterval(86_400 * 3), { amount: 3, unit: 'days' });
    assert.deepEqual(splitInterval(90), { amount: 90, unit: 'seconds' });
    assert.deepEqual(splitInterval(600), { amount: 10, unit: 'minutes' });
    assert.equal(intervalSeconds('15', 'minutes'), 900);
    assert.equal(intervalSeconds('1.5', 'hours'), 5_400);
    assert.ok(Number.isNaN(intervalSeconds('', 'hours')));
    assert.ok(Number.isNaN(intervalSeconds('soon', 'hours')));
  });

  test('interval runs are whole multiples of the period since the epoch, as Temporal fires them', () => {
    assert.deepEqual(iso(nextIntervalRuns(3_600, new Date('2026-12-03T11:05:00Z'), 3)), ['2026-12-03T12:00:00.000Z', '2026-12-03T13:00:00.000Z', '2026-12-03T14:00:00.000Z']);
    assert.deepEqual(iso(nextIntervalRuns(3_600, new Date('2026-12-03T12:00:00Z'), 1)), ['2026-12-03T13:00:00.000Z'], 'strictly after now');
    assert.deepEqual(nextIntervalRuns(Number.NaN, new Date(), 3), []);
  });

  test('cron fields: numbers, names, ranges, steps, lists; errors name the field', () => {
    const cron = parseCron('*/15 9-17 * JAN-mar mon-fri');
    assert.deepEqual(cron.minutes, [0, 15, 30, 45]);
    assert.deepEqual(cron.hours, [9, 10, 11, 12, 13, 14, 15, 16, 17]);
    assert.deepEqual([...cron.months].sort(), [1, 2, 3]);
    assert.deepEqual([...cron.weekdays].sort(), [1, 2, 3, 4, 5]);
    assert.deepEqual([...parseCron('0 0 * * 7').weekdays], [0], '7 is Sunday');
    assert.deepEqual(parseCron('5/20 0 * * *').minutes, [5, 25, 45]);
    assert.throws(() => parseCron('0 24 * * *'), (err: unknown) => err instanceof CronSyntaxError && err.field === 1);
    assert.throws(() => parseCron('0 * * *'), CronSyntaxError);
    assert.throws(() => parseCron('0 5-1 * * *'), CronSyntaxError);
  });

  test('cron runs in the schedule’s zone, day of month AND day of week (Temporal does not OR them)', () => {
    const now = new Date('2026-12-03T11:05:00Z'); // a Thursday
    assert.deepEqual(iso(nextCronRuns('0 9 * * *', 'Europe/Moscow', now, 2)), ['2026-12-04T06:00:00.000Z', '2026-12-05T06:00:00.000Z']);
    assert.deepEqual(iso(nextCronRuns('30 */6 * * *', 'UTC', now, 3)), ['2026-12-03T12:30:00.000Z', '2026-12-03T18:30:00.000Z', '2026-12-04T00:30:00.000Z']);
    // The 13th that is a Friday: next is August 2027.
    assert.deepEqual(iso(nextCronRuns('0 0 13 * fri', 'UTC', now, 1)), ['2027-08-13T00:00:00.000Z']);
    // New York leaves DST on 2026-11-01: 09:00 local is 13:00Z before, 14:00Z after.
    assert.deepEqual(iso(nextCronRuns('0 9 * * *', 'America/New_York', new Date('2026-10-31T00:00:00Z'), 2)), ['2026-10-31T13:00:00.000Z', '2026-11-01T14:00:00.000Z']);
    assert.deepEqual(nextCronRuns('0 0 31 2 *', 'UTC', now, 1), [], 'never matches');
    assert.equal(nextCronRuns('every day', 'UTC', now), null);
    assert.deepEqual(iso(previewRuns({ kind: 'cron', cron: '0 0 1 1 *', timezone: 'UTC' }, now, 1)), ['2027-01-01T00:00:00.000Z']);
    assert.deepEqual(iso(previewRuns({ kind: 'interval', every_seconds: 86_400 }, now, 1)), ['2026-12-04T00:00:00.000Z']);
  });

  test('the editor’s draft from a saved schedule and back', () => {
    assert.deepEqual(draftFromSchedule(undefined, 'Europe/Moscow'), { kind: 'interval', amount: '1', unit: 'hours', cron: '0 */6 * * *', timezone: 'Europe/Moscow' });
    const interval = draftFromSchedule({ kind: 'interval', every_seconds: 1_800 }, 'UTC');
    assert.deepEqual([interval.amount, interval.unit], ['30', 'minutes']);
    assert.deepEqual(scheduleFromDraft(interval), { kind: 'interval', every_seconds: 1_800 });
    assert.deepEqual(scheduleFromDraft({ ...interval, amount: 'soon' }), { kind: 'interval', every_seconds: 0 }, 'the API names the field');
    const cron = draftFromSchedule({ kind: 'cron', cron: '0 9 * * 1-5' }, 'Asia/Tokyo');
    assert.deepEqual(scheduleFromDraft({ ...cron, cron: ' 0 9 * * 1-5 ' }), { kind: 'cron', cron: '0 9 * * 1-5', timezone: 'UTC' }, 'a saved cron without a zone is UTC');
  });
});
