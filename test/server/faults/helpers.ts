/**
 * Shared set-up for the fault-injection suite: the real Cloud Ops simulator, the real gRPC Cloud
 * Ops client, a real Slack sink, the capacity worker on the shared dev server, captured logs, and
 * window workflows with lengths of seconds. Everything is unique per test (namespaces, task
 * queues, workflow ids) so files can share the one dev server.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after } from 'node:test';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { createCloudOpsClient, type CloudOpsClient } from '../../../src/adapters/cloud-ops/index.js';
import { createSlackNotifier, type SlackNotifier } from '../../../src/adapters/slack/index.js';
import { readCloudOpsSettings } from '../../../src/config/cloud-ops.js';
import type { CapacityTarget } from '../../../src/core/ports.js';
import { CAPACITY_CHANGE_WORKFLOW, type CapacityChangeInput, type CapacityChangeResult } from '../../../src/core/workflow-contract.js';
import { createLogger, Secret, type Logger } from '../../../src/log/index.js';
import { startCloudOpsSimulator, type CloudOpsSimulator, type CloudOpsSimulatorOptions } from '../../../src/simulator/index.js';
import type { ActivitySettings } from '../../../src/temporal/activities/index.js';
import { startTestCapacityWorker } from '../helpers/capacity-worker.js';
import { tempDir } from '../../support/git-repo.js';
import { testBundle } from '../../support/workflow-bundle.js';
import { startSlackSink, type SlackSink } from '../../support/slack-sink.js';
import { terminateAtFileEnd, testTemporal, uniqueSuffix } from '../helpers/temporal.js';

export const CLOUD_API_KEY = 'CANARY-cloud-key-0d3f9e21a7';

/** Captured pino output (JSON lines) plus the logger writing it. */
export interface LogCapture {
  logger: Logger;
  lines: string[];
  text(): string;
  /** Parsed lines whose msg matches. */
  find(msg: string | RegExp): Record<string, unknown>[];
}

export function captureLogs(level = 'debug'): LogCapture {
  const lines: string[] = [];
  const logger = createLogger({
    level,
    destination: {
      write(line: string) {
        lines.push(line);
        if (process.env.CAPSCHED_TEST_LOG === '1') process.stderr.write(line);
      },
    },
  });
  return {
    logger,
    lines,
    text: () => lines.join(''),
    find: (msg) =>
      lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => (typeof msg === 'string' ? l.msg === msg : msg.test(String(l.msg)))),
  };
}

/** The capacity workflows once per test file (the prebuilt bundle when fresh: test/support/workflow-bundle.ts). */
export function capacityBundle(): Promise<{ code: string }> {
  return testBundle();
}

/** The bundle written to a file, for worker child processes (they skip bundling). */
export async function capacityBundleFile(): Promise<string> {
  const path = join(tempDir('capsched-bundle-'), 'workflow-bundle.js');
  writeFileSync(path, (await capacityBundle()).code);
  return path;
}

/** A unique Temporal Cloud namespace id (coordinators are per namespace and the dev server is shared). */
export function faultNamespace(label = 'ns'): string {
  return `${label}-${uniqueSuffix()}.acct1`;
}

/** Environment of the Cloud Ops client for the simulator: fast polling, short call deadlines. */
export function cloudOpsEnv(sim: CloudOpsSimulator, apiKey = CLOUD_API_KEY): NodeJS.ProcessEnv {
  return {
    TEMPORAL_CLOUD_API_KEY: apiKey,
    TEMPORAL_CLOUD_ENDPOINT: sim.address,
    TEMPORAL_CLOUD_ALLOW_INSECURE: 'true',
    CAPSCHED_CLOUD_OPS_POLL_MIN: '20ms',
    CAPSCHED_CLOUD_OPS_POLL_MAX: '200ms',
    CAPSCHED_CLOUD_OPS_CALL_TIMEOUT: '5s',
  };
}

export interface StackOptions {
  namespaces: string[];
  simulator?: Partial<CloudOpsSimulatorOptions>;
  /** The key the worker's client sends (default: the one the simulator accepts). */
  clientApiKey?: string;
  settings?: Partial<ActivitySettings>;
  sinkPath?: string;
  /** Slack notifier tuning (default: fast backoff, 1 s attempt timeout, 4 attempts, 6 s cap). */
  slack?: { attemptTimeoutMs?: number; maxAttempts?: number; totalTimeoutMs?: number; initialBackoffMs?: number };
  /** Start no in-process worker (a child process runs it). */
  noWorker?: boolean;
  logs?: LogCapture;
  /** Another Temporal server than the shared one (e.g. one the test restarts). */
  temporal?: { address: string; client: Client; namespace: string };
}

export interface CapacityStack {
  sim: CloudOpsSimulator;
  cloudOps: CloudOpsClient;
  sink: SlackSink;
  notifier: SlackNotifier;
  logs: LogCapture;
  taskQueue: string;
  worker: Worker | undefined;
  /** Starts a window of `windowMs` from now with a short verify delay. */
  startWindow(
    namespace: string,
    options: { trus: number; windowMs: number; verifyDelay?: string; plan?: string; workflowId?: string },
  ): Promise<WorkflowHandle>;
  /** Stops the in-process worker (idempotent). */
  stopWorker(): Promise<void>;
  /** Starts a new in-process worker on the same task queue. */
  startWorker(): Promise<void>;
}

