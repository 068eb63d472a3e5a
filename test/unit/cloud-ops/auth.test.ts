import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { test } from 'node:test';
import { status, type ServiceError } from '@grpc/grpc-js';
import { isCapschedError } from '../../../src/core/errors.js';
import { createCloudOpsClient } from '../../../src/adapters/cloud-ops/index.js';
import { readCloudOpsSettings } from '../../../src/config/cloud-ops.js';
import { startFixture, rawCall, NS } from './helpers.js';

const WRONG_KEY = 'wrong-key-5d1e8f0a6c44';

test('a wrong API key is a terminal UNAUTHENTICATED error that never contains the key', async () => {
  const f = await startFixture();
  const client = createCloudOpsClient(readCloudOpsSettings({ ...f.env, TEMPORAL_CLOUD_API_KEY: WRONG_KEY }));
  try {
    for (const call of [
      () => client.getCapacity(NS),
      () => client.getCapacityInfo(NS),
      () => client.setCapacity(NS, { mode: 'provisioned', trus: 4 }, 'op-x'),
      () => client.waitForOperation('op-x', { timeoutMs: 1000 }),
    ]) {
      await assert.rejects(call(), (err: unknown) => {
        assert.ok(isCapschedError(err));
        assert.equal(err.code, 'CLOUD_OPS_UNAUTHENTICATED');
        assert.equal(err.retry, 'terminal');
        assert.match(err.message, /invalid or expired/);
        const everything = [
          err.message,
          err.stack ?? '',
          JSON.stringify(err),
          JSON.stringify(err.details),
          inspect(err, { depth: 10 }),
          inspect(err.cause ?? '', { depth: 5 }),
        ].join('\n');
        assert.ok(!everything.includes(WRONG_KEY), 'the wrong key does not appear in the error');
        assert.ok(!everything.includes(f.env.TEMPORAL_CLOUD_API_KEY as string), 'the configured key does not appear in the error');
        assert.ok(!/authorization|bearer/i.test(everything), 'no header appears in the error');
        return true;
      });
    }
    assert.deepEqual(f.sim.changes(NS), []);
  } finally {
    client.close();
    await f.close();
  }
});

test('a missing key is a configuration error before any call; requests without the header are UNAUTHENTICATED', async () => {
  const f = await startFixture();
  const client = createCloudOpsClient(readCloudOpsSettings({ ...f.env, TEMPORAL_CLOUD_API_KEY: '' }));
  try {
    await assert.rejects(
      client.getCapacity(NS),
      (err: unknown) => isCapschedError(err) && err.code === 'CLOUD_OPS_CONFIG' && /TEMPORAL_CLOUD_API_KEY/.test(err.message),
    );
    assert.deepEqual(f.sim.requests(), {});
    await assert.rejects(
      rawCall(f.sim.address, 'GetNamespace', { namespace: NS }, { 'temporal-cloud-api-version': 'v0.17.0' }),
      (err: ServiceError) => err.code === status.UNAUTHENTICATED,
    );
  } finally {
    client.close();
    await f.close();
  }
});

test('the client sends the pinned temporal-cloud-api-version; the simulator requires it', async () => {
  const f = await startFixture();
  try {
    await f.client.getCapacity(NS);
    assert.deepEqual(
      f.sim.requestLog().map((r) => r.apiVersion),
      ['v0.17.0'],
    );
    await assert.rejects(
      rawCall(f.sim.address, 'GetNamespace', { namespace: NS }, { authorization: `Bearer ${f.env.TEMPORAL_CLOUD_API_KEY}` }),
      (err: ServiceError) => err.code === status.INVALID_ARGUMENT && /temporal-cloud-api-version/.test(err.details),
    );
    // A client pinned before capacity existed (v0.9.0) does not see it.
    const old = await rawCall<{ namespace: { capacity?: unknown; spec: { capacitySpec?: unknown } } }>(
      f.sim.address,
      'GetNamespace',
      { namespace: NS },
      { authorization: `Bearer ${f.env.TEMPORAL_CLOUD_API_KEY}`, 'temporal-cloud-api-version': 'v0.9.0' },
    );
    assert.equal(old.namespace.capacity ?? undefined, undefined);
    assert.equal(old.namespace.spec.capacitySpec ?? undefined, undefined);
    await assert.rejects(
      rawCall(
        f.sim.address,
        'GetNamespaceCapacityInfo',
        { namespace: NS },
        { authorization: `Bearer ${f.env.TEMPORAL_CLOUD_API_KEY}`, 'temporal-cloud-api-version': 'v0.10.0' },
      ),
      (err: ServiceError) => err.code === status.INVALID_ARGUMENT,
    );
  } finally {
    await f.close();
  }
});
