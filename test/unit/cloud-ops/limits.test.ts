import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCapschedError } from '../../../src/core/errors.js';
import { startFixture, NS } from './helpers.js';

test('over the request rate limit the API answers RESOURCE_EXHAUSTED: a transient CLOUD_OPS_RATE_LIMITED', async () => {
  const f = await startFixture({ rateLimitPerSecond: 5 });
  try {
    const results = await Promise.allSettled(Array.from({ length: 12 }, () => f.client.getCapacity(NS)));
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    assert.ok(refused.length >= 1, 'some calls were refused');
    for (const r of refused) {
      assert.ok(isCapschedError(r.reason));
      assert.equal(r.reason.code, 'CLOUD_OPS_RATE_LIMITED');
      assert.equal(r.reason.retry, 'transient');
    }
  } finally {
    await f.close();
  }
});

test('beyond the concurrent async operation limit a change is refused as rate limited, and nothing is applied', async () => {
  const f = await startFixture({ namespaces: [NS, 'second.bbbbb'], maxConcurrentOperations: 1, operationDelayMs: 1500 });
  try {
    await f.client.setCapacity(NS, { mode: 'provisioned', trus: 2 }, 'first');
    await assert.rejects(
      f.client.setCapacity('second.bbbbb', { mode: 'provisioned', trus: 2 }, 'second'),
      (err: unknown) => isCapschedError(err) && err.code === 'CLOUD_OPS_RATE_LIMITED' && err.retry === 'transient',
    );
    await f.client.waitForOperation('first', { timeoutMs: 5000 });
    assert.deepEqual(f.sim.changes('second.bbbbb'), []);
    const retried = await f.client.setCapacity('second.bbbbb', { mode: 'provisioned', trus: 2 }, 'second');
    await f.client.waitForOperation(retried.operationId, { timeoutMs: 5000 });
    assert.equal(f.sim.capacityOf('second.bbbbb').trus, 2);
  } finally {
    await f.close();
  }
});
