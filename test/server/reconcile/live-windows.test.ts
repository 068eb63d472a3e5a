/**
 * Git is the truth for the present (issue 11): real dev server, the capacity worker, the Cloud
 * Ops simulator, and reconcile passes with the real schedule and live stores. Windows last
 * minutes at most; the windows "a schedule started" are started directly with the schedule's run
 * id (`capsched.<installation>.<plan>-<start>`) and a short verify delay.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { applyCommand } from '../../../src/cli/apply.js';
import { diffCommand } from '../../../src/cli/diff.js';
import { tempDir } from '../../support/git-repo.js';
import type { Client } from '@temporalio/client';
import { createTemporalLiveStore, createTemporalScheduleStore } from '../../../src/adapters/schedules/index.js';
import { coordinatorWorkflowId } from '../../../src/core/capacity/window.js';
import { occurrenceWorkflowId, parseOccurrenceWorkflowId } from '../../../src/core/live/desired-now.js';
import { CAPACITY_CHANGE_WORKFLOW, LIVE_MEMO_KEY, type CapacityChangeInput } from '../../../src/core/workflow-contract.js';
import { reconcileOnce, type ReconcileOptions } from '../../../src/reconcile/index.js';
import { formatChangeSetText } from '../../../src/core/report/changeset-text.js';
import { coordinatorStatusQuery, capacityStatusQuery, type CoordinatorStatus } from '../../../src/temporal/workflows/definitions.js';
import { e2eNamespace, startE2EStack, type E2EStack } from '../workflow/e2e-stack.js';
import { eventually, newInstallation, planFile, planYaml, snapshot } from '../../support/reconcile.js';

const S = 1_000;
const M = 60 * S;
const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
/** An occurrence start a little in the past, on a whole second (the plans' `at` has seconds). */
const startedAgo = (ms: number): number => Math.floor((Date.now() - ms) / S) * S;

const namespaces = { raise: e2eNamespace(), late: e2eNamespace(), base: e2eNamespace(), held: e2eNamespace(), cli: e2eNamespace() };
const cleanup: string[] = [];
// Top level: the stack's after() hook then belongs to the file (it stops the worker after every test).
const stack = await startE2EStack(Object.values(namespaces));
const setup = async (): Promise<E2EStack> => stack;

after(async () => {
  for (const id of cleanup)
    await stack.temporal.client.workflow
      .getHandle(id)
      .terminate('test cleanup')
      .catch(() => undefined);
});

function plan(name: string, namespace: string, fields: Record<string, string | number | boolean>) {
  return planFile(`schedules/${name}.yaml`, planYaml({ name, namespace, ...fields }));
}

/** A window as its schedule would have started it for the occurrence at startMs (short verify delay). */
async function runningWindow(
  client: Client,
  taskQueue: string,
  installation: string,
  name: string,
  input: Omit<CapacityChangeInput, 'plan' | 'installation'>,
  startMs: number,
): Promise<string> {
  const workflowId = occurrenceWorkflowId(installation, name, startMs);
  await client.workflow.start(CAPACITY_CHANGE_WORKFLOW, {
    taskQueue,
    workflowId,
    args: [{ verifyDelay: '300ms', plan: name, installation, commit: 'rev0', ...input }],
  });
  cleanup.push(workflowId);
  return workflowId;
}

async function coordinator(client: Client, namespace: string): Promise<CoordinatorStatus> {
  return client.workflow.getHandle(coordinatorWorkflowId(namespace)).query(coordinatorStatusQuery);
}

function passFor(s: E2EStack, installation: string) {
  const store = createTemporalScheduleStore({ client: s.temporal.client, requestsPerSecond: 0 });
  return (
    files: ReturnType<typeof plan>[],
    revision: string,
    options: ReconcileOptions = {},
    live = createTemporalLiveStore({ client: s.temporal.client, queryTimeoutMs: 3_000 }),
  ) =>
    reconcileOnce({
      snapshot: snapshot(files, revision),
      store,
      live,
      installation,
      now: Date.now(),
      options: { taskQueue: s.taskQueue, allowPruneAll: true, ...options },
    });
}

