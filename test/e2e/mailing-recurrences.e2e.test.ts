import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { ScheduleNotFoundError, ScheduleOverlapPolicy } from '@temporalio/client';
import { insertRecurrence } from '../../lib/db/mailing-recurrence.repository';
import { OCCURRENCE_WORKFLOW_TYPE, recurrenceScheduleId, type OccurrenceInput, type OccurrenceResult } from '../../workflows/mailing-occurrence.contract';
import { insertClients } from '../support/fixtures';
import { startStack, waitFor, type Stack } from '../support/stack';

// Recurring mailings end to end: the API, the Temporal dev server's Schedules, PostgreSQL, the worker, the fake provider.
let s: Stack;
before(async () => {
  s = await startStack();
});
after(async () => {
  await s?.close();
});
beforeEach(() => s.provider.reset());

const schedule = (id: number) => s.env.client.schedule.getHandle(recurrenceScheduleId(id));
const BASE = '/api/v1/mailing-recurrences';

async function create(body: Record<string, unknown>) {
  const created = await s.http('POST', BASE, { text: 'Daily digest', ...body });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return created.body;
}

test('a recurrence’s Temporal Schedule follows create, pause, resume, change and delete', async () => {
  const created = await create({ cron: '30 9 * * 1-5', timezone: 'Europe/Moscow', occurrence_duration_minutes: 30, filter: { tags: ['daily'] } });
  assert.equal(created.schedule_id, `relay-mailing-recurrence-${created.id}`);
  assert.equal(created.paused, false);
  assert.equal(created.next_runs.length, 5);
  let described = await schedule(created.id).describe();
  assert.equal(described.spec.timezone, 'Europe/Moscow');
  assert.ok(described.spec.calendars && described.spec.calendars.length > 0, 'the cron became a calendar spec');
  assert.equal(described.state.paused, false);
  assert.equal(described.policies.overlap, ScheduleOverlapPolicy.ALLOW_ALL);
  assert.equal(described.policies.catchupWindow, 60_000);
  assert.equal(described.action.type, 'startWorkflow');
  assert.equal(described.action.workflowType, OCCURRENCE_WORKFLOW_TYPE);
  assert.equal(described.action.taskQueue, s.config.TEMPORAL_TASK_QUEUE);
  for (const next of described.info.nextActionTimes) {
    assert.deepEqual([next.getUTCHours(), next.getUTCMinutes()], [6, 30], '09:30 in Moscow (UTC+3)');
    assert.ok(next.getUTCDay() >= 1 && next.getUTCDay() <= 5, 'weekdays only');
  }
  const shown = await s.http('GET', `${BASE}/${created.id}`);
  assert.equal(shown.status, 200);
  assert.deepEqual(shown.body.next_runs, described.info.nextActionTimes.slice(0, 5).map((d) => d.toISOString()));

  const paused = await s.http('PATCH', `${BASE}/${created.id}`, { paused: true });
  assert.equal(paused.status, 200, JSON.stringify(paused.body));
  assert.equal(paused.body.paused, true);
  assert.equal((await schedule(created.id).describe()).state.paused, true, 'paused: true pauses the Schedule');
  assert.equal((await s.http('PATCH', `${BASE}/${created.id}`, { paused: false })).body.paused, false);
  assert.equal((await schedule(created.id).describe()).state.paused, false, 'paused: false resumes it');

  const changed = await s.http('PATCH', `${BASE}/${created.id}`, { cron: '0 12 * * *', timezone: 'UTC', text: 'Noon digest' });
  assert.equal(changed.status, 200, JSON.stringify(changed.body));
  assert.equal(changed.body.cron, '0 12 * * *');
  described = await schedule(created.id).describe();
  assert.equal(described.spec.timezone, 'UTC');
  for (const next of described.info.nextActionTimes) assert.deepEqual([next.getUTCHours(), next.getUTCMinutes()], [12, 0]);

  // To the daily form and back: days counted from starts_at, so exactly that many runs are left.
  const daily = await s.http('PATCH', `${BASE}/${created.id}`, { every_day_at: '08:15', days: 2, starts_at: new Date(Date.now() + 3_600_000).toISOString() });
  assert.equal(daily.status, 200, JSON.stringify(daily.body));
  assert.deepEqual([daily.body.cron, daily.body.every_day_at, daily.body.days], ['15 8 * * *', '08:15', 2]);
  assert.equal((await schedule(created.id).describe()).info.nextActionTimes.length, 2);
  const back = await s.http('PATCH', `${BASE}/${created.id}`, { cron: '0 7 * * *' });
  assert.deepEqual([back.body.every_day_at, back.body.days], [null, null]);
  const onlyDays = await s.http('PATCH', `${BASE}/${created.id}`, { days: 3 });
  assert.equal(onlyDays.status, 400, 'days alone on a cron recurrence');
  assert.equal(onlyDays.body.errors[0].path, 'body.every_day_at');

  assert.equal((await s.http('GET', `${BASE}/${created.id}`)).body.cron, '0 7 * * *', 'the refused change changed nothing');

  const list = await s.http('GET', `${BASE}?limit=500`);
  assert.ok(list.body.items.some((r: { id: number; next_runs?: unknown }) => r.id === created.id && r.next_runs === undefined));

  assert.equal((await s.http('DELETE', `${BASE}/${created.id}`)).status, 204);
  await assert.rejects(schedule(created.id).describe(), ScheduleNotFoundError);
  assert.equal((await s.http('GET', `${BASE}/${created.id}`)).status, 404);
  assert.equal((await s.http('DELETE', `${BASE}/${created.id}`)).status, 404);
});

