/**
 * Ramps (issue #14) on the time-skipping server: a window's capacity follows its steps, each step
 * one verified Cloud Ops change; overlapping windows take the max over their *current* steps; a
 * pass reshaping a running ramp; a ramp step Cloud Ops refuses is alerted; the end reverts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { coordinatorWorkflowId } from '../../../src/core/capacity/window.js';
import { CAPACITY_CHANGE_WORKFLOW } from '../../../src/core/workflow-contract.js';
import { readRamp } from '../../../src/core/capacity/steps.js';
import { capacityStatusQuery, coordinatorStatusQuery, setWindowTrusSignal } from '../../../src/temporal/workflows/definitions.js';
import { parseDurationMs } from '../../../src/core/capacity/duration.js';
import { uniqueSuffix } from '../helpers/temporal.js';
import type { WorkflowHandle } from '@temporalio/client';
import { HOUR, testNamespace, waitForPhase, withWorker, type Harness } from './time-skipping.js';

const SALE = [
  { after: '0h', trus: 4 },
  { after: '1h', trus: 8 },
  { after: '2h', trus: 12 },
  { after: '9h', trus: 6 },
];

/** The 10-hour SALE ramp on `ns` from `t0` (plan "sale"); the default 2-minute verify delay unless given. */
function startSale(h: Harness, ns: string, t0: number, verifyDelay?: string): Promise<WorkflowHandle> {
  return h.env.client.workflow.start(CAPACITY_CHANGE_WORKFLOW, {
    taskQueue: h.taskQueue,
    workflowId: `ramp-${uniqueSuffix()}`,
    args: [
      {
        namespace: ns,
        desiredTrus: 12,
        steps: SALE,
        endTime: new Date(t0 + 10 * HOUR).toISOString(),
        plan: 'sale',
        ...(verifyDelay === undefined ? {} : { verifyDelay }),
      },
    ],
  });
}

test('a 10-hour ramp 4 → 8 → 12 → 6: every step applied and verified at its time, then on-demand at the end', async () => {
  await withWorker({}, async (h) => {
    const ns = testNamespace();
    const t0 = await h.env.currentTimeMs();
    const window = await startSale(h, ns, t0);
    // The default 2-minute verify delay: skip past it, then look.
    await h.env.sleep(5 * 60_000);
    const active = await waitForPhase(window, 'active');
    assert.deepEqual(
      active.steps?.map((s) => s.trus),
      [4, 8, 12, 6],
    );
    assert.equal(active.steps?.[1]?.at, new Date(Date.parse(active.steps?.[0]?.at ?? '') + HOUR).toISOString(), 'offsets count from the start');
    const coordinator = h.env.client.workflow.getHandle(coordinatorWorkflowId(ns));
    assert.deepEqual(
      (await coordinator.query(coordinatorStatusQuery)).windows.map((w) => [w.trus, w.steps?.length]),
      [[4, 4]],
    );
    // 1.5 h in: the second step (8) is applied and verified.
    await h.env.sleep(1.5 * HOUR);
    assert.deepEqual(h.cloudOps.history(ns), ['4', '8']);
    assert.equal((await coordinator.query(coordinatorStatusQuery)).windows[0]?.trus, 8, 'the coordinator follows the step');
    const result = await window.result();
    assert.deepEqual(h.cloudOps.history(ns), ['4', '8', '12', '6', 'onDemand'], 'one change per step, in order, then the revert');
    assert.equal(
      result.initialChangeSuccess && result.verificationSuccess && result.revertedToOnDemand && result.revertVerificationSuccess,
      true,
      result.errors.join('; '),
    );
    // Every step was verified: each change was followed by a read, and no alert says otherwise.
    assert.equal(
      h.notifier.alerts.filter((a) => a.severity === 'critical' || a.severity === 'error').length,
      0,
      h.notifier.alerts.map((a) => a.title).join(', '),
    );
    const times = h.cloudOps.changes.filter((c) => c.namespace === ns).map((c) => Math.round(((c.atMs ?? 0) - t0) / 60_000));
    // The revert waits the release grace (the 2-minute verify delay) for a window opening at the end.
    assert.deepEqual(times, [0, 60, 120, 540, 602], 'each change at its step (minutes from the start)');
  });
});

