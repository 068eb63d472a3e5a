import assert from 'node:assert/strict';
import { test } from 'node:test';
import { status, type ServiceError } from '@grpc/grpc-js';
import { isNothingToChange } from '../../src/adapters/cloud-ops/index.js';
import { startFixture, rawCall, NS } from './helpers.js';

test('setting the capacity the namespace already has is a no-op success and sends no update', async () => {
  const f = await startFixture({ initialCapacity: { [NS]: { mode: 'provisioned', trus: 4 } } });
  try {
    const same = await f.client.setCapacity(NS, { mode: 'provisioned', trus: 4 }, 'op-same');
    assert.deepEqual(same, { operationId: 'op-same', noop: true });
    const onDemandFixture = await f.client.getCapacity(NS);
    assert.equal(onDemandFixture.currentTrus, 4);
    assert.equal(f.sim.requests().UpdateNamespace, undefined);
    assert.deepEqual(f.sim.changes(NS), []);
  } finally {
    await f.close();
  }
});

test('the API answers an unchanged spec with INVALID_ARGUMENT "nothing to change", which the client treats as success', async () => {
  const f = await startFixture();
  try {
    const read = await f.client.getNamespace(NS);
    let caught: unknown;
    try {
      await rawCall(f.sim.address, 'UpdateNamespace', { namespace: NS, spec: read.spec, resourceVersion: read.resourceVersion, asyncOperationId: 'raw-same' });
    } catch (err) {
      caught = err;
    }
    assert.equal((caught as ServiceError).code, status.INVALID_ARGUMENT);
    assert.match((caught as ServiceError).details, /nothing to change/);
    assert.equal(isNothingToChange(caught), true);
    assert.deepEqual(f.sim.operations(), [], 'no operation was created');
  } finally {
    await f.close();
  }
});
