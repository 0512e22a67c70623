import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ScheduleNotFoundError } from '@temporalio/client';
import { insertIntegration } from '../../lib/db/integration.repository';
import { integrationScheduleId, SYNC_ALL_SCHEDULE_ID, type SyncResult } from '../../workflows/integration.contract';
import { startFakeJsonApi, type FakeJsonApi } from '../support/fake-json-api';
import { createIntegration, finishedRun, syncNow, type RunBody } from '../support/integrations';
import { startStack, waitFor, type Stack } from '../support/stack';

let s: Stack;
let api: FakeJsonApi;

before(async () => {
  [s, api] = await Promise.all([startStack(), startFakeJsonApi({ items: 30 })]);
});
after(async () => {
  await s?.close();
  await api?.close();
});

const config = () => ({ url: `${api.url}/page`, items_path: 'data', pagination: { type: 'page', page_size: 10 } });
const schedule = (id: number) => s.env.client.schedule.getHandle(integrationScheduleId(id));
const runs = async (id: number): Promise<RunBody[]> => (await s.http('GET', `/api/v1/integrations/${id}/runs`)).body.items;

test('an integration’s Temporal Schedule follows create, pause, change and delete', async () => {
  const created = await createIntegration(s, { provider: 'http-json', config: config(), schedule: { kind: 'interval', every_seconds: 3600 } });
  let described = await schedule(created.id).describe();
  assert.equal(described.spec.intervals?.[0].every, 3_600_000);
  assert.equal(described.state.paused, false);
  assert.equal(described.action.type, 'startWorkflow');
  assert.equal(described.action.workflowType, 'integrationSyncWorkflow');
  assert.equal(described.action.taskQueue, s.config.INTEGRATION_TASK_QUEUE);
  const shown = await s.http('GET', `/api/v1/integrations/${created.id}`);
  assert.equal(shown.body.temporal_schedule.id, integrationScheduleId(created.id));
  assert.equal(shown.body.temporal_schedule.next_runs.length > 0, true);

  assert.equal((await s.http('PATCH', `/api/v1/integrations/${created.id}`, { active: false })).status, 200);
  assert.equal((await schedule(created.id).describe()).state.paused, true, 'inactive pauses the Schedule');

  const changed = await s.http('PATCH', `/api/v1/integrations/${created.id}`, {
    active: true,
    priority: 'high',
    schedule: { kind: 'cron', cron: '15 */6 * * *', timezone: 'Europe/Moscow' },
  });
  assert.equal(changed.status, 200, JSON.stringify(changed.body));
  described = await schedule(created.id).describe();
  assert.equal(described.state.paused, false);
  assert.equal(described.spec.timezone, 'Europe/Moscow');
  assert.equal(described.spec.intervals?.length ?? 0, 0);
  assert.ok(described.spec.calendars && described.spec.calendars.length > 0, 'the cron became a calendar spec');
  assert.equal(described.action.type === 'startWorkflow' && described.action.taskQueue, s.config.INTEGRATION_PRIORITY_TASK_QUEUE, 'high priority → the priority task queue');
  for (const next of described.info.nextActionTimes) assert.equal(next.getUTCMinutes(), 15);

  // A cron Temporal cannot parse: 400, and neither the row nor the Schedule change.
  const refused = await s.http('PATCH', `/api/v1/integrations/${created.id}`, { schedule: { kind: 'cron', cron: '99 * * * *', timezone: 'UTC' } });
  assert.equal(refused.status, 400, JSON.stringify(refused.body));
  assert.equal(refused.body.errors[0].path, 'body.schedule');
  assert.equal((await s.http('GET', `/api/v1/integrations/${created.id}`)).body.schedule.cron, '15 */6 * * *');
  assert.equal((await schedule(created.id).describe()).spec.timezone, 'Europe/Moscow');

  assert.equal((await s.http('DELETE', `/api/v1/integrations/${created.id}`)).status, 204);
  await assert.rejects(schedule(created.id).describe(), ScheduleNotFoundError);
  assert.equal((await s.http('GET', `/api/v1/integrations/${created.id}`)).status, 404);
});

