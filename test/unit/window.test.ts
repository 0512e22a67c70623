import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  isValidSendWindow,
  isValidTimeZone,
  nextWindowInterval,
  parseHHMM,
  planWindows,
  utcOffsetMinutes,
  type Interval,
  type SendWindow,
} from '../../lib/time/window';

const ms = (iso: string): number => {
  const v = Date.parse(iso);
  assert.ok(Number.isFinite(v), `bad ISO in test: ${iso}`);
  return v;
};
const iso = (v: number): string => new Date(v).toISOString();
/** Interval as a pair of ISO strings (or null) so failures show readable instants. */
const show = (iv: Interval | null): [string, string] | null => (iv === null ? null : [iso(iv.start), iso(iv.end)]);

const DAY_9_18: SendWindow = { from: '09:00', to: '18:00' };
const NIGHT: SendWindow = { from: '22:00', to: '06:00' };

test('parseHHMM edge cases', () => {
  assert.equal(parseHHMM('00:00'), 0);
  assert.equal(parseHHMM('09:30'), 570);
  assert.equal(parseHHMM('23:59'), 23 * 60 + 59);
  assert.equal(parseHHMM('24:00'), null);
  assert.equal(parseHHMM('7:00'), null);
  assert.equal(parseHHMM('07:60'), null);
  assert.equal(parseHHMM('07:5'), null);
  assert.equal(parseHHMM(' 07:00'), null);
  assert.equal(parseHHMM('07:00:00'), null);
  assert.equal(parseHHMM(''), null);
});

test('isValidSendWindow', () => {
  assert.equal(isValidSendWindow({ from: '09:00', to: '18:00' }), true);
  assert.equal(isValidSendWindow({ from: '22:00', to: '06:00' }), true);
  assert.equal(isValidSendWindow({ from: '09:00', to: '09:00' }), false);
  assert.equal(isValidSendWindow({ from: '9:00', to: '18:00' }), false);
  assert.equal(isValidSendWindow({ from: '09:00', to: '24:00' }), false);
});

test('isValidTimeZone', () => {
  assert.equal(isValidTimeZone('Europe/Moscow'), true);
  assert.equal(isValidTimeZone('UTC'), true);
  assert.equal(isValidTimeZone('Asia/Kathmandu'), true);
  assert.equal(isValidTimeZone('Mars/Olympus'), false);
  assert.equal(isValidTimeZone(''), false);
});

test('utcOffsetMinutes', () => {
  const jan = ms('2026-01-15T12:00:00Z');
  const jul = ms('2026-07-15T12:00:00Z');
  assert.equal(utcOffsetMinutes('Europe/Moscow', jan), 180);
  assert.equal(utcOffsetMinutes('Europe/Moscow', jul), 180);
  assert.equal(utcOffsetMinutes('Asia/Kathmandu', jan), 345);
  assert.equal(utcOffsetMinutes('Asia/Kolkata', jan), 330);
  assert.equal(utcOffsetMinutes('UTC', jan), 0);
  assert.equal(utcOffsetMinutes('America/New_York', jan), -300);
  assert.equal(utcOffsetMinutes('America/New_York', jul), -240);
  // exactly at the spring-forward transition instant (2026-03-08 07:00Z)
  assert.equal(utcOffsetMinutes('America/New_York', ms('2026-03-08T06:59:59Z')), -300);
  assert.equal(utcOffsetMinutes('America/New_York', ms('2026-03-08T07:00:00Z')), -240);
});

test('no window: whole [from, until), null when empty', () => {
  const from = ms('2026-01-15T10:00:00Z');
  const until = ms('2026-01-16T10:00:00Z');
  assert.deepEqual(show(nextWindowInterval('Europe/Moscow', null, from, until)), [
    '2026-01-15T10:00:00.000Z',
    '2026-01-16T10:00:00.000Z',
  ]);
  assert.equal(nextWindowInterval('Europe/Moscow', null, until, until), null);
  assert.equal(nextWindowInterval('Europe/Moscow', null, until, from), null);
});

