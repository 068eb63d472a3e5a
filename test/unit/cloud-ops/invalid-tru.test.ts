import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCapschedError } from '../../../src/core/errors.js';
import { status, type ServiceError } from '@grpc/grpc-js';
import { rawCall, startFixture, NS } from './helpers.js';

test('issue #12 scenario 9: a TRU value the namespace does not offer (GetNamespaceCapacityInfo) fails terminally before any UpdateNamespace, and nothing changes', async () => {
  const f = await startFixture({ validTruValues: [2, 3, 4, 6, 8, 10, 12], maxAvailableTruValue: 8 });
  try {
    await assert.rejects(f.client.setCapacity(NS, { mode: 'provisioned', trus: 5 }, 'op-five'), (err: unknown) => {
      assert.ok(isCapschedError(err));
      assert.equal(err.code, 'CLOUD_OPS_TRUS_NOT_OFFERED');
      assert.equal(err.retry, 'terminal');
      assert.match(err.message, /does not offer 5 TRUs: valid values are 2, 3, 4, 6, 8, 10, 12/);
      return true;
    });
    // A valid tier above what the region can provision now is refused the same way.
    await assert.rejects(f.client.setCapacity(NS, { mode: 'provisioned', trus: 10 }, 'op-ten'), (err: unknown) => {
      assert.ok(isCapschedError(err));
      assert.equal(err.code, 'CLOUD_OPS_TRUS_NOT_OFFERED');
      assert.equal(err.retry, 'terminal');
      assert.match(err.message, /at most 8 TRUs are available/);
      return true;
    });
    assert.deepEqual(f.sim.changes(NS), []);
    assert.deepEqual(f.sim.capacityOf(NS).mode, 'onDemand');
    assert.equal(f.sim.requests().UpdateNamespace, undefined, 'refused before any UpdateNamespace');
    assert.equal(f.sim.requests().GetNamespaceCapacityInfo, 2);
    // An allowed value goes through (one capacity-info read, one update).
    const ok = await f.client.setCapacity(NS, { mode: 'provisioned', trus: 8 }, 'op-eight');
    assert.equal(ok.noop, false);
    assert.equal(f.sim.requests().UpdateNamespace, 1);
    assert.equal(f.sim.requests().GetNamespaceCapacityInfo, 3);
    // Reverting to on-demand needs no capacity-info read.
    await f.client.waitForOperation(ok.operationId);
    await f.client.setCapacity(NS, { mode: 'onDemand' }, 'op-back');
    assert.equal(f.sim.requests().GetNamespaceCapacityInfo, 3);
  } finally {
    await f.close();
  }
});

test('the simulator itself refuses a TRU value it does not offer, or one above what is available, with INVALID_ARGUMENT (a client that skips the check)', async () => {
  const f = await startFixture({ validTruValues: [2, 3, 4, 6, 8, 10, 12], maxAvailableTruValue: 8 });
  try {
    for (const [trus, message] of [
      [5, /valid values are 2, 3, 4, 6, 8, 10, 12/],
      [10, /at most 8 TRU/],
    ] as const) {
      const { namespace } = await rawCall<{ namespace: { spec: Record<string, unknown>; resourceVersion: string } }>(f.sim.address, 'GetNamespace', {
        namespace: NS,
      });
      await assert.rejects(
        rawCall(f.sim.address, 'UpdateNamespace', {
          namespace: NS,
          spec: { ...namespace.spec, capacitySpec: { provisioned: { value: trus } } },
          resourceVersion: namespace.resourceVersion,
          asyncOperationId: `raw-${trus}`,
        }),
        (err: ServiceError) => err.code === status.INVALID_ARGUMENT && message.test(err.details),
      );
    }
    assert.deepEqual(f.sim.changes(NS), []);
  } finally {
    await f.close();
  }
});

test('zero, negative or non-finite TRUs are refused before anything is sent', async () => {
  const f = await startFixture();
  try {
    for (const trus of [0, -2, Number.NaN, Number.POSITIVE_INFINITY]) {
      await assert.rejects(f.client.setCapacity(NS, { mode: 'provisioned', trus }, `op-${String(trus)}`), (err: unknown) => {
        assert.ok(isCapschedError(err));
        assert.equal(err.code, 'CLOUD_OPS_INVALID_ARGUMENT');
        assert.equal(err.retry, 'terminal');
        return true;
      });
    }
    assert.equal(f.sim.requests().UpdateNamespace, undefined);
    assert.equal(f.sim.requests().GetNamespace, undefined);
  } finally {
    await f.close();
  }
});
