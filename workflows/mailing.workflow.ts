import {
  ActivityCancellationType,
  ActivityFailure,
  allHandlersFinished,
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  log,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { MailingActivities } from '../activities/mailing.activities';
import type { ProviderHealthState } from '../lib/mailings/provider-health';
import { planWindows, type WindowGroup } from '../lib/time/window';
import {
  editUpdate,
  emptyCounts,
  pauseSignal,
  progressQuery,
  resumeSignal,
  type MailingCarriedState,
  type MailingEdit,
  type MailingPhase,
  type MailingProgress,
  type MailingResult,
  type MailingWorkflowInput,
  type SendMessagesResult,
} from './mailing.contract';

// Database bookkeeping: short, retried quickly and for long.
const db = proxyActivities<MailingActivities>({
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1 minute', nonRetryableErrorTypes: ['MailingNotFoundError'] },
});

// Writing an accepted edit: the caller waits on it, so a few quick retries, then the update fails visibly. A write
// PostgreSQL refuses (DataRejectedError) fails it at once.
const edits = proxyActivities<MailingActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '5 seconds', maximumAttempts: 5, nonRetryableErrorTypes: ['MailingNotFoundError', 'DataRejectedError'] },
});

const FINAL_PHASES: MailingPhase[] = ['finishing', 'cancelling', 'completed', 'cancelled'];

/** Histories stay far below Temporal's limits: continue as new well before the server suggests it. */
const MAX_HISTORY_EVENTS = 2_000;
/**
 * Send activities stop themselves at their deadline (every provider call is bounded by it), so the workflow's own
 * ends_at timer is only a backstop for a stuck activity; the grace keeps the two from racing.
 */
const CUTOFF_GRACE_MS = 5_000;
/** Never spin: a back-off wait is at least this long. */
const MIN_RETRY_WAIT_MS = 1_000;