test('raise + extend of a running window: the merged plan (more TRUs, later end) applies to it now; a second pass and a restart are no-ops', async () => {
  const s = await setup();
  const ns = namespaces.raise;
  const installation = newInstallation('live');
  const start = startedAgo(10 * S);
  const workflowId = await runningWindow(
    s.temporal.client,
    s.taskQueue,
    installation,
    'bf',
    { namespace: ns, desiredTrus: 4, endTime: iso(start + 2 * M) },
    start,
  );
  await eventually(async () =>
    assert.deepEqual(
      (await coordinator(s.temporal.client, ns)).windows.map((w) => w.trus),
      [4],
    ),
  );
  await eventually(async () => assert.deepEqual(s.history(ns), ['4']));
  const pass = passFor(s, installation);
  const edited = [plan('bf', ns, { trus: 8, at: iso(start), duration: '4m' })];

  const diff = await eventually(async () => {
    const r = await pass(edited, 'rev1', { dryRun: true });
    assert.equal(r.live?.pending, 2, JSON.stringify(r.live));
    return r;
  });
  assert.equal(diff.status, 'planned', 'pending live changes are pending changes (diff exits 2)');
  const text = formatChangeSetText({ ...diff, changeSet: diff.changeSet! });
  assert.match(text, new RegExp(`${ns.replace(/\./g, '\\.')}: live now 4 TRUs → desired now 8 TRUs`));
  assert.match(text, /~ bf: raise to 8 TRUs \(from 4\)/);
  assert.match(text, new RegExp(`~ bf: extend to ${iso(start + 4 * M).slice(0, 16)}Z`));
  assert.deepEqual(s.history(ns), ['4'], 'diff writes nothing');

  const applied = await pass(edited, 'rev1');
  assert.equal(applied.status, 'applied', JSON.stringify(applied.errors));
  assert.deepEqual(
    applied.liveApplied?.map((a) => [a.kind, a.outcome]),
    [
      ['raise', 'applied'],
      ['extend', 'applied'],
    ],
  );
  await eventually(async () => assert.deepEqual(s.history(ns), ['4', '8']));
  await eventually(async () => {
    const status = await coordinator(s.temporal.client, ns);
    assert.deepEqual(
      status.windows.map((w) => [w.trus, w.endTime]),
      [[8, new Date(start + 4 * M).toISOString()]],
    );
    assert.deepEqual(status.effective, { mode: 'provisioned', trus: 8 });
  });
  const window = await s.temporal.client.workflow.getHandle(workflowId).query(capacityStatusQuery);
  assert.equal(window.endTime, new Date(start + 4 * M).toISOString(), 'the window itself waits for the new end');

  // Second pass, and a "restarted daemon" (new stores): nothing to do.
  const again = await pass(edited, 'rev1');
  assert.equal(again.status, 'unchanged', JSON.stringify(again.live));
  assert.deepEqual(
    again.live?.namespaces.filter((n) => n.namespace === ns),
    [],
  );
  const restarted = await passFor(s, installation)(edited, 'rev1');
  assert.equal(restarted.status, 'unchanged');
  assert.equal(restarted.counts.liveWrites, 0);
  assert.deepEqual(s.history(ns), ['4', '8']);
});

test('a plan merged mid-window starts now for the rest of its window, says it started late and from which commit; two daemons start it once', async () => {
  const s = await setup();
  const ns = namespaces.late;
  const installation = newInstallation('late');
  const start = startedAgo(20 * S);
  const files = [plan('late', ns, { trus: 6, at: iso(start), duration: '2m' })];
  const daemonA = passFor(s, installation);
  const daemonB = passFor(s, installation);
  const [a, b] = await Promise.all([daemonA(files, 'rev-late'), daemonB(files, 'rev-late')]);
  const outcomes = [...(a.liveApplied ?? []), ...(b.liveApplied ?? [])].map((x) => x.outcome).sort();
  // One start; the other daemon finds the run already there (before starting, or when its start collides on the id).
  assert.deepEqual(
    outcomes.filter((o) => o !== 'exists'),
    ['applied'],
    JSON.stringify(outcomes),
  );
  const workflowId = occurrenceWorkflowId(installation, 'late', start);
  cleanup.push(workflowId);
  await eventually(async () => assert.deepEqual(s.history(ns), ['6']));
  await eventually(async () => {
    const status = await coordinator(s.temporal.client, ns);
    assert.deepEqual(
      status.windows.map((w) => [w.trus, w.endTime, w.plan, w.commit, w.startedLate]),
      [[6, new Date(start + 2 * M).toISOString(), 'late', 'rev-late', true]],
    );
  });
  const described = await s.temporal.client.workflow.getHandle(workflowId).describe();
  const memo = described.memo?.[LIVE_MEMO_KEY] as { startedLate?: boolean; commit?: string } | undefined;
  assert.equal(memo?.startedLate, true);
  assert.equal(memo?.commit, 'rev-late');
  assert.equal(described.typedSearchAttributes.getAll().find((p) => p.key.name === 'CapschedPlan')?.value, 'late');

  const again = await daemonA(files, 'rev-late');
  assert.equal(again.status, 'unchanged', JSON.stringify(again.live));
  // Ended by hand (window and coordinator terminated): never resurrected while the plan still covers now.
  await s.temporal.client.workflow.getHandle(workflowId).terminate('ended by hand');
  await s.temporal.client.workflow.getHandle(coordinatorWorkflowId(ns)).terminate('ended by hand');
  const afterCancel = await eventually(async () => {
    const r = await daemonA(files, 'rev-late', { dryRun: true });
    assert.equal(r.live?.pending, 0, JSON.stringify(r.live));
    return r;
  });
  assert.equal(afterCancel.status, 'unchanged');
});

