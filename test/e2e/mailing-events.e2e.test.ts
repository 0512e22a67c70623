import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import { authenticate } from '../../api/auth';
import { errorHandler } from '../../api/errors';
import { createRegistry } from '../../api/openapi';
import { mailingEventRoutes, type EventStreamOptions } from '../../api/routes/mailing-events';
import { markSent, materializeMessages } from '../../lib/db/message.repository';
import { WorkerPresence } from '../../lib/temporal/worker-presence';
import { createMailingRow, insertClients } from '../support/fixtures';
import { ADMIN_KEY, startStack, type Stack } from '../support/stack';

// A mailing's live view: per-time-zone-group state in its progress (from the database, no worker needed) and the
// progress as Server-Sent Events until it finishes.
let s: Stack;
before(async () => {
  s = await startStack({ withWorker: false });
});
after(async () => {
  await s?.close();
});

const iso = (ms: number) => new Date(ms).toISOString();
const H = 3_600_000;
const hh = (h: number) => `${String(((h % 24) + 24) % 24).padStart(2, '0')}:00`;

interface SseEvent {
  event: string;
  data: any;
}
interface SseRead {
  status: number;
  contentType: string | null;
  events: SseEvent[];
  comments: number;
  retry: number | null;
}

/** Reads an event stream to its end (or until `stopAfter` says so, then aborts), parsing events and comments. */
async function readEvents(url: string, options: { accept?: string; key?: string; stopAfter?: (e: SseEvent[]) => boolean; signal?: AbortSignal } = {}): Promise<SseRead> {
  const abort = new AbortController();
  options.signal?.addEventListener('abort', () => abort.abort());
  const res = await fetch(url, {
    headers: { authorization: `Bearer ${options.key ?? ADMIN_KEY}`, ...(options.accept !== undefined ? { accept: options.accept } : {}) },
    signal: abort.signal,
  });
  const out: SseRead = { status: res.status, contentType: res.headers.get('content-type'), events: [], comments: 0, retry: null };
  if (!res.body) return out;
  const decoder = new TextDecoder();
  let buffer = '';
  const reader = res.body.getReader();
  try {
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) break;
      buffer += decoder.decode(chunk.value, { stream: true });
      let cut: number;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        let event = 'message';
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) out.comments++;
          else if (line.startsWith('retry: ')) out.retry = Number(line.slice(7));
          else if (line.startsWith('event: ')) event = line.slice(7);
          else if (line.startsWith('data: ')) data.push(line.slice(6));
        }
        if (data.length > 0) out.events.push({ event, data: JSON.parse(data.join('\n')) });
      }
      if (options.stopAfter?.(out.events)) {
        abort.abort();
        break;
      }
    }
  } catch (err) {
    if (!abort.signal.aborted) throw err;
  }
  return out;
}

describe('per-time-zone-group state in the progress (no worker running)', () => {
  test('zones with different local windows: open, waiting, closed and done groups, from the database', async () => {
    const db = s.tdb.db;
    // A window from one hour before to two hours after the current UTC hour, in each client's local time.
    const hour = Math.floor(Date.now() / H) * H;
    const h = new Date(hour).getUTCHours();
    const window = { from: hh(h - 1), to: hh(h + 2) };
    await insertClients(db, 2, { operator: '941', timezone: 'UTC' }); // inside its window now
    await insertClients(db, 3, { operator: '941', timezone: 'America/Sao_Paulo' }); // UTC-3: opens at hour + 2 h
    await insertClients(db, 4, { operator: '941', timezone: 'Asia/Tokyo' }); // UTC+9: opens 13-14 h from now
    await insertClients(db, 1, { operator: '941', timezone: 'Asia/Kolkata' }); // UTC+5:30: opens 16-18 h from now
    await insertClients(db, 2, { operator: '941', timezone: 'Africa/Abidjan' }); // everything sent below
    const endsAt = Date.now() + 4 * H;
    const mailing = await createMailingRow(db, { startsAt: new Date(Date.now() - 1000), endsAt: new Date(endsAt), filter: { operatorCodes: ['941'] }, sendWindow: window });
    await db.updateTable('mailings').set({ status: 'running' }).where('id', '=', mailing.id).execute();

    const before = await s.http('GET', `/api/v1/mailings/${mailing.id}/progress`);
    assert.equal(before.status, 200);
    assert.deepEqual(before.body.groups, [], 'no messages yet, no groups');

    await materializeMessages(db, mailing.id, { operatorCodes: ['941'], tags: [] });
    const abidjan = await db.selectFrom('messages').select('id').where('mailing_id', '=', mailing.id).where('timezone', '=', 'Africa/Abidjan').execute();
    await markSent(db, abidjan.map((m) => m.id));

    const progress = await s.http('GET', `/api/v1/mailings/${mailing.id}/progress`);
    assert.equal(progress.status, 200, JSON.stringify(progress.body));
    assert.equal(progress.body.live, false);
    assert.equal(progress.body.phase, 'running');
    assert.deepEqual(progress.body.counts, { pending: 10, sent: 2, failed: 0, expired: 0, cancelled: 0, unknown: 0 });
    assert.deepEqual(progress.body.groups, [
      { timezones: ['UTC'], messages: 2, pending: 2, state: 'open', opens_at: null, closes_at: iso(hour + 2 * H) },
      { timezones: ['America/Sao_Paulo'], messages: 3, pending: 3, state: 'waiting', opens_at: iso(hour + 2 * H), closes_at: iso(endsAt) },
      { timezones: ['Asia/Kolkata', 'Asia/Tokyo'], messages: 5, pending: 5, state: 'closed', opens_at: null, closes_at: null },
      { timezones: ['Africa/Abidjan'], messages: 2, pending: 0, state: 'done', opens_at: null, closes_at: null },
    ]);
    // The same object in the mailing's statistics.
    assert.deepEqual((await s.http('GET', `/api/v1/mailings/${mailing.id}/stats`)).body.progress.groups, progress.body.groups);
  });
});

