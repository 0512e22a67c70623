import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { crossesMidnight, formatClock, formatMinutes, isOpenAtClock, parseClock, readSendWindow, windowMinutes, zoneWindowNow } from '../../console/src/mailings/send-window';

describe('send window (each client’s local time)', () => {
  test('HH:MM values from time inputs, seconds dropped, anything else refused', () => {
    assert.equal(parseClock('09:30'), 570);
    assert.equal(parseClock('23:59:30'), 1439);
    assert.equal(parseClock('00:00'), 0);
    for (const bad of ['24:00', '9:30', '', '09:60', '09:30x']) assert.equal(parseClock(bad), null, bad);
    assert.equal(formatClock(570), '09:30');
    assert.equal(formatClock(-30), '23:30');
  });

  test('the form reads off, a full window, or names the side that is wrong', () => {
    assert.deepEqual(readSendWindow(false, '', ''), { window: null });
    assert.deepEqual(readSendWindow(true, '09:00:00', '21:00'), { window: { from: '09:00', to: '21:00' } });
    assert.deepEqual(readSendWindow(true, '', '21:00'), { window: null, problem: 'from' });
    assert.deepEqual(readSendWindow(true, '09:00', 'x'), { window: null, problem: 'to' });
    assert.deepEqual(readSendWindow(true, '09:00', '09:00'), { window: null, problem: 'same' });
  });

  test('a window whose end is before its start crosses midnight', () => {
    assert.equal(crossesMidnight({ from: '22:00', to: '06:00' }), true);
    assert.equal(crossesMidnight({ from: '09:00', to: '21:00' }), false);
    assert.equal(windowMinutes({ from: '22:00', to: '06:00' }), 480);
    assert.equal(windowMinutes({ from: '09:00', to: '21:30' }), 750);
  });

  test('open is [from, to), wrapping past midnight; no window is always open', () => {
    const day = { from: '09:00', to: '21:00' };
    assert.equal(isOpenAtClock(day, '09:00'), true);
    assert.equal(isOpenAtClock(day, '20:59'), true);
    assert.equal(isOpenAtClock(day, '21:00'), false);
    const night = { from: '22:00', to: '06:00' };
    assert.equal(isOpenAtClock(night, '23:30'), true);
    assert.equal(isOpenAtClock(night, '05:59'), true);
    assert.equal(isOpenAtClock(night, '06:00'), false);
    assert.equal(isOpenAtClock(night, '12:00'), false);
    assert.equal(isOpenAtClock(null, '03:00'), true);
  });

  test('a client zone now: its clock, open or not, and how long until it opens or closes', () => {
    const now = new Date('2026-12-03T11:05:00Z'); // 14:05 in Moscow, 21:05 in Vladivostok, 06:05 in New York
    const window = { from: '09:00', to: '21:00' };
    assert.deepEqual(zoneWindowNow(window, 'Europe/Moscow', now), { clock: '14:05', open: true, opensInMinutes: 0, closesInMinutes: 415 });
    assert.deepEqual(zoneWindowNow(window, 'America/New_York', now), { clock: '06:05', open: false, opensInMinutes: 175, closesInMinutes: null });
    assert.deepEqual(zoneWindowNow({ from: '22:00', to: '06:00' }, 'Asia/Vladivostok', now), { clock: '21:05', open: false, opensInMinutes: 55, closesInMinutes: null });
    assert.equal(zoneWindowNow(null, 'UTC', now).open, true);
  });

  test('durations in hours and minutes', () => {
    assert.equal(formatMinutes(45), '45 min');
    assert.equal(formatMinutes(120), '2 h');
    assert.equal(formatMinutes(150, { h: 'ч', min: 'мин' }), '2 ч 30 мин');
  });
});
