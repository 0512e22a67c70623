import type { Client } from '@temporalio/client';
import type { Db } from '../../lib/db/connect';
import type { MailingRow } from '../../lib/db/database';
import { isMailingFinished } from '../../lib/db/mailing.repository';
import { countByStatus } from '../../lib/db/message.repository';
import { mailingTimezoneCounts } from '../../lib/db/message-stats.repository';
import { zoneGroups } from '../../lib/mailings/zone-groups';
import { countTotal } from '../../lib/status-counts';
import { queryMailingProgress } from '../../lib/temporal/mailing-workflows';
import type { WorkerPresence } from '../../lib/temporal/worker-presence';

/** How long a read waits for the workflow's answer before it answers from the database alone. */
export const PROGRESS_QUERY_DEADLINE_MS = 500;

export interface ProgressSource {
  db: Db;
  temporal: Client;
  presence: WorkerPresence;
  taskQueue: string;
}

/**
 * Progress of a mailing. The counts always come from the database (the trigger-maintained per-status counts, exact
 * and never behind what was written), because the workflow only learns them between batches. The phase and next
 * wake-up come from the workflow's `progress` query when a worker answers within 500 ms (`live: true`); with no
 * worker, or a finished mailing, they come from the mailing row (`live: false`). A read never waits longer than that.
 * The per-time-zone groups are computed here from the database (pending per zone, trigger-maintained) and the
 * mailing's send window and ends_at, the way the workflow plans them, so they need no worker either.
 */
export async function readProgress(source: ProgressSource, mailing: MailingRow) {
  const [counts, zones, workflow] = await Promise.all([
    countByStatus(source.db, mailing.id),
    mailingTimezoneCounts(source.db, mailing.id),
    liveView(source, mailing),
  ]);
  const groups = zoneGroups(zones, mailing.send_window, Date.now(), mailing.ends_at.getTime());
  return {
    mailing_id: mailing.id,
    phase: workflow?.phase ?? mailing.status,
    paused: workflow?.paused ?? mailing.status === 'paused',
    total: countTotal(counts),
    counts,
    next_wake_at: workflow?.nextWakeAt ?? null,
    live: workflow !== null,
    groups: groups.map((g) => ({
      timezones: g.timezones,
      messages: g.messages,
      pending: g.pending,
      state: g.state,
      opens_at: g.opensAt === null ? null : new Date(g.opensAt).toISOString(),
      closes_at: g.closesAt === null ? null : new Date(g.closesAt).toISOString(),
    })),
  };
}

async function liveView(source: ProgressSource, mailing: MailingRow) {
  // A draft has no workflow yet: its phase is 'draft' (from the row), with no messages.
  if (isMailingFinished(mailing) || mailing.status === 'draft' || !(await source.presence.hasWorker(source.taskQueue))) return null;
  try {
    return await source.temporal.withDeadline(Date.now() + PROGRESS_QUERY_DEADLINE_MS, () => queryMailingProgress(source.temporal, mailing.id));
  } catch {
    return null; // busy or gone worker: the database's view
  }
}
