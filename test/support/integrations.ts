import assert from 'node:assert/strict';
import type { Stack } from './stack';
import { waitFor } from './stack';

export interface RunBody {
  id: number;
  status: string;
  trigger: string;
  workflow_id: string | null;
  pages: number;
  fetched: number;
  inserted: number;
  updated: number;
  error: string | null;
}

/** Credentials allowed to go to the local fakes (127.0.0.1) unless `allowedHosts` says otherwise. */
export async function createCredential(s: Stack, type: string, secret: Record<string, unknown>, pub: Record<string, unknown> = {}, allowedHosts = ['127.0.0.1']) {
  const r = await s.http('POST', '/api/v1/credentials', { name: `${type} for tests`, type, public: pub, secret, allowed_hosts: allowedHosts });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body as { id: number; type: string; public: Record<string, unknown>; secret_fields: string[] };
}

export async function createIntegration(s: Stack, fields: Record<string, unknown>) {
  const r = await s.http('POST', '/api/v1/integrations', { name: 'test integration', schedule: { kind: 'interval', every_seconds: 3600 }, ...fields });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body as { id: number; provider: string; active: boolean; priority: string };
}

/** Starts a run through the API (sync now, or full resync). */
export async function syncNow(s: Stack, integrationId: number, fullResync = false): Promise<RunBody> {
  const r = await s.http('POST', `/api/v1/integrations/${integrationId}/sync`, { full_resync: fullResync });
  assert.equal(r.status, 202, JSON.stringify(r.body));
  return r.body.run as RunBody;
}

export async function getRun(s: Stack, integrationId: number, runId: number): Promise<RunBody> {
  const r = await s.http('GET', `/api/v1/integrations/${integrationId}/runs/${runId}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body as RunBody;
}

/** Waits until the run is no longer running and returns it. */
export async function finishedRun(s: Stack, integrationId: number, runId: number, timeoutMs = 60_000): Promise<RunBody> {
  await waitFor(async () => (await getRun(s, integrationId, runId)).status !== 'running', timeoutMs, `run ${runId} finished`);
  return getRun(s, integrationId, runId);
}

export async function records(s: Stack, integrationId: number, query = ''): Promise<{ external_id: string; data: Record<string, unknown>; updated_at: string }[]> {
  const all: { external_id: string; data: Record<string, unknown>; updated_at: string }[] = [];
  let cursor: number | null = null;
  do {
    const r = await s.http('GET', `/api/v1/integrations/${integrationId}/records?limit=500${query}${cursor === null ? '' : `&cursor=${cursor}`}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    all.push(...r.body.items);
    cursor = r.body.next_cursor;
  } while (cursor !== null);
  return all;
}

/** The system events Relay recorded for webhooks, of one type. */
export async function systemEvents(s: Stack, type: string): Promise<{ payload: Record<string, unknown> }[]> {
  return s.tdb.db.selectFrom('webhook_events').select('payload').where('type', '=', type).orderBy('id').execute() as Promise<{ payload: Record<string, unknown> }[]>;
}
