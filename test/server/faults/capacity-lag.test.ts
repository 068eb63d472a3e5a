/**
 * Issue #12 scenario 9: verification against the real API's timing. The async operation can report
 * FULFILLED while the namespace's capacity is still changing (capacity.latest_request IN_PROGRESS;
 * Terraform's acceptance test polls it for up to 60 s). Verification polls until the latest request
 * completes (bounded), instead of one read after a fixed delay. And a TRU value the namespace does not
 * offer now (GetNamespaceCapacityInfo) fails before any UpdateNamespace.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { coordinatorWorkflowId } from '../../../src/core/capacity/window.js';
import { testTemporal } from '../helpers/temporal.js';
import { describeCapacity, faultNamespace, history, replayHistories, resultOf, startCapacityStack, until } from './helpers.js';

const { client } = await testTemporal();

const NS = { lag: faultNamespace('lag'), bound: faultNamespace('lagbound'), offer: faultNamespace('offer') };

describe('capacity still changing after FULFILLED; TRUs not offered', { concurrency: true }, async () => {
  // The inventory cap (6) makes 8 TRUs a valid tier that cannot be provisioned now.
  const stack = await startCapacityStack({ namespaces: [NS.lag, NS.offer], simulator: { maxAvailableTruValue: 6 } });
  // A worker whose verification waits at most 1 s for the latest request (the workflow asks for 60 s).
  const capped = await startCapacityStack({ namespaces: [NS.bound], settings: { settleWaitCapMs: 1_000, settlePollMs: 200 } });
  const windows: string[] = [];
  after(async () => {
    await replayHistories(client, [...windows, coordinatorWorkflowId(NS.lag), coordinatorWorkflowId(NS.bound)]);
  });
  const alertsFor = (sink: typeof stack.sink, ns: string): string[] => sink.messages.map((m) => m.raw).filter((raw) => raw.includes(ns));

  test('scenario 9: the raise and the revert report FULFILLED 2.5 s before capacity changes: both verified by polling latest_request, no false "not verified" alert', async () => {
    const ns = NS.lag;
    stack.sim.injectFault({ kind: 'capacityLag', lagMs: 2_500, namespace: ns, times: 2 });
    const handle = await stack.startWindow(ns, { trus: 4, windowMs: 6_000, verifyDelay: '300ms' });
    windows.push(handle.workflowId);
    const result = await resultOf(handle);
    assert.deepEqual(result.errors, []);
    assert.equal(result.initialChangeSuccess, true);
    assert.equal(result.verificationSuccess, true, 'the raise is verified once latest_request completed');
    assert.equal(result.revertedToOnDemand, true);
    assert.equal(result.revertVerificationSuccess, true);
    assert.deepEqual(history(stack.sim, ns), ['4', 'onDemand']);
    assert.deepEqual(describeCapacity(stack.sim, ns), { mode: 'onDemand' });
    const alerts = await until(() => (alertsFor(stack.sink, ns).length >= 1 ? alertsFor(stack.sink, ns) : undefined), 5_000, 'the alert');
    assert.equal(alerts.length, 1, alerts.join('\n'));
    assert.match(alerts[0] ?? '', /INFO: Capacity reverted to on-demand/);
  });

  test('scenario 9 (bounded): latest_request still IN_PROGRESS when the wait runs out: "not verified" says the request is still in progress; the revert still happens', async () => {
    const ns = NS.bound;
    capped.sim.injectFault({ kind: 'capacityLag', lagMs: 4_000, namespace: ns });
    const handle = await capped.startWindow(ns, { trus: 4, windowMs: 7_000, verifyDelay: '200ms' });
    windows.push(handle.workflowId);
    const result = await resultOf(handle);
    assert.equal(result.initialChangeSuccess, true);
    assert.equal(result.verificationSuccess, false);
    assert.match(
      result.errors.join('\n'),
      /the latest capacity request is still in progress after waiting 1s for it to complete \(expected 4 provisioned TRUs, the API reports on-demand\)/,
    );
    assert.equal(result.revertedToOnDemand, true);
    assert.equal(result.revertVerificationSuccess, true);
    assert.deepEqual(history(capped.sim, ns), ['4', 'onDemand']);
    const alerts = await until(() => (alertsFor(capped.sink, ns).length >= 2 ? alertsFor(capped.sink, ns) : undefined), 5_000, 'two alerts');
    assert.match(alerts[0] ?? '', /ERROR: Capacity change not verified/);
  });

  test('scenario 9: 8 TRUs when GetNamespaceCapacityInfo says at most 6 are available: the raise fails terminally with a clear error before any UpdateNamespace; nothing to revert', async () => {
    const ns = NS.offer;
    const updatesBefore = stack.sim.requestLog().filter((r) => r.method === 'UpdateNamespace' && r.namespace === ns).length;
    const handle = await stack.startWindow(ns, { trus: 8, windowMs: 4_000, verifyDelay: '200ms' });
    windows.push(handle.workflowId);
    const result = await resultOf(handle);
    assert.equal(result.initialChangeSuccess, false);
    assert.match(result.errors.join('\n'), /cannot be provisioned with 8 TRUs now: at most 6 TRUs are available/);
    assert.equal(stack.sim.requestLog().filter((r) => r.method === 'UpdateNamespace' && r.namespace === ns).length, updatesBefore, 'no UpdateNamespace');
    assert.deepEqual(history(stack.sim, ns), []);
    assert.deepEqual(describeCapacity(stack.sim, ns), { mode: 'onDemand' });
    // The coordinator holds nothing for a change never applied: it finishes.
    await client.workflow.getHandle(coordinatorWorkflowId(ns)).result();
  });
});
