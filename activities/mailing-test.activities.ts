import { Context } from '@temporalio/activity';
import type { Db } from '../lib/db/connect';
import { findMailing } from '../lib/db/mailing.repository';
import type { MailingTestSendRow } from '../lib/db/mailing-test-send-tables';
import { answerTestSend, claimTestSends, findTestSends, recordTestSends, type TestSendAnswer } from '../lib/db/mailing-test-send.repository';
import type { Logger } from '../lib/logger';
import type { MailingTestInput, MailingTestResult, TestSendResult } from '../workflows/mailing-test.contract';
import { MailingNotFoundError } from './errors';
import type { SendOutcome, SmsProvider } from './sms-provider';

export interface MailingTestActivityDeps {
  db: Db;
  provider: SmsProvider;
  logger: Logger;
}

/** A provider outcome as stored and answered: a test send is never retried, whatever the provider said. */
function toAnswer(outcome: SendOutcome): TestSendAnswer {
  if (outcome.ok) return { status: 'sent', statusCode: null, error: null, durationMs: outcome.durationMs };
  return { status: outcome.kind === 'unknown' ? 'unknown' : 'failed', statusCode: outcome.status ?? null, error: outcome.error, durationMs: outcome.durationMs };
}

const NOT_RECORDED: TestSendAnswer = {
  status: 'unknown',
  statusCode: null,
  error: 'the worker stopped before the provider answer was recorded; the SMS may have been sent',
  durationMs: null,
};

function present(row: MailingTestSendRow): TestSendResult {
  const outcome = row.status === 'sent' || row.status === 'failed' ? row.status : 'unknown';
  return {
    phone: row.phone,
    ok: outcome === 'sent',
    outcome,
    statusCode: row.status_code,
    providerMessageId: row.id,
    error: row.error,
    durationMs: row.duration_ms,
  };
}

/** The activity of the test-send workflow (workflows/mailing-test.workflow.ts). */
export function createMailingTestActivities({ db, provider, logger }: MailingTestActivityDeps) {
  return {
    /**
     * Sends the mailing's current text to each phone now, all at once, through the worker's SMS provider, and
     * records each answer in mailing_test_sends (never in messages: the mailing's statistics do not count them). A
     * retry (a worker that died mid-way) sends only what its first attempt had not handed to the provider yet, and
     * reports a phone that was handed over but not answered as unknown: a test is never sent twice to a phone.
     */
    async sendMailingTest(input: MailingTestInput): Promise<MailingTestResult> {
      const mailing = await findMailing(db, input.mailingId);
      if (!mailing) throw new MailingNotFoundError(input.mailingId);
      const rows = await recordTestSends(db, input.testId, input.mailingId, input.phones);
      // Rows a previous attempt handed to the provider without recording the answer: their fate is unknown.
      for (const row of rows.filter((r) => r.status === 'sending')) await answerTestSend(db, row.id, NOT_RECORDED);
      const claimed = await claimTestSends(db, rows.filter((r) => r.status === 'pending').map((r) => r.id));
      const signal = Context.current().cancellationSignal;
      await Promise.all(
        claimed.map(async (row) => {
          const outcome = await provider.send({ id: row.id, phone: row.phone, text: mailing.text }, { signal });
          await answerTestSend(db, row.id, toAnswer(outcome));
        }),
      );
      const answered = new Map((await findTestSends(db, input.testId)).map((r) => [r.phone, r] as const));
      const results = input.phones.flatMap((phone) => {
        const row = answered.get(phone);
        return row ? [present(row)] : [];
      });
      logger.info({ mailingId: input.mailingId, testId: input.testId, sent: results.filter((r) => r.ok).length, phones: results.length }, 'mailing test sent');
      return { mailingId: input.mailingId, results };
    },
  };
}

export type MailingTestActivities = ReturnType<typeof createMailingTestActivities>;
