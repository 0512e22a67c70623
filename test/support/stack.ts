import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startApiServer } from '../../api/start-api';
import { startFakeProvider, type FakeProvider, type FakeProviderOptions } from '../../fake-provider/fake-provider';
import type { Config } from '../../lib/config';
import { createLogger } from '../../lib/logger';
import { startWorker } from '../../worker/start-worker';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createDb } from '../../lib/db/connect';
import { EMBEDDED_POOL_MAX, startEmbeddedPostgres } from '../../lib/db/embedded';
import { runMigrations } from '../../lib/db/migrate';
import { createTestDatabase, type TestDatabase } from './db';
import { testConfig } from './fixtures';
import { devServerEnv, workflowBundle } from './temporal';

export const PROVIDER_TOKEN = 'e2e-provider-token-0123456789';
export const ADMIN_KEY = 'test-admin-key-0123456789';

export interface Stack {
  env: TestWorkflowEnvironment;
  tdb: TestDatabase;
  provider: FakeProvider;
  config: Config;
  api: { url: string; close(): Promise<void> };
  worker: { close(): Promise<void> } | null;
  startWorker(): Promise<void>;
  stopWorker(): Promise<void>;
  http(method: string, path: string, body?: unknown, key?: string | null): Promise<{ status: number; body: any; contentType: string | null }>;
  close(): Promise<void>;
}

/** Real Temporal dev server + real PostgreSQL + fake provider + worker + API on a free port. */
export async function startStack(
  options: { withWorker?: boolean; embedded?: boolean; config?: Record<string, string>; provider?: Pick<FakeProviderOptions, 'random'> } = {},
): Promise<Stack> {
  const [env, tdb, provider] = await Promise.all([
    devServerEnv(),
    options.embedded ? createEmbeddedDatabase() : createTestDatabase(),
    startFakeProvider({ ...options.provider, token: PROVIDER_TOKEN }),
  ]);
  const config = testConfig({
    TEMPORAL_ADDRESS: env.address,
    PROVIDER_URL: provider.url,
    PROVIDER_TOKEN,
    API_PORT: '0',
    ADMIN_API_KEY: ADMIN_KEY,
    ...options.config,
  });
  const logger = createLogger(config.LOG_LEVEL);
  const api = await startApiServer({ config, db: tdb.db, logger });
  const stack: Stack = {
    env, tdb, provider, config, api, worker: null,
    async startWorker() {
      stack.worker = await startWorker({ config, db: tdb.db, logger, workflowBundle: await workflowBundle() });
    },
    async stopWorker() {
      await stack.worker?.close();
      stack.worker = null;
    },
    async http(method, path, body, key = ADMIN_KEY) {
      const res = await fetch(`${api.url}${path}`, {
        method,
        headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(key ? { authorization: `Bearer ${key}` } : {}) },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        /* not JSON: keep the text */
      }
      return { status: res.status, body: parsed, contentType: res.headers.get('content-type') };
    },
    async close() {
      await stack.stopWorker();
      await api.close();
      await env.teardown();
      await provider.close();
      await tdb.drop();
    },
  };
  if (options.withWorker !== false) await stack.startWorker();
  return stack;
}

export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 30_000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The embedded PGlite database as `npm start` uses it: one pool of one connection shared by API and worker. */
async function createEmbeddedDatabase(): Promise<TestDatabase> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'relay-pglite-'));
  const embedded = await startEmbeddedPostgres(dir);
  const db = createDb(embedded.url, { max: EMBEDDED_POOL_MAX });
  await runMigrations(db);
  return {
    db,
    url: embedded.url,
    async drop() {
      await db.destroy();
      await embedded.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
