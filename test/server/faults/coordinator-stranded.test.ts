/**
 * Issue #12 scenario 4 and issue #11 "Keep verifying", on the dev server with the Cloud Ops
 * simulator: a coordinator living on a task queue no worker polls is detected, alerted and
 * replaced on the window's queue; an out-of-band change mid-window is restored and alerted once.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { coordinatorWorkflowId } from '../../../src/core/capacity/window.js';
import { CAPACITY_COORDINATOR_WORKFLOW } from '../../../src/temporal/workflows/definitions.js';
import { testTemporal, uniqueSuffix } from '../helpers/temporal.js';
import { describeCapacity, faultNamespace, history, replayHistories, resultOf, startCapacityStack, until } from './helpers.js';

const { client } = await testTemporal();

const NS = { stranded: faultNamespace('strand'), drift: faultNamespace('drift') };

describe('coordinator liveness and re-verification', { concurrency: true }, async () => {
  const stack = await startCapacityStack({
    namespaces: Object.values(NS),
    settings: { coordinatorCheckMs: 1_500, coordinatorQueryTimeoutMs: 1_500, reverifyIntervalMs: 1_500 },
  });
  const replay: string[] = [];
  after(async () => {
    await replayHistories(client, replay);
  });
  const alertsFor = (ns: string): string[] => stack.sink.messages.map((m) => m.raw).filter((raw) => raw.includes(ns));

  test('scenario 4: a coordinator on a task queue no worker polls: the new window is not left in "raising": detected, alerted, replaced on its queue, raised and released', async () => {
    const ns = NS.stranded;
    const oldQueue = `retired-queue-${uniqueSuffix()}`;
    const stale = await client.workflow.start(CAPACITY_COORDINATOR_WORKFLOW, {
      workflowId: coordinatorWorkflowId(ns),
      taskQueue: oldQueue,
      args: [{ namespace: ns }],
    });
    const handle = await stack.startWindow(ns, { trus: 4, windowMs: 15_000, verifyDelay: '300ms' });
    await until(() => history(stack.sim, ns).includes('4'), 20_000, 'the raise through a replacement coordinator');
    const result = await resultOf(handle);
    assert.equal(result.initialChangeSuccess, true);
    assert.equal(result.revertedToOnDemand, true);
    assert.equal(result.revertVerificationSuccess, true);
    assert.deepEqual(history(stack.sim, ns), ['4', 'onDemand']);
    assert.deepEqual(describeCapacity(stack.sim, ns), { mode: 'onDemand' });
    const old = await client.workflow.getHandle(coordinatorWorkflowId(ns), stale.firstExecutionRunId).describe();
    assert.equal(old.status.name, 'TERMINATED');
    const alerts = await until(() => (alertsFor(ns).length >= 2 ? alertsFor(ns) : undefined), 5_000, 'alerts');
    assert.match(alerts[0] ?? '', new RegExp(`CRITICAL: Namespace coordinator stranded; replaced[\\s\\S]*${oldQueue}`));
    replay.push(handle.workflowId, coordinatorWorkflowId(ns));
  });

  test('keep verifying (issue #11): changed out of band mid-window (someone set 4 TRUs in the UI): restored to 8 at the next re-read, alerted once, reverted at the end', async () => {
    const ns = NS.drift;
    const handle = await stack.startWindow(ns, { trus: 8, windowMs: 10_000, verifyDelay: '300ms' });
    await until(async () => (await handle.query<{ phase: string }>('status')).phase === 'active', 10_000, 'the active phase');
    stack.sim.setCapacityOutOfBand(ns, { mode: 'provisioned', trus: 4 });
    await until(() => history(stack.sim, ns).length >= 3, 8_000, 'the restore');
    assert.deepEqual(history(stack.sim, ns).slice(0, 3), ['8', '4', '8']);
    const result = await resultOf(handle);
    assert.equal(result.revertedToOnDemand, true);
    assert.deepEqual(history(stack.sim, ns), ['8', '4', '8', 'onDemand']);
    const alerts = await until(() => (alertsFor(ns).length >= 2 ? alertsFor(ns) : undefined), 5_000, 'alerts');
    assert.equal(alerts.filter((a) => a.includes('Capacity changed outside capsched')).length, 1);
    assert.match(alerts.join('\n'), /ERROR: Capacity changed outside capsched; restored to 8 TRUs/);
    replay.push(handle.workflowId, coordinatorWorkflowId(ns));
  });
});
