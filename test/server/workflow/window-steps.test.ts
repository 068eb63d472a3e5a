/**
 * The window workflow's steps on the time-skipping server: raise → verify (after the 2-minute
 * default delay) → wait for the end → revert → verify on-demand for real, with the alerts the
 * seed promises, and its gaps fixed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CAPACITY_CHANGE_WORKFLOW, type CapacityChangeInput, type CapacityChangeResult } from '../../../src/core/workflow-contract.js';
import { capacityStatusQuery } from '../../../src/temporal/workflows/definitions.js';
import { HOUR, testNamespace, withWorker, type Harness } from './time-skipping.js';
import { uniqueSuffix } from '../helpers/temporal.js';

async function run(h: Harness, input: CapacityChangeInput): Promise<CapacityChangeResult> {
  return h.env.client.workflow.execute(CAPACITY_CHANGE_WORKFLOW, { taskQueue: h.taskQueue, workflowId: `wf-${uniqueSuffix()}`, args: [input] });
}

/** An end relative to the test server's clock (it runs ahead of the wall clock after skips). */
async function endIn(h: Harness, ms: number): Promise<string> {
  return new Date((await h.env.currentTimeMs()) + ms).toISOString();
}

test('happy path: raises, verifies, waits hours, reverts, verifies on-demand, one info alert', async () => {
  await withWorker({}, async (h) => {
    const ns = testNamespace();
    const result = await run(h, { namespace: ns, desiredTrus: 4, endTime: await endIn(h, 4 * HOUR), plan: 'nightly' });
    assert.deepEqual(result, {
      namespace: ns,
      initialChangeSuccess: true,
      verificationSuccess: true,
      revertedToOnDemand: true,
      revertVerificationSuccess: true,
      errors: [],
    });
    assert.deepEqual(h.cloudOps.history(ns), ['4', 'onDemand']);
    assert.deepEqual(h.cloudOps.capacityOf(ns), { mode: 'onDemand' });
    assert.deepEqual(h.notifier.severities(), ['info:Capacity reverted to on-demand']);
    const info = h.notifier.alerts[0];
    assert.equal(info?.namespace, ns);
    assert.equal(info?.plan, 'nightly');
    assert.equal(info?.trus, 4);
    assert.match(info?.workflowUrl ?? '', /^http:\/\/ui\.test:8233\/namespaces\/default\/workflows\/wf-/);
    // Each step used its own stable operation id.
    const ids = h.cloudOps.changes.map((c) => c.operationId);
    assert.equal(new Set(ids).size, 2);
  });
});

test('no end: a permanent change raises and verifies, never reverts', async () => {
  await withWorker({}, async (h) => {
    const ns = testNamespace();
    const result = await run(h, { namespace: ns, desiredTrus: 6 });
    assert.equal(result.initialChangeSuccess, true);
    assert.equal(result.verificationSuccess, true);
    assert.equal(result.revertedToOnDemand, false);
    assert.deepEqual(h.cloudOps.history(ns), ['6']);
    assert.deepEqual(h.notifier.alerts, []);
  });
});

test('enable fails (rejected TRU value): early exit with a critical alert, nothing changed', async () => {
  await withWorker({}, async (h) => {
    const ns = testNamespace();
    h.cloudOps.invalidTrus.add(5);
    const result = await run(h, { namespace: ns, desiredTrus: 5, endTime: await endIn(h, HOUR) });
    assert.equal(result.initialChangeSuccess, false);
    assert.equal(result.verificationSuccess, false);
    assert.equal(result.revertedToOnDemand, false);
    assert.match(result.errors.join('\n'), /set 5 TRUs failed: .*valid values are 2, 3, 4/);
    assert.deepEqual(h.cloudOps.changes, []);
    // Terminal error: one attempt only, not three.
    assert.equal(h.cloudOps.setCalls.length, 1);
    assert.deepEqual(h.notifier.severities(), ['critical:Capacity change failed']);
  });
});

