import assert from 'node:assert/strict';
import { test } from 'node:test';
import express from 'express';
import { rateLimitSettingsFromConfig } from '../../api/rate-limit';
import { ConfigError, loadConfig } from '../../lib/config';

test('rate limits default to production values; 0 turns one off', () => {
  assert.deepEqual(rateLimitSettingsFromConfig(loadConfig({})), { perKeyPerMinute: 1200, unauthPerMinute: 300, authFailures: 20 });
  const off = loadConfig({ RATE_LIMIT_PER_MINUTE: '0', RATE_LIMIT_UNAUTH_PER_MINUTE: '0', RATE_LIMIT_AUTH_FAILURES: '0' });
  assert.deepEqual(rateLimitSettingsFromConfig(off), { perKeyPerMinute: 0, unauthPerMinute: 0, authFailures: 0 });
  assert.throws(() => loadConfig({ RATE_LIMIT_PER_MINUTE: '-1', RATE_LIMIT_AUTH_FAILURES: 'many' }), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.deepEqual(err.issues.map((i) => i.variable).sort(), ['RATE_LIMIT_AUTH_FAILURES', 'RATE_LIMIT_PER_MINUTE']);
    return true;
  });
});

test('TRUST_PROXY: a hop count or a list Express understands; trusting everyone is refused', () => {
  assert.equal(loadConfig({}).TRUST_PROXY, undefined);
  assert.equal(loadConfig({ TRUST_PROXY: '2' }).TRUST_PROXY, 2);
  const list = loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8, fd00::/8, 192.0.2.7' }).TRUST_PROXY;
  assert.equal(list, 'loopback, 10.0.0.0/8, fd00::/8, 192.0.2.7');
  const app = express();
  app.set('trust proxy', list);
  const trusted = app.get('trust proxy fn') as (address: string, hop: number) => boolean;
  assert.equal(trusted('10.1.2.3', 0), true);
  assert.equal(trusted('203.0.113.9', 0), false);
  for (const bad of ['true', '*', '10.0.0.0/33', 'proxy.example.com', '10.0.0.1/8/2']) {
    assert.throws(() => loadConfig({ TRUST_PROXY: bad }), /TRUST_PROXY/, bad);
  }
});