test('Europe/Moscow 09:00-18:00: open now', () => {
  // 12:00 local = 09:00Z
  const iv = nextWindowInterval('Europe/Moscow', DAY_9_18, ms('2026-01-15T09:00:00Z'), ms('2026-01-20T00:00:00Z'));
  assert.deepEqual(show(iv), ['2026-01-15T09:00:00.000Z', '2026-01-15T15:00:00.000Z']);
});

test('Europe/Moscow 09:00-18:00: opens later today', () => {
  // 05:00 local = 02:00Z
  const iv = nextWindowInterval('Europe/Moscow', DAY_9_18, ms('2026-01-15T02:00:00Z'), ms('2026-01-20T00:00:00Z'));
  assert.deepEqual(show(iv), ['2026-01-15T06:00:00.000Z', '2026-01-15T15:00:00.000Z']);
});

test('Europe/Moscow 09:00-18:00: opens tomorrow (and exactly at close)', () => {
  // 20:00 local = 17:00Z
  const iv = nextWindowInterval('Europe/Moscow', DAY_9_18, ms('2026-01-15T17:00:00Z'), ms('2026-01-20T00:00:00Z'));
  assert.deepEqual(show(iv), ['2026-01-16T06:00:00.000Z', '2026-01-16T15:00:00.000Z']);
  // fromMs exactly at close (18:00 local) => half-open, next day
  const atClose = nextWindowInterval('Europe/Moscow', DAY_9_18, ms('2026-01-15T15:00:00Z'), ms('2026-01-20T00:00:00Z'));
  assert.deepEqual(show(atClose), ['2026-01-16T06:00:00.000Z', '2026-01-16T15:00:00.000Z']);
  // fromMs exactly at open => start = open
  const atOpen = nextWindowInterval('Europe/Moscow', DAY_9_18, ms('2026-01-15T06:00:00Z'), ms('2026-01-20T00:00:00Z'));
  assert.deepEqual(show(atOpen), ['2026-01-15T06:00:00.000Z', '2026-01-15T15:00:00.000Z']);
});

test('window crossing midnight: evening side (23:00 local) is open until 06:00 next day', () => {
  // Moscow 23:00 local on 2026-01-15 = 20:00Z; closes 06:00 local 2026-01-16 = 03:00Z
  const iv = nextWindowInterval('Europe/Moscow', NIGHT, ms('2026-01-15T20:00:00Z'), ms('2026-01-20T00:00:00Z'));
  assert.deepEqual(show(iv), ['2026-01-15T20:00:00.000Z', '2026-01-16T03:00:00.000Z']);
});

test('window crossing midnight: morning side (03:00 local) is open until 06:00 today', () => {
  // Moscow 03:00 local on 2026-01-16 = 00:00Z (window opened yesterday 22:00)
  const iv = nextWindowInterval('Europe/Moscow', NIGHT, ms('2026-01-16T00:00:00Z'), ms('2026-01-20T00:00:00Z'));
  assert.deepEqual(show(iv), ['2026-01-16T00:00:00.000Z', '2026-01-16T03:00:00.000Z']);
});

test('window crossing midnight: midday waits for 22:00', () => {
  // Moscow 12:00 local = 09:00Z -> opens 22:00 local = 19:00Z, closes next day 06:00 local = 03:00Z
  const iv = nextWindowInterval('Europe/Moscow', NIGHT, ms('2026-01-15T09:00:00Z'), ms('2026-01-20T00:00:00Z'));
  assert.deepEqual(show(iv), ['2026-01-15T19:00:00.000Z', '2026-01-16T03:00:00.000Z']);
});

