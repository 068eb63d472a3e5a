/**
 * Regenerates test/unit/fixtures/histories/*.json: real runs of the capacity workflows on a real
 * `temporal server start-dev` against the Cloud Ops simulator, saved for the replay test
 * (test/unit/workflow/replay.test.ts), which guards determinism whenever workflow code changes.
 *
 *   npx tsc -p . && node dist/test/server/workflow/record-histories.js
 *   (CAPSCHED_HISTORIES_OUT=<dir> writes elsewhere, e.g. to add one new fixture beside the old ones)
 *
 * Re-record only when a change is meant to be incompatible (and then think about patched()):
 * the point of the fixtures is that histories of runs in flight keep replaying.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, bundleWorkflowCode } from '@temporalio/worker';
import { findTemporalCli, startDevServer } from '../../../src/adapters/temporal-dev-server/index.js';
import { createCloudOpsClient } from '../../../src/adapters/cloud-ops/index.js';
import { readCloudOpsSettings } from '../../../src/config/cloud-ops.js';
import { coordinatorWorkflowId } from '../../../src/core/capacity/window.js';
import type { Notifier } from '../../../src/core/ports.js';
import { CAPACITY_CHANGE_WORKFLOW, type CapacityChangeInput } from '../../../src/core/workflow-contract.js';
import { silentLogger } from '../../../src/log/index.js';
import { packageRoot } from '../../../src/paths.js';
import { startCloudOpsSimulator } from '../../../src/simulator/index.js';
import { createCapacityWorker, workflowsPath } from '../../../src/temporal/worker.js';
import {
  capacityStatusQuery,
  coordinatorStatusQuery,
  setEndTimeSignal,
  setEndTimeUpdate,
  setWindowTrusSignal,
} from '../../../src/temporal/workflows/definitions.js';

const outDir = process.env.CAPSCHED_HISTORIES_OUT ?? join(packageRoot(), 'test', 'unit', 'fixtures', 'histories');
const KEY = 'record-histories-key';
const namespaces = {
  happy: 'happy.rec01',
  overlap: 'overlap.rec01',
  rejected: 'rejected.rec01',
  cancelled: 'cancelled.rec01',
  extended: 'extended.rec01',
  durable: 'durable.rec01',
  goDuration: 'goduration.rec01',
  live: 'live.rec01',
  settle: 'settle.rec01',
  skipped: 'skipped.rec01',
  rejoin: 'rejoin.rec01',
  coordCancel: 'coordcancel.rec01',
  drift: 'drift.rec01',
  cut: 'cut.rec01',
  ramp: 'ramp.rec01',
};

Runtime.install({ logger: new DefaultLogger('ERROR') });
const server = await startDevServer();
const sim = await startCloudOpsSimulator({ namespaces: Object.values(namespaces), apiKey: KEY, operationDelayMs: 150 });
const cloudOps = createCloudOpsClient(
  readCloudOpsSettings({
    TEMPORAL_CLOUD_API_KEY: KEY,
    TEMPORAL_CLOUD_ENDPOINT: sim.address,
    TEMPORAL_CLOUD_ALLOW_INSECURE: 'true',
    CAPSCHED_CLOUD_OPS_POLL_MIN: '20ms',
    CAPSCHED_CLOUD_OPS_POLL_MAX: '100ms',
  }),
);
const alerts: string[] = [];
const notifier: Notifier = { notify: async (a) => void alerts.push(`${a.severity}:${a.title}`) };
const nativeConnection = await NativeConnection.connect({ address: server.address });
const connection = await Connection.connect({ address: server.address });
const client = new Client({ connection, namespace: 'default' });
const taskQueue = 'record-histories';
const { code } = await bundleWorkflowCode({ workflowsPath: workflowsPath(), logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} } });
const worker = await createCapacityWorker({
  connection: nativeConnection,
  namespace: 'default',
  taskQueue,
  cloudOps,
  notifier,
  logger: silentLogger(),
  // Cases 8-12 need the coordinator checks and re-reads within seconds.
  settings: {
    dryRun: false,
    namespaceAllowlist: [],
    namespaceDenylist: [],
    temporalUiUrl: 'http://localhost:8233',
    heartbeatMs: 500,
    coordinatorCheckMs: 1_000,
    coordinatorQueryTimeoutMs: 1_000,
    reverifyIntervalMs: 1_000,
  },
  workflowBundle: { code },
  client,
  shutdownGraceMs: 500,
});

const start = (name: string, input: CapacityChangeInput): Promise<WorkflowHandle> =>
  client.workflow.start(CAPACITY_CHANGE_WORKFLOW, { taskQueue, workflowId: `rec-${name}`, args: [{ verifyDelay: '300ms', plan: `rec-${name}`, ...input }] });
const endIn = (ms: number): string => new Date(Date.now() + ms).toISOString();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function save(file: string, workflowId: string, runId?: string): Promise<void> {
  // The same JSON `temporal workflow show -o json` and the Web UI export.
  const run = runId === undefined ? [] : ['--run-id', runId];
  const json = execFileSync(
    findTemporalCli() ?? 'temporal',
    ['workflow', 'show', '--address', server.address, '--namespace', 'default', '--workflow-id', workflowId, ...run, '--output', 'json'],
    { encoding: 'utf8' },
  );
  const history = JSON.parse(json) as { events?: unknown[] };
  writeFileSync(join(outDir, `${file}.json`), `${JSON.stringify({ workflowId, history }, null, 1)}\n`);
  console.log(`recorded ${file}.json (${history.events?.length ?? 0} events)`);
}

/**
 * 8. Git is the truth for the present: a window carrying its audit trail (plan, commit,
 *    installation, started late) whose TRUs a reconcile pass raises through the coordinator
 *    (capsched-live-window-trus) and whose end it extends through the window's setEndTime signal.
 *    `CAPSCHED_RECORD_ONLY=live` records only this case (into CAPSCHED_HISTORIES_OUT).
 */
