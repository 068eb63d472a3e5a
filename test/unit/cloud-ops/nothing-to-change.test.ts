import assert from 'node:assert/strict';
import { test } from 'node:test';
import { status, type ServiceError } from '@grpc/grpc-js';
import { isNothingToChange } from '../../../src/adapters/cloud-ops/index.js';
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

test('when the API answers "nothing to change" to a real update, setCapacity returns noop without an operation', async () => {
  // An API that keeps a failed request's spec: the desired spec already says 8 TRU, capacity is on-demand.
  const f = await startFixture({ operationDelayMs: 30, keepSpecOnFailure: true });
  try {
    f.sim.injectFault({ kind: 'operationFailed', namespace: NS });
    const first = await f.client.setCapacity(NS, { mode: 'provisioned', trus: 8 }, 'attempt-1');
    await assert.rejects(f.client.waitForOperation(first.operationId, { timeoutMs: 5000 }));
    const updatesBefore = f.sim.requests().UpdateNamespace ?? 0;

    const second = await f.client.setCapacity(NS, { mode: 'provisioned', trus: 8 }, 'attempt-2');
    assert.deepEqual(second, { operationId: 'attempt-2', noop: true });
    assert.equal(f.sim.requests().UpdateNamespace, updatesBefore + 1, 'the update was sent and answered "nothing to change"');
    assert.equal(f.sim.operations().length, 1, 'no second operation');
    // The caller's verification step still sees the truth.
    assert.equal((await f.client.getCapacity(NS)).mode, 'onDemand');
  } finally {
    await f.close();
  }
});
