import assert from 'node:assert/strict';
import { test } from 'node:test';
import { durationParts, scheduleLabel } from '../../console/src/mailings/recurrence-schedule';
import { en } from '../../console/src/i18n/en';
import { ru } from '../../console/src/i18n/ru';

test('a recurrence’s schedule reads as the daily form when given so, as its cron otherwise', () => {
  assert.deepEqual(scheduleLabel({ cron: '0 9 * * *', timezone: 'Europe/Berlin', every_day_at: '09:00', days: 5 }), {
    key: 'recurrences.schedule.daily',
    values: { at: '09:00', count: 5, timezone: 'Europe/Berlin' },
  });
  assert.deepEqual(scheduleLabel({ cron: '30 6 * * 1-5', timezone: 'UTC', every_day_at: null, days: null }), {
    key: 'recurrences.schedule.cron',
    values: { cron: '30 6 * * 1-5', timezone: 'UTC' },
  });
});

test('durations split into hours and minutes; both dictionaries name every plural form', () => {
  assert.deepEqual(durationParts(90), { hours: 1, minutes: 30 });
  assert.deepEqual(durationParts(10_080), { hours: 168, minutes: 0 });
  for (const dictionary of [en, ru]) {
    assert.deepEqual(Object.keys(dictionary.recurrences.schedule).sort(), ['cron', 'daily_few', 'daily_many', 'daily_one', 'daily_other']);
  }
});