async function recordLive(): Promise<void> {
  const live = await start('live', {
    namespace: namespaces.live,
    desiredTrus: 4,
    endTime: endIn(2_500),
    commit: 'c0ffee1234567890',
    installation: 'default',
    startedLate: true,
  });
  const coordinator = client.workflow.getHandle(coordinatorWorkflowId(namespaces.live));
  for (;;) {
    const status = await coordinator.query(coordinatorStatusQuery).catch(() => undefined);
    if (status !== undefined && status.windows.length > 0 && status.phase === 'idle') break;
    await sleep(50);
  }
  const windowId = `${live.workflowId}/${(await live.describe()).runId}`;
  await coordinator.signal(setWindowTrusSignal, { windowId, trus: 8, commit: 'c0ffee1234567890' });
  while (sim.changes(namespaces.live).length < 2) await sleep(50);
  await live.signal(setEndTimeSignal, { endTime: endIn(1_500) });
  await live.result();
  await save('live-window', live.workflowId);
  await save('live-coordinator', coordinatorWorkflowId(namespaces.live));
}

/**
 * 15. A ramp (issue #14, capsched-ramp-steps): 4 → 8 → 6 TRUs a second apart, then on-demand; the
 *     simulator's change record shows every step in order. `CAPSCHED_RECORD_ONLY=ramp` records only this case.
 */
async function recordRamp(): Promise<void> {
  const ramp = await start('ramp', {
    namespace: namespaces.ramp,
    desiredTrus: 8,
    steps: [
      { after: '0s', trus: 4 },
      { after: '1500ms', trus: 8 },
      { after: '3s', trus: 6 },
    ],
    endTime: endIn(4_500),
  });
  await ramp.result();
  console.log(
    `ramp changes: ${sim
      .changes(namespaces.ramp)
      .map((c) => JSON.stringify(c))
      .join(' ')}`,
  );
  await save('ramp-window', ramp.workflowId);
  await save('ramp-coordinator', coordinatorWorkflowId(namespaces.ramp));
}

/**
 * 9. Capacity still changing after the operation reports FULFILLED (the simulator's capacityLag:
 *    latest_request IN_PROGRESS 1 s longer): the raise's and the revert's verifications poll until the
 *    request completes (capsched-verify-settled). `CAPSCHED_RECORD_ONLY=settle` records only this case.
 */
async function recordSettle(): Promise<void> {
  sim.injectFault({ kind: 'capacityLag', lagMs: 1_000, namespace: namespaces.settle, times: 2 });
  const settle = await start('settle', { namespace: namespaces.settle, desiredTrus: 4, endTime: endIn(3_000) });
  await settle.result();
  await save('settle-window', settle.workflowId);
  await save('settle-coordinator', coordinatorWorkflowId(namespaces.settle));
}

