import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCapschedError } from '../../../src/core/errors.js';
import { createCloudOpsClient } from '../../../src/adapters/cloud-ops/index.js';
import { readCloudOpsSettings } from '../../../src/config/cloud-ops.js';
import { startFixture, NS } from './helpers.js';

test('without TEMPORAL_CLOUD_ALLOW_INSECURE the client speaks TLS: a plain-text server never receives a request (nor the key)', async () => {
  const f = await startFixture();
  const settings = readCloudOpsSettings({ ...f.env, TEMPORAL_CLOUD_ALLOW_INSECURE: undefined, CAPSCHED_CLOUD_OPS_CALL_TIMEOUT: '1500ms' });
  assert.equal(settings.allowInsecure, false);
  const client = createCloudOpsClient(settings);
  try {
    await assert.rejects(client.getCapacity(NS), (err: unknown) => isCapschedError(err) && err.code === 'CLOUD_OPS_UNAVAILABLE' && err.retry === 'transient');
    assert.deepEqual(f.sim.requests(), {});
  } finally {
    client.close();
    await f.close();
  }
});

test('settings: defaults, endpoint validation and boolean parsing', () => {
  const defaults = readCloudOpsSettings({});
  assert.equal(defaults.endpoint, 'saas-api.tmprl.cloud:443');
  assert.equal(defaults.allowInsecure, false);
  assert.equal(defaults.apiKey, undefined);
  assert.deepEqual([defaults.pollMinMs, defaults.pollMaxMs, defaults.callTimeoutMs], [1000, 15000, 30000]);
  const key = readCloudOpsSettings({ TEMPORAL_CLOUD_API_KEY: 'a-key-value-123456' }).apiKey;
  assert.equal(String(key), '[REDACTED]');
  assert.equal(JSON.stringify({ key }), '{"key":"[REDACTED]"}');
  assert.equal(key?.reveal(), 'a-key-value-123456');
  assert.throws(() => readCloudOpsSettings({ TEMPORAL_CLOUD_ENDPOINT: 'https://saas-api.tmprl.cloud' }), /host:port/);
  assert.throws(() => readCloudOpsSettings({ TEMPORAL_CLOUD_ALLOW_INSECURE: 'maybe' }), /TEMPORAL_CLOUD_ALLOW_INSECURE/);
  assert.throws(() => readCloudOpsSettings({ CAPSCHED_CLOUD_OPS_POLL_MIN: '5s', CAPSCHED_CLOUD_OPS_POLL_MAX: '1s' }), /POLL_MAX/);
  assert.equal(readCloudOpsSettings({ TEMPORAL_CLOUD_ALLOW_INSECURE: 'TRUE', CAPSCHED_CLOUD_OPS_POLL_MIN: '250ms' }).allowInsecure, true);
  assert.equal(readCloudOpsSettings({ CAPSCHED_CLOUD_OPS_POLL_MIN: '250ms' }).pollMinMs, 250);
});