test('a triggered Schedule creates one occurrence mailing that sends; the same fire time twice creates one', async () => {
  const clients = await insertClients(s.tdb.db, 5, { operator: '931', tag: 'recurring' });
  await insertClients(s.tdb.db, 3, { operator: '931', tag: 'other' });
  // A cron far away: only the trigger fires it.
  const created = await create({ cron: '0 3 1 1 *', occurrence_duration_minutes: 15, filter: { operator_codes: ['931'], tags: ['recurring'] }, text: 'Recurring hello' });
  await schedule(created.id).trigger();
  const occurrences = async () => (await s.http('GET', `${BASE}/${created.id}/occurrences`)).body.items;
  await waitFor(async () => (await occurrences()).length === 1, 30_000, 'the occurrence mailing');
  const [mailing] = await occurrences();
  assert.equal(mailing.recurrence_id, created.id);
  assert.equal(mailing.text, 'Recurring hello');
  assert.equal(mailing.starts_at, mailing.occurrence_at);
  assert.equal(Date.parse(mailing.ends_at) - Date.parse(mailing.starts_at), 15 * 60_000);
  assert.deepEqual(mailing.filter, { operator_codes: ['931'], tags: ['recurring'] });
  const actions = (await schedule(created.id).describe()).info.recentActions;
  assert.equal(actions.length, 1);
  // The fire time Temporal scheduled (its TemporalScheduledStartTime search attribute has whole seconds).
  assert.equal(Date.parse(mailing.occurrence_at), Math.floor(actions[0].scheduledAt.getTime() / 1000) * 1000, 'the occurrence is the fire time');
  const occurrenceRun = s.env.client.workflow.getHandle(actions[0].action.workflow.workflowId);
  const result: OccurrenceResult = await occurrenceRun.result();
  assert.deepEqual([result.mailingId, result.created], [mailing.id, true]);

  // Its own workflow, messages and statistics: it sends to exactly the filtered clients.
  await waitFor(async () => (await s.http('GET', `/api/v1/mailings/${mailing.id}/stats`)).body.counts?.sent === 5, 60_000, 'the occurrence sent');
  const byPhone = s.provider.deliveriesByPhone();
  assert.deepEqual([...byPhone.keys()].map(String).sort(), clients.map((c) => c.phone).sort());
  assert.ok([...byPhone.values()].every((d) => d.length === 1 && d[0].text === 'Recurring hello'));
  assert.equal((await s.http('GET', `/api/v1/mailings/${mailing.id}`)).body.recurrence_id, created.id);

  // The same fire time again (a retried activity, or a second run of the occurrence workflow): the same mailing.
  const again = async (suffix: string): Promise<OccurrenceResult> => {
    const input: OccurrenceInput = { recurrenceId: created.id, scheduledAt: mailing.occurrence_at };
    return s.env.client.workflow.execute(OCCURRENCE_WORKFLOW_TYPE, { workflowId: `test-occurrence-${created.id}-${suffix}`, taskQueue: s.config.TEMPORAL_TASK_QUEUE, args: [input] });
  };
  const [second, third] = await Promise.all([again('a'), again('b')]);
  assert.deepEqual([second.mailingId, second.created, third.mailingId, third.created], [mailing.id, false, mailing.id, false]);
  assert.equal((await occurrences()).length, 1, 'still one mailing for that fire time');

  // A second trigger is another fire time: another mailing.
  await schedule(created.id).trigger();
  await waitFor(async () => (await occurrences()).length === 2, 30_000, 'the second occurrence');

  // Deleting the recurrence keeps its mailings (no longer linked); an occurrence of it still on its way creates nothing.
  assert.equal((await s.http('DELETE', `${BASE}/${created.id}`)).status, 204);
  assert.equal((await s.http('GET', `/api/v1/mailings/${mailing.id}`)).status, 200);
  const later: OccurrenceResult = await s.env.client.workflow.execute(OCCURRENCE_WORKFLOW_TYPE, {
    workflowId: `test-occurrence-${created.id}-new-time`,
    taskQueue: s.config.TEMPORAL_TASK_QUEUE,
    args: [{ recurrenceId: created.id, scheduledAt: new Date().toISOString() }],
  });
  assert.deepEqual([later.mailingId, later.skipped], [null, 'deleted']);
});

test('the worker brings recurrence Schedules in line with the rows at boot', async () => {
  const row = await insertRecurrence(s.tdb.db, {
    text: 'orphan', filter: JSON.stringify({ operatorCodes: [], tags: [] }), send_window: JSON.stringify(null),
    cron: '45 6 * * *', timezone: 'Asia/Tokyo', every_day_at: null, days: null, starts_at: null, ends_at: null, occurrence_minutes: 60, paused: true,
  });
  await assert.rejects(schedule(row.id).describe(), ScheduleNotFoundError);
  await s.stopWorker();
  await s.startWorker();
  const described = await schedule(row.id).describe();
  assert.equal(described.spec.timezone, 'Asia/Tokyo');
  assert.equal(described.state.paused, true);
});
