import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { WorkflowFailedError, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { google, temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import pino from 'pino';
import type { Config } from '../../lib/config';
import { findIntegration, insertIntegration } from '../../lib/db/integration.repository';
import { countRecords } from '../../lib/db/integration-record.repository';
import { IntegrationAuthError, RateLimitedError, UpstreamError } from '../../lib/integrations/errors';
import type { integrationSyncWorkflow } from '../../workflows/integration-sync.workflow';
import { SYNC_WORKFLOW_TYPE, type SyncResult, type SyncWorkflowInput } from '../../workflows/integration.contract';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { hours, minutes, testConfig } from '../support/fixtures';
import { readHistory, recordedHistoryFiles, replay, replayAndRecord, type History } from '../support/histories';
import { startTimeSkippingWorker, timeSkippingEnv } from '../support/temporal';
import { createScriptedProvider, finalCursor, gate, SCRIPTED_PROVIDER_ID, type Script } from '../support/test-provider';

let env: TestWorkflowEnvironment;
let tdb: TestDatabase;
let config: Config;
let worker: { close(): Promise<void> };
const scripted = createScriptedProvider();

/** Armed by a test: the activity fails once right after the page's transaction committed (its answer is "lost"). */
let failAfterStore: { integrationId: number; page: number } | null = null;
// The sync activity logs 'sync page stored' after storePage commits: the one hook a test has between commit and answer.
const logger = pino(
  {
    level: 'debug',
    hooks: {
      logMethod(args, method) {
        const fields = args[0] as { page?: number } | undefined;
        const armed = failAfterStore;
        if (armed && args[1] === 'sync page stored' && fields?.page === armed.page && this.bindings().integrationId === armed.integrationId) {
          failAfterStore = null;
          throw new Error('worker lost after the page committed');
        }
        method.apply(this, args);
      },
    },
  },
  new Writable({ write: (_chunk, _enc, done) => done() }),
);

before(async () => {
  [env, tdb] = await Promise.all([timeSkippingEnv(), createTestDatabase()]);
  // The time-skipping server has none of Relay's search attributes registered; the SMS provider is never called here.
  config = testConfig({ PROVIDER_URL: 'http://127.0.0.1:9', TEMPORAL_SEARCH_ATTRIBUTES: 'false', WORKER_QUEUES: 'integrations' });
  worker = await startTimeSkippingWorker(env, { config, db: tdb.db, logger, plugins: scripted.registry() });
});

after(async () => {
  await worker?.close();
  await env?.teardown();
  await tdb?.drop();
});

async function integrationWith(script: Script) {
  const { config: providerConfig, calls } = scripted.script(script);
  const integration = await insertIntegration(tdb.db, {
    name: `scripted ${providerConfig.script}`,
    provider: SCRIPTED_PROVIDER_ID,
    credential_id: null,
    config: providerConfig,
    schedule: { kind: 'interval', every_seconds: 3600 },
    active: true,
    priority: 'normal',
  });
  return { integration, calls };
}

let workflowSeq = 0;
/** Starts the sync as its Schedule does: no runId, so the workflow opens the run itself. */
function startSync(integrationId: number, extra: Partial<SyncWorkflowInput> = {}): Promise<WorkflowHandleWithFirstExecutionRunId<typeof integrationSyncWorkflow>> {
  return env.client.workflow.start<typeof integrationSyncWorkflow>(SYNC_WORKFLOW_TYPE, {
    workflowId: `sync-${integrationId}-test-${++workflowSeq}`,
    taskQueue: config.INTEGRATION_TASK_QUEUE,
    args: [{ integrationId, trigger: 'schedule', ...extra }],
  });
}

const runsOf = (integrationId: number) => tdb.db.selectFrom('integration_runs').selectAll().where('integration_id', '=', integrationId).orderBy('id').execute();
const eventsOf = (type: string) => tdb.db.selectFrom('webhook_events').selectAll().where('type', '=', type).orderBy('id').execute();

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
function timeMs(t: google.protobuf.ITimestamp | null | undefined): number {
  assert.ok(t, 'an event time');
  const s = t.seconds ?? 0;
  return (typeof s === 'number' ? s : s.toNumber()) * 1000 + Math.round((t.nanos ?? 0) / 1e6);
}

/**
 * Each syncPage activity of one execution, in page order: its final attempt and how long after scheduling that attempt
 * started (the retry waits; the test server records no lastFailure).
 */
async function pageActivities(handle: { fetchHistory(): Promise<History> }): Promise<{ attempt: number; waitedMs: number }[]> {
  const events: HistoryEvent[] = (await handle.fetchHistory()).events ?? [];
  const scheduled = new Map(events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'syncPage').map((e) => [String(e.eventId), e]));
  return events
    .filter((e) => e.activityTaskStartedEventAttributes && scheduled.has(String(e.activityTaskStartedEventAttributes.scheduledEventId)))
    .map((e) => {
      const started = e.activityTaskStartedEventAttributes!;
      return {
        attempt: started.attempt ?? 0,
        waitedMs: timeMs(e.eventTime) - timeMs(scheduled.get(String(started.scheduledEventId))!.eventTime),
      };
    });
}

/** The live history of the full run, replayed (and recorded) by the last describe block. */
let fullRunHistory: History | undefined;

describe('integration sync workflow (time-skipping, real PostgreSQL)', () => {
  test('a full run stores every page, saves the final cursor, counts and publishes integration.sync.succeeded', async () => {
    const script: Script = { pages: 4, recordsPerPage: 3 };
    const { integration, calls } = await integrationWith(script);
    const handle = await startSync(integration.id);
    const result: SyncResult = await handle.result();
    assert.deepEqual({ ...result, runId: null }, { integrationId: integration.id, runId: null, status: 'succeeded', pages: 4, fetched: 12, inserted: 12, updated: 0 });
    const [run] = await runsOf(integration.id);
    assert.equal(result.runId, run.id);
    assert.equal(run.workflow_id, handle.workflowId);
    assert.deepEqual(
      { status: run.status, pages: run.pages, fetched: run.fetched, inserted: run.inserted, updated: run.updated, more: run.more, error: run.error },
      { status: 'succeeded', pages: 4, fetched: 12, inserted: 12, updated: 0, more: false, error: null },
    );
    assert.notEqual(run.finished_at, null);
    assert.equal(await countRecords(tdb.db, integration.id), 12);
    const stored = await findIntegration(tdb.db, integration.id);
    assert.equal(stored?.cursor, finalCursor(4));
    assert.equal(stored?.last_run_status, 'succeeded');
    assert.equal(calls.checks, 1);
    assert.deepEqual([...calls.pages.entries()], [[1, 1], [2, 1], [3, 1], [4, 1]]);
    assert.equal(calls.closed, 4, 'every page generator was closed');
    const published = (await eventsOf('integration.sync.succeeded')).filter((e) => (e.payload as { runId?: string }).runId === String(run.id));
    assert.equal(published.length, 1);
    assert.deepEqual(published[0].payload, { integrationId: integration.id, runId: String(run.id), pages: 4, fetched: 12, inserted: 12, updated: 0 });
    fullRunHistory = await handle.fetchHistory();

    // An incremental run from the final cursor finds nothing new and keeps the cursor.
    const again = await (await startSync(integration.id)).result();
    assert.deepEqual([again.status, again.pages, again.fetched, again.inserted, again.updated], ['succeeded', 1, 0, 0, 0]);
    assert.equal((await findIntegration(tdb.db, integration.id))?.cursor, finalCursor(4));
    // A full resync after the upstream changed every record: all counted as updated, none inserted.
    script.version = 2;
    const resync = await (await startSync(integration.id, { fullResync: true })).result();
    assert.deepEqual([resync.status, resync.pages, resync.fetched, resync.inserted, resync.updated], ['succeeded', 4, 12, 0, 12]);
    assert.equal(await countRecords(tdb.db, integration.id), 12);
  });

  test('a rate-limited page waits for Retry-After exactly (capped at 6 hours), then the run succeeds', async () => {
    const { integration, calls } = await integrationWith({
      pages: 3,
      onPage: (page, call) => {
        if (call > 1) return;
        if (page === 1) throw new RateLimitedError('slow down', minutes(30));
        if (page === 2) throw new RateLimitedError('slow down a lot', hours(2));
        if (page === 3) throw new RateLimitedError('come back tomorrow', hours(24));
      },
    });
    const before = await env.currentTimeMs();
    const handle = await startSync(integration.id);
    const result = await handle.result();
    const elapsed = (await env.currentTimeMs()) - before;
    assert.deepEqual([result.status, result.pages, result.fetched], ['succeeded', 3, 6]);
    assert.deepEqual([...calls.pages.entries()], [[1, 2], [2, 2], [3, 2]]);
    const pages = await pageActivities(handle);
    assert.deepEqual(pages.map((p) => p.attempt), [2, 2, 2]);
    // Retry-After honoured exactly (not the policy's 2 s backoff); 24 hours is taken as the 6-hour cap of integration-failures.ts.
    assert.ok(pages[0].waitedMs >= minutes(30) && pages[0].waitedMs < minutes(31), `page 1 waited ${pages[0].waitedMs} ms`);
    assert.ok(pages[1].waitedMs >= hours(2) && pages[1].waitedMs < hours(2) + minutes(1), `page 2 waited ${pages[1].waitedMs} ms`);
    assert.ok(pages[2].waitedMs >= hours(6) && pages[2].waitedMs < hours(6) + minutes(1), `page 3 waited ${pages[2].waitedMs} ms`);
    assert.ok(elapsed >= minutes(510), `the workflow took ${elapsed} ms of (skipped) time`);
  });

  test('a retryable UpstreamError is retried with the policy backoff (2 s, 4 s) and the run succeeds', async () => {
    const { integration, calls } = await integrationWith({
      pages: 2,
      onPage: (page, call) => {
        if (page === 2 && call <= 2) throw new UpstreamError('upstream answered 502', 502, true);
      },
    });
    const handle = await startSync(integration.id);
    const result = await handle.result();
    assert.deepEqual([result.status, result.pages, result.fetched, result.inserted], ['succeeded', 2, 4, 4]);
    assert.equal(calls.pages.get(2), 3);
    const pages = await pageActivities(handle);
    assert.deepEqual(pages.map((p) => p.attempt), [1, 3]);
    assert.ok(pages[1].waitedMs >= 6_000 && pages[1].waitedMs < 8_000, `page 2 waited ${pages[1].waitedMs} ms`);
  });

  test('an IntegrationAuthError in check fails the run and the workflow (SyncFailed) without retrying', async () => {
    const { integration, calls } = await integrationWith({
      pages: 2,
      onCheck: () => {
        throw new IntegrationAuthError('token revoked', 401);
      },
    });
    const handle = await startSync(integration.id);
    const err = await handle.result().then(
      () => assert.fail('the workflow should fail'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof WorkflowFailedError, String(err));
    assert.ok(err.cause instanceof ApplicationFailure, String(err.cause));
    assert.equal(err.cause.type, 'SyncFailed');
    assert.equal(err.cause.message, 'authentication failed: token revoked');
    assert.equal(calls.checks, 1, 'the provider was called exactly once');
    assert.equal(calls.pages.size, 0);
    const [run] = await runsOf(integration.id);
    assert.deepEqual([run.status, run.error, run.pages], ['failed', 'authentication failed: token revoked', 0]);
    assert.equal((await findIntegration(tdb.db, integration.id))?.last_run_status, 'failed');
    const failed = (await eventsOf('integration.sync.failed')).filter((e) => (e.payload as { runId?: string }).runId === String(run.id));
    assert.deepEqual(failed.map((e) => e.payload), [{ integrationId: integration.id, runId: String(run.id), error: 'authentication failed: token revoked' }]);
  });

  test('pagesPerExecution 3 with 10 pages continues as new three times and ends with pages = 10', async () => {
    const { integration, calls } = await integrationWith({ pages: 10 });
    const handle = await startSync(integration.id, { pagesPerExecution: 3 });
    const result = await handle.result();
    assert.deepEqual([result.status, result.pages, result.fetched, result.inserted], ['succeeded', 10, 20, 20]);
    assert.equal(calls.checks, 1, 'checked by the first execution only');
    assert.deepEqual([...calls.pages.values()], Array(10).fill(1));
    const first = env.client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId);
    assert.equal((await first.describe()).status.name, 'CONTINUED_AS_NEW');
    const executions: number[] = [];
    let runId: string | null | undefined = handle.firstExecutionRunId;
    while (runId) {
      const events: HistoryEvent[] = (await env.client.workflow.getHandle(handle.workflowId, runId).fetchHistory()).events ?? [];
      executions.push((await pageActivities(env.client.workflow.getHandle(handle.workflowId, runId))).length);
      runId = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
    }
    assert.deepEqual(executions, [3, 3, 3, 1]);
    assert.equal((await runsOf(integration.id)).length, 1, 'one run across the executions');
  });

  test('a second workflow for an integration that is syncing ends skipped and opens no run', async () => {
    const slow = gate();
    const { integration, calls } = await integrationWith({ pages: 2, onPage: (page) => (page === 1 ? slow.wait : undefined) });
    const first = await startSync(integration.id);
    try {
      const deadline = Date.now() + 10_000;
      while (!calls.pages.has(1)) {
        assert.ok(Date.now() < deadline, 'the first run reached its first page');
        await new Promise((r) => setTimeout(r, 20));
      }
      const second = await (await startSync(integration.id)).result();
      assert.deepEqual(second, { integrationId: integration.id, runId: null, status: 'skipped', skipped: 'running', pages: 0, fetched: 0, inserted: 0, updated: 0 });
      assert.equal((await runsOf(integration.id)).length, 1);
    } finally {
      slow.open();
    }
    assert.equal((await first.result()).status, 'succeeded');
    assert.deepEqual((await runsOf(integration.id)).map((r) => r.status), ['succeeded']);
  });

  test('a page activity retried after its transaction committed stores nothing twice', async () => {
    const { integration, calls } = await integrationWith({ pages: 3, recordsPerPage: 2 });
    failAfterStore = { integrationId: integration.id, page: 2 };
    const handle = await startSync(integration.id);
    const result = await handle.result();
    assert.equal(failAfterStore, null, 'the activity failed after the commit');
    assert.deepEqual([result.status, result.pages, result.fetched, result.inserted, result.updated], ['succeeded', 3, 6, 6, 0]);
    assert.deepEqual((await pageActivities(handle)).map((p) => p.attempt), [1, 2, 1]);
    assert.equal(calls.pages.get(2), 1, 'the retry found the page stored and did not fetch it again');
    assert.equal(calls.pages.get(3), 1);
    assert.equal(await countRecords(tdb.db, integration.id), 6);
    assert.equal((await findIntegration(tdb.db, integration.id))?.cursor, finalCursor(3));
  });
});

describe('integration sync workflow: replay', () => {
  test('the full run replays with the current workflow code (RECORD_HISTORIES=1 stores it)', async () => {
    assert.ok(fullRunHistory, 'the full-run test ran first');
    await replayAndRecord(fullRunHistory, 'integration-sync');
  });

  test('the recorded history (histories/integration-sync.binpb) replays with the current workflow code', async () => {
    assert.ok((await recordedHistoryFiles()).includes('integration-sync.binpb'), 'recorded with RECORD_HISTORIES=1');
    const recorded = await readHistory('integration-sync.binpb');
    const events = recorded.events ?? [];
    assert.equal(events[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name, SYNC_WORKFLOW_TYPE);
    assert.equal(events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'syncPage').length, 4);
    await replay(recorded, 'integration-sync');
  });
});