/**
 * 10-14. Issue #12 (second round) and #11: the coordinator's liveness, re-join, cancellation,
 * re-verify and interruptible verify delay. `CAPSCHED_RECORD_ONLY=coord` records only these.
 * (Case 10 records capsched-skip-ended-open only with code before capsched-interruptible-verify-delay.)
 */
async function recordCoordinator(): Promise<void> {
  // 10. Issue #12 scenarios 6 and 7: A's raise waits a 14 s verify delay; B ends meanwhile (not raised:
  //    capsched-skip-ended-open); C's end passes too and its release is late because A's step held it
  //    (capsched-late-release-cause); an end sent to C after its end is refused (capsched-refuse-end-after-end).
  const c = await start('late-c', { namespace: namespaces.skipped, desiredTrus: 2, endTime: endIn(20_000) });
  while (sim.changes(namespaces.skipped).length < 1) await sleep(50);
  const cEnd = Date.now() + 1_500;
  await c.executeUpdate(setEndTimeUpdate, { args: [{ endTime: new Date(cEnd).toISOString() }] });
  const slow = await start('slow-a', { namespace: namespaces.skipped, desiredTrus: 4, endTime: endIn(20_000), verifyDelay: '14s' });
  while (sim.changes(namespaces.skipped).length < 2) await sleep(50);
  const skipped = await start('skipped-b', { namespace: namespaces.skipped, desiredTrus: 8, endTime: endIn(1_000) });
  await sleep(Math.max(0, cEnd + 500 - Date.now()));
  await c.signal(setEndTimeSignal, { endTime: endIn(60_000) });
  await Promise.all([slow.result(), skipped.result(), c.result()]);
  await save('skipped-window', skipped.workflowId);
  await save('late-cause-window', c.workflowId);
  await save('skipped-coordinator', coordinatorWorkflowId(namespaces.skipped));

  // 11. Scenario 2: the coordinator is terminated mid-window; the window notices (capsched-coordinator-liveness),
  //    re-joins (capsched-window-rejoin) and is released at its end.
  const rejoin = await start('rejoin', { namespace: namespaces.rejoin, desiredTrus: 4, endTime: endIn(6_000) });
  while ((await rejoin.query(capacityStatusQuery)).phase !== 'active') await sleep(50);
  await client.workflow.getHandle(coordinatorWorkflowId(namespaces.rejoin)).terminate('record-histories: scenario 2');
  await rejoin.result();
  await save('rejoin-window', rejoin.workflowId);
  await save('rejoin-coordinator', coordinatorWorkflowId(namespaces.rejoin));

  // 12. Scenario 2: the coordinator is cancelled; it releases to what its window asks (capsched-coordinator-cancel-release).
  const kept = await start('coord-cancel', { namespace: namespaces.coordCancel, desiredTrus: 6, endTime: endIn(6_000) });
  while ((await kept.query(capacityStatusQuery)).phase !== 'active') await sleep(50);
  const coordinator = client.workflow.getHandle(coordinatorWorkflowId(namespaces.coordCancel));
  const cancelledRun = (await coordinator.describe()).runId;
  await coordinator.cancel();
  await client.workflow
    .getHandle(coordinatorWorkflowId(namespaces.coordCancel), cancelledRun)
    .result()
    .catch(() => undefined);
  await kept.result();
  await save('coordinator-cancelled', coordinatorWorkflowId(namespaces.coordCancel), cancelledRun);
  await save('coordinator-cancelled-rejoined', coordinatorWorkflowId(namespaces.coordCancel));

  // 13. Issue #11: changed out of band mid-window, restored at the next re-read (capsched-reverify).
  const drift = await start('drift', { namespace: namespaces.drift, desiredTrus: 8, endTime: endIn(5_000) });
  while (sim.changes(namespaces.drift).length < 1) await sleep(50);
  await sleep(800);
  sim.setCapacityOutOfBand(namespaces.drift, { mode: 'provisioned', trus: 4 });
  await drift.result();
  await save('drift-coordinator', coordinatorWorkflowId(namespaces.drift));

  // 14. Scenario 6: A's 5 s verify delay is cut short when B opens (capsched-interruptible-verify-delay).
  const first = await start('cut-a', { namespace: namespaces.cut, desiredTrus: 4, endTime: endIn(6_000), verifyDelay: '5s' });
  while (sim.changes(namespaces.cut).length < 1) await sleep(50);
  const second = await start('cut-b', { namespace: namespaces.cut, desiredTrus: 8, endTime: endIn(3_000) });
  await Promise.all([first.result(), second.result()]);
  await save('cut-window', first.workflowId);
  await save('cut-coordinator', coordinatorWorkflowId(namespaces.cut));
}

