/**
 * Case 3: the Temporal server itself dies mid-window (SIGKILL, no graceful shutdown) and comes
 * back on the same port with the same SQLite file (--db-filename). Timers and activity retries
 * live on the server, so the window resumes: it still reverts at its end, once.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { startDevServer, type DevServer } from '../../../src/adapters/temporal-dev-server/index.js';
import { coordinatorWorkflowId } from '../../../src/core/capacity/window.js';
import { tempDir } from '../../support/git-repo.js';
import { replayHistories, describeCapacity, faultNamespace, history, resultOf, sleep, startCapacityStack, until } from './helpers.js';

test('dev server killed mid-window and restarted on the same database: the window resumes and reverts once', async () => {
  const dbFilename = join(tempDir('capsched-db-'), 'temporal.db');
  let server: DevServer = await startDevServer({ dbFilename });
  after(() => server.stop());
  const port = server.port;
  const connection = await Connection.connect({ address: server.address });
  after(() => connection.close());
  const client = new Client({ connection, namespace: 'default' });

  const ns = faultNamespace('restart');
  const stack = await startCapacityStack({ namespaces: [ns], temporal: { address: server.address, client, namespace: 'default' } });
  const endMs = Date.now() + 8_000;
  const handle = await stack.startWindow(ns, { trus: 8, windowMs: 8_000, verifyDelay: '200ms' });
  await until(async () => (await handle.query<{ phase: string }>('status')).phase === 'active', 20_000, 'the active phase');

  // Crash the server: no graceful shutdown.
  server.process.kill('SIGKILL');
  await new Promise<void>((resolve) =>
    server.process.exitCode !== null || server.process.signalCode !== null ? resolve() : server.process.once('exit', () => resolve()),
  );
  await sleep(2_000);
  assert.deepEqual(describeCapacity(stack.sim, ns), { mode: 'provisioned', trus: 8 }, 'capacity held while the server is down');
  server = await startDevServer({ dbFilename, port });

  const result = await resultOf(handle);
  assert.deepEqual(result, {
    namespace: ns,
    initialChangeSuccess: true,
    verificationSuccess: true,
    revertedToOnDemand: true,
    revertVerificationSuccess: true,
    errors: [],
  });
  assert.deepEqual(history(stack.sim, ns), ['8', 'onDemand'], 'one raise, one revert: nothing repeated after the restart');
  assert.deepEqual(describeCapacity(stack.sim, ns), { mode: 'onDemand' });
  const revert = stack.sim.changes(ns).at(-1);
  assert.ok(revert !== undefined && revert.atMs - endMs < 15_000, `reverted ${revert === undefined ? 'never' : `${revert.atMs - endMs} ms`} after the end`);
  const alerts = await stack.sink.waitForMessages(1, 10_000);
  assert.equal(alerts.length, 1);
  // The history written across the crash replays with the current code.
  await replayHistories(client, [handle.workflowId, coordinatorWorkflowId(ns)]);
});