test('a Schedule’s run syncs; runs never overlap, whoever starts them', async () => {
  const created = await createIntegration(s, { provider: 'http-json', config: config() });
  await schedule(created.id).trigger();
  await waitFor(async () => (await runs(created.id)).some((r) => r.status === 'succeeded'), 60_000, 'the scheduled run');
  const [scheduled] = await runs(created.id);
  assert.equal(scheduled.trigger, 'schedule');
  assert.match(scheduled.workflow_id ?? '', new RegExp(`^sync-${created.id}-`));
  assert.deepEqual([scheduled.fetched, scheduled.inserted], [30, 30]);

  api.setLatency(400);
  try {
    const running = await syncNow(s, created.id, true);
    const second = await s.http('POST', `/api/v1/integrations/${created.id}/sync`, {});
    assert.equal(second.status, 409, 'sync now while a run goes');
    assert.match(second.body.detail, /syncing already/);
    await schedule(created.id).trigger();
    // The Schedule's workflow finds the run going and stops without opening one.
    await waitFor(async () => (await schedule(created.id).describe()).info.recentActions.length >= 2, 30_000, 'the second scheduled action');
    const actions = (await schedule(created.id).describe()).info.recentActions;
    const result: SyncResult = await s.env.client.workflow.getHandle(actions[actions.length - 1].action.workflow.workflowId).result();
    assert.equal(result.status, 'skipped');
    assert.equal(result.skipped, 'running');
    assert.equal((await finishedRun(s, created.id, running.id)).status, 'succeeded');

    // A run can be cancelled: it ends cancelled, the next one can start.
    const slow = await syncNow(s, created.id, true);
    assert.equal((await s.http('POST', `/api/v1/integrations/${created.id}/runs/${slow.id}/cancel`)).status, 202);
    const cancelled = await finishedRun(s, created.id, slow.id);
    assert.equal(cancelled.status, 'cancelled');
    assert.equal((await s.http('POST', `/api/v1/integrations/${created.id}/runs/${slow.id}/cancel`)).status, 409, 'not running any more');
  } finally {
    api.setLatency(0);
  }
  assert.equal((await runs(created.id)).length, 3, 'one scheduled run, one sync now, one cancelled; the skipped one opened none');
});

test('the sync-all Schedule starts a run of every active integration', async () => {
  const active = await createIntegration(s, { provider: 'http-json', config: config() });
  const inactive = await createIntegration(s, { provider: 'http-json', config: config(), active: false });
  await s.env.client.schedule.getHandle(SYNC_ALL_SCHEDULE_ID).trigger();
  await waitFor(async () => (await runs(active.id)).some((r) => r.trigger === 'sync-all' && r.status === 'succeeded'), 60_000, 'sync-all run');
  assert.equal((await runs(inactive.id)).length, 0, 'inactive integrations are left alone');
});

test('the worker brings Schedules in line with the rows at boot', async () => {
  // A row whose Schedule was never made (the API could not reach Temporal, say).
  const row = await insertIntegration(s.tdb.db, { name: 'orphan', provider: 'http-json', credential_id: null, config: config(), schedule: { kind: 'interval', every_seconds: 7200 }, active: true, priority: 'normal' });
  await assert.rejects(schedule(row.id).describe(), ScheduleNotFoundError);
  await s.stopWorker();
  await s.startWorker();
  assert.equal((await schedule(row.id).describe()).spec.intervals?.[0].every, 7_200_000);
});

test('deleting an integration during a run cancels the run’s workflow and removes its records', async () => {
  const created = await createIntegration(s, { provider: 'http-json', config: config() });
  api.setLatency(400);
  try {
    const run = await syncNow(s, created.id);
    await waitFor(async () => (await runs(created.id))[0].pages >= 1, 30_000, 'a page stored');
    assert.equal((await s.http('DELETE', `/api/v1/integrations/${created.id}`)).status, 204);
    const handle = s.env.client.workflow.getHandle(run.workflow_id ?? '');
    await waitFor(async () => (await handle.describe()).status.name !== 'RUNNING', 30_000, 'the workflow stopped');
    assert.equal((await handle.describe()).status.name, 'CANCELLED');
    const left = await s.tdb.db.selectFrom('integration_records').select('id').where('integration_id', '=', created.id).execute();
    assert.equal(left.length, 0);
  } finally {
    api.setLatency(0);
  }
});
