import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { CreatedAt, Json, Timestamp, UpdatedAt } from './column-types';
import type { ClientImportTables } from './client-import-tables';
import type { ConsoleSessionTables } from './console-session-tables';
import type { IntegrationTables } from './integration-tables';
import type { MailingRecurrenceTables } from './mailing-recurrence-tables';
import type { MailingTestSendTables } from './mailing-test-send-tables';
import type { ReportTables } from './report-tables';
import type { WebhookTables } from './webhook-tables';

/**
 * unknown: a request reached (or may have reached) the provider but no answer was recorded: a timeout, a connection
 * lost after the request was written, a garbled 2xx, or a worker that died mid-request. Never resent on its own,
 * because a provider that does not dedupe by message id would send the SMS twice.
 */
export type MessageStatus = 'pending' | 'sent' | 'failed' | 'expired' | 'cancelled' | 'unknown';
export const MESSAGE_STATUSES: readonly MessageStatus[] = ['pending', 'sent', 'failed', 'expired', 'cancelled', 'unknown'];
/** Messages of one mailing counted by status. */
export type StatusCounts = Record<MessageStatus, number>;

/** draft: saved, no workflow until it is scheduled (POST /mailings/{id}/schedule makes it scheduled). */
export type MailingStatus = 'draft' | 'scheduled' | 'running' | 'paused' | 'completed' | 'cancelled';
export const MAILING_STATUSES: readonly MailingStatus[] = ['draft', 'scheduled', 'running', 'paused', 'completed', 'cancelled'];
export type Role = 'admin' | 'operator' | 'viewer';

export interface MailingFilter {
  operatorCodes: string[];
  tags: string[];
}
export interface SendWindow {
  from: string; // "HH:MM" local time
  to: string; // "HH:MM" local time; to < from means the window crosses midnight
}

export interface ClientTable {
  id: Generated<number>;
  phone: string;
  operator_code: string;
  tag: string;
  timezone: string;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface MailingTable {
  id: Generated<number>;
  text: string;
  starts_at: Timestamp;
  ends_at: Timestamp;
  filter: Json<MailingFilter>;
  send_window: Json<SendWindow | null>;
  status: ColumnType<MailingStatus, MailingStatus | undefined, MailingStatus>;
  /** The recurrence that created it (null for one-off mailings, or once the recurrence was deleted). */
  recurrence_id: ColumnType<number | null, number | null | undefined, number | null>;
  /** The recurrence's fire time it was created for (unique per recurrence). */
  occurrence_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  /** This mailing's own sending-rate cap (messages/s; the global SEND_RATE_PER_S applies too); null: none. */
  send_rate_per_s: ColumnType<number | null, number | null | undefined, number | null>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface MessageTable {
  id: Generated<number>;
  mailing_id: number;
  client_id: number | null;
  phone: string;
  timezone: string;
  status: ColumnType<MessageStatus, MessageStatus | undefined, MessageStatus>;
  attempts: ColumnType<number, number | undefined, number>;
  last_error: string | null;
  next_attempt_at: ColumnType<Date, Date | string | undefined, Date | string>;
  locked_until: Timestamp | null;
  /** Set when a provider request may start; cleared when its answer is recorded (see the 2026-12-03 migration). */
  sending_since: Timestamp | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
  sent_at: Timestamp | null;
}

/** Messages per (mailing, status), maintained by triggers on messages. */
export interface MailingMessageCountTable {
  mailing_id: number;
  status: MessageStatus;
  count: ColumnType<number | string, number, number>;
}

export interface ApiKeyTable {
  id: Generated<number>;
  name: string;
  role: Role;
  key_hash: string;
  key_prefix: string;
  created_at: CreatedAt;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

export interface Database extends WebhookTables, IntegrationTables, ConsoleSessionTables, MailingRecurrenceTables, ReportTables, MailingTestSendTables, ClientImportTables {
  clients: ClientTable;
  mailings: MailingTable;
  messages: MessageTable;
  mailing_message_counts: MailingMessageCountTable;
  api_keys: ApiKeyTable;
  send_rate_limits: SendRateLimitTable;
}

/** Shared send-slot reservations (lib/db/send-rate.repository.ts). */
export interface SendRateLimitTable {
  key: string;
  next_at: Timestamp;
}

export type ClientRow = Selectable<ClientTable>;
export type NewClient = Insertable<ClientTable>;
export type ClientUpdate = Updateable<ClientTable>;
export type MailingRow = Selectable<MailingTable>;
export type NewMailing = Insertable<MailingTable>;
export type MailingUpdate = Updateable<MailingTable>;
export type MessageRow = Selectable<MessageTable>;
export type ApiKeyRow = Selectable<ApiKeyTable>;
