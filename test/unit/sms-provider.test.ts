import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startFakeProvider, type FakeProvider } from '../../fake-provider/fake-provider';
import { createSmsProvider, type SendOutcome, type SmsProvider } from '../../activities/sms-provider';

const TOKEN = 'test-token-abc.def.ghi';
const NO_FAULTS = { latencyMs: 0, jitterMs: 0, errorRate: 0, timeoutRate: 0, garbageRate: 0, outages: [], down: false };

let nextId = 1000;
const msg = (overrides: Partial<{ id: number; phone: string; text: string }> = {}) => ({
  id: nextId++,
  phone: '79001234567',
  text: 'hello',
  ...overrides,
});

function assertFailure(outcome: SendOutcome, kind: 'transient' | 'rejected' | 'unauthorized' | 'unknown', pattern: RegExp): void {
  assert.equal(outcome.ok, false, `expected failure, got ${JSON.stringify(outcome)}`);
  if (outcome.ok) return;
  assert.equal(outcome.kind, kind, `outcome: ${JSON.stringify(outcome)}`);
  assert.match(outcome.error, pattern);
  assert.ok(!outcome.error.includes(TOKEN), 'error must not contain the token');
}

describe('sms provider client against the fake provider', () => {
  let provider: FakeProvider;
  let client: SmsProvider;

  before(async () => {
    provider = await startFakeProvider({ token: TOKEN });
    client = createSmsProvider({ baseUrl: provider.url, token: TOKEN, timeoutMs: 2_000 });
  });
  beforeEach(() => {
    provider.configure(NO_FAULTS);
    provider.reset();
  });
  after(() => provider.close());

  test('success: delivered once with phone as an integer', async () => {
    const m = msg({ text: 'Привет' });
    const outcome = await client.send(m);
    assert.equal(outcome.ok, true, JSON.stringify(outcome));
    const deliveries = provider.deliveries();
    assert.equal(deliveries.length, 1);
    assert.equal(deliveries[0].msgId, m.id);
    assert.equal(deliveries[0].phone, 79001234567);
    assert.equal(deliveries[0].text, 'Привет');
    assert.deepEqual([...provider.deliveriesByPhone().keys()], [79001234567]);
  });

  test('a 429 over the provider\'s own rate limit carries its Retry-After (ms); nothing is delivered', async () => {
    provider.configure({ rateLimitPerS: 1 });
    const outcomes = [await client.send(msg()), await client.send(msg()), await client.send(msg())];
    provider.configure({ rateLimitPerS: 0 });
    // Three quick requests cross at most one second boundary: two of them share a second, so one is throttled.
    const throttled = outcomes.filter((o) => !o.ok);
    assert.ok(throttled.length >= 1);
    for (const o of throttled) {
      assertFailure(o, 'transient', /HTTP 429/);
      assert.equal(!o.ok && o.retryAfterMs, 1_000);
      assert.equal(!o.ok && o.status, 429);
    }
    assert.equal(provider.stats().delivered, 3 - throttled.length);
    assert.equal(provider.stats().throttled, throttled.length);
  });

  test('idempotent resend of the same msgId is a duplicate, delivered once', async () => {
    const m = msg();
    assert.equal((await client.send(m)).ok, true);
    assert.equal((await client.send({ ...m, text: 'changed' })).ok, true);
    const stats = provider.stats();
    assert.equal(stats.requests, 2);
    assert.equal(stats.delivered, 1);
    assert.equal(stats.duplicateRequests, 1);
    assert.equal(provider.deliveries()[0].text, 'hello');
  });

  test('errorRate=1: transient 500, not delivered', async () => {
    provider.configure({ errorRate: 1 });
    const outcome = await client.send(msg());
    assertFailure(outcome, 'transient', /^HTTP 500/);
    assert.equal(!outcome.ok && outcome.status, 500);
    assert.equal(provider.stats().delivered, 0);
    assert.equal(provider.stats().errors, 1);
  });

  test('errorRate=1 on an already delivered msgId does not deliver again', async () => {
    const m = msg();
    assert.equal((await client.send(m)).ok, true);
    provider.configure({ errorRate: 1 });
    assertFailure(await client.send({ ...m, text: 'other' }), 'transient', /^HTTP 500/);
    assert.equal(provider.deliveries().length, 1);
    assert.equal(provider.deliveries()[0].text, 'hello');
  });

  test('garbageRate=1: an unreadable 2xx is unknown (it may have been sent), and it was delivered', async () => {
    provider.configure({ garbageRate: 1 });
    const count = 8; // every garbage body in the rotation
    for (let i = 0; i < count; i++) assertFailure(await client.send(msg()), 'unknown', /^unreadable 200 answer: /);
    assert.equal(provider.stats().delivered, count);
    assert.equal(provider.stats().garbage, count);
  });

  test('outage window: transient 503; past and future windows have no effect', async () => {
    const now = Date.now();
    provider.configure({ outages: [{ from: now - 1_000, to: now + 60_000 }] });
    const outcome = await client.send(msg());
    assertFailure(outcome, 'transient', /^HTTP 503/);
    assert.equal(!outcome.ok && outcome.status, 503);
    assert.equal(provider.stats().delivered, 0);
    provider.configure({ outages: [{ from: now - 60_000, to: now - 1_000 }, { from: now + 60_000, to: now + 120_000 }] });
    assert.equal((await client.send(msg())).ok, true);
    assert.equal((await client.send(msg())).ok, true);
  });

  test('down: transient, not delivered', async () => {
    provider.configure({ down: true });
    assertFailure(await client.send(msg()), 'transient', /^HTTP 503/);
    assert.equal(provider.stats().delivered, 0);
  });

  test('wrong token: unauthorized, token not leaked', async () => {
    const bad = createSmsProvider({ baseUrl: provider.url, token: 'wrong-token', timeoutMs: 2_000 });
    const outcome = await bad.send(msg());
    assertFailure(outcome, 'unauthorized', /^HTTP 401/);
    assert.ok(!outcome.ok && !outcome.error.includes('wrong-token'));
    assert.equal(provider.stats().delivered, 0);
  });

  test('bad body: the provider answers 400 {code: 1}', async () => {
    const id = nextId++;
    const cases: [string, unknown][] = [
      ['id mismatch', { id: id + 1, phone: 79001234567, text: 'x' }],
      ['phone with 10 digits', { id, phone: 7900123456, text: 'x' }],
      ['phone as a string', { id, phone: '79001234567', text: 'x' }],
      ['missing text', { id, phone: 79001234567 }],
      ['fractional id', { id: id + 0.5, phone: 79001234567, text: 'x' }],
    ];
    for (const [name, body] of cases) {
      const res = await fetch(`${provider.url}/send/${id}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      assert.equal(res.status, 400, name);
      const answer = (await res.json()) as { code: number; message: string };
      assert.equal(answer.code, 1, name);
      assert.equal(typeof answer.message, 'string', name);
    }
    assert.equal(provider.stats().delivered, 0);
    assert.equal(provider.stats().rejected, cases.length);
  });

  test('client classifies other 4xx as rejected and invalid phones without a request', async () => {
    const fake404: typeof fetch = async () => new Response('{"code":1,"message":"no such route"}', { status: 404 });
    const c = createSmsProvider({ baseUrl: provider.url, token: TOKEN, timeoutMs: 2_000, fetch: fake404 });
    const outcome = await c.send(msg());
    assertFailure(outcome, 'rejected', /^HTTP 404: .*no such route/);
    assertFailure(await client.send(msg({ phone: '8900123456' })), 'rejected', /invalid phone/);
    assert.equal(provider.stats().requests, 0);
  });

  test('429 and 200 {code: 5} are transient', async () => {
    const answers = [new Response('slow down', { status: 429 }), new Response('{"code":5,"message":"busy"}', { status: 200 })];
    const c = createSmsProvider({ baseUrl: provider.url, token: TOKEN, timeoutMs: 2_000, fetch: async () => answers.shift()! });
    assertFailure(await c.send(msg()), 'transient', /^HTTP 429/);
    assertFailure(await c.send(msg()), 'transient', /^provider error code 5: /);
  });

  test('a token echoed back by the provider is redacted from the error', async () => {
    const echo: typeof fetch = async (_url, init) =>
      new Response(`bad gateway, you sent ${new Headers(init?.headers).get('authorization')}`, { status: 502 });
    const c = createSmsProvider({ baseUrl: provider.url, token: TOKEN, timeoutMs: 2_000, fetch: echo });
    assertFailure(await c.send(msg()), 'transient', /^HTTP 502: bad gateway, you sent Bearer \[redacted\]$/);
  });

  test('POST /__control: bad knob -> 400, good knob -> applied', async () => {
    const post = (body: string) => fetch(`${provider.url}/__control`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    for (const body of ['{"errorRate": 2}', '{"errorRte": 1}', '{"outages": [{"from": 10, "to": 5}]}', 'not json']) {
      assert.equal((await post(body)).status, 400, body);
    }
    assert.equal((await client.send(msg())).ok, true, 'bad control requests must not change knobs');
    assert.equal((await post('{"errorRate": 1}')).status, 200);
    assertFailure(await client.send(msg()), 'transient', /^HTTP 500/);
    const stats = (await (await fetch(`${provider.url}/__stats`)).json()) as { delivered: number; errors: number };
    assert.equal(stats.delivered, 1);
    assert.equal(stats.errors, 1);
    assert.equal((await fetch(`${provider.url}/__reset`, { method: 'POST' })).status, 200);
    assert.deepEqual(await (await fetch(`${provider.url}/__deliveries`)).json(), []);
  });

  test('caller abort rethrows the abort error', async () => {
    provider.configure({ latencyMs: 1_000 });
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 50);
    await assert.rejects(client.send(msg(), { signal: controller.signal }), (err: Error) => err.name === 'AbortError');
    assert.ok(Date.now() - started < 800, 'abort must not wait for the answer');
  });

  test('injected random makes faults deterministic', async () => {
    const draws = [0.1, 0.9, 0.4];
    const p = await startFakeProvider({ random: () => draws.shift()!, knobs: { errorRate: 0.5 } });
    try {
      const c = createSmsProvider({ baseUrl: p.url, token: 'unused', timeoutMs: 2_000 });
      assertFailure(await c.send(msg()), 'transient', /^HTTP 500/);
      assert.equal((await c.send(msg())).ok, true);
      assertFailure(await c.send(msg()), 'transient', /^HTTP 500/);
      assert.equal(p.stats().delivered, 1);
    } finally {
      await p.close();
    }
  });
});

describe('timeouts and shutdown', () => {
  let provider: FakeProvider;
  afterEach(() => provider.close());

  test('timeoutRate=1: a timeout after the request went out is unknown (it was delivered); close() is prompt with a request held', async () => {
    provider = await startFakeProvider({ knobs: { timeoutRate: 1 } });
    const client = createSmsProvider({ baseUrl: provider.url, token: 't', timeoutMs: 5_000 });
    const started = Date.now();
    const outcome = await client.send(msg(), { timeoutMs: 200 });
    const waited = Date.now() - started;
    assertFailure(outcome, 'unknown', /^no answer within 200 ms$/);
    assert.ok(waited >= 190 && waited < 1_500, `waited ${waited} ms`);
    assert.equal(provider.stats().delivered, 1);
    assert.equal(provider.stats().timeouts, 1);

    // A request still held when close() runs must not keep close() waiting.
    const held = fetch(`${provider.url}/send/1`, { method: 'POST', body: JSON.stringify({ id: 1, phone: 79001234567, text: 'x' }) });
    held.catch(() => undefined);
    while (provider.stats().timeouts < 2) await new Promise((r) => setTimeout(r, 5));
    const closeStarted = Date.now();
    await provider.close();
    assert.ok(Date.now() - closeStarted < 500, 'close() must be prompt');
    await assert.rejects(held);

    // After close: connection refused is a transient network error.
    assertFailure(await client.send(msg()), 'transient', /^network error: /);
  });
});

describe('what the provider may have got', () => {
  test('a timeout on a reused keep-alive connection does not send the request again', async () => {
    const provider = await startFakeProvider({ knobs: { dedupe: false } });
    try {
      const client = createSmsProvider({ baseUrl: provider.url, token: 't', timeoutMs: 2_000 });
      assert.equal((await client.send(msg())).ok, true); // leaves a pooled connection to reuse
      provider.configure({ timeoutRate: 1 });
      assertFailure(await client.send(msg(), { timeoutMs: 200 }), 'unknown', /^no answer within 200 ms$/);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(provider.stats().requests, 2, 'the timed-out request reached the provider once');
      assert.equal(provider.deliveries().length, 2);
      client.close?.();
    } finally {
      await provider.close();
    }
  });

  test('a connection closed after the whole request was written is unknown; a refused connection is transient', async () => {
    // Reads the request, then hangs up without a word: the provider may have acted on it.
    const server = net.createServer((socket) => socket.once('data', () => setTimeout(() => socket.destroy(), 20)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const client = createSmsProvider({ baseUrl: `http://127.0.0.1:${port}`, token: 't', timeoutMs: 2_000 });
      assertFailure(await client.send(msg()), 'unknown', /^network error after the request was sent: /);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    const refused = createSmsProvider({ baseUrl: `http://127.0.0.1:${port}`, token: 't', timeoutMs: 2_000 });
    assertFailure(await refused.send(msg()), 'transient', /^network error: .*ECONNREFUSED/);
  });

  test('dedupe: false makes every accepted request an SMS, so duplicates show', async () => {
    const provider = await startFakeProvider({ knobs: { dedupe: false } });
    try {
      const client = createSmsProvider({ baseUrl: provider.url, token: 't', timeoutMs: 2_000 });
      const m = msg();
      assert.equal((await client.send(m)).ok, true);
      assert.equal((await client.send(m)).ok, true);
      assert.equal(provider.deliveries().length, 2);
      assert.equal(provider.deliveriesByPhone().get(Number(m.phone))?.length, 2);
      provider.configure({ dedupe: true });
      assert.equal((await client.send(m)).ok, true);
      assert.equal(provider.deliveries().length, 2, 'with dedupe on, a known id is not delivered again');
    } finally {
      await provider.close();
    }
  });
});
