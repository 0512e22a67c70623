import { setMaxListeners } from 'node:events';
import { CancelledFailure, Context } from '@temporalio/activity';
import type { Db } from '../lib/db/connect';
import type { Logger } from '../lib/logger';
import { findMailing } from '../lib/db/mailing.repository';
import {
  claimDueMessages,
  markFailed,
  markRetry,
  markSent,
  releaseMessages,
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

const SENT_FLUSH_SIZE = 50;

/**
 * Claims due messages of some timezones in batches and sends them, until none is due, the deadline
 * (window close or ends_at) or the activity's time budget. Nothing is sent at or after the deadline.
 * The message id is the provider's idempotency key, so a retried or crashed attempt never double-delivers.
 */
export async function sendMessages(deps: SendDeps, input: SendMessagesInput): Promise<SendMessagesResult> {
  const { db, provider } = deps;
  const { mailingId, settings } = input;
  const ctx = Context.current();
  const signal = ctx.cancellationSignal;
  setMaxListeners(settings.concurrency + 16, signal); // one abort listener per provider call in flight
  // The deadline is in workflow (server) time. Measure what is left from when this attempt was scheduled too,
  // so a worker whose clock differs from the server's (or a time-skipping test server) still stops in time.
  const absolute = Date.parse(input.deadline);
  let deadline = Math.min(absolute, Date.now() + (absolute - ctx.info.currentAttemptScheduledTimestampMs));
  const budgetEnd = Date.now() + settings.activityBudgetMs;
  const log = deps.logger.child({ mailingId, activityAttempt: ctx.info.attempt });
  const result: SendMessagesResult = { sent: 0, failed: 0, retrying: 0, exhausted: false, stoppedBy: 'exhausted' };
  const threshold = breakerThreshold(settings.concurrency);
  let streak: number[] = []; // ids of the current run of consecutive transient failures
  let streakOutageLike = true; // every failure of the streak looked like an outage
  let outage: string | null = null;
  let round = Math.floor(Math.random() * Math.max(input.timezones.length, 1));
  // Heartbeat on a timer too: every call in flight may be waiting on a slow provider at once.
  const beat = setInterval(() => ctx.heartbeat({ sent: result.sent, failed: result.failed }), 2_000);
  try {
    return await sendLoop();
  } finally {
    clearInterval(beat);
  }

  async function sendLoop(): Promise<SendMessagesResult> {
    for (;;) {
      if (signal.aborted) throw new CancelledFailure('send cancelled');
      if (Date.now() >= deadline) return { ...result, stoppedBy: 'deadline' };
      if (Date.now() >= budgetEnd) return { ...result, stoppedBy: 'budget' };

      const mailing = await findMailing(db, mailingId);
      if (!mailing) throw new MailingNotFoundError(mailingId);
      // An ends_at shortened since this activity was scheduled applies from the next batch on.
      deadline = Math.min(deadline, mailing.ends_at.getTime());
      if (Date.now() >= deadline) return { ...result, stoppedBy: 'deadline' };
      // Rotate the zone order each round so every zone in the group gets its turn first.
      const shift = round++ % Math.max(input.timezones.length, 1);
      const zones = [...input.timezones.slice(shift), ...input.timezones.slice(0, shift)];
      const batch = await claimDueMessages(db, mailingId, zones, settings.batchSize, settings.leaseMs);
      if (batch.length === 0) return { ...result, exhausted: true, stoppedBy: 'exhausted' };

      const unsent: number[] = [];
      // Acceptances are written in small groups: one statement per group instead of one per message. A crash before
      // a flush only means those ids are sent again later, which the provider dedupes by message id.
      let accepted: number[] = [];
      const flush = async () => {
        const ids = accepted;
        accepted = [];
        result.sent += await markSent(db, ids);
      };
      await runPool(batch, settings.concurrency, async (message: ClaimedMessage) => {
        const remaining = deadline - Date.now();
        if (outage !== null || signal.aborted || remaining <= 0) {
          unsent.push(message.id);
          return;
        }
        const msgLog = log.child({ messageId: message.id, clientId: message.client_id });
        let outcome;
        try {
          outcome = await provider.send(
            { id: message.id, phone: message.phone, text: mailing.text },
            { signal, timeoutMs: Math.min(settings.providerTimeoutMs, remaining) },
          );
        } catch (err) {
          unsent.push(message.id); // cancelled mid-call: the provider may have it; the id keeps a resend idempotent
          msgLog.info({ err: String(err) }, 'send aborted');
          return;
        }
        if (outcome.ok) {
          (streak = []), (streakOutageLike = true);
          accepted.push(message.id);
          if (accepted.length >= SENT_FLUSH_SIZE) await flush();
          msgLog.info({ attempt: message.attempts, durationMs: outcome.durationMs }, 'message sent');
        } else if (outcome.kind === 'rejected') {
          (streak = []), (streakOutageLike = true);
          if (await failMessage(deps, mailingId, message, outcome.error)) result.failed++;
          msgLog.warn({ attempt: message.attempts, error: outcome.error }, 'message rejected by provider');
        } else if (outcome.kind === 'transient' && Date.now() >= deadline - 5) {
          // Cut off by the deadline, not the provider's fault: give it back untouched.
          unsent.push(message.id);
          msgLog.info({ error: outcome.error }, 'send cut off at the deadline');
        } else {
          // transient or unauthorized: count towards the outage breaker
          streak.push(message.id);
          streakOutageLike &&= looksLikeOutage(outcome);
          // Outage answers trip the breaker even on a batch of one; other errors need two in a row at least.
          const tripAt = Math.min(threshold, streakOutageLike ? batch.length : Math.max(2, batch.length));
          if (streak.length >= tripAt || outcome.kind === 'unauthorized') outage = `${outcome.kind}: ${outcome.error}`;
          if (outcome.kind !== 'unauthorized' && message.attempts >= settings.maxAttempts && outage === null) {
            if (await failMessage(deps, mailingId, message, outcome.error)) result.failed++;
            msgLog.warn({ attempt: message.attempts, error: outcome.error }, 'message failed: attempts exhausted');
          } else {
            await markRetry(db, message.id, outcome.error, retryDelayMs(message.attempts, settings.retryBaseMs));
            result.retrying++;
            msgLog.info({ attempt: message.attempts, error: outcome.error }, 'send failed, will retry');
          }
        }
        ctx.heartbeat({ sent: result.sent, failed: result.failed });
      });

      await flush();
      // Claimed but not attempted: give them back without charging an attempt.
      await releaseMessages(db, unsent, true);
      if (outage !== null) {
        // A long streak, or one made only of outage answers (unreachable, timeouts, 503...), was the provider's
        // fault, not the messages': refund those attempts. A short streak of other errors (500s, garbage on a small
        // batch) still backs off, but its attempts count, so a message that always fails ends up failed.
        if (streak.length >= threshold || streakOutageLike) await releaseMessages(db, streak, true);
        log.warn({ error: outage, streak: streak.length }, 'provider unavailable, backing off');
        throw new ProviderUnavailableError(`provider unavailable: ${outage}`);
      }
      if (signal.aborted) throw new CancelledFailure('send cancelled');
      ctx.heartbeat({ sent: result.sent, failed: result.failed });
    }
  }
}