test('multi-day: calling again from the close gives the next local day', () => {
  const until = ms('2026-01-18T00:00:00Z');
  const got: Array<[string, string] | null> = [];
  let from = ms('2026-01-15T09:00:00Z');
  for (;;) {
    const iv = nextWindowInterval('Europe/Moscow', NIGHT, from, until);
    got.push(show(iv));
    if (iv === null) break;
    from = iv.end;
  }
  assert.deepEqual(got, [
    ['2026-01-15T19:00:00.000Z', '2026-01-16T03:00:00.000Z'],
    ['2026-01-16T19:00:00.000Z', '2026-01-17T03:00:00.000Z'],
    ['2026-01-17T19:00:00.000Z', '2026-01-18T00:00:00.000Z'], // clipped by until
    null,
  ]);
});

test('clipped by untilMs', () => {
  const iv = nextWindowInterval('Europe/Moscow', DAY_9_18, ms('2026-01-15T02:00:00Z'), ms('2026-01-15T10:30:00Z'));
  assert.deepEqual(show(iv), ['2026-01-15T06:00:00.000Z', '2026-01-15T10:30:00.000Z']);
});

test('never opens before untilMs -> null (incl. until exactly at open)', () => {
  // Moscow 19:00 local .. next day 08:59 local: closed the whole time
  assert.equal(
    nextWindowInterval('Europe/Moscow', DAY_9_18, ms('2026-01-15T16:00:00Z'), ms('2026-01-16T05:59:00Z')),
    null,
  );
  // until == next open instant (half-open)
  assert.equal(
    nextWindowInterval('Europe/Moscow', DAY_9_18, ms('2026-01-15T16:00:00Z'), ms('2026-01-16T06:00:00Z')),
    null,
  );
  // one minute later it opens for exactly one minute
  assert.deepEqual(
    show(nextWindowInterval('Europe/Moscow', DAY_9_18, ms('2026-01-15T16:00:00Z'), ms('2026-01-16T06:01:00Z'))),
    ['2026-01-16T06:00:00.000Z', '2026-01-16T06:01:00.000Z'],
  );
});

test('long horizon returns only the first interval (no looping over the horizon)', () => {
  const iv = nextWindowInterval('UTC', DAY_9_18, ms('2026-01-15T20:00:00Z'), ms('2030-01-01T00:00:00Z'));
  assert.deepEqual(show(iv), ['2026-01-16T09:00:00.000Z', '2026-01-16T18:00:00.000Z']);
});

test('DST spring-forward: nonexistent opening time opens at first instant after the gap', () => {
  // America/New_York 2026-03-08: 02:00 EST -> 03:00 EDT at 07:00Z. 02:30 does not exist.
  const w: SendWindow = { from: '02:30', to: '04:00' };
  const iv = nextWindowInterval('America/New_York', w, ms('2026-03-08T05:00:00Z'), ms('2026-03-10T00:00:00Z'));
  // opens 03:00 EDT = 07:00Z, closes 04:00 EDT = 08:00Z
  assert.deepEqual(show(iv), ['2026-03-08T07:00:00.000Z', '2026-03-08T08:00:00.000Z']);
  // the next day is a normal 02:30-04:00 EDT
  const next = nextWindowInterval('America/New_York', w, iv!.end, ms('2026-03-10T00:00:00Z'));
  assert.deepEqual(show(next), ['2026-03-09T06:30:00.000Z', '2026-03-09T08:00:00.000Z']);
});

test('DST spring-forward: window entirely inside the gap is skipped that day', () => {
  const w: SendWindow = { from: '02:10', to: '02:50' };
  const iv = nextWindowInterval('America/New_York', w, ms('2026-03-08T05:00:00Z'), ms('2026-03-10T00:00:00Z'));
  assert.deepEqual(show(iv), ['2026-03-09T06:10:00.000Z', '2026-03-09T06:50:00.000Z']);
});

test('DST spring-forward: `to` in the gap touching next open is reported as one interval', () => {
  // 02:30-02:00 (crossing midnight): on 2026-03-08 local time never enters [02:00, 02:30), so it stays open.
  const w: SendWindow = { from: '02:30', to: '02:00' };
  const iv = nextWindowInterval('America/New_York', w, ms('2026-03-07T12:00:00Z'), ms('2026-03-12T00:00:00Z'));
  // open since 2026-03-07 02:30 EST; first close is 02:00 EDT on 2026-03-09 = 06:00Z
  assert.deepEqual(show(iv), ['2026-03-07T12:00:00.000Z', '2026-03-09T06:00:00.000Z']);
});