test('a permanent plan: an edit applies on the next pass, deleting it releases the baseline (back to on-demand)', async () => {
  const s = await setup();
  const ns = namespaces.base;
  const installation = newInstallation('base');
  const at = startedAgo(5 * M);
  await runningWindow(s.temporal.client, s.taskQueue, installation, 'base', { namespace: ns, desiredTrus: 2 }, at);
  await eventually(async () =>
    assert.deepEqual(
      (await coordinator(s.temporal.client, ns)).windows.map((w) => [w.trus, w.endTime]),
      [[2, undefined]],
    ),
  );
  await eventually(async () => assert.deepEqual(s.history(ns), ['2']));
  const pass = passFor(s, installation);

  const raised = await eventually(async () => {
    const r = await pass([plan('base', ns, { trus: 4, at: iso(at) })], 'rev-base-4');
    assert.equal(r.liveApplied?.length, 1, JSON.stringify(r.live));
    return r;
  });
  assert.deepEqual(
    raised.live?.namespaces.find((n) => n.namespace === ns)?.changes.map((c) => [c.kind, c.permanent, c.toTrus, c.heldUntilMs]),
    [['raise', true, 4, undefined]],
  );
  await eventually(async () => assert.deepEqual(s.history(ns), ['2', '4']));

  const deleted = await pass([], 'rev-base-gone');
  assert.equal(deleted.status, 'applied', JSON.stringify(deleted.errors));
  assert.deepEqual(
    deleted.live?.namespaces.find((n) => n.namespace === ns)?.changes.map((c) => [c.kind, c.permanent]),
    [['release', true]],
  );
  await eventually(async () => assert.deepEqual(s.history(ns), ['2', '4', 'onDemand']));
  const second = await eventually(async () => {
    const r = await pass([], 'rev-base-gone');
    assert.deepEqual(
      r.live?.namespaces.filter((n) => n.namespace === ns),
      [],
      JSON.stringify(r.live),
    );
    return r;
  });
  assert.equal(second.counts.liveWrites, 0);
});

test('a reduction is held until the window ends by default (every output says so) and applied now with --force', async () => {
  const s = await setup();
  const ns = namespaces.held;
  const installation = newInstallation('held');
  const start = startedAgo(10 * S);
  const end = start + 3 * M;
  await runningWindow(s.temporal.client, s.taskQueue, installation, 'cut', { namespace: ns, desiredTrus: 8, endTime: iso(end) }, start);
  await eventually(async () => assert.deepEqual(s.history(ns), ['8']));
  await eventually(async () => assert.equal((await coordinator(s.temporal.client, ns)).windows.length, 1));
  const pass = passFor(s, installation);
  const reduced = [plan('cut', ns, { trus: 4, at: iso(start), duration: '3m' })];

  const held = await eventually(async () => {
    const r = await pass(reduced, 'rev-cut');
    assert.equal(r.live?.held, 1, JSON.stringify(r.live));
    return r;
  });
  assert.equal(held.status, 'unchanged', 'a held reduction writes nothing and is not pending');
  assert.deepEqual(held.liveApplied, []);
  const text = formatChangeSetText({ ...held, changeSet: held.changeSet! });
  assert.match(
    text,
    new RegExp(
      `= cut: held until ${iso(end).slice(0, 16)}Z: lower to 4 TRUs \\(from 8\\) — plan asks for 4 TRUs; the reduction applies at the window's end; --force applies it now`,
    ),
  );
  assert.deepEqual(s.history(ns), ['8']);

  const forced = await pass(reduced, 'rev-cut', { force: true });
  assert.equal(forced.status, 'applied', JSON.stringify(forced.errors));
  assert.deepEqual(
    forced.liveApplied?.map((a) => [a.kind, a.outcome]),
    [['lower', 'applied']],
  );
  await eventually(async () => assert.deepEqual(s.history(ns), ['8', '4']));
  const after = await pass(reduced, 'rev-cut');
  assert.equal(after.status, 'unchanged');
  assert.deepEqual(
    after.live?.namespaces.filter((n) => n.namespace === ns),
    [],
  );
});

