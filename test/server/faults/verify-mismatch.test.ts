/**
 * Case 5: verification sees the wrong TRUs because someone changed capacity out of band (the
 * Temporal Cloud UI) mid-window. The failed verification alerts once, the window keeps going, and
 * the revert still happens at the end; a wrong read after the revert is a critical alert.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { coordinatorWorkflowId } from '../../../src/core/capacity/window.js';
import { testTemporal } from '../helpers/temporal.js';
import { replayHistories, describeCapacity, faultNamespace, history, resultOf, startCapacityStack, until } from './helpers.js';

const { client } = await testTemporal();

const NS = { raise: faultNamespace('vraise'), mid: faultNamespace('vmid'), revert: faultNamespace('vrevert') };

describe('verification sees wrong TRUs', { concurrency: true }, async () => {
  const stack = await startCapacityStack({ namespaces: Object.values(NS) });
  const windows: string[] = [];
  after(async () => {
    // The verify-failed and revert-not-verified shapes replay with the current code.
    await replayHistories(client, [...windows, ...Object.values(NS).map(coordinatorWorkflowId)]);
  });
  const alertsFor = (ns: string): string[] => stack.sink.messages.map((m) => m.raw).filter((raw) => raw.includes(ns));

  test('changed out of band during the verify delay: one "not verified" alert, the window continues, the revert still happens', async () => {
    const ns = NS.raise;
    const handle = await stack.startWindow(ns, { trus: 8, windowMs: 5_000, verifyDelay: '1500ms' });
    windows.push(handle.workflowId);
    await until(() => history(stack.sim, ns).includes('8'), 10_000, 'the raise');
    stack.sim.setCapacityOutOfBand(ns, { mode: 'provisioned', trus: 4 });
    const result = await resultOf(handle);
    assert.equal(result.initialChangeSuccess, true);
    assert.equal(result.verificationSuccess, false);
    assert.match(result.errors.join('\n'), /verification of 8 TRU.* failed/i);
    assert.equal(result.revertedToOnDemand, true);
    assert.equal(result.revertVerificationSuccess, true);
    assert.deepEqual(history(stack.sim, ns), ['8', '4', 'onDemand']);
    assert.deepEqual(describeCapacity(stack.sim, ns), { mode: 'onDemand' });
    const alerts = await until(() => (alertsFor(ns).length >= 2 ? alertsFor(ns) : undefined), 5_000, 'two alerts');
    assert.equal(alerts.length, 2);
    assert.match(alerts[0] ?? '', /ERROR: Capacity change not verified/);
    assert.match(alerts[1] ?? '', /INFO: Capacity reverted to on-demand|ERROR: Capacity reverted late/);
  });

  test('changed out of band after verification (someone raised it to 12): the end still reverts to on-demand', async () => {
    const ns = NS.mid;
    const handle = await stack.startWindow(ns, { trus: 6, windowMs: 4_000, verifyDelay: '300ms' });
    windows.push(handle.workflowId);
    await until(async () => (await handle.query<{ phase: string }>('status')).phase === 'active', 10_000, 'the active phase');
    stack.sim.setCapacityOutOfBand(ns, { mode: 'provisioned', trus: 12 });
    const result = await resultOf(handle);
    assert.equal(result.verificationSuccess, true);
    assert.equal(result.revertedToOnDemand, true);
    assert.equal(result.revertVerificationSuccess, true);
    assert.deepEqual(history(stack.sim, ns), ['6', '12', 'onDemand']);
    assert.deepEqual(describeCapacity(stack.sim, ns), { mode: 'onDemand' });
  });

  test('scenario 1 (issue #12): changed out of band during the revert verify delay: one critical "release failing" alert, the release is retried until on-demand is verified, then "recovered"', async () => {
    const ns = NS.revert;
    const handle = await stack.startWindow(ns, { trus: 6, windowMs: 2_500, verifyDelay: '1500ms' });
    windows.push(handle.workflowId);
    await until(() => history(stack.sim, ns).at(-1) === 'onDemand', 15_000, 'the revert');
    stack.sim.setCapacityOutOfBand(ns, { mode: 'provisioned', trus: 3 });
    // The first retry comes 30 s after the failed verification.
    const result = await resultOf(handle);
    assert.equal(result.revertedToOnDemand, true);
    assert.equal(result.revertVerificationSuccess, true);
    assert.deepEqual(describeCapacity(stack.sim, ns), { mode: 'onDemand' });
    assert.equal(history(stack.sim, ns).at(-1), 'onDemand');
    const alerts = await until(() => (alertsFor(ns).length >= 3 ? alertsFor(ns) : undefined), 5_000, 'the alerts');
    assert.equal(alerts.length, 3);
    assert.match(alerts[0] ?? '', /CRITICAL: Capacity release failing; retrying/);
    assert.match(alerts[1] ?? '', /INFO: Capacity release recovered: now on-demand/);
    assert.match(alerts[2] ?? '', /INFO: Capacity reverted to on-demand/);
  });
});
