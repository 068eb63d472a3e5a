/**
 * End-to-end stack for workflow tests: the shared real dev server, the Cloud Ops simulator
 * (real gRPC), the production Cloud Ops client, a real HTTP server receiving Slack posts, and
 * the capacity worker. Windows last seconds; verify delays are shortened through the input.
 */
import { after } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { createCloudOpsClient, type CloudOpsClient } from '../../../src/adapters/cloud-ops/index.js';
import { createSlackNotifier } from '../../../src/adapters/slack/index.js';
import { readCloudOpsSettings } from '../../../src/config/cloud-ops.js';
import { CAPACITY_CHANGE_WORKFLOW, type CapacityChangeInput } from '../../../src/core/workflow-contract.js';
import { Secret, silentLogger } from '../../../src/log/index.js';
import { startCloudOpsSimulator, type CloudOpsSimulator } from '../../../src/simulator/index.js';
import type { ActivitySettings } from '../../../src/temporal/activities/index.js';
import { createCapacityWorker } from '../../../src/temporal/worker.js';
import { startSlackSink, type SlackSink } from '../../support/slack-sink.js';
import { terminateAtFileEnd, testTemporal, uniqueSuffix, type TestTemporal } from '../helpers/temporal.js';
import { quietRuntime, testBundle } from './time-skipping.js';

export const CLOUD_KEY = 'e2e-CANARY-cloud-key-7f1c';
export const HOOK_PATH = '/services/T0/B0/e2e-CANARY-hook-9a2b';

export interface E2EStack {
  temporal: TestTemporal;
  sim: CloudOpsSimulator;
  cloudOps: CloudOpsClient;
  sink: SlackSink;
  taskQueue: string;
  worker: Worker;
  /** Simulator record of a namespace: ["4", "onDemand"]. */
  history(namespace: string): string[];
  startWindow(input: Omit<CapacityChangeInput, 'endTime'> & { windowMs?: number }): Promise<WorkflowHandle>;
}

export function e2eNamespace(): string {
  return `e2e-${uniqueSuffix()}.acct1`;
}

export async function startE2EStack(namespaces: string[], settings: Partial<ActivitySettings> = {}): Promise<E2EStack> {
  quietRuntime();
  const temporal = await testTemporal();
  const sim = await startCloudOpsSimulator({ namespaces, apiKey: CLOUD_KEY, operationDelayMs: 200 });
  const cloudOps = createCloudOpsClient(
    readCloudOpsSettings({
      TEMPORAL_CLOUD_API_KEY: CLOUD_KEY,
      TEMPORAL_CLOUD_ENDPOINT: sim.address,
      TEMPORAL_CLOUD_ALLOW_INSECURE: 'true',
      CAPSCHED_CLOUD_OPS_POLL_MIN: '20ms',
      CAPSCHED_CLOUD_OPS_POLL_MAX: '100ms',
      CAPSCHED_CLOUD_OPS_CALL_TIMEOUT: '5s',
    }),
  );
  const sink = await startSlackSink({ path: HOOK_PATH });
  const notifier = createSlackNotifier({
    webhookUrl: new Secret(sink.url),
    logger: silentLogger(),
    attemptTimeoutMs: 1_000,
    maxAttempts: 3,
    totalTimeoutMs: 3_000,
    initialBackoffMs: 50,
  });
  const taskQueue = `e2e-${uniqueSuffix()}`;
  terminateAtFileEnd(taskQueue);
  const connection = await NativeConnection.connect({ address: temporal.address });
  const worker = await createCapacityWorker({
    connection,
    namespace: temporal.namespace,
    taskQueue,
    cloudOps,
    notifier,
    logger: silentLogger(),
    settings: { dryRun: false, namespaceAllowlist: [], namespaceDenylist: [], temporalUiUrl: 'http://ui.e2e:8233', heartbeatMs: 500, ...settings },
    workflowBundle: await testBundle(),
    client: temporal.client,
    shutdownGraceMs: 500,
  });
  const running = worker.run();
  after(async () => {
    worker.shutdown();
    await running.catch(() => undefined);
    await connection.close();
    cloudOps.close();
    await sim.stop();
  });
  return {
    temporal,
    sim,
    cloudOps,
    sink,
    taskQueue,
    worker,
    history: (ns) => sim.changes(ns).map((c) => (c.target.mode === 'onDemand' ? 'onDemand' : String(c.trus))),
    startWindow: async ({ windowMs, ...rest }) => {
      const input: CapacityChangeInput = { verifyDelay: '300ms', plan: 'e2e-plan', ...rest };
      if (windowMs !== undefined) input.endTime = new Date(Date.now() + windowMs).toISOString();
      return temporal.client.workflow.start(CAPACITY_CHANGE_WORKFLOW, { taskQueue, workflowId: `e2e-window-${uniqueSuffix()}`, args: [input] });
    },
  };
}
