/**
 * Moving a running window's end (signal and validated update), the live status query, and
 * cancellation (which reverts), on the time-skipping server.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WorkflowFailedError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { CAPACITY_CHANGE_WORKFLOW, type CapacityChangeInput } from '../../../src/core/workflow-contract.js';
import { capacityStatusQuery, setEndTimeSignal, setEndTimeUpdate } from '../../../src/temporal/workflows/definitions.js';
import { HOUR, testNamespace, waitForPhase, withWorker, type Harness } from './time-skipping.js';
import { uniqueSuffix } from '../helpers/temporal.js';

async function start(h: Harness, input: Omit<CapacityChangeInput, 'endTime'>, endInMs: number): Promise<{ handle: WorkflowHandle; startMs: number }> {
  const startMs = await h.env.currentTimeMs();
  const handle = await h.env.client.workflow.start(CAPACITY_CHANGE_WORKFLOW, {
    taskQueue: h.taskQueue,
    workflowId: `wf-${uniqueSuffix()}`,
    args: [{ ...input, endTime: new Date(startMs + endInMs).toISOString() }],
  });
  return { handle, startMs };
}

test('status query shows the live window; a signal extends it and the revert waits for the new end', async () => {
  await withWorker({}, async (h) => {
    const ns = testNamespace();
    const { handle, startMs } = await start(h, { namespace: ns, desiredTrus: 4, verifyDelay: '0s' }, 2 * HOUR);
    const status = await waitForPhase(handle, 'active');
    assert.equal(status.namespace, ns);
    assert.deepEqual(status.effective, { mode: 'provisioned', trus: 4 });
    assert.equal(status.endTime, new Date(startMs + 2 * HOUR).toISOString());
    assert.equal(status.result.initialChangeSuccess, true);
    assert.equal(status.result.verificationSuccess, true);

    const newEnd = new Date(startMs + 5 * HOUR).toISOString();
    await handle.signal(setEndTimeSignal, { endTime: newEnd });
    const result = await handle.result();
    assert.equal(result.revertVerificationSuccess, true);
    assert.deepEqual(h.cloudOps.history(ns), ['4', 'onDemand']);
    const endedAt = h.cloudOps.changes.at(-1)?.atMs ?? Number.NaN;
    assert.ok(endedAt >= startMs + 5 * HOUR && endedAt < startMs + 6 * HOUR, `reverted at +${(endedAt - startMs) / HOUR}h, expected +5h`);
  });
});

test('the update validates: a malformed end is refused with a reason; a valid earlier end shortens the window', async () => {
  await withWorker({}, async (h) => {
    const ns = testNamespace();
    const { handle, startMs } = await start(h, { namespace: ns, desiredTrus: 4, verifyDelay: '0s' }, 6 * HOUR);
    await waitForPhase(handle, 'active');
    await assert.rejects(handle.executeUpdate(setEndTimeUpdate, { args: [{ endTime: 'tomorrow' }] }), (err: unknown) => {
      assert.ok(err instanceof WorkflowUpdateFailedError);
      assert.match(String((err.cause as Error | undefined)?.message), /not an ISO 8601 date-time with a zone/);
      return true;
    });
    // A bad signal is ignored, not applied.
    await handle.signal(setEndTimeSignal, { endTime: '2026-13-45' });
    const newEnd = new Date(startMs + 1 * HOUR).toISOString();
    const after = await handle.executeUpdate(setEndTimeUpdate, { args: [{ endTime: newEnd }] });
    assert.equal(after.endTime, newEnd);
    const result = await handle.result();
    assert.equal(result.revertedToOnDemand, true);
    const endedAt = h.cloudOps.changes.at(-1)?.atMs ?? Number.NaN;
    assert.ok(endedAt - startMs < 2 * HOUR, `reverted at +${(endedAt - startMs) / HOUR}h, expected ~+1h`);
    assert.ok(endedAt - startMs >= 1 * HOUR);
    assert.deepEqual(h.cloudOps.history(ns), ['4', 'onDemand']);
  });
});

test('an end in the past ends the window now', async () => {
  await withWorker({}, async (h) => {
    const ns = testNamespace();
    const { handle, startMs } = await start(h, { namespace: ns, desiredTrus: 3, verifyDelay: '0s' }, 8 * HOUR);
    await waitForPhase(handle, 'active');
    await handle.executeUpdate(setEndTimeUpdate, { args: [{ endTime: new Date(startMs - HOUR).toISOString() }] });
    const result = await handle.result();
    assert.equal(result.revertVerificationSuccess, true);
    assert.ok((h.cloudOps.changes.at(-1)?.atMs ?? Number.NaN) - startMs < HOUR);
  });
});

test('cancelling the workflow reverts to on-demand, verifies, alerts, and ends as cancelled', async () => {
  await withWorker({}, async (h) => {
    const ns = testNamespace();
    const { handle } = await start(h, { namespace: ns, desiredTrus: 8, verifyDelay: '0s' }, 10 * HOUR);
    await waitForPhase(handle, 'active');
    assert.deepEqual(h.cloudOps.capacityOf(ns), { mode: 'provisioned', trus: 8 });
    await handle.cancel();
    await assert.rejects(handle.result(), (err: unknown) => err instanceof WorkflowFailedError && err.cause instanceof CancelledFailure);
    assert.deepEqual(h.cloudOps.history(ns), ['8', 'onDemand']);
    assert.deepEqual(h.cloudOps.capacityOf(ns), { mode: 'onDemand' });
    assert.deepEqual(h.notifier.severities(), ['info:Capacity reverted to on-demand']);
    const status = await handle.query(capacityStatusQuery);
    assert.equal(status.phase, 'done');
    assert.equal(status.result.revertVerificationSuccess, true);
    // A finished window refuses a new end.
    await assert.rejects(handle.executeUpdate(setEndTimeUpdate, { args: [{ endTime: new Date().toISOString() }] }));
  });
});