test('DST fall-back: ambiguous opening time uses the earlier occurrence, end is first `to` after open', () => {
  // America/New_York 2026-11-01: 02:00 EDT -> 01:00 EST at 06:00Z. 01:30 happens at 05:30Z and 06:30Z.
  const w: SendWindow = { from: '01:30', to: '03:00' };
  const until = ms('2026-11-03T00:00:00Z');
  const iv = nextWindowInterval('America/New_York', w, ms('2026-11-01T00:00:00Z'), until);
  // 01:30 EDT = 05:30Z; 03:00 EST = 08:00Z
  assert.deepEqual(show(iv), ['2026-11-01T05:30:00.000Z', '2026-11-01T08:00:00.000Z']);
  // The day's interval is continuous: during the repeated 01:00-01:30 EST (06:00Z-06:30Z) it stays open.
  const mid = nextWindowInterval('America/New_York', w, ms('2026-11-01T06:10:00Z'), until);
  assert.deepEqual(show(mid), ['2026-11-01T06:10:00.000Z', '2026-11-01T08:00:00.000Z']);
});

test('DST fall-back: ambiguous closing time uses its first occurrence', () => {
  const w: SendWindow = { from: '00:00', to: '01:30' };
  const iv = nextWindowInterval('America/New_York', w, ms('2026-11-01T00:00:00Z'), ms('2026-11-03T00:00:00Z'));
  // 00:00 EDT = 04:00Z; first 01:30 (EDT) = 05:30Z
  assert.deepEqual(show(iv), ['2026-11-01T04:00:00.000Z', '2026-11-01T05:30:00.000Z']);
});

test('Asia/Kathmandu (+05:45) and Asia/Kolkata (+05:30)', () => {
  const from = ms('2026-01-15T00:00:00Z');
  const until = ms('2026-01-20T00:00:00Z');
  assert.deepEqual(show(nextWindowInterval('Asia/Kathmandu', DAY_9_18, from, until)), [
    '2026-01-15T03:15:00.000Z',
    '2026-01-15T12:15:00.000Z',
  ]);
  assert.deepEqual(show(nextWindowInterval('Asia/Kolkata', DAY_9_18, from, until)), [
    '2026-01-15T03:30:00.000Z',
    '2026-01-15T12:30:00.000Z',
  ]);
  // Kathmandu crossing midnight: 23:50 local on 01-15 = 18:05Z; window 22:00-06:00 closes 00:15Z
  assert.deepEqual(show(nextWindowInterval('Asia/Kathmandu', NIGHT, ms('2026-01-15T18:05:00Z'), until)), [
    '2026-01-15T18:05:00.000Z',
    '2026-01-16T00:15:00.000Z',
  ]);
});

test('local date differs from UTC date (Pacific/Auckland, +13 in January)', () => {
  // 2026-01-15T20:00Z = 2026-01-16 09:00 NZDT -> window open until 18:00 NZDT = 05:00Z
  const iv = nextWindowInterval('Pacific/Auckland', DAY_9_18, ms('2026-01-15T20:00:00Z'), ms('2026-01-20T00:00:00Z'));
  assert.deepEqual(show(iv), ['2026-01-15T20:00:00.000Z', '2026-01-16T05:00:00.000Z']);
  // America/Los_Angeles: 2026-01-16T03:00Z = 01-15 19:00 PST -> next open 01-16 09:00 PST = 17:00Z
  const la = nextWindowInterval('America/Los_Angeles', DAY_9_18, ms('2026-01-16T03:00:00Z'), ms('2026-01-20T00:00:00Z'));
  assert.deepEqual(show(la), ['2026-01-16T17:00:00.000Z', '2026-01-17T02:00:00.000Z']);
});

