/**
 * capsched's own bill (issue 21): the Actions bench in its quick mode (bench/actions.ts; not timed).
 * A real dev server, the Cloud Ops simulator and `capsched run` as a child process: 3 namespaces,
 * 5 plans, one window running, 2 checks on the same commit, then one plan edited.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runActionsBench, type ActionsBenchResult } from '../../../bench/actions.js';

let run: Promise<ActionsBenchResult> | undefined;
const quick = (): Promise<ActionsBenchResult> => (run ??= runActionsBench({ namespaces: 3, plans: 5, live: 1, passes: 2, intervalMs: 2_000 }));

test('the Actions bench (quick): sane counts; same-commit checks start no pass and send no query; an edited plan costs only its pass', async () => {
  const result = await quick();
  const [first, same, edit] = result.phases;
  assert.ok(first !== undefined && same !== undefined && edit !== undefined);

  // Start-up: one reconciler start, the late-started window and its coordinator.
  assert.equal(first.byWorkflow.capschedReconciler?.['workflow start'], 1, JSON.stringify(first.byWorkflow));
  assert.equal(first.byWorkflow.scheduledCapacityChange?.['workflow start'], 1, JSON.stringify(first.byWorkflow));
  assert.equal(first.byWorkflow.capacityCoordinator?.['workflow start'], 1, JSON.stringify(first.byWorkflow));
  assert.ok(first.passQueries >= 1, 'the pass that finds the window running reads its coordinator');
  assert.equal(first.byWorkflow.capschedReconciler?.timer ?? 0, 0, 'the reconciler sets no timer');

  // Same commit: the daemon checks (free reads) and starts no pass: no timer, no activity, no signal, no query.
  assert.ok(same.checks >= 2, `${same.checks} checks`);
  assert.equal(same.passes, 0);
  assert.deepEqual(same.byWorkflow, {});
  assert.equal(same.heartbeats, 0);
  assert.equal(same.passQueries, 0);
  assert.equal(same.serverActions.grpc_QueryWorkflow ?? 0, 0, JSON.stringify(same.serverActions));
  assert.equal(same.serverActions.grpc_StartWorkflowExecution ?? 0, 0);
  assert.equal(same.serverActions.grpc_SignalWithStartWorkflowExecution ?? 0, 0);

  // A new commit (a plan edited on a namespace with no window): one check signals, one pass updates one
  // schedule; no window or coordinator spends anything. The pass reads the running coordinator again
  // (a new commit invalidates the live step's memo: src/reconcile/live.ts), and the daemon reads the
  // reconciler's state once its history moved.
  assert.equal(edit.passes, 1);
  assert.deepEqual(Object.keys(edit.byWorkflow), ['capschedReconciler']);
  assert.deepEqual(edit.byWorkflow.capschedReconciler, { activity: 1, signal: 1 });
  assert.equal(edit.passQueries, 1);
  // The daemon reads the reconciler's state when its history moved: after the signal, and after the pass (twice at most).
  assert.ok((edit.serverActions.grpc_QueryWorkflow ?? 0) <= edit.passQueries + 2, JSON.stringify(edit.serverActions));
  assert.equal(result.requests.UpdateSchedule, 1);

  // Reading the daemon (10 × /readyz, 2 × /metrics, the page, /status) queries the reconciler's state only when
  // its history moved (once per pass at most) and no coordinator whose history did not move.
  const reads = result.phases[3]!;
  assert.match(reads.label, /10 × \/readyz/);
  const billed = reads.serverActions.grpc_QueryWorkflow ?? 0;
  assert.ok(billed <= reads.passes + 1, `${billed} queries for 14 HTTP reads while ${reads.passes} passes ran`);
});

test('goal (issue 21): a check that finds the same commit and nothing live to change spends no Actions', async () => {
  const same = (await quick()).phases[1]!;
  assert.ok(same.checks >= 2);
  assert.equal(same.total, 0, `${same.total} Actions over ${same.checks} same-commit checks`);
});