test('transient Cloud Ops errors are retried (3 attempts) with the same operation id; one change', async () => {
  await withWorker({}, async (h) => {
    const ns = testNamespace();
    h.cloudOps.transientSetFailures = 2;
    const result = await run(h, { namespace: ns, desiredTrus: 4, endTime: await endIn(h, HOUR) });
    assert.equal(result.initialChangeSuccess, true);
    assert.deepEqual(h.cloudOps.history(ns), ['4', 'onDemand']);
    const raiseCalls = h.cloudOps.setCalls.filter((c) => c.target.mode === 'provisioned');
    assert.equal(raiseCalls.length, 3);
    assert.equal(new Set(raiseCalls.map((c) => c.operationId)).size, 1);
  });
});

test('three transient failures exhaust one activity: a critical alert, and the raise is retried until it holds (issue #20 defect 3), then released', async () => {
  await withWorker({}, async (h) => {
    const ns = testNamespace();
    h.cloudOps.transientSetFailures = 3;
    const result = await run(h, { namespace: ns, desiredTrus: 4, endTime: await endIn(h, HOUR) });
    assert.equal(result.initialChangeSuccess, false);
    assert.equal(result.revertedToOnDemand, true);
    assert.deepEqual(h.cloudOps.history(ns), ['4', 'onDemand']);
    assert.deepEqual(h.notifier.severities(), [
      'critical:Capacity change failed',
      'info:Capacity raise recovered: now 4 TRUs',
      'info:Capacity reverted to on-demand',
    ]);
  });
});

test('verification fails: an error alert, and the revert still happens and is verified', async () => {
  await withWorker({}, async (h) => {
    const ns = testNamespace();
    // The API keeps reporting 2 TRUs while 4 are provisioned; after the revert it tells the truth.
    h.cloudOps.lie = (_ns, actual) =>
      actual.mode === 'provisioned'
        ? { namespace: ns, mode: 'provisioned', currentTrus: 2, latestRequest: { state: 'completed' }, resourceVersion: '2' }
        : undefined;
    const result = await run(h, { namespace: ns, desiredTrus: 4, endTime: await endIn(h, 2 * HOUR) });
    assert.equal(result.initialChangeSuccess, true);
    assert.equal(result.verificationSuccess, false);
    assert.equal(result.revertedToOnDemand, true);
    assert.equal(result.revertVerificationSuccess, true);
    assert.match(result.errors.join('\n'), /verification of 4 TRUs failed: expected 4 provisioned TRUs, the API reports 2 TRUs/);
    assert.deepEqual(h.cloudOps.history(ns), ['4', 'onDemand']);
    assert.deepEqual(h.notifier.severities(), ['error:Capacity change not verified', 'info:Capacity reverted to on-demand']);
  });
});

test('revert verification is real: an in-progress or missing on-demand request is not "verified", and the release keeps retrying (issue #12 scenario 1)', async () => {
  await withWorker({}, async (h) => {
    const ns = testNamespace();
    let lying = true;
    h.cloudOps.lie = (_ns, actual) =>
      lying && actual.mode === 'onDemand' ? { namespace: ns, mode: 'onDemand', latestRequest: { state: 'inProgress' }, resourceVersion: '3' } : undefined;
    const handle = await h.env.client.workflow.start(CAPACITY_CHANGE_WORKFLOW, {
      taskQueue: h.taskQueue,
      workflowId: `wf-${uniqueSuffix()}`,
      args: [{ namespace: ns, desiredTrus: 4, endTime: await endIn(h, HOUR) }],
    });
    // Six hours after the end the request is still reported in progress: the window still waits, one alert so far.
    await h.env.sleep(7 * HOUR);
    // The window waits for its release to be verified (it would otherwise have ended "not verified").
    assert.equal((await handle.describe()).status.name, 'RUNNING');
    assert.equal((await handle.query(capacityStatusQuery)).result.revertVerificationSuccess, false);
    assert.deepEqual(h.notifier.severities(), ['critical:Capacity release failing; retrying']);
    lying = false;
    const result = (await handle.result()) as CapacityChangeResult;
    assert.equal(result.verificationSuccess, true);
    assert.equal(result.revertedToOnDemand, true);
    assert.equal(result.revertVerificationSuccess, true);
    assert.deepEqual(h.notifier.severities(), [
      'critical:Capacity release failing; retrying',
      'info:Capacity release recovered: now on-demand',
      'info:Capacity reverted to on-demand',
    ]);
  });
  await withWorker({}, async (h) => {
    const ns = testNamespace();
    // Capacity missing from the response: never read as on-demand (the release is not settled).
    let lying = true;
    h.cloudOps.lie = (_ns, actual) => (lying && actual.mode === 'onDemand' ? { namespace: ns, mode: 'unknown', resourceVersion: '3' } : undefined);
    const handle = await h.env.client.workflow.start(CAPACITY_CHANGE_WORKFLOW, {
      taskQueue: h.taskQueue,
      workflowId: `wf-${uniqueSuffix()}`,
      args: [{ namespace: ns, desiredTrus: 4, endTime: await endIn(h, HOUR) }],
    });
    await h.env.sleep(2 * HOUR);
    assert.equal((await handle.describe()).status.name, 'RUNNING');
    lying = false;
    const result = (await handle.result()) as CapacityChangeResult;
    assert.equal(result.revertVerificationSuccess, true);
  });
});

