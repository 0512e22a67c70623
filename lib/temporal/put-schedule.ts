import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client, type ScheduleOptions, type ScheduleOptionsStartWorkflowAction, type Workflow } from '@temporalio/client';

/** Relay's Schedules: a run still going when the next is due skips the next; a missed time is caught up within a minute. */
export const SCHEDULE_POLICIES = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: 60_000 };

/**
 * Creates a Schedule, or brings an existing one in line: spec, action and policies replaced, `state` (paused, note)
 * applied when given. Idempotent, so boot can call it every time. (The memo is set at creation only.)
 */
export async function putSchedule(client: Client, schedule: ScheduleOptions<ScheduleOptionsStartWorkflowAction<Workflow>>): Promise<void> {
  const policies = schedule.policies ?? SCHEDULE_POLICIES;
  try {
    await client.schedule.create({ ...schedule, policies });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule
      .getHandle(schedule.scheduleId)
      .update((previous) => ({ ...previous, spec: schedule.spec, action: schedule.action, policies, state: { ...previous.state, ...schedule.state } }));
  }
}
