/**
 * A raise whose Cloud Ops operation outlasts every activity attempt (each attempt waits
 * `operationTimeoutMs`, then the retries give up) but completes later on its own. The window
 * reports the raise as failed; capacity must still not be left provisioned: the coordinator keeps
 * the failed window (asking for nothing) until its end and then releases, which reverts the
 * late-completing raise.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { coordinatorWorkflowId } from '../../../src/core/capacity/window.js';
import { testTemporal } from '../helpers/temporal.js';
import { replayHistories, describeCapacity, faultNamespace, history, resultOf, startCapacityStack, until } from './helpers.js';

const { client } = await testTemporal();

test('a raise that times out on every attempt but completes later is still reverted at the window end', async () => {
  const ns = faultNamespace('slowop');
  // The operation takes 6 s; each of the 3 attempts waits 0.5 s for it (about 4.7 s in all).
  const stack = await startCapacityStack({ namespaces: [ns], simulator: { operationDelayMs: 6_000 }, settings: { operationTimeoutMs: 500 } });
  const handle = await stack.startWindow(ns, { trus: 8, windowMs: 9_000, verifyDelay: '200ms' });
  const result = await resultOf(handle);
  assert.equal(result.initialChangeSuccess, false);
  assert.match(result.errors.join('\n'), /did not finish within/);
  const [alert] = await stack.sink.waitForMessages(1, 5_000);
  assert.match(alert?.raw ?? '', /CRITICAL: Capacity change failed/);

  // The operation completes after the workflow gave up …
  await until(() => history(stack.sim, ns).includes('8'), 15_000, 'the late raise');
  // … and the window's end still brings the namespace back to on-demand.
  await until(() => history(stack.sim, ns).at(-1) === 'onDemand', 20_000, 'the revert at the end');
  assert.deepEqual(history(stack.sim, ns), ['8', 'onDemand']);
  assert.deepEqual(describeCapacity(stack.sim, ns), { mode: 'onDemand' });
  await replayHistories(client, [handle.workflowId, coordinatorWorkflowId(ns)]);
});