test("a schedule's run id is the occurrence id a late start uses (so a run that exists is never started again)", async () => {
  const s = await setup();
  const installation = newInstallation('ids');
  const store = createTemporalScheduleStore({ client: s.temporal.client, requestsPerSecond: 0 });
  // No worker polls this queue: the triggered run only has to exist.
  const taskQueue = `no-worker-${installation}`;
  const applied = await reconcileOnce({
    snapshot: snapshot([plan('nightly-batch', 'ids.x1', { trus: 4, cron: '0 3 * * *', duration: '2h' })]),
    store,
    installation,
    now: Date.now(),
    options: { taskQueue },
  });
  assert.equal(applied.status, 'applied', JSON.stringify(applied.errors));
  const handle = s.temporal.client.schedule.getHandle(`capsched.${installation}.nightly-batch`);
  await handle.trigger();
  const [runId] = await eventually(async () => {
    const running = await store.runningWindows(handle.scheduleId);
    assert.equal(running.length, 1);
    return running;
  });
  cleanup.push(runId!);
  const parsed = parseOccurrenceWorkflowId(runId!);
  assert.equal(parsed?.plan, 'nightly-batch', runId);
  assert.equal(parsed?.installation, installation);
  assert.equal(occurrenceWorkflowId(installation, 'nightly-batch', parsed!.startMs), runId);
  assert.deepEqual([...(await createTemporalLiveStore({ client: s.temporal.client }).existingRuns([runId!, `${runId!}-nope`]))], [runId]);
  await handle.delete();
});

test('capsched diff exits 2 while a running window has pending live changes and shows them (text and JSON); apply applies them; diff exits 0 after', async () => {
  const s = await setup();
  const ns = namespaces.cli;
  const installation = newInstallation('cli');
  const start = startedAgo(10 * S);
  await runningWindow(s.temporal.client, s.taskQueue, installation, 'bf', { namespace: ns, desiredTrus: 4, endTime: iso(start + 3 * M) }, start);
  await eventually(async () => assert.equal((await coordinator(s.temporal.client, ns)).windows.length, 1));
  const root = tempDir('capsched-live-cli-');
  mkdirSync(join(root, 'schedules'));
  writeFileSync(join(root, 'schedules', 'bf.yaml'), planYaml({ name: 'bf', namespace: ns, trus: 4, at: iso(start), duration: '5m' }));
  const env = {
    TEMPORAL_ADDRESS: s.temporal.address,
    TEMPORAL_NAMESPACE: 'default',
    CAPSCHED_INSTALLATION: installation,
    CAPSCHED_LOG_LEVEL: 'silent',
    CAPSCHED_TASK_QUEUE: s.taskQueue,
  };
  const run = async (cmd: typeof diffCommand, ...argv: string[]) => {
    const captured = { out: '', err: '' };
    const code = await cmd(['--source', root, ...argv], {
      stdout: (t: string) => void (captured.out += t),
      stderr: (t: string) => void (captured.err += t),
      env,
      cwd: root,
    });
    return { code, ...captured };
  };
  // Each diff connects, lists and queries every running coordinator (a stale one costs its 5 s deadline): allow a minute.
  const diff = await eventually(async () => {
    const r = await run(diffCommand);
    assert.equal(r.code, 2, r.out + r.err);
    return r;
  }, 60_000);
  assert.match(diff.out, /Live \(running windows and permanent plans\):/);
  assert.match(diff.out, new RegExp(`~ bf: extend to ${iso(start + 5 * M).slice(0, 16)}Z`));
  const json = JSON.parse((await run(diffCommand, '--format', 'json')).out) as {
    live: { pending: number; namespaces: { namespace: string; changes: { kind: string }[] }[] };
  };
  assert.equal(json.live.pending, 1);
  assert.deepEqual(
    json.live.namespaces.filter((n) => n.namespace === ns).map((n) => [n.namespace, n.changes.map((c) => c.kind)]),
    [[ns, ['extend']]],
  );
  const applied = await run(applyCommand);
  assert.equal(applied.code, 0, applied.out + applied.err);
  assert.match(applied.out, /Applied to running windows:\n {2}applied extend bf/);
  await eventually(async () => {
    const clean = await run(diffCommand);
    assert.equal(clean.code, 0, clean.out);
  }, 60_000);
});
