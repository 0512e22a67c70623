import type { Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { CreatedAt, Defaulted, Json, Timestamp, UpdatedAt } from './column-types';
import type { MailingFilter, SendWindow } from './database';

/**
 * A recurring mailing: the template of each occurrence's mailing and when it repeats. cron + timezone are what its
 * Schedule runs; every_day_at + days are kept when it was given as "every day at HH:MM for N days" (cron is derived).
 */
export interface MailingRecurrenceTable {
  id: Generated<number>;
  text: string;
  filter: Json<MailingFilter>;
  send_window: Json<SendWindow | null>;
  cron: string;
  timezone: string;
  every_day_at: string | null;
  days: number | null;
  starts_at: Timestamp | null;
  ends_at: Timestamp | null;
  occurrence_minutes: number;
  paused: Defaulted<boolean>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface MailingRecurrenceTables {
  mailing_recurrences: MailingRecurrenceTable;
}

export type MailingRecurrenceRow = Selectable<MailingRecurrenceTable>;
export type NewMailingRecurrence = Insertable<MailingRecurrenceTable>;
export type MailingRecurrenceUpdate = Updateable<MailingRecurrenceTable>;
