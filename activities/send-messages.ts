import { CancelledFailure, Context } from '@temporalio/activity';
import type { Db } from '../lib/db/connect';
import type { Logger } from '../lib/logger';
import { findMailing } from '../lib/db/mailing.repository';
import {
  claimDueMessages,
  markFailed,
  markInFlight,
  markRetry,
  markSent,
  markUnknown,
  releaseMessages,
  settleDueMessages,
  type ClaimedMessage,
} from '../lib/db/message.repository';
import type { SendMessagesInput, SendMessagesResult } from '../workflows/mailing.contract';
import { MailingNotFoundError, ProviderUnavailableError } from './errors';
import type { SmsProvider } from './sms-provider';
import { inTransaction } from '../lib/db/connect';
import { runPool } from '../lib/run-pool';
import { recordEvent } from '../lib/db/webhook-event.repository';
import { systemEvent, type EventPublisher } from '../lib/webhooks/publisher';

export interface SendDeps {
  db: Db;
  provider: SmsProvider;
  logger: Logger;
  events: EventPublisher;
}

/**
 * Marks a message failed for good and records `message.failed` with its deliveries in the same transaction (so the
 * event cannot be lost between the two), then starts the deliveries. False when the message was not pending.
 */
async function failMessage(deps: SendDeps, mailingId: number, message: ClaimedMessage, error: string): Promise<boolean> {
  const payload = { mailingId, messageId: message.id, clientId: message.client_id, phone: message.phone, attempts: message.attempts, error };
  const recorded = await inTransaction(deps.db, async (tx) => {
    if (!(await markFailed(tx, message.id, error))) return null;
    return recordEvent(tx, systemEvent('message.failed', payload, { idempotencyKey: `message.failed:${message.id}` }));
  });
  if (!recorded) return false;
  await deps.events.dispatch(recorded.event, recorded.deliveries); // what fails here, the dispatch sweep starts
  return true;
}

/** Back-off before a message's next attempt after a transient provider failure. */
export const retryDelayMs = (attempts: number, baseMs: number): number => Math.min(baseMs * 2 ** Math.max(attempts - 1, 0), 5 * 60_000);

/**
 * Failures that say "the provider is unreachable or overloaded" rather than "this message is a problem": network
 * errors and timeouts (no status), 429, 502-504, and a refused token.
 */
export const looksLikeOutage = (outcome: { kind: string; status?: number }): boolean =>
  outcome.kind === 'unauthorized' || outcome.status === undefined || [429, 502, 503, 504].includes(outcome.status);

/** A streak this long of consecutive transient failures means the provider, not the messages, is broken. */
export const breakerThreshold = (concurrency: number): number => Math.min(Math.max(5, concurrency), 20);

const FLUSH_SIZE = 50;

/**
 * Claims due messages of some timezones in batches and sends them, until none is due, the deadline (window close or
 * ends_at) or the activity's time budget.
 *
 * Exactly once toward the provider, even one that does not dedupe by message id:
 * - a request is only started if it can finish (or time out) before the deadline, so nothing reaches the provider
 *   at or after ends_at or a window's close;
 * - cancellation (pause, edit, cancel, ends_at backstop, worker shutdown) stops *starting* requests; those in flight
 *   run to their answer or timeout and their outcome is recorded;
 * - just before requests may start, their messages are marked `sending_since` (one statement per SEND_CONCURRENCY
 *   messages). An answer clears it. A message still marked when its lease runs out was in flight when its worker
 *   died, so it becomes 'unknown' rather than being sent again (settleDueMessages);
 * - no usable answer to a written request (timeout, connection lost, garbled 2xx) is 'unknown' and never resent,
 *   unless the provider dedupes by id (PROVIDER_DEDUPES_BY_ID): then it is retried with the same id.
 */
