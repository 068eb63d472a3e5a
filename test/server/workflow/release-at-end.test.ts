/**
 * Issue 21 on the time-skipping server: an ended window is released at its end when the pass said
 * nothing is due then (no blind grace, no billed hour of its own), and held across its end when a
 * window is due (no dip between back-to-back windows). The rule itself is the engine's
 * (holdAcrossEndMs, test/unit/core/present.test.ts); this checks the shell delivers the pass's
 * present and times the release from it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import { coordinatorWorkflowId } from '../../../src/core/capacity/window.js';
import { CAPACITY_CHANGE_WORKFLOW, type CapacityChangeInput } from '../../../src/core/workflow-contract.js';
import { setBaselinesSignal } from '../../../src/temporal/workflows/definitions.js';
import { HOUR, testNamespace, withWorker, type Harness } from './time-skipping.js';
import { uniqueSuffix } from '../helpers/temporal.js';

const MIN = 60_000;

async function start(h: Harness, input: Omit<CapacityChangeInput, 'endTime'>, endMs: number): Promise<WorkflowHandle> {
  return h.env.client.workflow.start(CAPACITY_CHANGE_WORKFLOW, {
    taskQueue: h.taskQueue,
    workflowId: `wf-${uniqueSuffix()}`,
    args: [{ ...input, endTime: new Date(endMs).toISOString() }],
  });
}

/** The pass's push, once the window's join started the coordinator. */
async function tell(h: Harness, namespace: string, startsMs: number[], nowMs: number): Promise<void> {
  const coordinator = h.env.client.workflow.getHandle(coordinatorWorkflowId(namespace));
  const deadline = Date.now() + 20_000;
  while ((await coordinator.describe().catch(() => undefined)) === undefined) {
    if (Date.now() > deadline) throw new Error('the window did not start its coordinator');
    await new Promise((r) => setTimeout(r, 100));
  }
  await coordinator.signal(setBaselinesSignal, { plans: {}, due: { fromMs: nowMs - HOUR, toMs: nowMs + 30 * HOUR, startsMs }, commit: 'c0ffee' });
}

test('a window ending with nothing due (the pass said so) is released at its end, not two minutes later', async () => {
  await withWorker({}, async (h) => {
    const ns = testNamespace();
    const t0 = await h.env.currentTimeMs();
    const end = t0 + HOUR;
    const handle = await start(h, { namespace: ns, desiredTrus: 4, verifyDelay: '2m' }, end);
    await tell(h, ns, [], t0);
    const result = await handle.result();
    assert.equal(result.revertVerificationSuccess, true);
    assert.deepEqual(h.cloudOps.history(ns), ['4', 'onDemand']);
    const releasedAt = h.cloudOps.changes.at(-1)?.atMs ?? Number.NaN;
    assert.ok(releasedAt >= end && releasedAt < end + 30_000, `released ${(releasedAt - end) / 1000} s after the end, expected at it`);
  });
});

test('back to back: a window due at the end holds the capacity across it, and the next window takes it over without a dip', async () => {
  await withWorker({}, async (h) => {
    const ns = testNamespace();
    const t0 = await h.env.currentTimeMs();
    const end = t0 + HOUR;
    const first = await start(h, { namespace: ns, desiredTrus: 4, verifyDelay: '2m' }, end);
    await tell(h, ns, [end], t0);
    // The next window's schedule fires at the end (time-skipping: up to it, then start it).
    await h.env.sleep(end - (await h.env.currentTimeMs()));
    const second = await start(h, { namespace: ns, desiredTrus: 4, verifyDelay: '2m' }, end + 30 * MIN);
    const firstResult = await first.result();
    assert.equal(firstResult.revertedToOnDemand, false, 'the first window handed its capacity over');
    const secondResult = await second.result();
    assert.equal(secondResult.revertVerificationSuccess, true);
    assert.deepEqual(h.cloudOps.history(ns), ['4', 'onDemand'], 'raised once, released once: no dip between the windows');
    const releasedAt = h.cloudOps.changes.at(-1)?.atMs ?? Number.NaN;
    assert.ok(releasedAt >= end + 30 * MIN, 'released at the second window’s end');
  });
});
