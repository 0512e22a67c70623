import { sql } from 'kysely';
import type { Executor } from './connect';
import type { MailingTestSendRow, TestSendStatus } from './mailing-test-send-tables';

/**
 * The rows of one test send, one per phone, created on the first call and found again on a retry (the unique
 * (test_id, phone) key): the same phone of the same test always has the same row, hence the same provider id.
 */
export async function recordTestSends(db: Executor, testId: string, mailingId: number, phones: string[]): Promise<MailingTestSendRow[]> {
  if (phones.length === 0) return [];
  await db
    .insertInto('mailing_test_sends')
    .values(phones.map((phone) => ({ test_id: testId, mailing_id: mailingId, phone })))
    .onConflict((oc) => oc.columns(['test_id', 'phone']).doNothing())
    .execute();
  return findTestSends(db, testId);
}

export async function findTestSends(db: Executor, testId: string): Promise<MailingTestSendRow[]> {
  return db.selectFrom('mailing_test_sends').selectAll().where('test_id', '=', testId).orderBy('id').execute();
}

/** pending -> sending for the given rows: only the rows this call moved may be sent (returned). */
export async function claimTestSends(db: Executor, ids: number[]): Promise<MailingTestSendRow[]> {
  if (ids.length === 0) return [];
  return db
    .updateTable('mailing_test_sends')
    .set({ status: 'sending' })
    .where('id', 'in', ids)
    .where('status', '=', 'pending')
    .returningAll()
    .execute();
}

export interface TestSendAnswer {
  status: Exclude<TestSendStatus, 'pending' | 'sending'>;
  statusCode: number | null;
  error: string | null;
  durationMs: number | null;
}

/** Records one phone's answer (a row already answered keeps its first answer). */
export async function answerTestSend(db: Executor, id: number, answer: TestSendAnswer): Promise<MailingTestSendRow | undefined> {
  return db
    .updateTable('mailing_test_sends')
    .set({ status: answer.status, status_code: answer.statusCode, error: answer.error, duration_ms: answer.durationMs, answered_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('status', 'in', ['pending', 'sending'])
    .returningAll()
    .executeTakeFirst();
}
