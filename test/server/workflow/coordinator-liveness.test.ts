/**
 * Issue #12, scenarios 2, 3, 6 (rest) and 7, and issue #11 "Keep verifying" (time-skipping server,
 * real workers, the coordinator's real loop): orphaned windows re-join, dry-run and allow/deny
 * lists bind the window's own ask, a late extension is refused, alerts say what happened, and an
 * out-of-band change inside a window is restored (or only alerted) once.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import { coordinatorWorkflowId, coordinatorWorkflowIdFor } from '../../../src/core/capacity/window.js';
import { CAPACITY_CHANGE_WORKFLOW } from '../../../src/core/workflow-contract.js';
import { silentLogger } from '../../../src/log/index.js';
import type { ActivitySettings } from '../../../src/temporal/activities/index.js';
import { createCapacityWorker } from '../../../src/temporal/worker.js';
import { setEndTimeUpdate } from '../../../src/temporal/workflows/definitions.js';
import { uniqueSuffix } from '../helpers/temporal.js';
import { HOUR, testBundle, testNamespace, waitForPhase, withWorker, type Harness } from './time-skipping.js';

async function startWindow(
  h: Harness,
  ns: string,
  trus: number,
  endMs: number,
  options: { verifyDelay?: string; taskQueue?: string } = {},
): Promise<WorkflowHandle> {
  return h.env.client.workflow.start(CAPACITY_CHANGE_WORKFLOW, {
    taskQueue: options.taskQueue ?? h.taskQueue,
    workflowId: `wf-${trus}-${uniqueSuffix()}`,
    args: [{ namespace: ns, desiredTrus: trus, endTime: new Date(endMs).toISOString(), verifyDelay: options.verifyDelay ?? '0s' }],
  });
}

/** A second worker (its own settings and task queue) on the same server, Cloud Ops and notifier. */
async function withSecondWorker(h: Harness, settings: Partial<ActivitySettings>, fn: (taskQueue: string) => Promise<void>): Promise<void> {
  const taskQueue = `tq2-${uniqueSuffix()}`;
  const worker = await createCapacityWorker({
    connection: h.env.nativeConnection,
    namespace: h.env.namespace ?? 'default',
    taskQueue,
    cloudOps: h.cloudOps,
    notifier: h.notifier,
    logger: silentLogger(),
    settings: {
      dryRun: false,
      namespaceAllowlist: [],
      namespaceDenylist: [],
      temporalUiUrl: 'http://ui.test:8233',
      heartbeatMs: 1_000,
      settleWaitCapMs: 0,
      ...settings,
    },
    workflowBundle: await testBundle(),
    client: h.env.client,
    shutdownGraceMs: 1_000,
  });
  await worker.runUntil(fn(taskQueue));
}

