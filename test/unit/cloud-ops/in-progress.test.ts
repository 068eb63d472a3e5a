import assert from 'node:assert/strict';
import { test } from 'node:test';
import { status, type ServiceError } from '@grpc/grpc-js';
import { isCapschedError } from '../../../src/core/errors.js';
import { startFixture, rawCall, NS } from './helpers.js';

test('a change while another capacity request is in progress is a transient error; it succeeds once that request is done', async () => {
  const f = await startFixture({ operationDelayMs: 1500 });
  try {
    await f.client.setCapacity(NS, { mode: 'provisioned', trus: 4 }, 'window-a/raise');
    await assert.rejects(f.client.setCapacity(NS, { mode: 'onDemand' }, 'window-b/revert'), (err: unknown) => {
      assert.ok(isCapschedError(err));
      assert.equal(err.code, 'CLOUD_OPS_REQUEST_IN_PROGRESS');
      assert.equal(err.retry, 'transient');
      assert.match(err.message, /window-a\/raise/);
      return true;
    });
    // The server enforces it too, for clients that do not check first.
    const read = await f.client.getNamespace(NS);
    await assert.rejects(
      rawCall(f.sim.address, 'UpdateNamespace', {
        namespace: NS,
        spec: { ...read.spec, capacitySpec: { onDemand: {} } },
        resourceVersion: read.resourceVersion,
        asyncOperationId: 'raw-while-busy',
      }),
      (err: ServiceError) => err.code === status.FAILED_PRECONDITION && /in progress/.test(err.details),
    );

    await f.client.waitForOperation('window-a/raise', { timeoutMs: 5000 });
    const revert = await f.client.setCapacity(NS, { mode: 'onDemand' }, 'window-b/revert');
    await f.client.waitForOperation(revert.operationId, { timeoutMs: 5000 });
    assert.deepEqual(
      f.sim.changes(NS).map((c) => c.operationId),
      ['window-a/raise', 'window-b/revert'],
    );
    assert.equal(f.sim.capacityOf(NS).mode, 'onDemand');
  } finally {
    await f.close();
  }
});
