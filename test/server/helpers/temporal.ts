import { after } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { reconcilerWorkflowId } from '../../../src/core/reconciler-contract.js';
import { startDevServer, type DevServer } from '../../../src/adapters/temporal-dev-server/index.js';
import { SHARED_DEV_SERVER_ARGS } from '../../support/dev-server-args.js';

export { uniqueSuffix } from '../../support/unique.js';

export interface TestTemporal {
  address: string;
  namespace: string;
  connection: Connection;
  client: Client;
}

let shared: Promise<TestTemporal> | undefined;
let ownServer: DevServer | undefined;
const workerQueues = new Set<string>();

// Registered when this module is imported (at a test file's top level), so the hook belongs to the
// file's root and runs once after ALL its tests — not after whichever test first asked for the
// server (a hook registered inside a test would close the shared client under the next tests).
after(async () => {
  if (shared === undefined) return;
  const t = await shared.catch(() => undefined);
  if (t !== undefined) for (const taskQueue of workerQueues) await terminateRunningOn(t.client, taskQueue);
  await t?.connection.close();
  await ownServer?.stop();
});

/**
 * A capacity worker's task queue whose still-running workflows (coordinators, windows) are
 * terminated once this file's tests are done. Files share one dev server and namespace: every
 * pass's live read lists the running coordinators and describes each one (25 a second), so
 * coordinators left by earlier files made each later pass and `capsched diff` seconds slower
 * (reconcile/cli.test: 4 s alone, 70–117 s late in the suite).
 */
export function terminateAtFileEnd(taskQueue: string): void {
  workerQueues.add(taskQueue);
}

/** Terminates the running workflows of a task queue (test hygiene on the shared dev server). */
export async function terminateRunningOn(client: Client, taskQueue: string): Promise<void> {
  try {
    for await (const wf of client.workflow.list({ query: `TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running'` })) {
      await client.workflow
        .getHandle(wf.workflowId, wf.runId)
        .terminate('test file finished')
        .catch(() => undefined);
    }
  } catch {
    // best effort: the server may be gone (a test that stopped its own)
  }
}

/**
 * The Temporal dev server for this test file: the one `npm test` started (TEMPORAL_TEST_ADDRESS),
 * or, when a file is run on its own, a server started here and stopped after the file.
 */
export function testTemporal(): Promise<TestTemporal> {
  shared ??= (async () => {
    let address = process.env.TEMPORAL_TEST_ADDRESS;
    if (address === undefined || address === '') {
      ownServer = await startDevServer({ extraArgs: [...SHARED_DEV_SERVER_ARGS] });
      address = ownServer.address;
    }
    const connection = await Connection.connect({ address });
    const client = new Client({ connection, namespace: 'default' });
    return { address, namespace: 'default', connection, client };
  })();
  return shared;
}

/** Removes what a test's installation left on the server: its reconciler workflow and schedules. */
export async function removeInstallation(client: Client, installation: string): Promise<void> {
  await client.workflow
    .getHandle(reconcilerWorkflowId(installation))
    .terminate('test finished')
    .catch(() => undefined);
  for await (const s of client.schedule.list({ query: `CapschedInstallation = "${installation}"` })) {
    await client.schedule
      .getHandle(s.scheduleId)
      .delete()
      .catch(() => undefined);
  }
}
