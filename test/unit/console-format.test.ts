import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatDateTime, formatDuration, formatShare, formatUtc, isoToLocalInput, localClock, localInputToIso, utcOffset } from '../../console/src/lib/format';
import { initialLanguage } from '../../console/src/lib/language';

describe('console formatting', () => {
  test('times in a given zone, with the UTC value for the tooltip', () => {
    const iso = '2026-12-03T11:05:07.000Z';
    assert.equal(formatUtc(iso), '2026-12-03 11:05:07 UTC');
    assert.match(formatDateTime(iso, 'en-GB', 'Europe/Moscow'), /3 Dec 2026, 14:05/);
    assert.match(formatDateTime(iso, 'ru', 'Asia/Vladivostok'), /21:05/);
    assert.equal(formatDateTime(null, 'en'), '');
    assert.equal(formatUtc('not a date'), 'not a date');
  });

  test('a client’s local clock and offset, across DST', () => {
    assert.equal(localClock(new Date('2026-12-03T11:05:00Z'), 'Europe/Moscow'), '14:05');
    assert.equal(localClock(new Date('2026-12-03T23:30:00Z'), 'Asia/Tokyo'), '08:30');
    assert.equal(utcOffset(new Date('2026-07-01T12:00:00Z'), 'America/New_York'), '-04:00');
    assert.equal(utcOffset(new Date('2026-12-01T12:00:00Z'), 'America/New_York'), '-05:00');
    assert.equal(utcOffset(new Date('2026-12-01T12:00:00Z'), 'Asia/Kolkata'), '+05:30');
    assert.equal(utcOffset(new Date('2026-12-01T12:00:00Z'), 'UTC'), '+00:00');
  });

  test('datetime-local values read in a zone and back, also on DST change days', () => {
    assert.equal(localInputToIso('2026-12-03T14:05', 'Europe/Moscow'), '2026-12-03T11:05:00.000Z');
    assert.equal(isoToLocalInput('2026-12-03T11:05:00.000Z', 'Europe/Moscow'), '2026-12-03T14:05');
    // New York leaves DST on 2026-11-01: 12:00 local is 17:00Z that day, 16:00Z the day before.
    assert.equal(localInputToIso('2026-11-01T12:00', 'America/New_York'), '2026-11-01T17:00:00.000Z');
    assert.equal(localInputToIso('2026-10-31T12:00', 'America/New_York'), '2026-10-31T16:00:00.000Z');
    assert.equal(localInputToIso('', 'UTC'), null);
    assert.equal(localInputToIso('2026-13-01T00:00x', 'UTC'), null);
    for (const iso of ['2026-03-29T00:30:00.000Z', '2026-06-15T08:00:00.000Z']) {
      assert.equal(localInputToIso(isoToLocalInput(iso, 'Europe/Berlin'), 'Europe/Berlin'), iso, `round trip ${iso}`);
    }
  });

  test('numbers, shares and durations', () => {
    assert.equal(formatShare(0.9734, 'en'), '97.3%');
    assert.equal(formatDuration(87, 'en'), '87 ms');
    assert.equal(formatDuration(1234, 'en'), '1.2 sec');
    assert.equal(formatDuration(1234, 'ru'), '1,2 с');
    assert.equal(formatDuration(87, 'ru'), '87 мс');
    assert.equal(formatDuration(90_000, 'en'), '1.5 min');
    assert.equal(formatDuration(null, 'en'), '');
  });

  test('the language: saved choice, else the browser’s, else English', () => {
    assert.equal(initialLanguage('ru', ['en-US']), 'ru');
    assert.equal(initialLanguage(null, ['de-DE', 'ru-RU']), 'ru');
    assert.equal(initialLanguage('fr', ['fr-FR']), 'en');
    assert.equal(initialLanguage(null, []), 'en');
  });
});
