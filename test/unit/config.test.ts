import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../lib/config';
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
