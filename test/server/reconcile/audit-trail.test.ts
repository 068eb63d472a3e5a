import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTemporalScheduleStore } from '../../../src/adapters/schedules/index.js';
import { reconcileOnce } from '../../../src/reconcile/index.js';
import { testTemporal, uniqueSuffix } from '../helpers/temporal.js';
import { eventually, newInstallation, planFile, planYaml, snapshot } from '../../support/reconcile.js';

// The audit trail reaches every workflow a schedule starts (commit, file, plan in its memo,
// search attributes and input), and an edit to a plan whose window is running changes the
// schedule for the next windows only: the running window keeps its TRUs and is not stopped.
// No worker polls the task queue, so a started window stays open: exactly an active window.

const file = (trus: number) =>
  planFile('schedules/team/boost.yaml', planYaml({ name: 'boost', namespace: 'ns.audit', trus, cron: '0 3 * * *', duration: '2h' }));

function decodeInput(payload: { data?: Uint8Array | null } | undefined): unknown {
  return JSON.parse(Buffer.from(payload?.data ?? new Uint8Array()).toString('utf8'));
}

test('workflows started by a schedule carry commit, file and plan; an edit mid-window leaves the running window alone', async () => {
  const { client } = await testTemporal();
  const installation = newInstallation('audit');
  const taskQueue = `no-worker-${uniqueSuffix()}`;
  const store = createTemporalScheduleStore({ client, requestsPerSecond: 0 });
  const scheduleId = `capsched.${installation}.boost`;
  const first = await reconcileOnce({ snapshot: snapshot([file(4)], 'c0ffee1'), store, installation, now: Date.now(), options: { taskQueue } });
  assert.equal(first.status, 'applied', JSON.stringify(first.errors));

  await client.schedule.getHandle(scheduleId).trigger();
  const workflowId = await eventually(async () => {
    const running = await store.runningWindows(scheduleId);
    assert.equal(running.length, 1);
    return running[0]!;
  });
  const started = client.workflow.getHandle(workflowId);
  const described = await started.describe();
  assert.deepEqual(
    { ...(described.memo?.capsched as Record<string, unknown>), fields: undefined, specHash: undefined },
    { v: 1, installation, plan: 'boost', file: 'schedules/team/boost.yaml', commit: 'c0ffee1', fields: undefined, specHash: undefined },
  );
  const attributes = described.searchAttributes as Record<string, unknown[]>;
  assert.deepEqual(
    [attributes.CapschedPlan, attributes.CapschedCommit, attributes.CapschedInstallation, attributes.CapschedManagedBy],
    [['boost'], ['c0ffee1'], [installation], ['capsched']],
  );
  const history = await started.fetchHistory();
  const input = decodeInput(history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0] ?? undefined);
  assert.deepEqual(input, {
    namespace: 'ns.audit',
    desiredTrus: 4,
    duration: '2h',
    plan: 'boost',
    file: 'schedules/team/boost.yaml',
    commit: 'c0ffee1',
    installation,
  });

  // The plan is edited while its window runs: the schedule changes, the running window does not.
  await eventually(async () => assert.equal((await store.list(installation)).length, 1));
  const edited = await reconcileOnce({ snapshot: snapshot([file(8)], 'c0ffee2'), store, installation, now: Date.now(), options: { taskQueue } });
  assert.equal(edited.status, 'applied', JSON.stringify(edited.errors));
  assert.deepEqual(
    edited.applied.map((a) => [a.outcome, a.cancelledWindows]),
    [['updated', undefined]],
  );
  const schedule = await client.schedule.getHandle(scheduleId).describe();
  assert.equal(((schedule.action.args ?? [])[0] as { desiredTrus: number }).desiredTrus, 8, 'next windows get 8 TRUs');
  assert.equal((await started.describe()).status.name, 'RUNNING', 'the running window is not stopped');
  const historyAfter = await started.fetchHistory();
  assert.ok(
    !historyAfter.events?.some((e) => e.workflowExecutionCancelRequestedEventAttributes != null || e.workflowExecutionSignaledEventAttributes != null),
    'nothing was sent to the running window',
  );

  await started.terminate('test cleanup');
  await client.schedule.getHandle(scheduleId).delete();
});