test('a late start after the window ended changes nothing and alerts', async () => {
  await withWorker({}, async (h) => {
    const ns = testNamespace();
    const result = await run(h, { namespace: ns, desiredTrus: 4, endTime: await endIn(h, -10 * 60_000) });
    assert.equal(result.initialChangeSuccess, false);
    assert.match(result.errors[0] ?? '', /ended at .* before this run started .*capacity was not changed/);
    assert.deepEqual(h.cloudOps.setCalls, []);
    assert.deepEqual(h.notifier.severities(), ['error:Capacity window missed']);
  });
});

test('duration without a schedule counts from the run start; invalid input is refused with a critical alert', async () => {
  await withWorker({}, async (h) => {
    const ns = testNamespace();
    const result = await run(h, { namespace: ns, desiredTrus: 4, duration: '1h30m' });
    assert.equal(result.revertVerificationSuccess, true);
    assert.deepEqual(h.cloudOps.history(ns), ['4', 'onDemand']);

    const bad = await run(h, { namespace: ns, desiredTrus: 4, duration: 'soon', verifyDelay: 'later' });
    assert.equal(bad.initialChangeSuccess, false);
    assert.match(bad.errors.join('\n'), /verifyDelay "later"/);
    assert.match(bad.errors.join('\n'), /duration "soon"/);
    assert.deepEqual(h.cloudOps.history(ns), ['4', 'onDemand']);
    assert.equal(h.notifier.alerts.at(-1)?.severity, 'critical');
  });
});

test('dry run: every step decided and reported, no capacity change, no alert posted', async () => {
  await withWorker({ dryRun: true }, async (h) => {
    const ns = testNamespace();
    const result = await run(h, { namespace: ns, desiredTrus: 8, endTime: await endIn(h, HOUR) });
    assert.deepEqual(result, {
      namespace: ns,
      initialChangeSuccess: true,
      verificationSuccess: true,
      revertedToOnDemand: true,
      revertVerificationSuccess: true,
      errors: [],
      dryRun: true,
    });
    assert.deepEqual(h.cloudOps.setCalls, []);
    assert.deepEqual(h.notifier.alerts, []);
  });
});

test('denylisted or not allowlisted namespace: terminal error and a critical alert, no change', async () => {
  await withWorker({ namespaceDenylist: ['prod.acct1'] }, async (h) => {
    const result = await run(h, { namespace: 'prod.acct1', desiredTrus: 4, endTime: await endIn(h, HOUR) });
    assert.equal(result.initialChangeSuccess, false);
    assert.match(result.errors.join('\n'), /namespace prod\.acct1 is on NAMESPACE_DENYLIST/);
    assert.deepEqual(h.cloudOps.setCalls, []);
    assert.deepEqual(h.notifier.severities(), ['critical:Capacity change failed']);
  });
  await withWorker({ namespaceAllowlist: ['staging.acct1'] }, async (h) => {
    const ns = testNamespace();
    const result = await run(h, { namespace: ns, desiredTrus: 4, endTime: await endIn(h, HOUR) });
    assert.match(result.errors.join('\n'), /is not on NAMESPACE_ALLOWLIST/);
    assert.deepEqual(h.cloudOps.setCalls, []);
  });
});