describe('GET /mailings/{id}/events (Server-Sent Events)', () => {
  test('refusals come as problems before any stream: 400, 401, 404', async () => {
    const bad = await s.http('GET', '/api/v1/mailings/abc/events');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.errors[0].path, 'params.id');
    assert.equal((await s.http('GET', '/api/v1/mailings/999999/events')).status, 404);
    assert.equal((await s.http('GET', '/api/v1/mailings/1/events', undefined, null)).status, 401);
  });

  test('a client that does not ask for text/event-stream gets one progress event and the end at once', async () => {
    const m = await createMailingRow(s.tdb.db, { startsAt: new Date(Date.now() + H), endsAt: new Date(Date.now() + 2 * H) });
    const started = Date.now();
    const read = await readEvents(`${s.api.url}/api/v1/mailings/${m.id}/events`, { accept: '*/*' });
    assert.ok(Date.now() - started < 20_000, "answered without waiting for the stream to run its course");
    assert.equal(read.status, 200);
    assert.match(read.contentType ?? '', /^text\/event-stream/);
    assert.equal(read.retry, 2000);
    assert.deepEqual(read.events.map((e) => e.event), ['progress', 'end']);
    assert.equal(read.events[0].data.mailing_id, m.id);
    assert.equal(read.events[0].data.phase, 'scheduled');
    assert.deepEqual(read.events[1].data, { reason: 'snapshot' });
  });

  test('streams progress while the mailing runs, the final progress when it completes, then ends', async () => {
    await s.startWorker();
    try {
      s.provider.configure({ latencyMs: 400 });
      await insertClients(s.tdb.db, 20, { operator: '942', timezone: 'Europe/Moscow' });
      const viewer = await s.http('POST', '/api/v1/api-keys', { name: 'events viewer', role: 'viewer' });
      const created = await s.http('POST', '/api/v1/mailings', {
        text: 'Live', starts_at: iso(Date.now() + 1500), ends_at: iso(Date.now() + H), filter: { operator_codes: ['942'] },
      });
      assert.equal(created.status, 201);
      const id = created.body.id;

      const read = await readEvents(`${s.api.url}/api/v1/mailings/${id}/events`, { accept: 'text/event-stream', key: viewer.body.key });
      assert.equal(read.status, 200);
      const progress = read.events.filter((e) => e.event === 'progress').map((e) => e.data);
      assert.deepEqual(read.events.at(-1), { event: 'end', data: { reason: 'finished' } });
      assert.ok(progress.length >= 3, `${progress.length} progress events`);
      assert.equal(progress[0].total, 0, 'the first event came before the messages existed');
      const final = progress.at(-1);
      assert.equal(final.phase, 'completed');
      assert.deepEqual(final.counts, { pending: 0, sent: 20, failed: 0, expired: 0, cancelled: 0, unknown: 0 });
      assert.deepEqual(final.groups, [{ timezones: ['Europe/Moscow'], messages: 20, pending: 0, state: 'done', opens_at: null, closes_at: null }]);
      assert.ok(progress.some((p) => p.counts.sent > 0 && p.counts.sent < 20), 'saw it part-way');
      const sent = progress.map((p) => p.counts.sent);
      assert.deepEqual(sent, [...sent].sort((a, b) => a - b), 'counts only grow');
      for (let i = 1; i < progress.length; i++) assert.notDeepEqual(progress[i], progress[i - 1], 'only changes are pushed');

      // A finished mailing: its final progress and the end, at once.
      const again = await readEvents(`${s.api.url}/api/v1/mailings/${id}/events`, { accept: 'text/event-stream' });
      assert.deepEqual(again.events.map((e) => e.event), ['progress', 'end']);
      assert.deepEqual(again.events[1].data, { reason: 'finished' });
    } finally {
      s.provider.configure({ latencyMs: 0 });
      await s.stopWorker();
    }
  });

  describe('limits (the stream route on its own server, with short limits)', () => {
    let server: Server;
    let url: string;
    let mailingId: number;
    const limits: Partial<EventStreamOptions> = { pollMs: 100, heartbeatMs: 300, maxLifetimeMs: 1_500, maxStreams: 2, retryMs: 500 };
    const listen = async () => {
      const app = express();
      const v1 = express.Router();
      v1.use(authenticate(s.tdb.db, ADMIN_KEY));
      v1.use(mailingEventRoutes({ db: s.tdb.db, temporal: s.env.client, presence: new WorkerPresence(s.env.client), taskQueue: s.config.TEMPORAL_TASK_QUEUE }, createRegistry(), limits));
      app.use('/api/v1', v1);
      app.use(errorHandler());
      server = await new Promise<Server>((resolve) => {
        const srv = app.listen(0, '127.0.0.1', () => resolve(srv));
      });
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/mailings/${mailingId}/events`;
    };
    before(async () => {
      mailingId = (await createMailingRow(s.tdb.db, { startsAt: new Date(Date.now() + H), endsAt: new Date(Date.now() + 2 * H) })).id;
      await listen();
    });
    after(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });

    test('at most maxStreams at once (503 with Retry-After beyond), heartbeats in silence, an end after maxLifetimeMs', async () => {
      const started = Date.now();
      const streams = [readEvents(url, { accept: 'text/event-stream' }), readEvents(url, { accept: 'text/event-stream' })];
      await new Promise((r) => setTimeout(r, 300));
      const third = await fetch(url, { headers: { authorization: `Bearer ${ADMIN_KEY}`, accept: 'text/event-stream' } });
      assert.equal(third.status, 503);
      assert.ok(Number(third.headers.get('retry-after')) > 0);
      assert.match((await third.json()).detail, /2 progress streams are open/);
      for (const read of await Promise.all(streams)) {
        assert.equal(read.retry, 500);
        assert.deepEqual(read.events.map((e) => e.event), ['progress', 'end'], 'nothing changed: one progress event');
        assert.deepEqual(read.events[1].data, { reason: 'reconnect' });
        assert.ok(read.comments >= 2, `${read.comments} heartbeats`);
      }
      assert.ok(Date.now() - started >= 1_400 && Date.now() - started < 20_000, "ended by the lifetime limit, not before");
      // Their slots are free again.
      const next = await readEvents(url, { accept: 'text/event-stream', stopAfter: (e) => e.length >= 1 });
      assert.equal(next.status, 200);
      await new Promise((r) => setTimeout(r, 300)); // the server notices the client left
    });

    test('a client that goes away frees its slot; deleting the mailing ends its streams', async () => {
      const gone = new AbortController();
      const first = readEvents(url, { accept: 'text/event-stream', signal: gone.signal });
      const second = readEvents(url, { accept: 'text/event-stream' });
      await new Promise((r) => setTimeout(r, 300));
      gone.abort();
      await first;
      await new Promise((r) => setTimeout(r, 200));
      const third = readEvents(url, { accept: 'text/event-stream' });
      await new Promise((r) => setTimeout(r, 300));
      await s.tdb.db.deleteFrom('mailings').where('id', '=', mailingId).execute();
      for (const read of await Promise.all([second, third])) {
        assert.equal(read.status, 200);
        assert.deepEqual(read.events.at(-1), { event: 'end', data: { reason: 'deleted' } });
      }
      mailingId = (await createMailingRow(s.tdb.db, { startsAt: new Date(Date.now() + H), endsAt: new Date(Date.now() + 2 * H) })).id;
      url = url.replace(/mailings\/\d+/, `mailings/${mailingId}`);
    });

    test('closing the server ends open streams (reason shutdown) instead of holding the close', async () => {
      const open = readEvents(url, { accept: 'text/event-stream' });
      await new Promise((r) => setTimeout(r, 300));
      const closing = Date.now();
      await new Promise((resolve) => server.close(resolve));
      // Without the shutdown hook the close would wait for the stream's own end (minutes); a busy machine may take a
      // second or two, so the bound only tells "ended the streams" from "held the close".
      assert.ok(Date.now() - closing < 15_000, `closed in ${Date.now() - closing} ms`);
      const read = await open;
      assert.deepEqual(read.events.at(-1), { event: 'end', data: { reason: 'shutdown' } });
      await listen();
    });
  });
});
