/**
 * The daemon's in-process workers: the reconciler's (one pass activity at a time) and, when
 * asked, the capacity worker. Each runs until shutdown; one that stops on its own is a failure
 * the daemon reports (readiness, `done`).
 */
import { Worker, type NativeConnection } from '@temporalio/worker';
import type { Logger } from '../log/index.js';
import { createReconcilerActivities, pendingPassCheck } from '../reconcile/index.js';
import { reconcilerWorkflowCode } from '../temporal/bundle.js';
import type { Client } from '@temporalio/client';

export class DaemonWorkers {
  readonly running = new Map<string, { worker: Worker; run: Promise<void> }>();
  failure: unknown;

  constructor(
    private readonly logger: Logger,
    private readonly stopping: () => boolean,
  ) {}

  start(name: string, worker: Worker): void {
    const run = worker.run().catch((err: unknown) => {
      if (!this.stopping()) {
        this.failure = err;
        this.logger.error({ err, worker: name }, 'worker stopped unexpectedly');
      }
      throw err;
    });
    run.catch(() => undefined);
    this.running.set(name, { worker, run });
  }

  states(): Record<string, string> {
    return Object.fromEntries([...this.running].map(([name, { worker }]) => [name, worker.getState()]));
  }

  /** Shuts every running worker down and waits for them to drain. */
  async shutdown(): Promise<void> {
    for (const { worker } of this.running.values()) if (worker.getState() === 'RUNNING') worker.shutdown();
    await Promise.allSettled([...this.running.values()].map((w) => w.run));
  }
}

/** The reconciler's worker: its workflow and the pass activity, fenced by the server's pending activity. */
export async function reconcilerWorker(options: {
  connection: NativeConnection;
  client: Client;
  namespace: string;
  taskQueue: string;
  identity: string;
  logger: Logger;
  passDeps: Parameters<typeof createReconcilerActivities>[0];
  passHeartbeatTimeoutMs: number;
  shutdownGraceMs: number;
}): Promise<Worker> {
  const activities = createReconcilerActivities(options.passDeps, {
    heartbeatTimeoutMs: options.passHeartbeatTimeoutMs,
    // The fence: a pass writes only while the server still has it as the reconciler run's pending activity.
    isCurrentPass: pendingPassCheck(options.client),
  });
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...(await reconcilerWorkflowCode(options.logger)),
    activities,
    identity: options.identity,
    maxConcurrentActivityTaskExecutions: 1,
    shutdownGraceTime: options.shutdownGraceMs,
    // A pass that ignores cancellation (a hung git or Temporal call) must not hold shutdown forever.
    shutdownForceTime: options.shutdownGraceMs + 10_000,
  });
}
