import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AsyncOperationStatus } from '../../../src/core/ports.js';
import { startFixture, NS } from './helpers.js';

test('waitForOperation reports every poll (for activity heartbeats) and honours check_duration within the clamp', async () => {
  const f = await startFixture({ operationDelayMs: 600, checkDurationMs: 60 }, { CAPSCHED_CLOUD_OPS_POLL_MIN: '10ms', CAPSCHED_CLOUD_OPS_POLL_MAX: '1s' });
  try {
    const op = await f.client.setCapacity(NS, { mode: 'provisioned', trus: 4 }, 'op-polled');
    const seen: AsyncOperationStatus[] = [];
    const done = await f.client.waitForOperation(op.operationId, { timeoutMs: 5000, onPoll: (s) => seen.push(s) });
    assert.equal(done.state, 'fulfilled');
    assert.equal(seen.at(-1)?.state, 'fulfilled');
    const states = seen.map((x) => x.state).filter((st, i, all) => all[i - 1] !== st);
    assert.deepEqual(states, ['pending', 'inProgress', 'fulfilled'], 'PENDING → IN_PROGRESS → FULFILLED');
    assert.ok(seen.every((s) => s.checkDurationMs === 60));
    // 600 ms at a 60 ms check duration: about ten polls, not one every 10 ms (sixty).
    assert.ok(seen.length >= 4 && seen.length <= 16, `polled ${seen.length} times`);
  } finally {
    await f.close();
  }
});

test('waitForOperation stops when its signal is aborted', async () => {
  const f = await startFixture({ operationDelayMs: 5000 });
  try {
    const op = await f.client.setCapacity(NS, { mode: 'provisioned', trus: 4 }, 'op-abandoned');
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(new Error('activity cancelled')), 100);
    await assert.rejects(f.client.waitForOperation(op.operationId, { timeoutMs: 10_000, signal: controller.signal }), /activity cancelled/);
    assert.ok(Date.now() - started < 2000);
  } finally {
    await f.close();
  }
});
