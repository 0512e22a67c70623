import type { ColumnType, Generated, Selectable } from 'kysely';
import type { CreatedAt, Timestamp } from './column-types';

/**
 * pending: recorded, not yet sent; sending: handed to the provider, no answer recorded yet (a worker that died then
 * leaves it so: its retry reports it as unknown instead of sending again); sent / failed / unknown: the answer.
 */
export type TestSendStatus = 'pending' | 'sending' | 'sent' | 'failed' | 'unknown';

/** One phone of one test send (see migrations/2026-12-03T2230-mailing-drafts.ts). Not a message: never counted. */
export interface MailingTestSendTable {
  /** Also the message id the provider is called with (from 900,000,000,000,000 on). */
  id: Generated<number>;
  test_id: string;
  mailing_id: number;
  phone: string;
  status: ColumnType<TestSendStatus, TestSendStatus | undefined, TestSendStatus>;
  status_code: number | null;
  error: string | null;
  duration_ms: number | null;
  created_at: CreatedAt;
  answered_at: Timestamp | null;
}

export interface MailingTestSendTables {
  mailing_test_sends: MailingTestSendTable;
}

export type MailingTestSendRow = Selectable<MailingTestSendTable>;
