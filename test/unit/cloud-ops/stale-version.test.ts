import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ServiceError } from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import { isCapschedError } from '../../../src/core/errors.js';
import { startFixture, rawCall, delay, NS } from './helpers.js';

test('a change made between read and write (stale resource_version) is a transient conflict; a retry succeeds', async () => {
  const f = await startFixture();
  try {
    // Hold the client's UpdateNamespace in flight while someone changes capacity in the UI.
    f.sim.injectFault({ kind: 'latency', method: 'UpdateNamespace', latencyMs: 400 });
    const attempt = f.client.setCapacity(NS, { mode: 'provisioned', trus: 4 }, 'op-stale');
    for (let i = 0; i < 100 && f.sim.requests().UpdateNamespace === undefined; i++) await delay(5);
    assert.equal(f.sim.requests().UpdateNamespace, 1, 'the update is in flight');
    f.sim.setCapacityOutOfBand(NS, { mode: 'provisioned', trus: 2 });
    await assert.rejects(attempt, (err: unknown) => {
      assert.ok(isCapschedError(err));
      assert.equal(err.code, 'CLOUD_OPS_CONFLICT');
      assert.equal(err.retry, 'transient');
      assert.equal(err.details?.grpcStatus, 'FAILED_PRECONDITION');
      return true;
    });
    assert.deepEqual(f.sim.capacityOf(NS).trus, 2, 'the stale write was not applied');

    // The retry (same operation id) re-reads the namespace and goes through.
    const retry = await f.client.setCapacity(NS, { mode: 'provisioned', trus: 4 }, 'op-stale');
    await f.client.waitForOperation(retry.operationId, { timeoutMs: 5000 });
    assert.deepEqual(
      f.sim.changes(NS).map((c) => [c.source, c.trus]),
      [
        ['out-of-band', 2],
        ['api', 4],
      ],
    );
  } finally {
    await f.close();
  }
});

test('the simulator answers FAILED_PRECONDITION to an UpdateNamespace with an old resource_version', async () => {
  const f = await startFixture();
  try {
    const read = await f.client.getNamespace(NS);
    f.sim.setCapacityOutOfBand(NS, { mode: 'provisioned', trus: 3 });
    await assert.rejects(
      rawCall(f.sim.address, 'UpdateNamespace', {
        namespace: NS,
        spec: { ...read.spec, capacitySpec: { onDemand: {} } },
        resourceVersion: read.resourceVersion,
        asyncOperationId: 'raw-1',
      }),
      (err: ServiceError) => err.code === status.FAILED_PRECONDITION && /stale/.test(err.details),
    );
  } finally {
    await f.close();
  }
});
