import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { zoneGroups } from '../../lib/mailings/zone-groups';

const at = (s: string) => Date.parse(s);
const zone = (timezone: string, pending: number, messages = pending + 1) => ({ timezone, messages, pending });

describe('per-time-zone-group state of a mailing', () => {
  // 2026-03-10 12:00Z: New York and Chicago are on summer time already (since March 8), Europe not yet.
  const now = at('2026-03-10T12:00:00Z');
  const endsAt = at('2026-03-10T23:00:00Z');
  const zones = [
    zone('Europe/Berlin', 3), zone('Europe/Paris', 2), zone('Europe/London', 1), zone('America/New_York', 4),
    zone('America/Chicago', 5), zone('Asia/Tokyo', 6), zone('Asia/Kolkata', 0, 7),
  ];

  test('zones whose local windows are the same instants form one group; open, waiting, closed and done', () => {
    assert.deepEqual(zoneGroups(zones, { from: '09:00', to: '17:00' }, now, endsAt), [
      { timezones: ['Europe/Berlin', 'Europe/Paris'], messages: 7, pending: 5, state: 'open', opensAt: null, closesAt: at('2026-03-10T16:00:00Z') },
      { timezones: ['Europe/London'], messages: 2, pending: 1, state: 'open', opensAt: null, closesAt: at('2026-03-10T17:00:00Z') },
      { timezones: ['America/New_York'], messages: 5, pending: 4, state: 'waiting', opensAt: at('2026-03-10T13:00:00Z'), closesAt: at('2026-03-10T21:00:00Z') },
      { timezones: ['America/Chicago'], messages: 6, pending: 5, state: 'waiting', opensAt: at('2026-03-10T14:00:00Z'), closesAt: at('2026-03-10T22:00:00Z') },
      // Tokyo's next window opens 2026-03-11T00:00Z, after ends_at: what is pending there will expire.
      { timezones: ['Asia/Tokyo'], messages: 7, pending: 6, state: 'closed', opensAt: null, closesAt: null },
      { timezones: ['Asia/Kolkata'], messages: 7, pending: 0, state: 'done', opensAt: null, closesAt: null },
    ]);
  });

  test('a window closing after ends_at closes at ends_at; no window is one open group until ends_at', () => {
    const early = at('2026-03-10T20:30:00Z');
    const groups = zoneGroups(zones, { from: '09:00', to: '17:00' }, now, early);
    assert.deepEqual(groups.find((g) => g.timezones.includes('America/New_York'))?.closesAt, early);
    assert.deepEqual(zoneGroups(zones, null, now, endsAt), [
      { timezones: ['America/Chicago', 'America/New_York', 'Asia/Tokyo', 'Europe/Berlin', 'Europe/London', 'Europe/Paris'], messages: 27, pending: 21, state: 'open', opensAt: null, closesAt: endsAt },
      { timezones: ['Asia/Kolkata'], messages: 7, pending: 0, state: 'done', opensAt: null, closesAt: null },
    ]);
  });

  test('past ends_at every pending zone is closed; nothing pending is done; no zones, no groups', () => {
    assert.deepEqual(zoneGroups([zone('UTC', 2), zone('Asia/Tokyo', 1)], null, endsAt, endsAt).map((g) => [g.state, g.timezones]), [['closed', ['Asia/Tokyo', 'UTC']]]);
    assert.deepEqual(zoneGroups([zone('UTC', 0, 3)], { from: '22:00', to: '06:00' }, now, endsAt).map((g) => g.state), ['done']);
    assert.deepEqual(zoneGroups([], null, now, endsAt), []);
  });
});
