import assert from 'node:assert/strict';
import { test } from 'node:test';
import { status, type ServiceError } from '@grpc/grpc-js';
import { isCapschedError } from '../../../src/core/errors.js';
import { startFixture, rawCall, NS } from './helpers.js';

test('a key without Namespace Admin on a namespace gets a terminal PERMISSION_DENIED; its own namespaces work', async () => {
  const f = await startFixture({ namespaces: [NS, 'other.team1'], permittedNamespaces: [NS], operationDelayMs: 20 });
  try {
    await assert.rejects(f.client.setCapacity('other.team1', { mode: 'provisioned', trus: 2 }, 'op-denied'), (err: unknown) => {
      assert.ok(isCapschedError(err));
      assert.equal(err.code, 'CLOUD_OPS_PERMISSION_DENIED');
      assert.equal(err.retry, 'terminal');
      assert.match(err.message, /Namespace Admin/);
      return true;
    });
    assert.deepEqual(f.sim.changes('other.team1'), []);
    const ok = await f.client.setCapacity(NS, { mode: 'provisioned', trus: 2 }, 'op-allowed');
    await f.client.waitForOperation(ok.operationId, { timeoutMs: 5000 });
    assert.equal(f.sim.capacityOf(NS).trus, 2);

    const listed = await rawCall<{ namespaces: { namespace: string }[] }>(f.sim.address, 'GetNamespaces', {});
    assert.deepEqual(
      listed.namespaces.map((n) => n.namespace),
      [NS],
    );
    await assert.rejects(
      rawCall(f.sim.address, 'GetNamespaceCapacityInfo', { namespace: 'other.team1' }),
      (err: ServiceError) => err.code === status.PERMISSION_DENIED,
    );
  } finally {
    await f.close();
  }
});
