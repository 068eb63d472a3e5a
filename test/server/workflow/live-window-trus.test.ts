/**
 * capschedSetWindowTrus (a reconcile pass raising or lowering a running window): the coordinator
 * re-applies the effective maximum at once; the same value twice changes nothing; the change
 * survives continue-as-new; the window still releases at its end.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { coordinatorWorkflowId } from '../../../src/core/capacity/window.js';
import { CAPACITY_CHANGE_WORKFLOW } from '../../../src/core/workflow-contract.js';
import { CAPACITY_COORDINATOR_WORKFLOW, coordinatorStatusQuery, setWindowTrusSignal } from '../../../src/temporal/workflows/definitions.js';
import { uniqueSuffix } from '../helpers/temporal.js';
import { HOUR, testNamespace, waitForPhase, withWorker } from './time-skipping.js';

test('a running window raised then lowered by a pass: applied at once, idempotent, kept across continue-as-new, released at its end', async () => {
  await withWorker({}, async (h) => {
    const ns = testNamespace();
    const coordinator = await h.env.client.workflow.start(CAPACITY_COORDINATOR_WORKFLOW, {
      taskQueue: h.taskQueue,
      workflowId: coordinatorWorkflowId(ns),
      args: [{ namespace: ns, continueAsNewAfterEvents: 20 }],
    });
    const t0 = await h.env.currentTimeMs();
    const window = await h.env.client.workflow.start(CAPACITY_CHANGE_WORKFLOW, {
      taskQueue: h.taskQueue,
      workflowId: `live-${uniqueSuffix()}`,
      args: [
        { namespace: ns, desiredTrus: 4, endTime: new Date(t0 + 3 * HOUR).toISOString(), verifyDelay: '0s', plan: 'bf', commit: 'c1', installation: 'default' },
      ],
    });
    await waitForPhase(window, 'active');
    const windowId = `${window.workflowId}/${(await window.describe()).runId}`;
    const handle = h.env.client.workflow.getHandle(coordinatorWorkflowId(ns));
    const status = await handle.query(coordinatorStatusQuery);
    assert.deepEqual(
      status.windows.map((w) => [w.trus, w.plan, w.commit, w.installation]),
      [[4, 'bf', 'c1', 'default']],
      'the window hands over its audit trail',
    );

    await handle.signal(setWindowTrusSignal, { windowId, trus: 8, commit: 'c2' });
    await h.env.sleep(60_000);
    assert.deepEqual(h.cloudOps.history(ns), ['4', '8']);
    await handle.signal(setWindowTrusSignal, { windowId, trus: 8, commit: 'c2' });
    await h.env.sleep(60_000);
    assert.deepEqual(h.cloudOps.history(ns), ['4', '8'], 'the same value twice changes nothing');
    // Push the history past the continue-as-new threshold with harmless signals, then lower.
    for (let i = 0; i < 6; i++) await handle.signal(setWindowTrusSignal, { windowId, trus: 8 });
    await h.env.sleep(60_000);
    await handle.signal(setWindowTrusSignal, { windowId, trus: 6, commit: 'c3' });
    await h.env.sleep(60_000);
    assert.deepEqual(h.cloudOps.history(ns), ['4', '8', '6']);
    assert.deepEqual(
      (await handle.query(coordinatorStatusQuery)).windows.map((w) => w.trus),
      [6],
    );
    await h.env.sleep(3 * HOUR);
    await window.result();
    assert.deepEqual(h.cloudOps.history(ns), ['4', '8', '6', 'onDemand']);
    const latest = await handle.describe();
    assert.notEqual(latest.runId, coordinator.firstExecutionRunId, 'the coordinator continued as new meanwhile');
  });
});

test('a window a pass started late says so in its alerts, with the commit', async () => {
  await withWorker({}, async (h) => {
    const ns = testNamespace();
    const t0 = await h.env.currentTimeMs();
    const window = await h.env.client.workflow.start(CAPACITY_CHANGE_WORKFLOW, {
      taskQueue: h.taskQueue,
      workflowId: `late-${uniqueSuffix()}`,
      args: [
        {
          namespace: ns,
          desiredTrus: 4,
          endTime: new Date(t0 + HOUR).toISOString(),
          verifyDelay: '0s',
          plan: 'bf',
          commit: 'c0ffee1234567890',
          installation: 'default',
          startedLate: true,
        },
      ],
    });
    await window.result();
    assert.deepEqual(h.cloudOps.history(ns), ['4', 'onDemand']);
    const reverted = h.notifier.alerts.find((a) => a.title === 'Capacity reverted to on-demand');
    assert.match(reverted?.text ?? '', /started late by a reconcile pass, for the rest of its occurrence, from commit c0ffee123456/);
  });
});
