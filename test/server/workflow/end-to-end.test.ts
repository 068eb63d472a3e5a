/**
 * The capacity workflow end to end: real dev server, the Cloud Ops simulator over gRPC, the
 * production client, and a real HTTP server receiving Slack posts. Assertions are on the
 * simulator's record of capacity and on the messages Slack received.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { coordinatorWorkflowId } from '../../../src/core/capacity/window.js';
import { CAPACITY_CHANGE_WORKFLOW, type CapacityChangeResult } from '../../../src/core/workflow-contract.js';
import { capacityStatusQuery } from '../../../src/temporal/workflows/definitions.js';
import { uniqueSuffix } from '../helpers/temporal.js';
import { CLOUD_KEY, e2eNamespace, startE2EStack } from './e2e-stack.js';

const ns = {
  happy: e2eNamespace(),
  drop: e2eNamespace(),
  rejected: e2eNamespace(),
  slack500: e2eNamespace(),
  overlap: e2eNamespace(),
  scheduled: e2eNamespace(),
};
const stack = await startE2EStack(Object.values(ns));

function assertNoSecrets(text: string): void {
  assert.ok(!text.includes(CLOUD_KEY), 'the Cloud Ops API key leaked');
  assert.ok(!text.includes('CANARY-hook'), 'the webhook URL leaked');
}

test('a short window raises and reverts capacity: one change per step, verified, an info alert in Slack', async () => {
  const handle = await stack.startWindow({ namespace: ns.happy, desiredTrus: 4, windowMs: 3_000 });
  const result: CapacityChangeResult = await handle.result();
  assert.deepEqual(result, {
    namespace: ns.happy,
    initialChangeSuccess: true,
    verificationSuccess: true,
    revertedToOnDemand: true,
    revertVerificationSuccess: true,
    errors: [],
  });
  assert.deepEqual(stack.history(ns.happy), ['4', 'onDemand']);
  assert.equal(stack.sim.capacityOf(ns.happy).mode, 'onDemand');
  const [change] = stack.sim.changes(ns.happy);
  assert.match(change?.operationId ?? '', /^capsched-capacity-e2e-.*:1$/, 'the raise used the coordinator step operation id');

  const messages = await stack.sink.waitForMessages(1, 10_000);
  const info = messages.find((m) => m.raw.includes(ns.happy));
  assert.ok(info, 'an alert about the namespace reached Slack');
  assert.match(info.text, /✅ INFO: Capacity reverted to on-demand/);
  assert.match(info.raw, /e2e-plan/);
  assert.match(info.raw, new RegExp(`http://ui\\.e2e:8233/namespaces/default/workflows/${handle.workflowId}`));
  assert.match(info.raw, /UTC/);
  assertNoSecrets(info.raw);
});

test('an activity retried after the change was committed applies it once (stable operation id)', async () => {
  // The simulator applies the UpdateNamespace, then answers UNAVAILABLE: the response is lost.
  stack.sim.injectFault({ kind: 'commitThenDrop', method: 'UpdateNamespace', namespace: ns.drop, times: 1 });
  const before = stack.sim.requests().UpdateNamespace ?? 0;
  const result: CapacityChangeResult = await (await stack.startWindow({ namespace: ns.drop, desiredTrus: 6, windowMs: 3_000 })).result();
  assert.equal(result.initialChangeSuccess, true);
  assert.equal(result.verificationSuccess, true);
  assert.equal(result.revertVerificationSuccess, true);
  assert.deepEqual(result.errors, []);
  assert.deepEqual(stack.history(ns.drop), ['6', 'onDemand'], 'exactly one change per step');
  assert.ok((stack.sim.requests().UpdateNamespace ?? 0) - before >= 2);
  // The raise activity really was retried (attempt 2) after its committed change lost its response.
  const history = await stack.temporal.client.workflow.getHandle(coordinatorWorkflowId(ns.drop)).fetchHistory();
  const attempts = (history.events ?? []).filter((e) => e.activityTaskStartedEventAttributes != null).map((e) => e.activityTaskStartedEventAttributes?.attempt);
  assert.ok(attempts.includes(2), `an activity attempt 2 in the coordinator history (attempts: ${attempts.join(',')})`);
});

test('a rejected TRU value ends early with a critical alert in Slack; capacity untouched', async () => {
  const handle = await stack.startWindow({ namespace: ns.rejected, desiredTrus: 5, windowMs: 60_000 });
  const result: CapacityChangeResult = await handle.result();
  assert.equal(result.initialChangeSuccess, false);
  assert.equal(result.verificationSuccess, false);
  assert.equal(result.revertedToOnDemand, false);
  assert.match(result.errors.join('\n'), /set 5 TRUs failed/);
  assert.deepEqual(stack.history(ns.rejected), []);
  const deadline = Date.now() + 10_000;
  let critical;
  while (critical === undefined && Date.now() < deadline) {
    critical = stack.sink.messages.find((m) => m.raw.includes(ns.rejected));
    if (critical === undefined) await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(critical, 'the critical alert reached Slack');
  assert.match(critical.text, /🔴 CRITICAL: Capacity change failed/);
  assert.match(critical.raw, /\*TRUs:\* 5/);
  assert.match(critical.raw, new RegExp(handle.workflowId));
  assertNoSecrets(critical.raw);
  assertNoSecrets(JSON.stringify(result));
});

test('Slack answering 500 does not affect the capacity change or its result', async () => {
  stack.sink.setDefault({ status: 500 });
  try {
    const started = Date.now();
    const result: CapacityChangeResult = await (await stack.startWindow({ namespace: ns.slack500, desiredTrus: 4, windowMs: 2_000 })).result();
    assert.deepEqual(result, {
      namespace: ns.slack500,
      initialChangeSuccess: true,
      verificationSuccess: true,
      revertedToOnDemand: true,
      revertVerificationSuccess: true,
      errors: [],
    });
    assert.deepEqual(stack.history(ns.slack500), ['4', 'onDemand']);
    assert.ok(
      stack.sink.requests.some((r) => r.status === 500 && r.raw.includes(ns.slack500)),
      'the alert was attempted',
    );
    assert.ok(Date.now() - started < 20_000, 'a failing webhook did not hold the workflow up for long');
  } finally {
    stack.sink.setDefault({ status: 200 });
  }
});

test('two overlapping windows with different TRUs: the simulator records 4 → 8 → 4 → on-demand', async () => {
  const a = await stack.startWindow({ namespace: ns.overlap, desiredTrus: 4, windowMs: 9_000 });
  // Wait until A's capacity is in place before B starts.
  const deadline = Date.now() + 10_000;
  while (stack.history(ns.overlap).length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const b = await stack.startWindow({ namespace: ns.overlap, desiredTrus: 8, windowMs: 2_500 });
  const bResult: CapacityChangeResult = await b.result();
  assert.equal(bResult.initialChangeSuccess, true);
  assert.equal(bResult.revertedToOnDemand, false, 'B ended while A was active: capacity went down to A, not to on-demand');
  assert.equal(bResult.revertVerificationSuccess, true);
  assert.equal(stack.sim.capacityOf(ns.overlap).trus, 4);
  const aResult: CapacityChangeResult = await a.result();
  assert.equal(aResult.revertedToOnDemand, true);
  assert.equal(aResult.revertVerificationSuccess, true);
  assert.deepEqual(stack.history(ns.overlap), ['4', '8', '4', 'onDemand']);
});

test('a schedule-started run ends at its own scheduled start time + duration (no absolute time in the schedule)', async () => {
  const scheduleId = `e2e-schedule-${uniqueSuffix()}`;
  const handle = await stack.temporal.client.schedule.create({
    scheduleId,
    spec: { intervals: [{ every: '365 days' }] },
    state: { paused: true },
    action: {
      type: 'startWorkflow',
      workflowType: CAPACITY_CHANGE_WORKFLOW,
      taskQueue: stack.taskQueue,
      workflowId: `e2e-scheduled-${uniqueSuffix()}`,
      args: [{ namespace: ns.scheduled, desiredTrus: 3, duration: '4s', verifyDelay: '300ms', plan: 'e2e-scheduled' }],
    },
  });
  try {
    await handle.trigger();
    let runId: string | undefined;
    let workflowId: string | undefined;
    const deadline = Date.now() + 15_000;
    while (workflowId === undefined && Date.now() < deadline) {
      const action = (await handle.describe()).info.recentActions[0]?.action;
      if (action !== undefined) ({ workflowId, firstExecutionRunId: runId } = action.workflow);
      else await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(workflowId !== undefined, 'the schedule started a run');
    const run = stack.temporal.client.workflow.getHandle(workflowId, runId);
    const description = await run.describe();
    const scheduledStart = description.searchAttributes.TemporalScheduledStartTime?.[0] as Date | undefined;
    assert.ok(scheduledStart instanceof Date, 'the run carries TemporalScheduledStartTime');
    const status = await run.query(capacityStatusQuery);
    assert.equal(status.endTime, new Date(scheduledStart.getTime() + 4_000).toISOString());
    const result: CapacityChangeResult = await run.result();
    assert.equal(result.revertVerificationSuccess, true);
    assert.deepEqual(stack.history(ns.scheduled), ['3', 'onDemand']);
  } finally {
    await handle.delete();
  }
});

test('dry run against the real API: decisions logged and reported, no UpdateNamespace sent, no Slack post; a denied namespace still refused', async () => {
  const dry = e2eNamespace();
  const denied = e2eNamespace();
  const dryStack = await startE2EStack([dry, denied], { dryRun: true, namespaceDenylist: [denied] });
  const result: CapacityChangeResult = await (await dryStack.startWindow({ namespace: dry, desiredTrus: 8, windowMs: 1_500 })).result();
  assert.deepEqual(result, {
    namespace: dry,
    initialChangeSuccess: true,
    verificationSuccess: true,
    revertedToOnDemand: true,
    revertVerificationSuccess: true,
    errors: [],
    dryRun: true,
  });
  const refused: CapacityChangeResult = await (await dryStack.startWindow({ namespace: denied, desiredTrus: 8, windowMs: 1_500 })).result();
  assert.equal(refused.initialChangeSuccess, false);
  assert.match(refused.errors.join('\n'), /is on NAMESPACE_DENYLIST/);
  assert.equal(dryStack.sim.requests().UpdateNamespace ?? 0, 0, 'no change was sent to the API');
  assert.deepEqual(dryStack.history(dry), []);
  assert.equal(dryStack.sink.requests.length, 0, 'nothing was posted to Slack');
});

test('no secret in workflow histories: inputs, results and failures carry neither the API key nor the webhook URL', async () => {
  const handle = await stack.startWindow({ namespace: ns.rejected, desiredTrus: 5, windowMs: 60_000 });
  await handle.result();
  for (const id of [handle.workflowId, coordinatorWorkflowId(ns.rejected)]) {
    const history = await stack.temporal.client.workflow.getHandle(id).fetchHistory();
    // Payloads are bytes: decode them so the check sees the text.
    const text = JSON.stringify(history, (k, v: unknown) => (k === 'data' && typeof v === 'string' ? Buffer.from(v, 'base64').toString('utf8') : v));
    assert.match(text, /set 5 TRUs failed|desiredTrus/, 'the check reads decoded payloads');
    assertNoSecrets(text);
  }
});
