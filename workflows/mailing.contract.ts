// Shared by the workflow, its activities and the API client: names, payload types, signal/query/update definitions.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { MailingFilter, StatusCounts } from '../lib/db/database';
import type { ProviderHealthState } from '../lib/mailings/provider-health';
import type { SendWindow } from '../lib/time/window';

export const MAILING_WORKFLOW_TYPE = 'mailingWorkflow';
export const mailingWorkflowId = (mailingId: number): string => `mailing-${mailingId}`;

export interface SendSettings {
  batchSize: number; // messages claimed per round trip to the database
  concurrency: number; // provider calls in flight per activity
  /** Send activities per open window group, each on its own slice of the group's zones (default 1). */
  parallelism?: number;
  maxAttempts: number; // provider attempts per message before it is failed
  retryBaseMs: number; // first back-off after a transient failure; doubles per attempt, at most 5 minutes
  leaseMs: number; // how long a claimed message stays reserved for one activity
  activityBudgetMs: number; // how long one send activity may run before handing back to the workflow
  providerTimeoutMs: number;
  /** The provider dedupes by message id, so a request without a usable answer may be sent again with the same id. */
  providerDedupes?: boolean;
}

export type { StatusCounts };
export { emptyCounts } from '../lib/status-counts';

export type MailingPhase =
  | 'scheduled' // durable timer until startsAt
  | 'materializing'
  | 'sending'
  | 'waiting-window' // no client group's local window is open; sleeping until the next one opens
  | 'retry-wait' // every due message is in provider back-off
  | 'paused'
  | 'finishing' // ends_at reached or nothing left: expiring what is still pending
  | 'cancelling'
  | 'completed'
  | 'cancelled';

/** State carried across continue-as-new. */
export interface MailingCarriedState {
  materialized: boolean;
  paused: boolean;
  total: number;
  counts: StatusCounts;
  generation: number; // how many times the run continued as new
}

export interface MailingWorkflowInput {
  mailingId: number;
  startsAt: string; // ISO
  endsAt: string; // ISO
  sendWindow: SendWindow | null;
  settings: SendSettings;
  /** Continue as new past this many history events (default 2,000; tests lower it). */
  historyLimit?: number;
  state?: MailingCarriedState;
}

export interface MailingProgress {
  mailingId: number;
  phase: MailingPhase;
  paused: boolean;
  total: number;
  counts: StatusCounts;
  startsAt: string;
  endsAt: string;
  nextWakeAt: string | null;
  generation: number;
}

export interface MailingResult {
  mailingId: number;
  outcome: 'completed' | 'cancelled' | 'not-found';
  runs: number; // 1 + how many times the workflow continued as new
  total: number;
  counts: StatusCounts;
}

/**
 * What may change through PATCH. The workflow owns edits: its validator rejects what the phase no longer allows,
 * then the handler writes the row (applyMailingEdit activity) and its own state, so the two never disagree.
 */
export interface MailingEdit {
  text?: string;
  startsAt?: string;
  endsAt?: string;
  filter?: MailingFilter;
  sendWindow?: SendWindow | null;
}

export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');
export const progressQuery = defineQuery<MailingProgress>('progress');
export const editUpdate = defineUpdate<MailingProgress, [MailingEdit]>('edit');

// ---- activity payloads ----
export interface TimezoneBacklog {
  timezone: string;
  pending: number; // pending messages in this zone
  due: number; // pending and not in back-off
  dueInMs: number | null; // ms until the earliest pending one is due again (back-off or lease), measured by the database
}

export interface Backlog {
  zones: TimezoneBacklog[];
  counts: StatusCounts;
}

export interface SendMessagesInput {
  mailingId: number;
  timezones: string[];
  deadline: string; // ISO: min(window close, endsAt); nothing is sent at or after it
  settings: SendSettings;
  /** The provider's recent failure window, as the previous send activity left it (lib/mailings/provider-health.ts). */
  health?: ProviderHealthState;
}

export interface SendMessagesResult {
  sent: number;
  failed: number; // finally failed (rejected or out of attempts)
  retrying: number; // transient failures left pending with a back-off
  unknown: number; // requests without a usable answer (or in flight when a worker died): never resent
  exhausted: boolean; // no due message left in these zones
  stoppedBy: 'exhausted' | 'deadline' | 'budget';
  /** The provider's failure window at the end, for the next send activity. */
  health?: ProviderHealthState;
}

export interface StartMailingResult {
  found: boolean;
  total: number;
  counts: StatusCounts;
}
