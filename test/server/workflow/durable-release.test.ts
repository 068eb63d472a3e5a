/**
 * Issue #12, scenarios 1 and 5 (time-skipping server, the coordinator's real step/release loop):
 * a release is retried until the namespace is verifiably at the effective capacity, and
 * back-to-back windows never dip to on-demand in between.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import { coordinatorWorkflowId } from '../../../src/core/capacity/window.js';
import { CAPACITY_CHANGE_WORKFLOW } from '../../../src/core/workflow-contract.js';
import { HOUR, testNamespace, waitForPhase, withWorker, type Harness } from './time-skipping.js';
import { uniqueSuffix } from '../helpers/temporal.js';

async function startWindow(h: Harness, ns: string, trus: number, endMs: number, verifyDelay = '0s'): Promise<WorkflowHandle> {
  return h.env.client.workflow.start(CAPACITY_CHANGE_WORKFLOW, {
    taskQueue: h.taskQueue,
    workflowId: `wf-${trus}-${uniqueSuffix()}`,
    args: [{ namespace: ns, desiredTrus: trus, endTime: new Date(endMs).toISOString(), verifyDelay }],
  });
}

test('scenario 1: Cloud Ops unavailable at the window end for longer than the activity retries: the release keeps trying until on-demand is verified', async () => {
  await withWorker({}, async (h) => {
    const ns = testNamespace();
    const t0 = await h.env.currentTimeMs();
    const w = await startWindow(h, ns, 4, t0 + HOUR);
    await waitForPhase(w, 'active');
    // 3 attempts per step: the first two release steps fail entirely, the third succeeds on its second attempt.
    h.cloudOps.transientSetFailures = 7;
    const result = await w.result();
    assert.deepEqual(h.cloudOps.capacityOf(ns), { mode: 'onDemand' });
    assert.deepEqual(h.cloudOps.history(ns), ['4', 'onDemand']);
    assert.equal(result.revertedToOnDemand, true);
    assert.equal(result.revertVerificationSuccess, true);
    // One alert while failing, one on recovery, then the window's own confirmation; no false "Revert failed".
    assert.deepEqual(h.notifier.severities(), [
      'critical:Capacity release failing; retrying',
      'info:Capacity release recovered: now on-demand',
      'info:Capacity reverted to on-demand',
    ]);
    const revertAt = h.cloudOps.changes.at(-1)?.atMs ?? Number.NaN;
    assert.ok(revertAt - t0 < HOUR + 5 * 60_000, `reverted at +${(revertAt - t0) / 60_000} min, expected within minutes of the end`);
    await h.env.client.workflow.getHandle(coordinatorWorkflowId(ns)).result();
  });
});

test('scenario 1: a change still in progress at the window end (e.g. Terraform): the release is re-verified until the latest request completes at on-demand', async () => {
  await withWorker({}, async (h) => {
    const ns = testNamespace();
    const t0 = await h.env.currentTimeMs();
    const w = await startWindow(h, ns, 6, t0 + HOUR);
    await waitForPhase(w, 'active');
    // The next 5 reads after the revert still show 6 TRUs with a request in progress.
    let stale = 5;
    h.cloudOps.lie = (namespace, actual) =>
      actual.mode === 'onDemand' && stale-- > 0
        ? { namespace, mode: 'provisioned', currentTrus: 6, latestRequest: { state: 'inProgress' }, resourceVersion: 'x' }
        : undefined;
    const result = await w.result();
    assert.equal(stale, -1);
    assert.equal(result.revertVerificationSuccess, true);
    assert.deepEqual(h.cloudOps.capacityOf(ns), { mode: 'onDemand' });
    assert.deepEqual(h.notifier.severities(), [
      'critical:Capacity release failing; retrying',
      'info:Capacity release recovered: now on-demand',
      'info:Capacity reverted to on-demand',
    ]);
    await h.env.client.workflow.getHandle(coordinatorWorkflowId(ns)).result();
  });
});

test('scenario 5: back-to-back windows (one ends at X, the next starts at X, its run 30 s late) hold capacity without a dip to on-demand', async () => {
  await withWorker({}, async (h) => {
    const ns = testNamespace();
    const t0 = await h.env.currentTimeMs();
    const a = await startWindow(h, ns, 4, t0 + HOUR, '2m');
    await h.env.sleep(5 * 60_000); // the raise and its 2-minute verify delay
    await waitForPhase(a, 'active');
    // B's schedule fires 30 s after A's end (start-up jitter), within the grace.
    await h.env.sleep(t0 + HOUR + 30_000 - (await h.env.currentTimeMs()));
    const b = await startWindow(h, ns, 4, t0 + 2 * HOUR, '2m');
    const aResult = await a.result();
    assert.equal(aResult.revertedToOnDemand, false, 'the first window hands over to the second');
    assert.equal(aResult.revertVerificationSuccess, true);
    const bResult = await b.result();
    assert.equal(bResult.revertedToOnDemand, true);
    assert.deepEqual(h.cloudOps.history(ns), ['4', 'onDemand'], 'one raise and one revert: no dip at the hand-over');
    const revertAt = h.cloudOps.changes.at(-1)?.atMs ?? Number.NaN;
    assert.ok(revertAt - t0 >= 2 * HOUR && revertAt - t0 <= 2 * HOUR + 3 * 60_000, `reverted at +${(revertAt - t0) / 60_000} min`);
    assert.deepEqual(h.notifier.severities(), ['info:Window ended; capacity now 4 TRUs', 'info:Capacity reverted to on-demand']);
  });
});

test('scenario 1: a raise refused before the API accepted it (denied namespace, rejected TRUs) holds nothing: the coordinator finishes instead of retrying a release forever', async () => {
  await withWorker({ namespaceDenylist: ['prod.acct1'] }, async (h) => {
    const t0 = await h.env.currentTimeMs();
    const denied = await startWindow(h, 'prod.acct1', 4, t0 + HOUR);
    assert.equal((await denied.result()).initialChangeSuccess, false);
    // Scenario 3: the window's own worker refuses it before joining, so no coordinator is even started.
    await assert.rejects(h.env.client.workflow.getHandle(coordinatorWorkflowId('prod.acct1')).describe(), /not found/i);
    assert.deepEqual(h.cloudOps.setCalls, []);
    assert.deepEqual(h.notifier.severities(), ['critical:Capacity change failed']);
  });
  await withWorker({}, async (h) => {
    h.cloudOps.invalidTrus.add(5);
    const ns = testNamespace();
    const t0 = await h.env.currentTimeMs();
    const rejected = await startWindow(h, ns, 5, t0 + HOUR);
    assert.equal((await rejected.result()).initialChangeSuccess, false);
    await h.env.client.workflow.getHandle(coordinatorWorkflowId(ns)).result();
    assert.deepEqual(h.cloudOps.changes, []);
    assert.deepEqual(h.notifier.severities(), ['critical:Capacity change failed']);
  });
});

test('scenario 6: one slow step no longer holds another window: a 2-hour verify delay is cut short when B opens, B is raised at once and released at its end', async () => {
  await withWorker({}, async (h) => {
    const ns = testNamespace();
    const t0 = await h.env.currentTimeMs();
    // A's 2-hour verify delay used to hold the coordinator; B (8 TRUs, 30 minutes) opens meanwhile.
    const a = await startWindow(h, ns, 4, t0 + 3 * HOUR, '2h');
    await h.env.sleep(60_000);
    const b = await startWindow(h, ns, 8, t0 + 31 * 60_000);
    const bResult = await b.result();
    assert.equal(bResult.initialChangeSuccess, true);
    assert.equal(bResult.verificationSuccess, true);
    const raisedAt = (h.cloudOps.changes.find((c) => c.target.mode === 'provisioned' && c.target.trus === 8)?.atMs ?? Number.NaN) - t0;
    assert.ok(raisedAt < 2 * 60_000, `B raised at +${raisedAt / 60_000} min, expected at once (+1 min)`);
    const aResult = await a.result();
    assert.equal(aResult.verificationSuccess, true);
    assert.deepEqual(h.cloudOps.history(ns), ['4', '8', '4', 'onDemand']);
  });
});

test('scenario 6: a window whose end passes while another step (a slow Cloud Ops operation) holds the coordinator is not raised and reverted for nothing', async () => {
  await withWorker({}, async (h) => {
    const ns = testNamespace();
    const t0 = await h.env.currentTimeMs();
    // A's operation takes 8 s of real (and server) time; B's 3-second window ends meanwhile.
    h.cloudOps.operationDelayMs = 8_000;
    const a = await startWindow(h, ns, 4, t0 + 3 * HOUR);
    while (h.cloudOps.setCalls.length < 1) await new Promise((r) => setTimeout(r, 50));
    h.cloudOps.operationDelayMs = 0;
    const b = await startWindow(h, ns, 8, (await h.env.currentTimeMs()) + 3_000);
    const bResult = await b.result();
    assert.equal(bResult.initialChangeSuccess, false);
    assert.match(bResult.errors.join('\n'), /ended at .* while another capacity step of the namespace was still running: capacity was not changed/);
    await a.result();
    assert.deepEqual(h.cloudOps.history(ns), ['4', 'onDemand'], 'no 8-TRU raise billed for a window already over');
  });
});
