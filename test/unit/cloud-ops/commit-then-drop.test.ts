import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCapschedError } from '../../../src/core/errors.js';
import { startFixture, rawCall, NS } from './helpers.js';

test('a retry with the same operation id after the response was lost applies the change exactly once', async () => {
  const f = await startFixture({ operationDelayMs: 600 });
  try {
    f.sim.injectFault({ kind: 'commitThenDrop', method: 'UpdateNamespace', namespace: NS });
    await assert.rejects(f.client.setCapacity(NS, { mode: 'provisioned', trus: 6 }, 'wf-1/raise'), (err: unknown) => {
      assert.ok(isCapschedError(err));
      assert.equal(err.code, 'CLOUD_OPS_UNAVAILABLE');
      assert.equal(err.retry, 'transient');
      return true;
    });
    // The activity retries the same step with the same operation id while the change runs…
    const retry = await f.client.setCapacity(NS, { mode: 'provisioned', trus: 6 }, 'wf-1/raise');
    assert.equal(retry.noop, false);
    assert.equal(retry.operationId, 'wf-1/raise');
    assert.ok(['pending', 'inProgress', 'fulfilled'].includes(retry.operation?.state ?? ''), `returned the accepted operation (${retry.operation?.state})`);
    await f.client.waitForOperation('wf-1/raise', { timeoutMs: 5000 });
    // …and once more after it finished.
    const again = await f.client.setCapacity(NS, { mode: 'provisioned', trus: 6 }, 'wf-1/raise');
    assert.equal(again.operation?.state, 'fulfilled');

    assert.equal(f.sim.requests().UpdateNamespace, 1, 'the client never re-sent the change');
    assert.deepEqual(
      f.sim.changes(NS).map((c) => [c.operationId, c.trus]),
      [['wf-1/raise', 6]],
    );
    assert.equal(f.sim.operations().length, 1);
  } finally {
    await f.close();
  }
});

test('the simulator itself never applies a repeated async_operation_id twice, and refuses it for a different request', async () => {
  const f = await startFixture({ operationDelayMs: 50 });
  try {
    const read = await f.client.getNamespace(NS);
    const spec = { ...read.spec, capacitySpec: { provisioned: { value: 4 } } };
    const first = await rawCall<{ asyncOperation: { id: string } }>(f.sim.address, 'UpdateNamespace', {
      namespace: NS,
      spec,
      resourceVersion: read.resourceVersion,
      asyncOperationId: 'dup-1',
    });
    const second = await rawCall<{ asyncOperation: { id: string } }>(f.sim.address, 'UpdateNamespace', {
      namespace: NS,
      spec,
      resourceVersion: read.resourceVersion,
      asyncOperationId: 'dup-1',
    });
    assert.equal(first.asyncOperation.id, 'dup-1');
    assert.equal(second.asyncOperation.id, 'dup-1');
    await f.client.waitForOperation('dup-1', { timeoutMs: 5000 });
    assert.equal(f.sim.changes(NS).length, 1);

    const now = await f.client.getNamespace(NS);
    await assert.rejects(
      rawCall(f.sim.address, 'UpdateNamespace', {
        namespace: NS,
        spec: { ...now.spec, capacitySpec: { provisioned: { value: 8 } } },
        resourceVersion: now.resourceVersion,
        asyncOperationId: 'dup-1',
      }),
      (err: Error & { code: number }) => err.code === 6 /* ALREADY_EXISTS */,
    );
    assert.equal(f.sim.changes(NS).length, 1);
  } finally {
    await f.close();
  }
});