export async function sendMessages(deps: SendDeps, input: SendMessagesInput): Promise<SendMessagesResult> {
  const { db, provider } = deps;
  const { mailingId, settings } = input;
  const ctx = Context.current();
  const signal = ctx.cancellationSignal;
  // The deadline is in workflow (server) time. Measure what is left from when this attempt was scheduled too,
  // so a worker whose clock differs from the server's (or a time-skipping test server) still stops in time.
  const absolute = Date.parse(input.deadline);
  let deadline = Math.min(absolute, Date.now() + (absolute - ctx.info.currentAttemptScheduledTimestampMs));
  const timeoutMs = settings.providerTimeoutMs;
  /** A request may start only if its timeout ends before the deadline. */
  const mayStart = (): boolean => Date.now() + timeoutMs <= deadline;
  const budgetEnd = Date.now() + settings.activityBudgetMs;
  const log = deps.logger.child({ mailingId, activityAttempt: ctx.info.attempt });
  const result: SendMessagesResult = { sent: 0, failed: 0, retrying: 0, unknown: 0, exhausted: false, stoppedBy: 'exhausted' };
  const threshold = breakerThreshold(settings.concurrency);
  let streakLength = 0; // the current run of consecutive failed requests
  let streakRetryable: number[] = []; // ids of that run that are left pending (refunded if the provider was at fault)
  let streakOutageLike = true; // every failure of the streak looked like an outage
  let outage: string | null = null;
  let round = Math.floor(Math.random() * Math.max(input.timezones.length, 1));
  const beatNow = () => ctx.heartbeat({ sent: result.sent, failed: result.failed, unknown: result.unknown });
  // Heartbeat on a timer too: every call in flight may be waiting on a slow provider at once.
  const beat = setInterval(beatNow, 2_000);
  try {
    return await sendLoop();
  } finally {
    clearInterval(beat);
  }

  async function sendLoop(): Promise<SendMessagesResult> {
    for (;;) {
      if (signal.aborted) throw new CancelledFailure('send cancelled');
      if (!mayStart()) return { ...result, stoppedBy: 'deadline' };
      if (Date.now() >= budgetEnd) return { ...result, stoppedBy: 'budget' };

      const mailing = await findMailing(db, mailingId);
      if (!mailing) throw new MailingNotFoundError(mailingId);
      // An ends_at shortened since this activity was scheduled applies from the next batch on.
      deadline = Math.min(deadline, mailing.ends_at.getTime());
      if (!mayStart()) return { ...result, stoppedBy: 'deadline' };
      // Rotate the zone order each round so every zone in the group gets its turn first.
      const shift = round++ % Math.max(input.timezones.length, 1);
      const zones = [...input.timezones.slice(shift), ...input.timezones.slice(0, shift)];

      const settled = await settleDueMessages(db, mailingId, zones, {
        maxAttempts: settings.maxAttempts,
        leaseMs: settings.leaseMs,
        providerDedupes: settings.providerDedupes ?? false,
      });
      if (settled.unknown > 0) log.warn({ count: settled.unknown }, 'messages in flight when a worker stopped are now unknown');
      result.unknown += settled.unknown;
      for (const message of settled.exhausted) {
        if (await failMessage(deps, mailingId, message, message.last_error ?? 'attempts exhausted')) result.failed++;
      }
      const batch = await claimDueMessages(db, mailingId, zones, settings.batchSize, settings.leaseMs, settings.maxAttempts);
      if (batch.length === 0) {
        if (settled.exhausted.length > 0 || settled.unknown > 0) continue; // settling may have uncovered more
        return { ...result, exhausted: true, stoppedBy: 'exhausted' };
      }
      await sendBatch(batch, mailing.text);
      if (outage !== null) throw new ProviderUnavailableError(`provider unavailable: ${outage}`);
      if (signal.aborted) throw new CancelledFailure('send cancelled');
      beatNow();
    }
  }

  async function sendBatch(batch: ClaimedMessage[], text: string): Promise<void> {
    const unsent: number[] = [];
    // Answers are written in groups: one statement per group instead of one per message. A crash before a flush
    // leaves those messages marked in flight, so they end 'unknown', never sent twice.
    let accepted: number[] = [];
    let unanswered: { id: number; error: string }[] = [];
    const flush = async () => {
      const ids = accepted;
      const unknown = unanswered;
      (accepted = []), (unanswered = []);
      result.sent += await markSent(db, ids);
      result.unknown += await markUnknown(db, unknown);
    };
    // Messages are marked in flight one pool's width ahead of the requests, by one statement at a time.
    let marked = 0;
    let marking: Promise<void> | null = null;
    const ensureMarked = async (index: number) => {
      while (index >= marked) {
        marking ??= (async () => {
          const upTo = Math.min(marked + settings.concurrency, batch.length);
          await markInFlight(db, batch.slice(marked, upTo).map((m) => m.id));
          marked = upTo;
        })().finally(() => (marking = null));
        await marking;
      }
    };
    const stopStarting = (): boolean => outage !== null || signal.aborted || !mayStart();

    await runPool(batch, settings.concurrency, async (message, index) => {
      if (stopStarting()) return void unsent.push(message.id);
      await ensureMarked(index);
      if (stopStarting()) return void unsent.push(message.id);
      const msgLog = log.child({ messageId: message.id, clientId: message.client_id });
      // No cancellation signal: a request in flight runs to its answer or timeout, so its outcome is known.
      const outcome = await provider.send({ id: message.id, phone: message.phone, text }, { timeoutMs });
      if (outcome.ok) {
        (streakLength = 0), (streakRetryable = []), (streakOutageLike = true);
        accepted.push(message.id);
        msgLog.info({ attempt: message.attempts, durationMs: outcome.durationMs }, 'message sent');
      } else if (outcome.kind === 'rejected') {
        (streakLength = 0), (streakRetryable = []), (streakOutageLike = true);
        if (await failMessage(deps, mailingId, message, outcome.error)) result.failed++;
        msgLog.warn({ attempt: message.attempts, error: outcome.error }, 'message rejected by provider');
      } else {
        // transient, unauthorized or unknown: counts towards the outage breaker
        streakLength++;
        streakOutageLike &&= looksLikeOutage(outcome);
        // Outage answers trip the breaker even on a batch of one; other errors need two in a row at least.
        const tripAt = Math.min(threshold, streakOutageLike ? batch.length : Math.max(2, batch.length));
        if (streakLength >= tripAt || outcome.kind === 'unauthorized') outage = `${outcome.kind}: ${outcome.error}`;
        if (outcome.kind === 'unknown' && !settings.providerDedupes) {
          unanswered.push({ id: message.id, error: outcome.error });
          msgLog.warn({ attempt: message.attempts, error: outcome.error }, 'no usable answer: the message may have been sent; not resent');
        } else if (outcome.kind !== 'unauthorized' && message.attempts >= settings.maxAttempts && outage === null) {
          if (await failMessage(deps, mailingId, message, outcome.error)) result.failed++;
          msgLog.warn({ attempt: message.attempts, error: outcome.error }, 'message failed: attempts exhausted');
        } else {
          streakRetryable.push(message.id);
          await markRetry(db, message.id, outcome.error, retryDelayMs(message.attempts, settings.retryBaseMs));
          result.retrying++;
          msgLog.info({ attempt: message.attempts, error: outcome.error }, 'send failed, will retry');
        }
      }
      if (accepted.length + unanswered.length >= FLUSH_SIZE) await flush();
      beatNow();
    });

    await flush();
    // Claimed but not attempted: give them back without charging an attempt.
    await releaseMessages(db, unsent, true);
    if (outage !== null) {
      // A long streak, or one made only of outage answers (unreachable, timeouts, 503...), was the provider's
      // fault, not the messages': refund those attempts. A short streak of other errors (500s, garbage on a small
      // batch) still backs off, but its attempts count, so a message that always fails ends up failed.
      if (streakLength >= threshold || streakOutageLike) await releaseMessages(db, streakRetryable, true);
      log.warn({ error: outage, streak: streakLength }, 'provider unavailable, backing off');
    }
  }
}
