import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../lib/config';
import { createDb } from '../lib/db/connect';
import { createLogger } from '../lib/logger';
import { createAppFromConfig } from './start-api';

/**
 * The OpenAPI document exactly as the API serves it, built without a database or Temporal: the app is assembled
 * with a pool and a connection that are never used (routes only register their schemas). For the client generator.
 */
export async function buildOpenApiDocument(): Promise<unknown> {
  const config = loadConfig({ ENCRYPTION_KEY: Buffer.alloc(32).toString('base64'), LOG_LEVEL: 'silent' });
  const db = createDb('postgres://unused@127.0.0.1:1/unused', { max: 1 });
  const temporal = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
  try {
    const { app } = createAppFromConfig({ config, db, logger: createLogger('silent'), temporal });
    return app.locals.openapi;
  } finally {
    await db.destroy();
  }
}