export async function mailingWorkflow(input: MailingWorkflowInput): Promise<MailingResult> {
  const { mailingId, settings } = input;
  let startsAt = Date.parse(input.startsAt);
  let endsAt = Date.parse(input.endsAt);
  let sendWindow = input.sendWindow;
  const state: MailingCarriedState = input.state ?? { materialized: false, paused: false, total: 0, counts: emptyCounts(), generation: 0 };
  let phase: MailingPhase = state.materialized ? 'sending' : 'scheduled';
  let nextWakeAt: number | null = null;
  let wake = 0; // bumped by every control message so sleeping code re-plans
  let providerHealth: ProviderHealthState | undefined; // the provider's recent failure window, from the last send

  const progress = (): MailingProgress => ({
    mailingId,
    phase: state.paused && phase !== 'completed' && phase !== 'cancelled' ? 'paused' : phase,
    paused: state.paused,
    total: state.total,
    counts: { ...state.counts },
    startsAt: new Date(startsAt).toISOString(),
    endsAt: new Date(endsAt).toISOString(),
    nextWakeAt: nextWakeAt === null ? null : new Date(nextWakeAt).toISOString(),
    generation: state.generation,
  });

  setHandler(progressQuery, progress);
  setHandler(pauseSignal, () => {
    if (!state.paused) (state.paused = true), wake++;
  });
  setHandler(resumeSignal, () => {
    if (state.paused) (state.paused = false), wake++;
  });
  setHandler(
    editUpdate,
    async (edit: MailingEdit) => {
      // The row first (an activity), then this run's own view: both or, if the write fails, neither.
      await edits.applyMailingEdit({ mailingId, edit });
      if (edit.startsAt !== undefined) startsAt = Date.parse(edit.startsAt);
      if (edit.endsAt !== undefined) endsAt = Date.parse(edit.endsAt);
      if (edit.sendWindow !== undefined) sendWindow = edit.sendWindow;
      // Timing changes re-plan (and cut in-flight sends); a new text is simply read by the next batch.
      if (edit.startsAt !== undefined || edit.endsAt !== undefined || edit.sendWindow !== undefined) wake++;
      return progress();
    },
    {
      validator: (edit: MailingEdit) => {
        if (FINAL_PHASES.includes(phase)) throw new Error(`mailing is ${phase}`);
        const started = phase !== 'scheduled';
        if (started && edit.startsAt !== undefined) throw new Error('starts_at cannot change after the mailing started');
        if (started && edit.filter !== undefined) throw new Error('filter cannot change after the mailing started');
        const newStart = edit.startsAt !== undefined ? Date.parse(edit.startsAt) : startsAt;
        const newEnd = edit.endsAt !== undefined ? Date.parse(edit.endsAt) : endsAt;
        if (!(newEnd > newStart)) throw new Error('ends_at must be after starts_at');
        if (edit.endsAt !== undefined && newEnd <= Date.now()) throw new Error('ends_at must be in the future');
      },
    },
  );

  /** Sleeps until `until` (or forever if null), waking early on any control message. */
  async function sleepUntil(until: number | null): Promise<void> {
    const seen = wake;
    nextWakeAt = until;
    if (until === null) await condition(() => wake !== seen);
    else if (until > Date.now()) await condition(() => wake !== seen, until - Date.now());
    nextWakeAt = null;
  }

  async function setStatus(status: 'running' | 'paused'): Promise<void> {
    await db.setMailingStatus({ mailingId, status });
  }

  try {
    // 1. Durable timer until the start (edits of starts_at re-plan it).
    while (!state.materialized && Date.now() < startsAt) await sleepUntil(startsAt);

    // 2. Materialise matching clients as messages (idempotent: one row per (mailing, client)).
    if (!state.materialized) {
      await condition(allHandlersFinished); // an accepted filter edit is written before the filter is read
      phase = 'materializing';
      const started = await db.startMailing({ mailingId });
      if (!started.found) return { mailingId, outcome: 'not-found', runs: 1, total: 0, counts: emptyCounts() };
      state.materialized = true;
      state.total = started.total;
      state.counts = started.counts;
      log.info('mailing started', { mailingId, total: started.total });
    }

    // 3. Send per timezone group while its local window is open, until done or ends_at.
    let pausedRecorded = false;
    for (;;) {
      if (Date.now() >= endsAt) break;
      if (state.paused) {
        phase = 'paused';
        if (!pausedRecorded) await setStatus('paused'), (pausedRecorded = true);
        await sleepUntil(endsAt);
        continue;
      }
      if (pausedRecorded) await setStatus('running'), (pausedRecorded = false);

      if (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > (input.historyLimit ?? MAX_HISTORY_EVENTS)) {
        await condition(allHandlersFinished);
        return await continueAsNew<typeof mailingWorkflow>({
          ...input,
          startsAt: new Date(startsAt).toISOString(),
          endsAt: new Date(endsAt).toISOString(),
          sendWindow,
          state: { ...state, generation: state.generation + 1 },
        });
      }

      const { zones: backlog, counts } = await db.backlog({ mailingId });
      state.counts = counts;
      if (backlog.length === 0) break; // everything sent or failed

      const now = Date.now();
      const groups = planWindows(backlog.map((zone) => zone.timezone), sendWindow, now, endsAt);
      if (groups.length === 0) {
        // No window opens again before ends_at: wait for it (an edit of ends_at or the window re-plans).
        phase = 'waiting-window';
        await sleepUntil(endsAt);
        continue;
      }
      const due = new Set(backlog.filter((zone) => zone.due > 0).map((zone) => zone.timezone));
      const active = groups.filter((group) => group.start <= now && group.timezones.some((tz) => due.has(tz)));

      if (active.length === 0) {
        // Either no window is open, or every message in the open windows is in provider back-off.
        const openZones = new Set(groups.filter((g) => g.start <= now).flatMap((g) => g.timezones));
        const retryAts = backlog
          .filter((zone) => openZones.has(zone.timezone) && zone.dueInMs !== null)
          .map((zone) => now + Math.max(zone.dueInMs as number, MIN_RETRY_WAIT_MS));
        const nextOpen = groups.filter((g) => g.start > now).map((g) => g.start);
        const until = Math.min(endsAt, ...retryAts, ...nextOpen, ...groups.filter((g) => g.start <= now).map((g) => g.end));
        phase = retryAts.length > 0 && Math.min(...retryAts) <= Math.min(endsAt, ...nextOpen) ? 'retry-wait' : 'waiting-window';
        await sleepUntil(until);
        continue;
      }

      phase = 'sending';
      const progressed = await sendActiveGroups(active);
      if (!progressed) await sleepUntil(Date.now() + MIN_RETRY_WAIT_MS); // never spin on a round that moved nothing
    }

    // 4. Nothing is sent at or after ends_at: whatever is still pending expires.
    phase = 'finishing';
    await condition(allHandlersFinished);
    const counts = await db.finishMailing({ mailingId });
    state.counts = counts;
    phase = 'completed';
    log.info('mailing completed', { mailingId, ...counts });
    return { mailingId, outcome: 'completed', runs: state.generation + 1, total: state.total, counts };
  } catch (err) {
    if (!isCancellation(err)) throw err;
    phase = 'cancelling';
    const counts = await CancellationScope.nonCancellable(() => db.cancelMailing({ mailingId }));
    state.counts = counts;
    phase = 'cancelled';
    log.info('mailing cancelled', { mailingId });
    throw err;
  }

  /** One send activity per open window group, raced against ends_at and control messages. */
  async function sendActiveGroups(active: WindowGroup[]): Promise<boolean> {
    const seen = wake;
    let moved = 0;
    const scope = new CancellationScope();
    const sends = scope.run(() =>
      Promise.all(
        active.flatMap(splitGroup).map((group) =>
          sendGroup(group).then(
            (result) => {
              moved += result.sent + result.failed + result.retrying + (result.unknown ?? 0);
              record(result);
            },
            (err: unknown) => handleSendFailure(err),
          ),
        ),
      ),
    );
    const watch = new CancellationScope();
    const interrupted = watch
      .run(() => condition(() => wake !== seen, Math.max(endsAt - Date.now(), 0) + CUTOFF_GRACE_MS))
      .catch((err: unknown) => {
        if (!isCancellation(err)) throw err;
      });
    await Promise.race([sends, interrupted]);
    watch.cancel(); // drop the ends_at timer if the sends finished first
    if (wake !== seen || Date.now() >= endsAt) {
      scope.cancel(); // paused/edited, or an activity stuck past ends_at: cut in-flight work off
    }
    await sends;
    return moved > 0 || wake !== seen;
  }

  /**
   * A group's zones dealt round-robin into up to `settings.parallelism` slices, one send activity each (disjoint
   * claims): one mailing can then use several workers. One slice (the default) is the group itself.
   */
  function splitGroup(group: WindowGroup): WindowGroup[] {
    const slices = Math.min(Math.max(settings.parallelism ?? 1, 1), group.timezones.length);
    if (slices <= 1) return [group];
    return Array.from({ length: slices }, (_, i) => ({ ...group, timezones: group.timezones.filter((_, j) => j % slices === i) }));
  }

  function sendGroup(group: WindowGroup): Promise<SendMessagesResult> {
    const deadline = Math.min(group.end, endsAt);
    // Provider outages surface as ProviderUnavailableError and back off here, bounded by the deadline.
    const provider = proxyActivities<MailingActivities>({
      startToCloseTimeout: settings.activityBudgetMs + 2 * settings.providerTimeoutMs + 60_000,
      // Retries of an unavailable provider stop past the deadline; the ends_at race below normally cuts first,
      // and an attempt started after the deadline returns at once.
      scheduleToCloseTimeout: Math.max(deadline - Date.now(), 0) + 60_000,
      heartbeatTimeout: '20 seconds',
      cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
      retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '2 minutes', nonRetryableErrorTypes: ['MailingNotFoundError'] },
    });
    return provider.sendMessages({ mailingId, timezones: group.timezones, deadline: new Date(deadline).toISOString(), settings, health: providerHealth });
  }

  function record(result: SendMessagesResult): void {
    if (result.health) providerHealth = result.health; // the next send activity judges the provider with this history
    // Live estimate between backlog reads (which replace the counts with the database's).
    const settled = result.sent + result.failed + (result.unknown ?? 0);
    state.counts.sent += result.sent;
    state.counts.failed += result.failed;
    state.counts.unknown = (state.counts.unknown ?? 0) + (result.unknown ?? 0);
    state.counts.pending = Math.max(0, state.counts.pending - settled);
  }

  function handleSendFailure(err: unknown): void {
    if (isCancellation(err)) return; // we cut it off ourselves
    if (err instanceof ActivityFailure) {
      // Deadline (window close or ends_at) reached, e.g. while the provider was unavailable: re-plan.
      log.warn('send activity ended without finishing', { mailingId, error: err.cause?.message || err.cause?.name || err.message });
      return;
    }
    throw err;
  }
}
