import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTemporalScheduleStore } from '../../../src/adapters/schedules/index.js';
import { reconcileOnce } from '../../../src/reconcile/index.js';
import { testTemporal, uniqueSuffix } from '../helpers/temporal.js';
import { eventually, newInstallation, planFile, planYaml, snapshot } from '../../support/reconcile.js';

// No worker polls this task queue, so a started window stays open: exactly an active window.
const plans = (names: string[]) =>
  names.map((name) => planFile(`schedules/${name}.yaml`, planYaml({ name, namespace: 'ns.run', trus: 4, cron: '0 3 * * *', duration: '2h' })));

test('deleting a plan mid-window leaves the running window to revert at its end; --force cancels it', async () => {
  const { client } = await testTemporal();
  const installation = newInstallation('run');
  const taskQueue = `no-worker-${uniqueSuffix()}`;
  const store = createTemporalScheduleStore({ client, requestsPerSecond: 0 });
  const pass = (names: string[], options = {}) =>
    reconcileOnce({ snapshot: snapshot(plans(names)), store, installation, now: Date.now(), options: { taskQueue, allowPruneAll: true, ...options } });
  assert.equal((await pass(['keep', 'gone', 'forced'])).status, 'applied');

  const started: Record<string, string> = {};
  for (const name of ['gone', 'forced']) {
    const handle = client.schedule.getHandle(`capsched.${installation}.${name}`);
    await handle.trigger();
    // Overlap ALLOW_ALL: the schedule does not track runs (info.runningActions stays empty); visibility does.
    started[name] = await eventually(async () => {
      const running = await store.runningWindows(handle.scheduleId);
      assert.equal(running.length, 1);
      return running[0]!;
    });
  }
  await eventually(async () => assert.equal((await store.list(installation)).length, 3));

  // Without --force: the schedule goes, its running window does not.
  const removed = await pass(['keep', 'forced']);
  assert.equal(removed.status, 'applied', JSON.stringify(removed.errors));
  assert.deepEqual(
    removed.applied.map((a) => [a.outcome, a.plan, a.runningWindows]),
    [['deleted', 'gone', [started.gone]]],
  );
  await assert.rejects(client.schedule.getHandle(`capsched.${installation}.gone`).describe(), /not found/i);
  const window = await client.workflow.getHandle(started.gone!).describe();
  assert.equal(window.status.name, 'RUNNING');

  // With --force: the running window is cancelled (the capacity-change workflow reverts on cancel).
  await eventually(async () => assert.equal((await store.list(installation)).length, 2));
  await eventually(async () => assert.deepEqual(await store.runningWindows(`capsched.${installation}.forced`), [started.forced]));
  const forced = await pass(['keep'], { force: true });
  assert.equal(forced.status, 'applied', JSON.stringify(forced.errors));
  assert.deepEqual(
    forced.applied.map((a) => [a.outcome, a.plan, a.cancelledWindows]),
    [['deleted', 'forced', [started.forced]]],
  );
  const history = await client.workflow.getHandle(started.forced!).fetchHistory();
  const cancelRequested = history.events?.find((e) => e.workflowExecutionCancelRequestedEventAttributes != null);
  assert.ok(cancelRequested, 'cancel requested');
  // The reason reaches the run's history, so an operator sees why the window ended early.
  assert.equal(cancelRequested.workflowExecutionCancelRequestedEventAttributes?.cause, 'capsched --force: plan forced deleted');

  await client.workflow.getHandle(started.gone!).terminate('test cleanup');
  await client.workflow.getHandle(started.forced!).terminate('test cleanup');
  await client.schedule.getHandle(`capsched.${installation}.keep`).delete();
});