/** Fails instead of hanging when a workflow never completes (an orphaned window waits forever). */
async function within<T>(p: Promise<T>, what: string, ms = 30_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not done within ${ms / 1000} s`)), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

test('scenario 3: a window started through a dry-run worker on another task queue never changes real capacity through the production coordinator', async () => {
  await withWorker({}, async (h) => {
    await withSecondWorker(h, { dryRun: true }, async (dryQueue) => {
      const ns = testNamespace();
      const t0 = await h.env.currentTimeMs();
      const real = await startWindow(h, ns, 4, t0 + HOUR);
      await waitForPhase(real, 'active');
      const dry = await startWindow(h, ns, 8, t0 + 30 * 60_000, { taskQueue: dryQueue });
      const dryResult = await within(dry.result(), 'dry-run window');
      assert.equal(dryResult.dryRun, true, 'the dry-run window reports a dry run');
      const realResult = await within(real.result(), 'real window');
      assert.equal(realResult.dryRun, undefined);
      assert.equal(realResult.revertedToOnDemand, true);
      assert.deepEqual(h.cloudOps.history(ns), ['4', 'onDemand'], 'the dry-run window changed no real capacity');
      await within(h.env.client.workflow.getHandle(coordinatorWorkflowIdFor(ns, true)).result(), 'dry-run coordinator');
    });
  });
});

test('scenario 3: a real window joining while a dry-run coordinator holds the namespace really changes capacity (never "success" for nothing)', async () => {
  await withWorker({}, async (h) => {
    await withSecondWorker(h, { dryRun: true }, async (dryQueue) => {
      const ns = testNamespace();
      const t0 = await h.env.currentTimeMs();
      const dry = await startWindow(h, ns, 8, t0 + 2 * HOUR, { taskQueue: dryQueue });
      await waitForPhase(dry, 'active');
      const real = await startWindow(h, ns, 6, t0 + HOUR);
      const realResult = await within(real.result(), 'real window');
      assert.equal(realResult.dryRun, undefined, 'the real window ran for real');
      assert.equal(realResult.initialChangeSuccess, true);
      assert.equal(realResult.revertedToOnDemand, true);
      assert.deepEqual(h.cloudOps.history(ns), ['6', 'onDemand']);
      await within(dry.result(), 'dry-run window');
      assert.deepEqual(h.cloudOps.history(ns), ['6', 'onDemand'], 'the dry-run window never touched real capacity');
    });
  });
});

test("scenario 3: a window's own worker deny-list binds its ask even when another worker's coordinator holds the namespace", async () => {
  await withWorker({}, async (h) => {
    const ns = testNamespace();
    await withSecondWorker(h, { namespaceDenylist: [ns] }, async (denyingQueue) => {
      const t0 = await h.env.currentTimeMs();
      const allowed = await startWindow(h, ns, 4, t0 + HOUR);
      await waitForPhase(allowed, 'active');
      const denied = await startWindow(h, ns, 8, t0 + 30 * 60_000, { taskQueue: denyingQueue });
      const deniedResult = await within(denied.result(), 'denied window');
      assert.equal(deniedResult.initialChangeSuccess, false);
      assert.match(deniedResult.errors.join('\n'), /refused by this worker's namespace rules/);
      await within(allowed.result(), 'allowed window');
      assert.deepEqual(h.cloudOps.history(ns), ['4', 'onDemand'], 'no 8 TRUs for a namespace the window worker denies');
    });
  });
});

test('scenario 2: a terminated coordinator: its window notices, re-joins the fresh coordinator (re-announcing TRUs and end), and is released at its end without a dip', async () => {
  await withWorker({}, async (h) => {
    const ns = testNamespace();
    const t0 = await h.env.currentTimeMs();
    const a = await startWindow(h, ns, 4, t0 + 2 * HOUR);
    await waitForPhase(a, 'active');
    await h.env.client.workflow.getHandle(coordinatorWorkflowId(ns)).terminate('operator terminated the coordinator');
    // A second window starts a fresh coordinator that knows nothing of A.
    const b = await startWindow(h, ns, 6, t0 + HOUR);
    const bResult = await within(b.result(), 'window B');
    assert.equal(bResult.revertedToOnDemand, false, 'B hands back to A (which re-joined), not to on-demand');
    const aResult = await within(a.result(), 'window A');
    assert.equal(aResult.revertedToOnDemand, true);
    assert.equal(aResult.revertVerificationSuccess, true);
    assert.deepEqual(h.cloudOps.history(ns), ['4', '6', '4', 'onDemand']);
    const revertAt = h.cloudOps.changes.at(-1)?.atMs ?? Number.NaN;
    assert.ok(revertAt - t0 >= 2 * HOUR && revertAt - t0 < 2 * HOUR + 5 * 60_000, `reverted at +${(revertAt - t0) / 60_000} min`);
    assert.ok(h.notifier.severities().includes('info:Window re-joined its namespace coordinator'));
  });
});

test('scenario 2: a terminated coordinator and no other window: the window re-joins and capacity is still released at its end', async () => {
  await withWorker({}, async (h) => {
    const ns = testNamespace();
    const t0 = await h.env.currentTimeMs();
    const a = await startWindow(h, ns, 4, t0 + HOUR);
    await waitForPhase(a, 'active');
    await h.env.client.workflow.getHandle(coordinatorWorkflowId(ns)).terminate('operator terminated the coordinator');
    const result = await within(a.result(), 'window');
    assert.equal(result.revertedToOnDemand, true);
    assert.deepEqual(h.cloudOps.capacityOf(ns), { mode: 'onDemand' });
    assert.deepEqual(h.cloudOps.history(ns), ['4', 'onDemand']);
  });
});

test('scenario 2: a cancelled coordinator releases to what its remaining windows ask, and they re-join and are released at their ends', async () => {
  await withWorker({}, async (h) => {
    const ns = testNamespace();
    const t0 = await h.env.currentTimeMs();
    const a = await startWindow(h, ns, 4, t0 + 2 * HOUR);
    await waitForPhase(a, 'active');
    const b = await startWindow(h, ns, 8, t0 + HOUR);
    await waitForPhase(b, 'active');
    const coordinator = h.env.client.workflow.getHandle(coordinatorWorkflowId(ns));
    await coordinator.cancel();
    await assert.rejects(within(coordinator.result(), 'cancelled coordinator'));
    // One result at a time: the time-skipping server stops skipping with two result() calls in flight.
    const bResult = await within(b.result(), 'window B');
    const aResult = await within(a.result(), 'window A');
    assert.equal(bResult.revertedToOnDemand, false);
    assert.equal(aResult.revertedToOnDemand, true);
    assert.deepEqual(h.cloudOps.history(ns), ['4', '8', '4', 'onDemand'], 'no dip to on-demand when the coordinator was cancelled');
    assert.ok(h.notifier.severities().includes('info:Namespace coordinator cancelled; capacity now 8 TRUs'), h.notifier.severities().join(', '));
  });
});

test('scenario 6: an extension sent after the window has ended is refused, not acknowledged and ignored', async () => {
  await withWorker({}, async (h) => {
    const ns = testNamespace();
    const t0 = await h.env.currentTimeMs();
    const a = await startWindow(h, ns, 4, t0 + HOUR, { verifyDelay: '10m' });
    await h.env.sleep(15 * 60_000);
    await waitForPhase(a, 'active');
    // 5 minutes after the end: the release step (10-minute verify delay) is under way.
    await h.env.sleep(t0 + HOUR + 5 * 60_000 - (await h.env.currentTimeMs()));
    await assert.rejects(a.executeUpdate(setEndTimeUpdate, { args: [{ endTime: new Date(t0 + 3 * HOUR).toISOString() }] }), (err: Error) =>
      /ended at .*its end can no longer change/.test(String((err.cause as Error | undefined)?.message)),
    );
    const result = await within(a.result(), 'window');
    assert.equal(result.revertedToOnDemand, true);
    assert.deepEqual(h.cloudOps.history(ns), ['4', 'onDemand']);
  });
});

test('scenario 7 and issue #20 defect 3: a raise failing on transient errors alerts once, is retried until it holds, says it recovered, and is released at its end (no false "Revert to on-demand failed")', async () => {
  await withWorker({}, async (h) => {
    const ns = testNamespace();
    const t0 = await h.env.currentTimeMs();
    h.cloudOps.transientSetFailures = 3;
    const a = await startWindow(h, ns, 4, t0 + HOUR);
    const result = await within(a.result(), 'window');
    assert.equal(result.initialChangeSuccess, false);
    assert.equal(result.revertedToOnDemand, true);
    await within(h.env.client.workflow.getHandle(coordinatorWorkflowId(ns)).result(), 'coordinator');
    assert.deepEqual(h.notifier.severities(), [
      'critical:Capacity change failed',
      'info:Capacity raise recovered: now 4 TRUs',
      'info:Capacity reverted to on-demand',
    ]);
    assert.deepEqual(h.cloudOps.history(ns), ['4', 'onDemand']);
  });
});

test('scenario 7: a release held up by another step (a slow Cloud Ops operation) says so, instead of blaming a worker or server outage', async () => {
  await withWorker({}, async (h) => {
    const ns = testNamespace();
    const t0 = await h.env.currentTimeMs();
    // A 1 s verify delay: its hold across the end is 1 s, so B's 16 s operation holds A's release up.
    const a = await startWindow(h, ns, 4, t0 + HOUR, { verifyDelay: '1s' });
    await waitForPhase(a, 'active');
    // 3 s before A's end, B's raise starts an operation that takes 16 s: A's end passes meanwhile.
    await h.env.sleep(t0 + HOUR - 3_000 - (await h.env.currentTimeMs()));
    h.cloudOps.operationDelayMs = 16_000;
    const b = await startWindow(h, ns, 8, t0 + 4 * HOUR);
    while (h.cloudOps.setCalls.length < 2) await new Promise((r) => setTimeout(r, 50));
    h.cloudOps.operationDelayMs = 0;
    await within(a.result(), 'window A');
    const late = h.notifier.alerts.find((x) => x.title.startsWith('Window ended late'));
    assert.ok(late !== undefined, h.notifier.severities().join(', '));
    assert.match(late.text ?? '', /another capacity step of the namespace was still running at the end \(set 8 TRUs \(step 2\)\)/);
    assert.doesNotMatch(late.text ?? '', /no worker or Temporal server/);
    await within(b.result(), 'window B');
  });
});

test('scenario 7: a cancel during a slow raise waits for the release that follows instead of reporting "not confirmed"', async () => {
  await withWorker({}, async (h) => {
    const ns = testNamespace();
    const t0 = await h.env.currentTimeMs();
    const a = await startWindow(h, ns, 4, t0 + 3 * HOUR, { verifyDelay: '2h' });
    await h.env.sleep(5 * 60_000);
    await a.cancel();
    await assert.rejects(within(a.result(), 'cancelled window'));
    assert.deepEqual(h.cloudOps.history(ns), ['4', 'onDemand']);
    const titles = h.notifier.severities();
    assert.ok(!titles.some((t) => t.includes('not confirmed')), titles.join(', '));
    assert.ok(titles.includes('info:Capacity reverted to on-demand'), titles.join(', '));
  });
});

test('keep verifying (issue #11): an out-of-band change inside a window is restored at the next re-read and alerted once', async () => {
  await withWorker({ reverifyIntervalMs: 15 * 60_000 }, async (h) => {
    const ns = testNamespace();
    const t0 = await h.env.currentTimeMs();
    const a = await startWindow(h, ns, 4, t0 + 2 * HOUR);
    await waitForPhase(a, 'active');
    h.cloudOps.setOutOfBand(ns, { mode: 'provisioned', trus: 2 });
    await h.env.sleep(20 * 60_000);
    assert.deepEqual(h.cloudOps.capacityOf(ns), { mode: 'provisioned', trus: 4 }, 'restored within one re-verify interval');
    h.cloudOps.setOutOfBand(ns, { mode: 'onDemand' });
    const result = await within(a.result(), 'window');
    assert.equal(result.revertedToOnDemand, true);
    assert.deepEqual(h.cloudOps.history(ns), ['4', '4', '4', 'onDemand'], 'raise, two restores, revert');
    assert.deepEqual(
      h.notifier.severities(),
      ['error:Capacity changed outside capsched; restored to 4 TRUs', 'info:Capacity reverted to on-demand'],
      'alerted once, not on every re-read',
    );
  });
});

test('keep verifying (issue #11): with self-heal off an out-of-band change is alerted once and left alone', async () => {
  await withWorker({ reverifyIntervalMs: 15 * 60_000, reverifySelfHeal: false }, async (h) => {
    const ns = testNamespace();
    const t0 = await h.env.currentTimeMs();
    const a = await startWindow(h, ns, 4, t0 + 2 * HOUR);
    await waitForPhase(a, 'active');
    h.cloudOps.setOutOfBand(ns, { mode: 'provisioned', trus: 2 });
    await h.env.sleep(HOUR);
    assert.deepEqual(h.cloudOps.capacityOf(ns), { mode: 'provisioned', trus: 2 });
    await within(a.result(), 'window');
    assert.deepEqual(h.cloudOps.history(ns), ['4', 'onDemand']);
    assert.deepEqual(h.notifier.severities(), ['error:Capacity changed outside capsched', 'info:Capacity reverted to on-demand']);
  });
});
