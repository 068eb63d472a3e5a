/**
 * The capacity-change worker: workflows (scheduledCapacityChange + the per-namespace
 * coordinator) and their activities on one task queue. Used by `capsched worker`, the daemon
 * (in-process) and `capsched dev`.
 */
import type { Client } from '@temporalio/client';
import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import { DEFAULT_TASK_QUEUE } from '../core/workflow-contract.js';
import type { CapacityMetrics, CloudOps, Notifier } from '../core/ports.js';
import type { Logger } from '../log/index.js';
import { createActivities, type ActivitySettings } from './activities/index.js';
import { prebuiltOrSources, workflowEntryPath } from './bundle.js';

export interface CapacityWorkerOptions {
  /** One NativeConnection can serve the worker and the daemon's Client. */
  connection: NativeConnection;
  /** Temporal namespace the worker polls. */
  namespace: string;
  taskQueue?: string;
  cloudOps: CloudOps;
  notifier: Notifier;
  logger: Logger;
  settings: ActivitySettings;
  /** Prebuilt bundle file (scripts/build-workflow-bundle.mjs); default dist/workflow-bundle.js when present and fresh. */
  workflowBundlePath?: string;
  /** A bundle already in memory (tests bundle once per file). Wins over workflowBundlePath. */
  workflowBundle?: { code: string };
  /** How long in-flight activities (a Cloud Ops call) may finish on shutdown. Default 30 s. */
  shutdownGraceMs?: number;
  /** The process's client (src/compose.ts), for the coordinator hand-off; default: the worker's own, from the activity context. */
  client?: Client;
  identity?: string;
  /** The daemon's counters for the activities (capacity changes, verifications, reverts, Cloud Ops errors). */
  metrics?: CapacityMetrics;
  /** Extra Worker options (tests: maxCachedWorkflows etc.). */
  workerOptions?: Partial<WorkerOptions>;
}

/** Compiled workflow entry point beside this file (dist/src/temporal/workflows/index.js). */
export function workflowsPath(): string {
  return workflowEntryPath('capacity');
}

/**
 * The workflow code to run: an in-memory bundle, else a prebuilt bundle when it exists and is not
 * older than the compiled workflow sources (a stale bundle would run old code), else the sources.
 */
export function workflowSource(
  options: Pick<CapacityWorkerOptions, 'workflowBundle' | 'workflowBundlePath' | 'logger'>,
): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  if (options.workflowBundle !== undefined) return { workflowBundle: options.workflowBundle };
  return prebuiltOrSources('capacity', { explicitPath: options.workflowBundlePath, logger: options.logger });
}

export async function createCapacityWorker(options: CapacityWorkerOptions): Promise<Worker> {
  const activities = createActivities({
    cloudOps: options.cloudOps,
    notifier: options.notifier,
    logger: options.logger,
    settings: options.settings,
    ...(options.client === undefined ? {} : { client: options.client }),
    ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
  });
  const taskQueue = options.taskQueue ?? DEFAULT_TASK_QUEUE;
  options.logger.info({ taskQueue, namespace: options.namespace, dryRun: options.settings.dryRun }, 'capacity worker starting');
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue,
    activities,
    ...workflowSource(options),
    shutdownGraceTime: options.shutdownGraceMs ?? 30_000,
    ...(options.identity !== undefined ? { identity: options.identity } : {}),
    ...options.workerOptions,
  });
}
