import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, DEV_WEBHOOK_ALLOWLIST, devWebhookAllowlist, loadConfig } from '../../lib/config';
import { parseAllowlist } from '../../lib/net/ssrf';
import { sendSettingsFromConfig } from '../../lib/send-settings';

test('defaults apply and empty strings count as unset', () => {
  const config = loadConfig({ API_PORT: '', TEMPORAL_ADDRESS: '10.0.0.5:7233' });
  assert.equal(config.API_PORT, 3000);
  assert.equal(config.TEMPORAL_ADDRESS, '10.0.0.5:7233');
  assert.equal(config.TEMPORAL_SEARCH_ATTRIBUTES, true);
  assert.equal(loadConfig({ TEMPORAL_SEARCH_ATTRIBUTES: 'false' }).TEMPORAL_SEARCH_ATTRIBUTES, false);
});

test('every bad value is reported with the variable it came from', () => {
  assert.throws(
    () => loadConfig({ DATABASE_URL: 'mysql://x', API_PORT: 'eighty', SEND_CONCURRENCY: '0', ADMIN_API_KEY: 'short' }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.deepEqual(err.issues.map((i) => i.variable).sort(), ['ADMIN_API_KEY', 'API_PORT', 'DATABASE_URL', 'SEND_CONCURRENCY']);
      assert.match(err.message, /DATABASE_URL: must be a postgres:\/\/ URL/);
      return true;
    },
  );
});

test('the default lease covers a whole claimed batch timing out twice', () => {
  const s = sendSettingsFromConfig(loadConfig({ SEND_BATCH_SIZE: '500', SEND_CONCURRENCY: '50', PROVIDER_TIMEOUT_MS: '5000' }));
  assert.equal(s.leaseMs, 2 * 10 * 5000);
  assert.equal(sendSettingsFromConfig(loadConfig({ SEND_LEASE_MS: '7000' })).leaseMs, 7000);
});

test("WEBHOOK_ALLOWLIST='' means an empty allowlist, not unset: npm start's loopback default applies only when unset", () => {
  const empty = loadConfig({ WEBHOOK_ALLOWLIST: '' });
  assert.equal(empty.WEBHOOK_ALLOWLIST, '');
  assert.equal(devWebhookAllowlist(empty), '');
  assert.deepEqual(parseAllowlist(devWebhookAllowlist(empty)), []);
  const unset = loadConfig({});
  assert.equal(unset.WEBHOOK_ALLOWLIST, undefined);
  assert.equal(devWebhookAllowlist(unset), DEV_WEBHOOK_ALLOWLIST);
  assert.deepEqual(parseAllowlist(devWebhookAllowlist(unset)), ['127.0.0.1', '::1', 'localhost']);
  assert.equal(devWebhookAllowlist(loadConfig({ WEBHOOK_ALLOWLIST: '10.0.0.0/8' })), '10.0.0.0/8');
  // Every other variable still treats '' as unset.
  assert.equal(loadConfig({ WEBHOOK_TASK_QUEUE: '' }).WEBHOOK_TASK_QUEUE, 'relay-webhooks');
});
