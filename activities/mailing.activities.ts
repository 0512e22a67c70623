import type { Db } from '../lib/db/connect';
import { countTotal, emptyCounts } from '../lib/status-counts';
import type { Logger } from '../lib/logger';
import { findMailing, setMailingStatus, updateMailing } from '../lib/db/mailing.repository';
import { MailingNotFoundError, refusingBadData } from './errors';
import { closePending, countByStatus, materializeMessages, pendingTimezones } from '../lib/db/message.repository';
import type {
  Backlog,
  MailingEdit,
  SendMessagesInput,
  SendMessagesResult,
  StartMailingResult,
  StatusCounts,
} from '../workflows/mailing.contract';
import { sendMessages } from './send-messages';
import type { SmsProvider } from './sms-provider';
import type { EventPublisher } from '../lib/webhooks/publisher';

export interface MailingActivityDeps {
  db: Db;
  provider: SmsProvider;
  logger: Logger;
  events: EventPublisher;
  /** SEND_RATE_PER_S (see send-messages.ts). */
  sendRatePerS?: number | null;
}

/** Activities of the mailing workflow, built from their dependencies (tests inject a DB and a fake provider). */
export function createMailingActivities(deps: MailingActivityDeps) {
  const { db, logger, events } = deps;
  // Domain events: the idempotency key (one per mailing and kind) makes a retried activity publish once.
  const outcome = (mailingId: number, counts: StatusCounts) => ({ mailingId, total: countTotal(counts), counts });
  return {
    async startMailing({ mailingId }: { mailingId: number }): Promise<StartMailingResult> {
      const mailing = await findMailing(db, mailingId);
      if (!mailing) return { found: false, total: 0, counts: emptyCounts() };
      const created = await materializeMessages(db, mailingId, mailing.filter);
      await setMailingStatus(db, mailingId, 'running');
      const counts = await countByStatus(db, mailingId);
      logger.info({ mailingId, created, total: countTotal(counts) }, 'mailing messages materialised');
      await events.publishSystem(
        'mailing.started',
        { mailingId, text: mailing.text, startsAt: mailing.starts_at.toISOString(), endsAt: mailing.ends_at.toISOString(), total: countTotal(counts) },
        { idempotencyKey: `mailing.started:${mailingId}` },
      );
      return { found: true, total: countTotal(counts), counts };
    },

    /** Pending messages per timezone (for planning) and counts by status (for the progress query). */
    async backlog({ mailingId }: { mailingId: number }): Promise<Backlog> {
      const [zones, counts] = await Promise.all([pendingTimezones(db, mailingId), countByStatus(db, mailingId)]);
      return { zones, counts };
    },

    /** Writes an edit the workflow has accepted; the workflow calls it from its update handler. */
    async applyMailingEdit({ mailingId, edit }: { mailingId: number; edit: MailingEdit }): Promise<void> {
      // An edit PostgreSQL refuses fails the update at once (DataRejectedError) instead of being retried forever.
      const row = await refusingBadData(() =>
        updateMailing(db, mailingId, {
          ...(edit.text !== undefined ? { text: edit.text } : {}),
          ...(edit.startsAt !== undefined ? { starts_at: edit.startsAt } : {}),
          ...(edit.endsAt !== undefined ? { ends_at: edit.endsAt } : {}),
          ...(edit.filter !== undefined ? { filter: JSON.stringify(edit.filter) } : {}),
          ...(edit.sendWindow !== undefined ? { send_window: JSON.stringify(edit.sendWindow) } : {}),
        }),
      );
      if (!row) throw new MailingNotFoundError(mailingId);
      logger.info({ mailingId, fields: Object.keys(edit) }, 'mailing edited');
    },

    async sendMessages(input: SendMessagesInput): Promise<SendMessagesResult> {
      return sendMessages(deps, input);
    },

    async setMailingStatus({ mailingId, status }: { mailingId: number; status: 'running' | 'paused' }): Promise<void> {
      await setMailingStatus(db, mailingId, status);
      logger.info({ mailingId, status }, 'mailing status changed');
    },

    async finishMailing({ mailingId }: { mailingId: number }): Promise<StatusCounts> {
      const expiredNow = await closePending(db, mailingId, 'expired');
      await setMailingStatus(db, mailingId, 'completed');
      const counts = await countByStatus(db, mailingId);
      logger.info({ mailingId, expiredNow, ...counts }, 'mailing completed');
      // One terminal event: expired when the end time left messages unsent, completed otherwise.
      const type = counts.expired > 0 ? 'mailing.expired' : 'mailing.completed';
      await events.publishSystem(type, outcome(mailingId, counts), { idempotencyKey: `mailing.finished:${mailingId}` });
      return counts;
    },

    async cancelMailing({ mailingId }: { mailingId: number }): Promise<StatusCounts> {
      const cancelled = await closePending(db, mailingId, 'cancelled');
      await setMailingStatus(db, mailingId, 'cancelled');
      const counts = await countByStatus(db, mailingId);
      logger.info({ mailingId, cancelled }, 'mailing cancelled');
      await events.publishSystem('mailing.cancelled', outcome(mailingId, counts), { idempotencyKey: `mailing.finished:${mailingId}` });
      return counts;
    },
  };
}

export type MailingActivities = ReturnType<typeof createMailingActivities>;