/** Capacity history of a namespace as the simulator recorded it, e.g. ["8", "onDemand"]. */
export function history(sim: CloudOpsSimulator, namespace: string): string[] {
  return sim.changes(namespace).map((c) => (c.target.mode === 'onDemand' ? 'onDemand' : String(c.trus)));
}

export function describeCapacity(sim: CloudOpsSimulator, namespace: string): CapacityTarget {
  const c = sim.capacityOf(namespace);
  return c.mode === 'provisioned' ? { mode: 'provisioned', trus: c.trus ?? 0 } : { mode: 'onDemand' };
}

export async function startCapacityStack(options: StackOptions): Promise<CapacityStack> {
  const temporal = options.temporal ?? (await testTemporal());
  const logs = options.logs ?? captureLogs();
  const sim = await startCloudOpsSimulator({
    namespaces: options.namespaces,
    apiKey: CLOUD_API_KEY,
    operationDelayMs: 200,
    logger: logs.logger,
    ...options.simulator,
  });
  const cloudOps = createCloudOpsClient(readCloudOpsSettings(cloudOpsEnv(sim, options.clientApiKey)), { logger: logs.logger });
  const sink = await startSlackSink({ path: options.sinkPath });
  const notifier = createSlackNotifier({
    webhookUrl: new Secret(sink.url),
    logger: logs.logger,
    attemptTimeoutMs: options.slack?.attemptTimeoutMs ?? 1_000,
    maxAttempts: options.slack?.maxAttempts ?? 4,
    totalTimeoutMs: options.slack?.totalTimeoutMs ?? 6_000,
    initialBackoffMs: options.slack?.initialBackoffMs ?? 50,
  });
  const taskQueue = `faults-${uniqueSuffix()}`;
  terminateAtFileEnd(taskQueue); // also when child processes run its workers
  const connection = await NativeConnection.connect({ address: temporal.address });
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;

  const startWorker = async (): Promise<void> => {
    worker = await startTestCapacityWorker({
      connection,
      client: temporal.client,
      namespace: temporal.namespace,
      taskQueue,
      cloudOps,
      notifier,
      logger: logs.logger,
      ...(options.settings === undefined ? {} : { settings: options.settings }),
      workflowBundle: await capacityBundle(),
    });
    running = worker.run();
  };
  const stopWorker = async (): Promise<void> => {
    if (worker === undefined) return;
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await running?.catch(() => undefined);
    worker = undefined;
  };
  if (options.noWorker !== true) await startWorker();

  after(async () => {
    await stopWorker();
    await connection.close();
    cloudOps.close();
    await sim.stop();
  });

  return {
    sim,
    cloudOps,
    sink,
    notifier,
    logs,
    taskQueue,
    get worker() {
      return worker;
    },
    startWindow: async (namespace, w) => {
      const input: CapacityChangeInput = {
        namespace,
        desiredTrus: w.trus,
        endTime: new Date(Date.now() + w.windowMs).toISOString(),
        verifyDelay: w.verifyDelay ?? '500ms',
        plan: w.plan ?? 'fault-test',
      };
      return temporal.client.workflow.start(CAPACITY_CHANGE_WORKFLOW, { taskQueue, workflowId: w.workflowId ?? `window-${uniqueSuffix()}`, args: [input] });
    },
    stopWorker,
    startWorker,
  };
}

export async function resultOf(handle: WorkflowHandle): Promise<CapacityChangeResult> {
  return (await handle.result()) as CapacityChangeResult;
}

/** Polls until fn returns a value other than undefined/false. */
export async function until<T>(fn: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Every Slack payload's mrkdwn/text content joined, for assertions on what was said. */
export function slackText(sink: SlackSink): string {
  return sink.requests.map((r) => r.raw).join('\n');
}

/** desiredTrus of a schedule's action (undefined when the schedule does not exist). */
export async function scheduleTrus(scheduleId: string): Promise<number | undefined> {
  const { client } = await testTemporal();
  try {
    const d = await client.schedule.getHandle(scheduleId).describe();
    return (d.action as { args?: { desiredTrus?: number }[] }).args?.[0]?.desiredTrus;
  } catch {
    return undefined;
  }
}

/**
 * Replays the finished histories of these workflows (and each namespace's coordinator) with the
 * current workflow code: every failure shape the suite produces must stay replay-compatible.
 */
export async function replayHistories(client: Client, workflowIds: string[]): Promise<number> {
  const { Worker } = await import('@temporalio/worker');
  let replayed = 0;
  for (const workflowId of workflowIds) {
    const handle = client.workflow.getHandle(workflowId);
    await Worker.runReplayHistory({ workflowBundle: await capacityBundle() }, await handle.fetchHistory(), workflowId);
    replayed++;
  }
  return replayed;
}
