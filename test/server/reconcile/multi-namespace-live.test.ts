/**
 * issue #14 on the real dev server with the capacity worker and the Cloud Ops simulator: a
 * `namespaces:` plan merged mid-window starts one late window per namespace, each with its own
 * schedule's run id and its own namespace (not the plan's other namespace), each on its own coordinator.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createTemporalLiveStore, createTemporalScheduleStore } from '../../../src/adapters/schedules/index.js';
import { coordinatorWorkflowId } from '../../../src/core/capacity/window.js';
import { occurrenceWorkflowId, parseOccurrenceWorkflowId } from '../../../src/core/live/desired-now.js';
import { reconcileOnce } from '../../../src/reconcile/index.js';
import { coordinatorStatusQuery, type CoordinatorStatus } from '../../../src/temporal/workflows/definitions.js';
import { e2eNamespace, startE2EStack } from '../workflow/e2e-stack.js';
import { eventually, newInstallation, planFile, snapshot } from '../../support/reconcile.js';

const S = 1_000;
const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const first = e2eNamespace();
const second = e2eNamespace();
const stack = await startE2EStack([first, second]);
const cleanup: string[] = [];
after(async () => {
  for (const id of cleanup)
    await stack.temporal.client.workflow
      .getHandle(id)
      .terminate('test cleanup')
      .catch(() => undefined);
});

test('a two-namespace plan merged mid-window starts one late window per namespace, each with its own schedule run id and namespace', async () => {
  const s = stack;
  const installation = newInstallation('mlive');
  const start = Math.floor((Date.now() - 20 * S) / S) * S;
  const files = [
    planFile(
      'schedules/sale.yaml',
      `apiVersion: capsched/v1\nkind: CapacityPlan\nname: sale\nnamespaces: [${first}, ${second}]\ntrus: 6\nat: "${iso(start)}"\nduration: 2m\n`,
    ),
  ];
  const store = createTemporalScheduleStore({ client: s.temporal.client, requestsPerSecond: 0 });
  const live = createTemporalLiveStore({ client: s.temporal.client, queryTimeoutMs: 3_000 });
  const r = await reconcileOnce({
    snapshot: snapshot(files, 'rev-multi'),
    store,
    live,
    installation,
    now: Date.now(),
    options: { taskQueue: s.taskQueue, allowPruneAll: true },
  });
  assert.equal(r.status, 'applied', JSON.stringify(r.errors));
  const started = (r.liveApplied ?? []).map((a) => [a.kind, a.namespace, a.outcome, a.workflowId]).sort((x, y) => String(x[1]).localeCompare(String(y[1])));
  const idOf = (ns: string): string => occurrenceWorkflowId(installation, 'sale', start, ns);
  cleanup.push(idOf(first), idOf(second));
  assert.deepEqual(
    started,
    [first, second].sort((x, y) => x.localeCompare(y)).map((ns) => ['start', ns, 'applied', idOf(ns)]),
  );
  assert.deepEqual(parseOccurrenceWorkflowId(idOf(first)), { installation, plan: 'sale', namespace: first, startMs: start });
  for (const ns of [first, second]) {
    const d = await s.temporal.client.workflow.getHandle(idOf(ns)).describe();
    assert.equal(d.status.name, 'RUNNING');
    await eventually(async () => assert.deepEqual(s.history(ns), ['6']));
    await eventually(async () => {
      const status: CoordinatorStatus = await s.temporal.client.workflow.getHandle(coordinatorWorkflowId(ns)).query(coordinatorStatusQuery);
      assert.deepEqual(
        status.windows.map((w) => [w.trus, w.plan, w.startedLate]),
        [[6, 'sale', true]],
      );
    });
  }
  // A second pass finds both windows running: nothing to start again.
  const again = await reconcileOnce({
    snapshot: snapshot(files, 'rev-multi'),
    store,
    live,
    installation,
    now: Date.now(),
    options: { taskQueue: s.taskQueue, allowPruneAll: true },
  });
  assert.equal(again.counts.liveWrites, 0, JSON.stringify(again.live));
});
