/**
 * What a reconcile pass costs with live state (issue 11): N plans over 50 namespaces, one window
 * per namespace covering now, a real dev server, the capacity worker and the Cloud Ops simulator.
 * Temporal RPCs are counted by method with a gRPC interceptor.
 *   npx tsc -p . && node dist/bench/live.js [plans=1000] [namespaces=50]
 * Passes: (1) schedules created and every covering window started late; (2) the no-op pass with
 * live state; (3) 10 running windows raised; (4) the no-op pass again.
 */
import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, bundleWorkflowCode } from '@temporalio/worker';
import { startDevServer } from '../src/adapters/temporal-dev-server/index.js';
import { createCloudOpsClient } from '../src/adapters/cloud-ops/index.js';
import { createTemporalLiveStore, createTemporalScheduleStore } from '../src/adapters/schedules/index.js';
import { readCloudOpsSettings } from '../src/config/cloud-ops.js';
import { coordinatorWorkflowId } from '../src/core/capacity/window.js';
import type { PlanFile, SourceSnapshot } from '../src/core/ports.js';
import { silentLogger } from '../src/log/index.js';
import { reconcileOnce, type ReconcileResult } from '../src/reconcile/index.js';
import { startCloudOpsSimulator } from '../src/simulator/index.js';
import { createCapacityWorker, workflowsPath } from '../src/temporal/worker.js';
import { createRpcCounter } from './rpc-counter.js';

const plans = Number(process.argv[2] ?? 1000);
const namespaceCount = Number(process.argv[3] ?? 50);
const KEY = 'bench-live-key';
const namespaces = Array.from({ length: namespaceCount }, (_, i) => `live-${i}.bench`);
const now0 = Date.now();
const windowStart = new Date(Math.floor((now0 - 60_000) / 60_000) * 60_000).toISOString().slice(0, 16) + 'Z';
const farHour = (new Date(now0).getUTCHours() + 12) % 24;

function snapshotOf(revision: string, trusFor: (i: number) => number = () => 4): SourceSnapshot {
  const files: PlanFile[] = [];
  const encoder = new TextEncoder();
  for (let i = 0; i < plans; i++) {
    const name = `plan-${String(i).padStart(4, '0')}`;
    // The first plan of each namespace covers now (a one-off that began a minute ago); the rest are cron windows 12 h away.
    const start = i < namespaceCount ? [`at: "${windowStart}"`, 'duration: 30m'] : [`cron: "${i % 60} ${farHour} * * *"`, 'duration: 1h'];
    const yaml = [
      'apiVersion: capsched/v1',
      'kind: CapacityPlan',
      `name: ${name}`,
      `namespace: ${namespaces[i % namespaceCount]}`,
      `trus: ${trusFor(i)}`,
      ...start,
      '',
    ].join('\n');
    const bytes = encoder.encode(yaml);
    files.push({ path: `schedules/${name}.yaml`, kind: 'file', size: bytes.length, bytes });
  }
  return { revision, pathExists: true, files };
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const server = await startDevServer();
  const sim = await startCloudOpsSimulator({ namespaces, apiKey: KEY, operationDelayMs: 50 });
  const cloudOps = createCloudOpsClient(
    readCloudOpsSettings({
      TEMPORAL_CLOUD_API_KEY: KEY,
      TEMPORAL_CLOUD_ENDPOINT: sim.address,
      TEMPORAL_CLOUD_ALLOW_INSECURE: 'true',
      CAPSCHED_CLOUD_OPS_POLL_MIN: '20ms',
      CAPSCHED_CLOUD_OPS_POLL_MAX: '100ms',
    }),
  );
  const rpcs = createRpcCounter();
  // The pass's own connection is counted; the worker has its own (not counted).
  const connection = await Connection.connect({
    address: server.address,
    interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions()), rpcs.interceptor],
  });
  const client = new Client({ connection, namespace: 'default' });
  const workerClient = new Client({ connection: await Connection.connect({ address: server.address }), namespace: 'default' });
  const taskQueue = 'bench-live';
  const { code } = await bundleWorkflowCode({ workflowsPath: workflowsPath(), logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} } });
  const nativeConnection = await NativeConnection.connect({ address: server.address });
  const worker = await createCapacityWorker({
    connection: nativeConnection,
    namespace: 'default',
    taskQueue,
    cloudOps,
    notifier: { notify: async () => undefined },
    logger: silentLogger(),
    settings: { dryRun: false, namespaceAllowlist: [], namespaceDenylist: [], temporalUiUrl: 'http://localhost:8233', heartbeatMs: 500 },
    workflowBundle: { code },
    client: workerClient,
    shutdownGraceMs: 500,
  });
  const store = createTemporalScheduleStore({ client, requestsPerSecond: 100, listsPerSecond: 100 });
  const live = createTemporalLiveStore({ client, requestsPerSecond: 100 });
  const installation = `bench-${Date.now().toString(36)}`;
  const pass = async (label: string, snapshot: SourceSnapshot): Promise<ReconcileResult> => {
    rpcs.reset();
    const t = performance.now();
    const result = await reconcileOnce({ snapshot, store, live, installation, now: Date.now(), options: { taskQueue, maxPruneShare: 1 } });
    const ms = performance.now() - t;
    console.log(
      `| ${label} | ${result.status} | ${(ms / 1000).toFixed(2)} s | ${rpcs.total()} | ${rpcs.text()} | live: ${result.counts.liveQueries} queries, ${result.counts.liveWrites} writes, ${result.counts.livePending} pending, ${result.counts.liveHeld} held |`,
    );
    if (result.errors.length > 0) console.log(JSON.stringify(result.errors.slice(0, 3)));
    return result;
  };

  await worker.runUntil(async () => {
    console.log(`${plans} plans over ${namespaceCount} namespaces; ${namespaceCount} windows cover now`);
    console.log('| pass | outcome | wall time | Temporal RPCs | by method | live |');
    console.log('|---|---|---|---|---|---|');
    await pass('1. create schedules + start every covering window late', snapshotOf('rev-1'));
    // Wait until every coordinator holds its window and visibility lists them all.
    for (;;) {
      const listed = await live.coordinatorNamespaces();
      if (namespaces.every((n) => listed.includes(n))) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    await pass('2. no-op pass with live state', snapshotOf('rev-1'));
    await pass(
      '3. 10 running windows raised (4 → 6 TRUs)',
      snapshotOf('rev-2', (i) => (i < namespaceCount && i % 5 === 0 ? 6 : 4)),
    );
    await pass(
      '4. no-op pass again',
      snapshotOf('rev-2', (i) => (i < namespaceCount && i % 5 === 0 ? 6 : 4)),
    );
    console.log(`peak RSS ${(process.memoryUsage().rss / 1048576).toFixed(0)} MiB`);
    // Clean up: windows, coordinators and schedules.
    const running: string[] = [];
    for await (const w of client.workflow.list({ query: `ExecutionStatus = 'Running'` })) running.push(w.workflowId);
    for (const id of running)
      await client.workflow
        .getHandle(id)
        .terminate('bench cleanup')
        .catch(() => undefined);
    for (const n of namespaces)
      await client.workflow
        .getHandle(coordinatorWorkflowId(n))
        .terminate('bench cleanup')
        .catch(() => undefined);
  });
  await nativeConnection.close();
  await connection.close();
  cloudOps.close();
  await sim.stop();
  await server.stop();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
