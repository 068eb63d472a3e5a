import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCapschedError } from '../../../src/core/errors.js';
import { startFixture, NS } from './helpers.js';

test('a FAILED operation is a terminal error with the failure reason; capacity stays as it was', async () => {
  const f = await startFixture({ operationDelayMs: 100 });
  try {
    f.sim.injectFault({ kind: 'operationFailed', namespace: NS, failureReason: 'provisioning backend error 42' });
    const accepted = await f.client.setCapacity(NS, { mode: 'provisioned', trus: 8 }, 'op-fail');
    await assert.rejects(f.client.waitForOperation(accepted.operationId, { timeoutMs: 5000 }), (err: unknown) => {
      assert.ok(isCapschedError(err));
      assert.equal(err.code, 'CLOUD_OPS_OPERATION_FAILED');
      assert.equal(err.retry, 'terminal');
      assert.match(err.message, /provisioning backend error 42/);
      assert.equal(err.details?.failureReason, 'provisioning backend error 42');
      return true;
    });
    const after = await f.client.getCapacity(NS);
    assert.equal(after.mode, 'onDemand');
    assert.equal(after.latestRequest?.state, 'failed');
    assert.deepEqual(f.sim.changes(NS), []);
    assert.deepEqual(f.sim.specOf(NS).capacitySpec, { onDemand: {} }, 'the desired capacity is restored');

    // The fault was one-shot: the next attempt (new step id) succeeds.
    const next = await f.client.setCapacity(NS, { mode: 'provisioned', trus: 8 }, 'op-fail-2');
    await f.client.waitForOperation(next.operationId, { timeoutMs: 5000 });
    assert.equal(f.sim.capacityOf(NS).trus, 8);
  } finally {
    await f.close();
  }
});

test('capacity unavailable: the operation is REJECTED, a terminal error', async () => {
  const f = await startFixture({ operationDelayMs: 50 });
  try {
    f.sim.injectFault({ kind: 'capacityUnavailable', namespace: NS });
    const accepted = await f.client.setCapacity(NS, { mode: 'provisioned', trus: 12 }, 'op-rejected');
    await assert.rejects(f.client.waitForOperation(accepted.operationId, { timeoutMs: 5000 }), (err: unknown) => {
      assert.ok(isCapschedError(err));
      assert.equal(err.code, 'CLOUD_OPS_OPERATION_REJECTED');
      assert.equal(err.retry, 'terminal');
      assert.match(err.message, /capacity unavailable/);
      return true;
    });
    assert.equal(f.sim.capacityOf(NS).mode, 'onDemand');
  } finally {
    await f.close();
  }
});

test('an operation that never finishes times out as a transient error', async () => {
  const f = await startFixture({ operationDelayMs: 50 });
  try {
    f.sim.injectFault({ kind: 'operationStuck', namespace: NS });
    const accepted = await f.client.setCapacity(NS, { mode: 'provisioned', trus: 2 }, 'op-stuck');
    await assert.rejects(f.client.waitForOperation(accepted.operationId, { timeoutMs: 300 }), (err: unknown) => {
      assert.ok(isCapschedError(err));
      assert.equal(err.code, 'CLOUD_OPS_OPERATION_TIMEOUT');
      assert.equal(err.retry, 'transient');
      return true;
    });
  } finally {
    await f.close();
  }
});

test('transient errors while polling do not end the wait', async () => {
  const f = await startFixture({ operationDelayMs: 150 });
  try {
    const accepted = await f.client.setCapacity(NS, { mode: 'provisioned', trus: 3 }, 'op-flaky-poll');
    f.sim.injectFault({ kind: 'unavailable', method: 'GetAsyncOperation', times: 2 });
    f.sim.injectFault({ kind: 'resourceExhausted', method: 'GetAsyncOperation', times: 1 });
    const done = await f.client.waitForOperation(accepted.operationId, { timeoutMs: 5000 });
    assert.equal(done.state, 'fulfilled');
    assert.equal(f.sim.capacityOf(NS).trus, 3);
  } finally {
    await f.close();
  }
});
