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
import { SlotPool } from '../lib/run-pool';
import { ProviderHealth } from '../lib/mailings/provider-health';
import { sendingHeldForMs } from '../lib/db/send-rate.repository';
import { rateBuckets, SendLimiter, sleepUnlessCancelled } from './send-limiter';
import { recordEvent } from '../lib/db/webhook-event.repository';
import { systemEvent, type EventPublisher } from '../lib/webhooks/publisher';

export interface SendDeps {
  db: Db;
  provider: SmsProvider;
  logger: Logger;
  events: EventPublisher;
  /** SEND_RATE_PER_S: messages per second across every worker and mailing; unset: no cap. */
  sendRatePerS?: number | null;
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

/** The outage breaker: a failure ratio over a window of recent answers (see lib/mailings/provider-health.ts). */
export const breakerOptions = (concurrency: number) => ({
  window: Math.max(50, 2 * concurrency),
  ratio: 0.5,
  minSamples: 20,
  streak: breakerThreshold(concurrency),
});

/** Requests past their slow mark that may run on without holding a concurrency slot, per concurrency slot. */
export const SLOW_RELEASE_FACTOR = 4;

const FLUSH_SIZE = 50;
/** While slow requests finish and nothing is due, how often to look for retries that fell due. */
const TAIL_POLL_MS = 250;

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
  const result = { sent: 0, failed: 0, retrying: 0, unknown: 0 };
  type End = Pick<SendMessagesResult, 'stoppedBy' | 'exhausted'>;
  const done = (stoppedBy: End['stoppedBy'], exhausted = false): End => ({ exhausted, stoppedBy });
  const health = new ProviderHealth(breakerOptions(settings.concurrency), input.health);
  /** Where the outcome of a request already counted (let go of its slot as slow) goes: nowhere. */
  const uncounted = { answered: (_ms?: number) => undefined, failed: (_outageLike: boolean) => undefined, tripReason: (batchSize: number) => health.tripReason(batchSize) };
  const slowIds = new Set<number>();
  // A request past its slow mark (most likely one the provider will never answer) gives its slot back while it
  // runs on to its answer or timeout: a few hanging requests hold up neither the healthy ones nor the next batch.
  const pool = new SlotPool({
    concurrency: settings.concurrency,
    maxReleased: SLOW_RELEASE_FACTOR * settings.concurrency,
    releaseAfterMs: () => health.slowAfterMs(timeoutMs),
  });
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
  let streakRetryable: number[] = []; // failed ids since the last answer, left pending (refunded if the provider was at fault)
  let outage: string | null = null;
  const limiter = new SendLimiter(db, settings.concurrency, (ms) => sleepUnlessCancelled(ms, signal));
  const infoEnabled = log.isLevelEnabled('info');
  const messageLog = (m: ClaimedMessage) => ({
    info: (fields: object, msg: string) => log.info({ messageId: m.id, clientId: m.client_id, ...fields }, msg),
    warn: (fields: object, msg: string) => log.warn({ messageId: m.id, clientId: m.client_id, ...fields }, msg),
  });
  let round = Math.floor(Math.random() * Math.max(input.timezones.length, 1));
  const beatNow = () => ctx.heartbeat({ sent: result.sent, failed: result.failed, unknown: result.unknown });
  // Heartbeat on a timer too: every call in flight may be waiting on a slow provider at once.
  const beat = setInterval(beatNow, 2_000);
  try {
    const end = await sendLoop();
    await pool.drain();
    await flush();
    return { ...result, ...end, health: health.state() };
  } catch (err) {
    // Requests still running were started: their outcomes are recorded before the activity gives up.
    await pool.drain().catch(() => undefined);
    await flush().catch((flushErr: unknown) => log.warn({ err: flushErr }, 'could not record the last answers; those messages will end unknown'));
    throw err;
  } finally {
    clearInterval(beat);
  }

