import { after } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { reconcilerWorkflowId } from '../../../src/core/reconciler-contract.js';
import { startDevServer, type DevServer } from '../../../src/adapters/temporal-dev-server/index.js';

export { uniqueSuffix } from '../../support/unique.js';

export interface TestTemporal {
  address: string;
  namespace: string;
  connection: Connection;
  client: Client;
}

let shared: Promise<TestTemporal> | undefined;
let ownServer: DevServer | undefined;

// Registered when this module is imported (at a test file's top level), so the hook belongs to the
// file's root and runs once after ALL its tests — not after whichever test first asked for the
// server (a hook registered inside a test would close the shared client under the next tests).
after(async () => {
  if (shared === undefined) return;
  const t = await shared.catch(() => undefined);
  await t?.connection.close();
  await ownServer?.stop();
});

/**
 * The Temporal dev server for this test file: the one `npm test` started (TEMPORAL_TEST_ADDRESS),
 * or, when a file is run on its own, a server started here and stopped after the file.
 */
export function testTemporal(): Promise<TestTemporal> {
  shared ??= (async () => {
    let address = process.env.TEMPORAL_TEST_ADDRESS;
    if (address === undefined || address === '') {
      ownServer = await startDevServer();
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