test('invalid window or zone throws RangeError', () => {
  const a = ms('2026-01-15T00:00:00Z');
  const b = ms('2026-01-16T00:00:00Z');
  assert.throws(() => nextWindowInterval('UTC', { from: '09:00', to: '09:00' }, a, b), RangeError);
  assert.throws(() => nextWindowInterval('UTC', { from: '9:00', to: '10:00' }, a, b), RangeError);
  assert.throws(() => nextWindowInterval('Mars/Olympus', DAY_9_18, a, b), RangeError);
});

test('planWindows: same offset grouped, never-opening zone omitted, sorted', () => {
  // 2026-01-15T05:00Z: Moscow/Minsk/Istanbul (+3) 08:00, Kolkata 10:30 (open), UTC 05:00, Los_Angeles 21:00 (prev day)
  const from = ms('2026-01-15T05:00:00Z');
  const until = ms('2026-01-15T16:00:00Z'); // LA opens 17:00Z -> omitted
  const groups = planWindows(
    ['UTC', 'Europe/Moscow', 'America/Los_Angeles', 'Europe/Istanbul', 'Asia/Kolkata', 'Europe/Minsk', 'Europe/Moscow'],
    DAY_9_18,
    from,
    until,
  );
  assert.deepEqual(
    groups.map((g) => ({ start: iso(g.start), end: iso(g.end), timezones: g.timezones })),
    [
      { start: '2026-01-15T05:00:00.000Z', end: '2026-01-15T12:30:00.000Z', timezones: ['Asia/Kolkata'] },
      {
        start: '2026-01-15T06:00:00.000Z',
        end: '2026-01-15T15:00:00.000Z',
        timezones: ['Europe/Istanbul', 'Europe/Minsk', 'Europe/Moscow'],
      },
      { start: '2026-01-15T09:00:00.000Z', end: '2026-01-15T16:00:00.000Z', timezones: ['UTC'] },
    ],
  );
});

test('planWindows: null window => one group with all zones; empty range => []', () => {
  const from = ms('2026-01-15T05:00:00Z');
  const until = ms('2026-01-16T05:00:00Z');
  assert.deepEqual(planWindows(['UTC', 'Asia/Kathmandu'], null, from, until), [
    { start: from, end: until, timezones: ['Asia/Kathmandu', 'UTC'] },
  ]);
  assert.deepEqual(planWindows(['UTC'], null, until, until), []);
  assert.deepEqual(planWindows([], DAY_9_18, from, until), []);
});

test('planWindows: all IANA zones across a DST weekend, every zone placed exactly once', () => {
  const zones = Intl.supportedValuesOf('timeZone');
  assert.ok(zones.length > 300);
  const from = ms('2026-03-29T00:30:00Z'); // EU spring-forward day
  const until = ms('2026-04-01T00:00:00Z'); // > 2 days: every zone's daily window opens
  for (const w of [DAY_9_18, NIGHT]) {
    const groups = planWindows(zones, w, from, until);
    const placed = groups.flatMap((g) => g.timezones);
    assert.equal(placed.length, zones.length);
    assert.equal(new Set(placed).size, zones.length);
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i];
      assert.ok(g.start >= from && g.start < g.end && g.end <= until, `bad group ${JSON.stringify(g)}`);
      assert.deepEqual(g.timezones, [...g.timezones].sort());
      if (i > 0) {
        const p = groups[i - 1];
        assert.ok(p.start < g.start || (p.start === g.start && p.end < g.end), 'groups not sorted/unique');
      }
    }
  }
  // Europe/Berlin on its spring-forward day: 09:00 CEST = 07:00Z
  const berlin = planWindows(['Europe/Berlin', 'Europe/Paris'], DAY_9_18, from, until);
  assert.deepEqual(
    berlin.map((g) => [iso(g.start), iso(g.end), g.timezones]),
    [['2026-03-29T07:00:00.000Z', '2026-03-29T16:00:00.000Z', ['Europe/Berlin', 'Europe/Paris']]],
  );
});
