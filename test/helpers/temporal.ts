import { after } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { startDevServer, type DevServer } from '../../src/adapters/temporal-dev-server/index.js';

export interface TestTemporal {
  address: string;
  namespace: string;
  connection: Connection;
  client: Client;
}

let shared: Promise<TestTemporal> | undefined;

/**
 * The Temporal dev server for this test file: the one `npm test` started (TEMPORAL_TEST_ADDRESS),
 * or, when a file is run on its own, a server started here and stopped after the file.
 */
export function testTemporal(): Promise<TestTemporal> {
  shared ??= (async () => {
    let address = process.env.TEMPORAL_TEST_ADDRESS;
    let own: DevServer | undefined;
    if (address === undefined || address === '') {
      own = await startDevServer();
      address = own.address;
    }
    const connection = await Connection.connect({ address });
    const client = new Client({ connection, namespace: 'default' });
    after(async () => {
      await connection.close();
      await own?.stop();
    });
    return { address, namespace: 'default', connection, client };
  })();
  return shared;
}

/** A short unique suffix so tests sharing one server never collide (ids, task queues, installations). */
export function uniqueSuffix(): string {
  return `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 7)}`;
}