  async function sendLoop(): Promise<End> {
    for (;;) {
      if (signal.aborted) throw new CancelledFailure('send cancelled');
      if (!mayStart()) return done('deadline');
      if (Date.now() >= budgetEnd) return done('budget');

      const mailing = await findMailing(db, mailingId);
      if (!mailing) throw new MailingNotFoundError(mailingId);
      // An ends_at shortened since this activity was scheduled applies from the next batch on.
      deadline = Math.min(deadline, mailing.ends_at.getTime());
      if (!mayStart()) return done('deadline');
      limiter.configure(rateBuckets(deps.sendRatePerS, mailing));
      // The provider asked (a 429 with Retry-After, seen by any worker) for a pause: wait it out before claiming.
      const held = await sendingHeldForMs(db);
      if (held > 0) {
        await sleepUnlessCancelled(Math.min(held, Math.max(deadline - Date.now(), 0), Math.max(budgetEnd - Date.now(), 0)), signal);
        continue;
      }
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
        if (pool.releasedRunning > 0) {
          // Slow requests still run to their answer or timeout: meanwhile, send what falls due (retries).
          await flush();
          await sleepUnlessCancelled(TAIL_POLL_MS, signal);
          continue;
        }
        return done('exhausted', true);
      }
      await sendBatch(batch, mailing.text);
      if (outage !== null) throw new ProviderUnavailableError(`provider unavailable: ${outage}`);
      if (signal.aborted) throw new CancelledFailure('send cancelled');
      beatNow();
    }
  }

  async function sendBatch(batch: ClaimedMessage[], text: string): Promise<void> {
    const unsent: number[] = [];
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

    // A request let go of its slot is most likely one the provider will never answer: it counts as a failure now,
    // in the order things happened (counted when its timeout comes, a burst of them would land after every answer
    // that came meanwhile and hand the next activity a window that looks like an outage).
    const onRelease = (message: ClaimedMessage) => {
      slowIds.add(message.id);
      health.failed(true);
      const trip = health.tripReason(batch.length);
      if (trip !== null && outage === null) outage = `${trip} (requests not answered in ${Math.round(health.slowAfterMs(timeoutMs))} ms)`;
    };
    await pool.run(batch, async (message, index, clock) => {
      if (stopStarting()) return void unsent.push(message.id);
      await ensureMarked(index);
      // The send slot last, right before the request: nothing between them to bunch requests up behind.
      await limiter.take(stopStarting);
      if (stopStarting()) return void unsent.push(message.id);
      // Fields instead of a child logger per message: a child is measurable work at thousands of messages a second.
      const msgLog = messageLog(message);
      // No cancellation signal: a request in flight runs to its answer or timeout, so its outcome is known.
      clock(); // from here on, a slow answer lets go of the slot
      const outcome = await provider.send({ id: message.id, phone: message.phone, text }, { timeoutMs });
      // Counted when it was let go of its slot: not again.
      const counted = slowIds.delete(message.id) ? uncounted : health;
      if (outcome.ok) {
        counted.answered(outcome.durationMs);
        streakRetryable = [];
        accepted.push(message.id);
        if (infoEnabled) msgLog.info({ attempt: message.attempts, durationMs: outcome.durationMs }, 'message sent');
      } else if (outcome.kind === 'rejected') {
        counted.answered();
        streakRetryable = [];
        if (await failMessage(deps, mailingId, message, outcome.error)) result.failed++;
        msgLog.warn({ attempt: message.attempts, error: outcome.error }, 'message rejected by provider');
      } else if (outcome.status === 429 && outcome.retryAfterMs !== undefined) {
        // Flow control, not a failure: every worker holds its requests that long, and this message goes again
        // after it without spending an attempt.
        await limiter.hold(outcome.retryAfterMs);
        await markRetry(db, message.id, outcome.error, outcome.retryAfterMs, true);
        result.retrying++;
        msgLog.info({ attempt: message.attempts, retryAfterMs: outcome.retryAfterMs }, 'provider asked to slow down');
      } else {
        // transient, unauthorized or unknown: counts towards the outage breaker
        counted.failed(looksLikeOutage(outcome));
        if (outcome.retryAfterMs !== undefined) await limiter.hold(outcome.retryAfterMs); // a 503 saying how long
        const trip = outcome.kind === 'unauthorized' ? 'credentials refused' : counted.tripReason(batch.length);
        if (trip !== null && outage === null) outage = `${trip}; last: ${outcome.kind}: ${outcome.error}`;
        if (outcome.kind === 'unknown' && !settings.providerDedupes) {
          unanswered.push({ id: message.id, error: outcome.error });
          msgLog.warn({ attempt: message.attempts, error: outcome.error }, 'no usable answer: the message may have been sent; not resent');
        } else if (outcome.kind !== 'unauthorized' && message.attempts >= settings.maxAttempts && outage === null) {
          if (await failMessage(deps, mailingId, message, outcome.error)) result.failed++;
          msgLog.warn({ attempt: message.attempts, error: outcome.error }, 'message failed: attempts exhausted');
        } else {
          streakRetryable.push(message.id);
          await markRetry(db, message.id, outcome.error, Math.max(retryDelayMs(message.attempts, settings.retryBaseMs), outcome.retryAfterMs ?? 0));
          result.retrying++;
          msgLog.info({ attempt: message.attempts, error: outcome.error }, 'send failed, will retry');
        }
      }
      // No heartbeat per message: each one is encoded and handed to the SDK's core (measurable at thousands a
      // second); the 2 s timer and one per batch are plenty for a 20 s heartbeat timeout.
      if (accepted.length + unanswered.length >= FLUSH_SIZE) await flush();
    }, onRelease);

    await flush();
    // Claimed but not attempted: give them back without charging an attempt.
    await releaseMessages(db, unsent, true);
    if (outage !== null) {
      // The provider was down, not the messages at fault: the failures since its last answer get their attempt back.
      await releaseMessages(db, streakRetryable, true);
      log.warn({ error: outage }, 'provider unavailable, backing off');
    }
  }
}
