import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startFixture, NS } from './helpers.js';

test('getCapacity reports mode from the currentMode oneof, TRUs and resource version; getCapacityInfo the TRU tiers', async () => {
  const f = await startFixture({
    namespaces: [NS, 'orders.x9y8z'],
    initialCapacity: { 'orders.x9y8z': { mode: 'provisioned', trus: 6 } },
    validTruValues: [2, 4, 6, 8],
    maxAvailableTruValue: 6,
  });
  try {
    const onDemand = await f.client.getCapacity(NS);
    assert.equal(onDemand.namespace, NS);
    assert.equal(onDemand.mode, 'onDemand');
    assert.equal(onDemand.currentTrus, undefined);
    assert.equal(onDemand.latestRequest, undefined);
    assert.equal(onDemand.resourceVersion, '1');

    const provisioned = await f.client.getCapacity('orders.x9y8z');
    assert.equal(provisioned.mode, 'provisioned');
    assert.equal(provisioned.currentTrus, 6);

    const info = await f.client.getCapacityInfo('orders.x9y8z');
    assert.deepEqual(info.validTruValues, [2, 4, 6, 8]);
    assert.equal(info.maxAvailableTruValue, 6);
    assert.equal(info.hasLegacyLimits, false);
  } finally {
    await f.close();
  }
});

test('an unknown namespace is a terminal NOT_FOUND error', async () => {
  const f = await startFixture();
  try {
    await assert.rejects(f.client.getCapacity('nope.zzzzz'), (err: Error & { code?: string; retry?: string }) => {
      assert.equal(err.code, 'CLOUD_OPS_NOT_FOUND');
      assert.equal(err.retry, 'terminal');
      assert.match(err.message, /nope\.zzzzz/);
      return true;
    });
  } finally {
    await f.close();
  }
});
