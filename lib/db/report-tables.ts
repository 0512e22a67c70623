import type { ColumnType, Generated, Selectable } from 'kysely';
import type { CreatedAt, Timestamp, UpdatedAt } from './column-types';

/** See migrations/2026-12-03T2210-daily-reports.ts. */
export interface ReportRecipientTable {
  id: Generated<number>;
  email: string;
  name: string | null;
  created_at: CreatedAt;
}

export interface ReportAddress {
  address: string;
  name: string | null;
}

/** One report day: claimed before sending, sent_at once the SMTP server (or the outbox) took the message. */
export interface DailyReportTable {
  /** A PostgreSQL date: always read as text (report_date::text), never through the driver's Date parsing. */
  report_date: ColumnType<string, string, never>;
  timezone: string;
  claimed_by: string | null;
  claimed_until: Timestamp | null;
  sent_at: Timestamp | null;
  message_id: string | null;
  recipients: ColumnType<ReportAddress[], string | undefined, string>;
  /** Where the message went: the SMTP server's answer, or the .eml file written to the outbox. */
  delivered_to: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface ReportTables {
  report_recipients: ReportRecipientTable;
  daily_reports: DailyReportTable;
}

export type ReportRecipientRow = Selectable<ReportRecipientTable>;
