import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startFixture, NS } from './helpers.js';

test('provisioned then on-demand: the async operation is polled to FULFILLED and every other spec field is preserved', async () => {
  const f = await startFixture({ operationDelayMs: 600 });
  try {
    const specBefore = f.sim.specOf(NS);
    assert.deepEqual(specBefore.capacitySpec, { onDemand: {} });

    const up = await f.client.setCapacity(NS, { mode: 'provisioned', trus: 4 }, 'step-raise-1');
    assert.equal(up.noop, false);
    assert.equal(up.operationId, 'step-raise-1');
    assert.equal(up.operation?.state, 'pending');
    assert.ok((up.operation?.checkDurationMs ?? 0) > 0, 'the operation reports a check duration');
    // Accepted but not yet applied: the API still reports the old mode, with the request in progress.
    const during = await f.client.getCapacity(NS);
    assert.equal(during.mode, 'onDemand');
    assert.equal(during.latestRequest?.state, 'inProgress');
    assert.equal(during.latestRequest?.asyncOperationId, 'step-raise-1');
    assert.deepEqual(during.latestRequest?.target, { mode: 'provisioned', trus: 4 });

    const done = await f.client.waitForOperation('step-raise-1', { timeoutMs: 5000 });
    assert.equal(done.state, 'fulfilled');
    assert.ok((f.sim.requests().GetAsyncOperation ?? 0) >= 2, 'waited by polling GetAsyncOperation');
    const raised = await f.client.getCapacity(NS);
    assert.equal(raised.mode, 'provisioned');
    assert.equal(raised.currentTrus, 4);
    assert.equal(raised.latestRequest?.state, 'completed');
    assert.ok(raised.latestRequest?.endTime, 'a completed request has an end time');

    const down = await f.client.setCapacity(NS, { mode: 'onDemand' }, 'step-revert-1');
    assert.equal(down.noop, false);
    await f.client.waitForOperation('step-revert-1', { timeoutMs: 5000 });
    const reverted = await f.client.getCapacity(NS);
    assert.equal(reverted.mode, 'onDemand');
    assert.equal(reverted.currentTrus, undefined);
    assert.equal(Number(reverted.resourceVersion) > Number(raised.resourceVersion), true, 'resource_version bumps on change');

    const specAfter = f.sim.specOf(NS);
    assert.deepEqual(specAfter, specBefore, 'retention, codec server, search attributes, lifecycle… all preserved');
    assert.equal(specAfter.retentionDays, 30);

    const changes = f.sim.changes(NS);
    assert.deepEqual(
      changes.map((c) => [c.operationId, c.target, c.trus]),
      [
        ['step-raise-1', { mode: 'provisioned', trus: 4 }, 4],
        ['step-revert-1', { mode: 'onDemand' }, undefined],
      ],
    );
    assert.ok((changes[0]?.atMs ?? 0) < (changes[1]?.atMs ?? 0));
  } finally {
    await f.close();
  }
});