mkdirSync(outDir, { recursive: true });
await worker.runUntil(async () => {
  if (process.env.CAPSCHED_RECORD_ONLY === 'settle') return await recordSettle();
  if (process.env.CAPSCHED_RECORD_ONLY === 'coord') return await recordCoordinator();
  if (process.env.CAPSCHED_RECORD_ONLY === 'ramp') return await recordRamp();
  await recordLive();
  if (process.env.CAPSCHED_RECORD_ONLY === 'live') return;
  await recordSettle();

  // 1. A short window: raise, verify, revert, verify.
  const happy = await start('happy', { namespace: namespaces.happy, desiredTrus: 4, endTime: endIn(2_500) });
  await happy.result();
  await save('happy-window', happy.workflowId);
  await save('happy-coordinator', coordinatorWorkflowId(namespaces.happy));

  // 2. Overlapping windows: 4 → 8 → 4 → on-demand.
  const a = await start('overlap-a', { namespace: namespaces.overlap, desiredTrus: 4, endTime: endIn(6_000) });
  while (sim.changes(namespaces.overlap).length < 1) await sleep(50);
  const b = await start('overlap-b', { namespace: namespaces.overlap, desiredTrus: 8, endTime: endIn(2_500) });
  await Promise.all([a.result(), b.result()]);
  await save('overlap-window-a', a.workflowId);
  await save('overlap-window-b', b.workflowId);
  await save('overlap-coordinator', coordinatorWorkflowId(namespaces.overlap));

  // 3. A rejected TRU value: early exit with a critical alert.
  const rejected = await start('rejected', { namespace: namespaces.rejected, desiredTrus: 5, endTime: endIn(60_000) });
  await rejected.result();
  await save('rejected-window', rejected.workflowId);
  await save('rejected-coordinator', coordinatorWorkflowId(namespaces.rejected));

  // 4. Cancelled mid-window: the cleanup reverts.
  const cancelled = await start('cancelled', { namespace: namespaces.cancelled, desiredTrus: 6, endTime: endIn(60_000) });
  while (sim.changes(namespaces.cancelled).length < 1) await sleep(50);
  await sleep(800);
  await cancelled.cancel();
  await cancelled.result().catch(() => undefined);
  await save('cancelled-window', cancelled.workflowId);
  await save('cancelled-coordinator', coordinatorWorkflowId(namespaces.cancelled));

  // 5. Extended through the validated update, then a permanent change on the same namespace.
  const extended = await start('extended', { namespace: namespaces.extended, desiredTrus: 3, endTime: endIn(2_000) });
  while (sim.changes(namespaces.extended).length < 1) await sleep(50);
  await sleep(500);
  await extended.executeUpdate(setEndTimeUpdate, { args: [{ endTime: endIn(3_000) }] });
  await extended.result();
  await save('extended-window', extended.workflowId);
  await save('extended-coordinator', coordinatorWorkflowId(namespaces.extended));

  // 6. Cloud Ops unavailable at the end for longer than the activity retries: the release is
  //    retried (after 30 s) until verified, with a "failing" and a "recovered" alert.
  const durable = await start('durable', { namespace: namespaces.durable, desiredTrus: 4, endTime: endIn(2_000) });
  while (sim.changes(namespaces.durable).length < 1) await sleep(50);
  sim.injectFault({ kind: 'unavailable', method: 'UpdateNamespace', namespace: namespaces.durable, times: 1_000 });
  while (!alerts.some((a) => a.includes('release failing'))) await sleep(100);
  sim.clearFaults();
  await durable.result();
  await save('durable-window', durable.workflowId);
  await save('durable-coordinator', coordinatorWorkflowId(namespaces.durable));

  // 7. A verify delay only the Go duration grammar reads (0.3s): the run records the
  //    capsched-go-duration-grammar patch marker.
  const goDuration = await start('go-duration', { namespace: namespaces.goDuration, desiredTrus: 4, endTime: endIn(2_500), verifyDelay: '0.3s' });
  await goDuration.result();
  await save('go-duration-window', goDuration.workflowId);

  await recordCoordinator();
  await recordRamp();
});

console.log(`alerts: ${alerts.join(', ')}`);
await nativeConnection.close();
await connection.close();
cloudOps.close();
await sim.stop();
await server.stop();
