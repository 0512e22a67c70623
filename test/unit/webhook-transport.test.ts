import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { postWebhook } from '../../activities/webhook-transport';
import { guardedLookup } from '../../lib/net/ssrf';

/** A local server recording the raw bytes of one header. */
async function headerServer(t: { after(fn: () => void): void }) {
  const seen: Buffer[] = [];
  const server = http.createServer((req, res) => {
    const value = req.headers['x-value'];
    if (typeof value === 'string') seen.push(Buffer.from(value, 'latin1'));
    req.resume();
    req.on('end', () => res.end('ok'));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, seen };
}

const lookup = guardedLookup({ allowlist: ['127.0.0.1'], httpsOnly: false });

test('postWebhook: a header value Node refuses is an attempt that was not sent, never a rejection', async (t) => {
  const { url, seen } = await headerServer(t);
  for (const [headers, code] of [
    [{ 'x-value': 'price: 10 €' }, 'ERR_INVALID_CHAR'],
    [{ 'x-value': 'bell\u0007' }, 'ERR_INVALID_CHAR'],
    [{ 'x bad': 'v' }, 'ERR_INVALID_HTTP_TOKEN'],
  ] as const) {
    const attempt = await postWebhook({ url, headers, body: '{}', timeoutMs: 2_000, lookup });
    assert.equal(attempt.kind, 'network', JSON.stringify(attempt));
    assert.ok(attempt.kind === 'network' && attempt.error.startsWith(`not sent: ${code}`), JSON.stringify(attempt));
  }
  const badUrl = await postWebhook({ url: 'not a url', headers: {}, body: '{}', timeoutMs: 2_000, lookup });
  assert.equal(badUrl.kind, 'network');
  assert.equal(seen.length, 0, 'nothing reached the server');
});

test('postWebhook: Latin-1 header values go out as one byte per character, whatever the body holds', async (t) => {
  const { url, seen } = await headerServer(t);
  const attempt = await postWebhook({ url, headers: { 'x-value': 'café\tcrème' }, body: JSON.stringify({ note: 'naïve — ü' }), timeoutMs: 2_000, lookup });
  assert.equal(attempt.kind, 'response', JSON.stringify(attempt));
  assert.deepEqual(seen, [Buffer.from('café\tcrème', 'latin1')]);
});
