// Per-time-zone-group state of a mailing, as its progress shows it (pure: no I/O, the clock is an argument).
import { planWindows, type SendWindow } from '../time/window';

/**
 * open: the zones' local send window is open now (sending, or in provider back-off); waiting: it opens at opens_at;
 * closed: it does not open again before the mailing's ends_at (what is pending will expire); done: nothing pending.
 */
export type ZoneGroupState = 'open' | 'waiting' | 'closed' | 'done';
export const ZONE_GROUP_STATES: readonly ZoneGroupState[] = ['open', 'waiting', 'closed', 'done'];

export interface ZoneCount {
  timezone: string;
  messages: number;
  pending: number;
}

export interface ZoneGroup {
  timezones: string[];
  messages: number;
  pending: number;
  state: ZoneGroupState;
  /** When a waiting group's window opens; null for the other states. */
  opensAt: number | null;
  /** When an open or waiting group's window closes (never after ends_at); null for closed and done groups. */
  closesAt: number | null;
}

const ORDER: Record<ZoneGroupState, number> = { open: 0, waiting: 1, closed: 2, done: 3 };

/**
 * Groups a mailing's zones the way its workflow sends them: zones with pending messages whose local windows are the
 * same instants (planWindows, DST-aware) form one group, open or waiting; pending zones whose window does not open
 * before ends_at form one closed group, and zones with nothing pending one done group. Sorted open (closing first),
 * waiting (opening first), closed, done.
 */
export function zoneGroups(zones: ZoneCount[], window: SendWindow | null, nowMs: number, endsAtMs: number): ZoneGroup[] {
  const byZone = new Map(zones.map((z) => [z.timezone, z]));
  const sum = (timezones: string[], key: 'messages' | 'pending') => timezones.reduce((n, tz) => n + (byZone.get(tz)?.[key] ?? 0), 0);
  const group = (timezones: string[], state: ZoneGroupState, opensAt: number | null, closesAt: number | null): ZoneGroup => ({
    timezones, messages: sum(timezones, 'messages'), pending: sum(timezones, 'pending'), state, opensAt, closesAt,
  });

  const pending = zones.filter((z) => z.pending > 0).map((z) => z.timezone);
  const planned = planWindows(pending, window, nowMs, endsAtMs);
  const groups = planned.map((g) => (g.start <= nowMs ? group(g.timezones, 'open', null, g.end) : group(g.timezones, 'waiting', g.start, g.end)));
  const plannedZones = new Set(planned.flatMap((g) => g.timezones));
  const closed = pending.filter((tz) => !plannedZones.has(tz)).sort();
  if (closed.length > 0) groups.push(group(closed, 'closed', null, null));
  const done = zones.filter((z) => z.pending <= 0).map((z) => z.timezone).sort();
  if (done.length > 0) groups.push(group(done, 'done', null, null));
  return groups.sort((a, b) => ORDER[a.state] - ORDER[b.state] || (a.opensAt ?? 0) - (b.opensAt ?? 0) || (a.closesAt ?? 0) - (b.closesAt ?? 0));
}
