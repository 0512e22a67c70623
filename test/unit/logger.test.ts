import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger } from '../../lib/logger';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: createLogger('info', {}, stream), text: () => lines.join('') };
}

test('credentials, tokens and auth headers are redacted from log lines', () => {
  const { logger, text } = capture();
  logger.info({ token: 'tok-1', credential: { type: 'bearer-token', secret: { token: 'tok-2' } }, headers: { authorization: 'Bearer tok-3', accept: 'json' } }, 'a');
  logger.info({ secret: { password: 'pw-4' }, ctx: { authHeaders: { authorization: 'Basic tok-5' } }, body: { secret_sealed: 'v1.sealed-6' } }, 'b');
  logger.info({ req: { headers: { 'x-api-key': 'rk_tok-7' } }, headers: { 'x-api-key': 'rk_tok-8' } }, 'c');
  const out = text();
  for (const leaked of ['tok-1', 'tok-2', 'tok-3', 'pw-4', 'tok-5', 'sealed-6', 'tok-7', 'tok-8']) assert.ok(!out.includes(leaked), `${leaked} is not logged: ${out}`);
  assert.ok(out.includes('[redacted]'));
  assert.ok(out.includes('bearer-token') && out.includes('"accept":"json"'), 'other fields stay');
});
