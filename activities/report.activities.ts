import { Context } from '@temporalio/activity';
import type { Db } from '../lib/db/connect';
import { claimDailyReport, findDailyReport, markDailyReportSent, releaseDailyReport } from '../lib/db/daily-report.repository';
import { listReportRecipients } from '../lib/db/report-recipient.repository';
import type { Logger } from '../lib/logger';
import { composeDailyReport } from '../lib/reports/compose-report';
import { collectDailyFigures, isQuietDay } from '../lib/reports/daily-figures';
import { sendOverSmtp, writeToOutbox } from '../lib/reports/mailer';
import { isReportDate } from '../lib/reports/report-day';
import { DEFAULT_REPORT_SETTINGS, type ReportSettings } from '../lib/reports/settings';
import type { DailyReportInput, DailyReportResult } from '../workflows/report.contract';

export interface ReportActivityDeps {
  db: Db;
  logger: Logger;
  /** REPORT_* and SMTP_URL; the defaults (UTC, outbox under ./data) when not given. */
  reports?: ReportSettings;
}

/** A claim outlives the activity's start-to-close timeout (5 minutes) twice over: a dead sender's day frees itself. */
const CLAIM_LEASE_MS = 10 * 60_000;

/** Another run holds the day's claim (a retry comes back after it was released or its lease ended). */
export class ReportClaimedError extends Error {
  override readonly name = 'ReportClaimedError';
}

/** The date is not a calendar date (a caller's mistake: never retried). */
export class ReportDateError extends Error {
  override readonly name = 'ReportDateError';
}

/** Who is sending: the activity's workflow run (a retry of the same activity holds the same claim). */
function holder(): string {
  let run: { workflowId: string; runId: string } | undefined;
  try {
    run = Context.current().info.workflowExecution;
  } catch {
    run = undefined; // called outside an activity (a script)
  }
  return run ? `${run.workflowId}/${run.runId}` : `process-${process.pid}`;
}

export function createReportActivities(deps: ReportActivityDeps) {
  const settings = deps.reports ?? DEFAULT_REPORT_SETTINGS;
  return {
    /**
     * Sends the report of one day at most once: skips a day already sent, a quiet day (unless REPORT_SEND_EMPTY) and
     * an empty recipient list; claims the day, sends (SMTP, or an .eml in the outbox), records it as sent. A failed
     * send gives the claim back and throws: SmtpRejectedError (5xx) ends the workflow, anything else is retried.
     */
    async sendDailyReport(input: DailyReportInput): Promise<DailyReportResult> {
      const { date } = input;
      if (!isReportDate(date)) throw new ReportDateError(`not a report date (YYYY-MM-DD, 1970-2199): ${date}`);
      const log = deps.logger.child({ reportDate: date, timezone: settings.timezone });
      const result = (status: DailyReportResult['status'], extra: Partial<DailyReportResult> = {}): DailyReportResult => ({
        date, status, messageId: null, recipients: 0, deliveredTo: null, ...extra,
      });

      const previous = await findDailyReport(deps.db, date);
      if (previous?.sentAt) {
        log.info({ sentAt: previous.sentAt, messageId: previous.messageId }, 'daily report already sent');
        return result('already-sent', { messageId: previous.messageId, recipients: previous.recipients.length, deliveredTo: previous.deliveredTo });
      }
      const figures = await collectDailyFigures(deps.db, date, settings.timezone, settings.topReasons);
      if (isQuietDay(figures) && !settings.sendEmpty) {
        log.info('no activity that day: no daily report (REPORT_SEND_EMPTY=true sends one anyway)');
        return result('quiet');
      }
      const recipients = (await listReportRecipients(deps.db)).map((r) => ({ address: r.email, name: r.name }));
      if (recipients.length === 0) {
        log.warn('no report recipients (POST /api/v1/report-recipients adds them): daily report not sent');
        return result('no-recipients');
      }

      const me = holder();
      const claim = await claimDailyReport(deps.db, { date, timezone: settings.timezone, holder: me, leaseMs: CLAIM_LEASE_MS });
      if (claim === 'sent') return result('already-sent');
      if (claim === 'held') throw new ReportClaimedError(`the report of ${date} is being sent by another run`);

      const mail = composeDailyReport(figures, settings.from, recipients);
      let sent;
      try {
        sent = settings.smtpUrl ? await sendOverSmtp(settings.smtpUrl, mail) : await writeToOutbox(settings.outboxDir, mail);
      } catch (err) {
        await releaseDailyReport(deps.db, date, me).catch((releaseErr: unknown) => log.warn({ err: releaseErr }, 'could not release the report claim'));
        log.warn({ err }, 'daily report not sent');
        throw err;
      }
      await markDailyReportSent(deps.db, { date, holder: me, messageId: mail.messageId, recipients, deliveredTo: sent.deliveredTo });
      if (sent.rejected.length > 0) log.warn({ rejected: sent.rejected }, 'the SMTP server refused some report recipients');
      log.info({ messageId: mail.messageId, accepted: sent.accepted.length, deliveredTo: sent.deliveredTo }, 'daily report sent');
      return result('sent', { messageId: mail.messageId, recipients: sent.accepted.length, deliveredTo: sent.deliveredTo });
    },
  };
}

export type ReportActivities = ReturnType<typeof createReportActivities>;
