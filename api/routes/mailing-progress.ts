import type { Client } from '@temporalio/client';
import type { Db } from '../../lib/db/connect';
import type { MailingRow } from '../../lib/db/database';
import { isMailingFinished } from '../../lib/db/mailing.repository';
import { countByStatus } from '../../lib/db/message.repository';
import { countTotal } from '../../lib/status-counts';
import { queryMailingProgress } from '../../lib/temporal/mailing-workflows';
import { presentProgress } from '../presenters';

/** Live progress from the workflow's query while it runs; the database's counts once it has finished or is unreachable. */
export async function readProgress(db: Db, temporal: Client, mailing: MailingRow) {
  if (!isMailingFinished(mailing)) {
    try {
      return presentProgress(await queryMailingProgress(temporal, mailing.id));
    } catch {
      // fall through to the database view: a query needs a live worker
    }
  }
  const counts = await countByStatus(db, mailing.id);
  return { mailing_id: mailing.id, phase: mailing.status, paused: mailing.status === 'paused', total: countTotal(counts), counts, next_wake_at: null, live: false };
}