test('a ramp overlapping a flat 8-TRU window: the namespace follows the max of the current steps, and never drops below 8 while the flat window runs', async () => {
  await withWorker({}, async (h) => {
    const ns = testNamespace();
    const t0 = await h.env.currentTimeMs();
    const ramp = await startSale(h, ns, t0, '1m');
    await h.env.sleep(5 * 60_000);
    await waitForPhase(ramp, 'active');
    // A flat 8-TRU window from 0.5 h to 9.5 h: the ramp's 1 h step (8) changes nothing, its 9 h step (6) neither.
    await h.env.sleep(HOUR / 2 - 5 * 60_000);
    const flat = await h.env.client.workflow.start(CAPACITY_CHANGE_WORKFLOW, {
      taskQueue: h.taskQueue,
      workflowId: `flat-${uniqueSuffix()}`,
      args: [{ namespace: ns, desiredTrus: 8, endTime: new Date(t0 + 9.5 * HOUR).toISOString(), verifyDelay: '1m', plan: 'batch' }],
    });
    // Skip time explicitly (the test server's auto-skip can stay locked with two workflows waiting; see docs/RELIABILITY.md).
    await h.env.sleep(10 * HOUR);
    await Promise.all([ramp.result(), flat.result()]);
    assert.deepEqual(h.cloudOps.history(ns), ['4', '8', '12', '8', '6', 'onDemand']);
    const times = h.cloudOps.changes.filter((c) => c.namespace === ns).map((c) => Math.round(((c.atMs ?? 0) - t0) / 60_000));
    // 4 at 0; 8 at 30 min (the flat window opens; the ramp's own 1 h step to 8 changes nothing); 12 at 2 h; at 9 h the ramp
    // steps down to 6 but the flat window still asks 8 (12 → 8, never below 8); 8 → 6 when the flat window ends at 9.5 h
    // (after its 1-minute release grace); on-demand at 10 h (after the grace).
    assert.equal(times[0], 0);
    assert.ok(Math.abs((times[1] ?? 0) - 30) <= 2, `8 at ~30 min: ${times.join(',')}`);
    assert.deepEqual(times.slice(2, 4), [120, 540], `12 at 2 h, 8 at 9 h: ${times.join(',')}`);
    assert.ok(Math.abs((times[4] ?? 0) - 571) <= 2 && Math.abs((times[5] ?? 0) - 601) <= 2, `6 at 9.5 h, on-demand at 10 h: ${times.join(',')}`);
  });
});

test('a pass reshapes a running ramp (capschedSetWindowTrus with steps): the new steps apply from now, the end still reverts', async () => {
  await withWorker({}, async (h) => {
    const ns = testNamespace();
    const t0 = await h.env.currentTimeMs();
    const window = await startSale(h, ns, t0, '0s');
    await waitForPhase(window, 'active');
    const windowId = `${window.workflowId}/${(await window.describe()).runId}`;
    const coordinator = h.env.client.workflow.getHandle(coordinatorWorkflowId(ns));
    const start = Date.parse((await window.query(capacityStatusQuery)).steps?.[0]?.at ?? '');
    // Edited plan: 6 from the start, 10 from 3 h.
    await coordinator.signal(setWindowTrusSignal, {
      windowId,
      trus: 10,
      commit: 'c2',
      steps: [
        { atMs: start, trus: 6 },
        { atMs: start + 3 * HOUR, trus: 10 },
      ],
    });
    await h.env.sleep(HOUR);
    assert.deepEqual(h.cloudOps.history(ns), ['4', '6'], 'the current step of the new ramp at once');
    await window.result();
    assert.deepEqual(h.cloudOps.history(ns), ['4', '6', '10', 'onDemand']);
  });
});

test('a ramp step Cloud Ops refuses: a critical alert names the step and the plan; the end still reverts to on-demand', async () => {
  await withWorker({}, async (h) => {
    h.cloudOps.invalidTrus.add(12);
    const ns = testNamespace();
    const t0 = await h.env.currentTimeMs();
    const window = await startSale(h, ns, t0, '0s');
    await window.result();
    assert.deepEqual(h.cloudOps.history(ns), ['4', '8', '6', 'onDemand']);
    const alert = h.notifier.alerts.find((a) => a.title.startsWith('Ramp step to 12 TRUs'));
    assert.ok(alert !== undefined, h.notifier.alerts.map((a) => a.title).join(', '));
    assert.equal(alert.severity, 'critical');
    assert.match(alert.text ?? '', /sale \(4 → 8 → 12 → 6 TRUs\)/);
  });
});

const problem = (r: ReturnType<typeof readRamp>): string => (typeof r === 'string' ? r : `no problem: ${JSON.stringify(r)}`);

test('readRamp: offsets from the start, first at 0, increasing, inside the window', () => {
  const read = (t: string): number | undefined => parseDurationMs(t);
  assert.deepEqual(readRamp(SALE, 1_000, 1_000 + 10 * HOUR, read), [
    { atMs: 1_000, trus: 4 },
    { atMs: 1_000 + HOUR, trus: 8 },
    { atMs: 1_000 + 2 * HOUR, trus: 12 },
    { atMs: 1_000 + 9 * HOUR, trus: 6 },
  ]);
  const cases: [unknown, number, RegExp][] = [
    [[{ after: '1h', trus: 4 }], 2 * HOUR, /steps\[0\]\.after must be 0/],
    [
      [
        { after: '0h', trus: 4 },
        { after: '0h', trus: 8 },
      ],
      HOUR,
      /steps\[1\]\.after must be later/,
    ],
    [
      [
        { after: '0h', trus: 4 },
        { after: '2h', trus: 8 },
      ],
      HOUR,
      /at or after the window's end/,
    ],
    [[], HOUR, /non-empty/],
    [[{ after: 'soon', trus: 4 }], HOUR, /not a duration/],
    [[{ after: '0h', trus: 0 }], HOUR, /must be a positive number/],
  ];
  for (const [steps, endMs, expected] of cases) assert.match(problem(readRamp(steps, 0, endMs, read)), expected);
});
