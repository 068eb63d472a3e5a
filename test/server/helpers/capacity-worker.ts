/**
 * The one test harness for the capacity-change worker: createCapacityWorker with the settings
 * tests share (real mode, no allow/deny lists, a fake UI URL, short heartbeats and shutdown),
 * each overridable. The daemon's in-process worker and the workflow stacks start theirs here.
 */
import type { Client } from '@temporalio/client';
import type { NativeConnection, Worker } from '@temporalio/worker';
import type { CapacityMetrics, CloudOps, Notifier } from '../../../src/core/ports.js';
import { silentLogger, type Logger } from '../../../src/log/index.js';
import type { ActivitySettings } from '../../../src/temporal/activities/index.js';
import { createCapacityWorker } from '../../../src/temporal/worker.js';
import { terminateAtFileEnd } from './temporal.js';

export interface TestCapacityWorkerOptions {
  connection: NativeConnection;
  client: Client;
  namespace: string;
  taskQueue: string;
  cloudOps: CloudOps;
  notifier: Notifier;
  /** Default: silent. */
  logger?: Logger;
  /** Over the defaults: real mode, no lists, http://ui.test:8233, 500 ms heartbeats. */
  settings?: Partial<ActivitySettings>;
  /** A bundle built once per file (test/support/workflow-bundle.ts); default: the prebuilt or the sources. */
  workflowBundle?: { code: string };
  /** Default 500 ms. */
  shutdownGraceMs?: number;
  identity?: string;
  metrics?: CapacityMetrics;
}

export function startTestCapacityWorker(o: TestCapacityWorkerOptions): Promise<Worker> {
  // Its coordinators and windows must not outlive the file on the shared dev server.
  terminateAtFileEnd(o.taskQueue);
  return createCapacityWorker({
    connection: o.connection,
    client: o.client,
    namespace: o.namespace,
    taskQueue: o.taskQueue,
    cloudOps: o.cloudOps,
    notifier: o.notifier,
    logger: o.logger ?? silentLogger(),
    settings: { dryRun: false, namespaceAllowlist: [], namespaceDenylist: [], temporalUiUrl: 'http://ui.test:8233', heartbeatMs: 500, ...o.settings },
    shutdownGraceMs: o.shutdownGraceMs ?? 500,
    ...(o.workflowBundle === undefined ? {} : { workflowBundle: o.workflowBundle }),
    ...(o.identity === undefined ? {} : { identity: o.identity }),
    ...(o.metrics === undefined ? {} : { metrics: o.metrics }),
  });
}
