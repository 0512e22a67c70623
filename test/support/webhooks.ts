import assert from 'node:assert/strict';
import { Webhook } from 'standardwebhooks';
import type { Stack } from './stack';
import { waitFor } from './stack';
import type { ReceivedRequest, TestReceiver } from './webhook-receiver';

/** Creates an endpoint through the API pointing at `receiver` + path; returns the API body (with its secret). */
export async function createEndpoint(s: Stack, rx: TestReceiver, path: string, extra: Record<string, unknown> = {}) {
  const r = await s.http('POST', '/api/v1/webhooks/endpoints', { url: `${rx.url}${path}`, ...extra });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body as { id: number; secret: string; url: string };
}

export async function registerType(s: Stack, name: string, schema: Record<string, unknown> = {}) {
  const r = await s.http('POST', '/api/v1/webhooks/event-types', { name, description: `${name} for tests`, schema });
  assert.equal(r.status, 201, JSON.stringify(r.body));
}

export async function postEvent(s: Stack, type: string, payload: unknown, idempotencyKey?: string) {
  const r = await s.http('POST', '/api/v1/webhooks/events', { type, payload, ...(idempotencyKey ? { idempotency_key: idempotencyKey } : {}) });
  assert.equal(r.status, 202, JSON.stringify(r.body));
  return r.body as { id: number; webhook_id: string; duplicate: boolean; deliveries: { id: number; endpoint_id: number; status: string }[] };
}

/** Waits until `path` got at least `n` requests. */
export async function received(rx: TestReceiver, path: string, n = 1, timeoutMs = 30_000): Promise<ReceivedRequest[]> {
  await waitFor(() => rx.received(path).length >= n, timeoutMs, `${n} request(s) at ${path}`);
  return rx.received(path);
}

/** Verifies a received request with the reference library; returns the parsed payload. */
export function verify(secret: string, request: ReceivedRequest): { type: string; timestamp: string; data: unknown } {
  return new Webhook(secret).verify(request.body, request.headers) as { type: string; timestamp: string; data: unknown };
}

export async function deliveryOf(s: Stack, eventId: number, endpointId: number) {
  const r = await s.http('GET', `/api/v1/webhooks/deliveries?event_id=${eventId}&endpoint_id=${endpointId}`);
  assert.equal(r.status, 200);
  return r.body.items[0] as { id: number; status: string; attempts: number; last_status_code: number | null; workflow_id: string | null; engine: string } | undefined;
}

export async function waitDelivery(s: Stack, eventId: number, endpointId: number, status: string, timeoutMs = 30_000) {
  await waitFor(async () => (await deliveryOf(s, eventId, endpointId))?.status === status, timeoutMs, `delivery ${eventId}/${endpointId} ${status}`);
  return (await deliveryOf(s, eventId, endpointId))!;
}
