import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCapschedError } from '../../src/core/errors.js';
import { startFixture, NS } from './helpers.js';

test('a TRU value the namespace does not offer is a terminal INVALID_ARGUMENT and nothing changes', async () => {
  const f = await startFixture({ validTruValues: [2, 3, 4, 6, 8, 10, 12], maxAvailableTruValue: 8 });
  try {
    await assert.rejects(f.client.setCapacity(NS, { mode: 'provisioned', trus: 5 }, 'op-five'), (err: unknown) => {
      assert.ok(isCapschedError(err));
      assert.equal(err.code, 'CLOUD_OPS_INVALID_ARGUMENT');
      assert.equal(err.retry, 'terminal');
      assert.match(err.message, /valid values are 2, 3, 4, 6, 8, 10, 12/);
      return true;
    });
    // A valid tier above what the region can provision now is refused the same way.
    await assert.rejects(f.client.setCapacity(NS, { mode: 'provisioned', trus: 10 }, 'op-ten'), (err: unknown) => {
      assert.ok(isCapschedError(err));
      assert.equal(err.code, 'CLOUD_OPS_INVALID_ARGUMENT');
      assert.equal(err.retry, 'terminal');
      assert.match(err.message, /at most 8 TRU/);
      return true;
    });
    assert.deepEqual(f.sim.changes(NS), []);
    assert.deepEqual(f.sim.capacityOf(NS).mode, 'onDemand');
    assert.equal(f.sim.requests().UpdateNamespace, 2);
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
