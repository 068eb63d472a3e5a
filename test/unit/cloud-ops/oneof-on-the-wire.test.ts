import assert from 'node:assert/strict';
import { test } from 'node:test';
import { status, type ServiceError } from '@grpc/grpc-js';
import { capacitySpecMembersOnWire, namespacev1 } from '../../../src/adapters/cloud-ops/wire.js';
import { startFixture, rawCall, NS } from './helpers.js';

test('a revert of a provisioned namespace puts exactly one capacity_spec member (on_demand) on the wire', async () => {
  const f = await startFixture({ operationDelayMs: 50, initialCapacity: { [NS]: { mode: 'provisioned', trus: 4 } } });
  try {
    const read = await f.client.getNamespace(NS);
    assert.equal(read.spec?.capacitySpec?.provisioned?.value, 4, 'the spec the client read had provisioned set');

    const revert = await f.client.setCapacity(NS, { mode: 'onDemand' }, 'revert-1');
    await f.client.waitForOperation(revert.operationId, { timeoutMs: 5000 });
    const sent = f.sim.requestLog().filter((r) => r.method === 'UpdateNamespace');
    assert.equal(sent.length, 1);
    assert.deepEqual(capacitySpecMembersOnWire(sent[0]!.raw), [1], 'only field 1 (on_demand) of CapacitySpec was encoded');
    const decoded = namespacev1.NamespaceSpec.toObject(
      (await import('../../../src/adapters/cloud-ops/wire.js')).cloudservice.UpdateNamespaceRequest.decode(sent[0]!.raw).spec as never,
    );
    assert.deepEqual(decoded.capacitySpec, { onDemand: {} });
    assert.equal(f.sim.capacityOf(NS).mode, 'onDemand');
  } finally {
    await f.close();
  }
});

test('the pitfall is real and the simulator catches it: adding onDemand to a decoded provisioned spec encodes both members', async () => {
  const f = await startFixture({ initialCapacity: { [NS]: { mode: 'provisioned', trus: 4 } } });
  try {
    const read = await f.client.getNamespace(NS);
    const naive = namespacev1.NamespaceSpec.decode(namespacev1.NamespaceSpec.encode(read.spec!).finish());
    (naive.capacitySpec as { onDemand?: object }).onDemand = {};
    await assert.rejects(
      rawCall(f.sim.address, 'UpdateNamespace', { namespace: NS, spec: naive, resourceVersion: read.resourceVersion, asyncOperationId: 'naive-revert' }),
      (err: ServiceError) => err.code === status.INVALID_ARGUMENT && /exactly one/.test(err.details),
    );
    const sent = f.sim.requestLog().filter((r) => r.method === 'UpdateNamespace');
    assert.deepEqual(
      capacitySpecMembersOnWire(sent[0]!.raw).sort((a, b) => a - b),
      [1, 2],
      'both on_demand and provisioned went on the wire',
    );
    assert.equal(f.sim.capacityOf(NS).trus, 4);
  } finally {
    await f.close();
  }
});
