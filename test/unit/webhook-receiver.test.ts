import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { createMemoryDedupeStore, createWebhookReceiver, type WebhookEvent } from '../../examples/webhook-receiver/receiver';
import { createFileQueue, readQueue } from '../../examples/webhook-to-queue/file-queue';
import { createQueueReceiver } from '../../examples/webhook-to-queue/queue-receiver';

const newSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`;
const SECRET = newSecret();
// Unusual spacing and key order: a receiver that re-serialises the JSON before verifying fails on it.
const BODY = '{"type": "mailing.started",  "timestamp":"2026-01-01T00:00:00.000Z", "data": {"mailingId": 7}}';
const EVENT_FIELDS = { type: 'mailing.started', timestamp: '2026-01-01T00:00:00.000Z', data: { mailingId: 7 } };

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void, t: { after: (fn: () => void) => void }) {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

/** Headers for `body` signed by each of `secrets` at `date` (Relay's format during a rotation: space-separated). */
function signed(id: string, body: string, secrets: string[] = [SECRET], date = new Date()): Record<string, string> {
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(date.getTime() / 1000)),
    'webhook-signature': secrets.map((s) => new Webhook(s).sign(id, date, body)).join(' '),
  };
}

function recorder() {
  const events: WebhookEvent[] = [];
  return { events, onEvent: (event: WebhookEvent) => void events.push(event) };
}

test('a valid delivery answers 204 and hands the parsed event to onEvent; the same id again is a duplicate', async (t) => {
  const { events, onEvent } = recorder();
  const url = await serve(createWebhookReceiver({ secrets: [SECRET], onEvent }), t);

  const first = await fetch(url, { method: 'POST', headers: signed('msg_42', BODY), body: BODY });
  assert.equal(first.status, 204);
  assert.deepEqual(events, [{ id: 'msg_42', ...EVENT_FIELDS }]);

  // A retry of the same message (new timestamp, new signature, same webhook-id).
  const retry = await fetch(url, { method: 'POST', headers: signed('msg_42', BODY), body: BODY });
  assert.equal(retry.status, 200);
  assert.deepEqual(await retry.json(), { duplicate: true });
  assert.equal(events.length, 1);
});

test('a tampered body, a missing signature or a foreign secret answer 401 without calling onEvent', async (t) => {
  const { events, onEvent } = recorder();
  const url = await serve(createWebhookReceiver({ secrets: [SECRET], onEvent }), t);

  const tampered = BODY.replace('"mailingId": 7', '"mailingId": 8');
  const res = await fetch(url, { method: 'POST', headers: signed('msg_1', BODY), body: tampered });
  assert.equal(res.status, 401);
  assert.match(res.headers.get('content-type') ?? '', /problem\+json/);
  assert.equal(((await res.json()) as { status: number }).status, 401);

  const { 'webhook-signature': _dropped, ...unsigned } = signed('msg_2', BODY);
  assert.equal((await fetch(url, { method: 'POST', headers: unsigned, body: BODY })).status, 401);

  const foreign = await fetch(url, { method: 'POST', headers: signed('msg_3', BODY, [newSecret()]), body: BODY });
  assert.equal(foreign.status, 401);
  assert.equal(events.length, 0);
});

test('a timestamp 10 minutes old or 10 minutes ahead answers 401', async (t) => {
  const { events, onEvent } = recorder();
  const url = await serve(createWebhookReceiver({ secrets: [SECRET], onEvent }), t);

  for (const offsetMs of [-10 * 60_000, 10 * 60_000]) {
    const date = new Date(Date.now() + offsetMs);
    const res = await fetch(url, { method: 'POST', headers: signed(`msg_${offsetMs}`, BODY, [SECRET], date), body: BODY });
    assert.equal(res.status, 401, `offset ${offsetMs} ms`);
  }
  assert.equal(events.length, 0);
});

test('rotation: any matching v1 entry is accepted, and any configured secret verifies', async (t) => {
  const { events, onEvent } = recorder();
  const other = newSecret();
  const url = await serve(createWebhookReceiver({ secrets: [SECRET], onEvent }), t);
  // Two entries, only the second signed with the receiver's secret.
  const res = await fetch(url, { method: 'POST', headers: signed('msg_rot', BODY, [other, SECRET]), body: BODY });
  assert.equal(res.status, 204);

  const rolled = await serve(createWebhookReceiver({ secrets: [newSecret(), other], onEvent }), t);
  const res2 = await fetch(rolled, { method: 'POST', headers: signed('msg_rot2', BODY, [other]), body: BODY });
  assert.equal(res2.status, 204);
  assert.deepEqual(events.map((e) => e.id), ['msg_rot', 'msg_rot2']);
});

test('onEvent throwing answers 500 and leaves the id unseen, so the retry is processed', async (t) => {
  const attempts: string[] = [];
  const errors: unknown[] = [];
  const url = await serve(
    createWebhookReceiver({
      secrets: [SECRET],
      onError: (error) => errors.push(error),
      onEvent: (event) => {
        attempts.push(event.id);
        if (attempts.length === 1) throw new Error('database down');
      },
    }),
    t,
  );
  const failed = await fetch(url, { method: 'POST', headers: signed('msg_7', BODY), body: BODY });
  assert.equal(failed.status, 500);
  assert.equal(errors.length, 1);

  const retried = await fetch(url, { method: 'POST', headers: signed('msg_7', BODY), body: BODY });
  assert.equal(retried.status, 204);
  assert.deepEqual(attempts, ['msg_7', 'msg_7']);
});

test('non-POST answers 405 and an oversized body 413', async (t) => {
  const { events, onEvent } = recorder();
  const url = await serve(createWebhookReceiver({ secrets: [SECRET], onEvent, maxBodyBytes: 64 }), t);
  const get = await fetch(url);
  assert.equal(get.status, 405);
  assert.equal(get.headers.get('allow'), 'POST');
  const big = await fetch(url, { method: 'POST', headers: signed('msg_big', BODY), body: BODY });
  assert.equal(big.status, 413);
  // Without content-length (chunked), the limit is enforced while reading.
  const chunked = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(BODY));
      controller.enqueue(new TextEncoder().encode(' '.repeat(100)));
      controller.close();
    },
  });
  const init = { method: 'POST', headers: signed('msg_big2', BODY), body: chunked, duplex: 'half' } as RequestInit;
  assert.equal((await fetch(url, init)).status, 413);
  assert.equal(events.length, 0);
});

test('the default dedupe store forgets ids after its TTL and beyond its size', () => {
  let now = 0;
  const store = createMemoryDedupeStore({ maxIds: 2, ttlMs: 1000, now: () => now });
  store.add('a');
  store.add('b');
  assert.equal(store.has('a'), true);
  store.add('c'); // over the bound: the oldest goes
  assert.deepEqual([store.has('a'), store.has('b'), store.has('c')], [false, true, true]);
  now = 1000;
  assert.deepEqual([store.has('b'), store.has('c')], [false, false]);
});

test('webhook-to-queue: a verified event is appended to the JSONL file', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'webhook-queue-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'nested', 'queue.jsonl');
  const queue = createFileQueue(path);
  t.after(() => queue.close());
  const url = await serve(createQueueReceiver({ secrets: [SECRET], queue }), t);

  for (const id of ['msg_q1', 'msg_q2']) {
    assert.equal((await fetch(url, { method: 'POST', headers: signed(id, BODY), body: BODY })).status, 204);
  }
  const lines = (await readFile(path, 'utf8')).split('\n');
  assert.equal(lines.length, 3); // two records and the final newline
  const record = JSON.parse(lines[0]) as Record<string, unknown>;
  assert.deepEqual({ ...record, receivedAt: undefined }, { id: 'msg_q1', ...EVENT_FIELDS, receivedAt: undefined });
  assert.equal(typeof record.receivedAt, 'string');

  const read = await readQueue(path);
  assert.deepEqual(read.records.map((r) => (r as { id: string }).id), ['msg_q1', 'msg_q2']);
  assert.deepEqual((await readQueue(path, read.nextOffset)).records, []);
});
