// Records a reconciler workflow history for the replay test: node test/server/daemon/record-reconciler-history.mjs <version>
// (after npx tsc -p .). It starts its own dev server and a daemon with a scripted source and engine.
import { startDevServer } from '../../../dist/src/adapters/temporal-dev-server/index.js';
import { startDaemon } from '../../../dist/src/daemon/index.js';
import { reconcilerWorkflowId } from '../../../dist/src/core/reconciler-contract.js';
import { silentLogger } from '../../../dist/src/log/index.js';
import { NativeConnection } from '@temporalio/worker';
import { Client } from '@temporalio/client';
import { writeFileSync } from 'node:fs';
const server = await startDevServer();
let n = 0;
const source = {
  describe: () => 'fixture source',
  snapshot: async () => {
    n++;
    if (n === 3) {
      const e = new Error('unreachable');
      throw e;
    }
    return { revision: n < 5 ? 'a'.repeat(40) : 'b'.repeat(40), pathExists: true, files: [] };
  },
};
const engine = async (snapshot) =>
  snapshot.revision.startsWith('b')
    ? {
        status: 'invalid',
        issues: [{ file: 'schedules/x.yaml', line: 3, column: 1, field: 'trus', code: 'x', message: 'bad', severity: 'error' }],
        changes: 0,
        driftCorrected: 0,
      }
    : { status: n === 1 ? 'applied' : 'unchanged', changes: n === 1 ? 1 : 0, managed: 1, driftCorrected: 0 };
const daemon = await startDaemon({
  installation: 'fixture',
  source,
  engine,
  temporal: { connect: () => NativeConnection.connect({ address: server.address }), namespace: 'default' },
  notifier: { notify: async () => {} },
  logger: silentLogger(),
  intervalMs: 300,
  listen: '127.0.0.1:0',
});
for (let i = 0; i < 3; i++) {
  await daemon.triggerNow('fixture');
  await new Promise((r) => setTimeout(r, 150));
}
for (;;) {
  const s = await daemon.status();
  if ((s.state?.passes ?? 0) >= 8) break;
  await new Promise((r) => setTimeout(r, 100));
}
await daemon.stop();
const connection = await NativeConnection.connect({ address: server.address });
const client = new Client({ connection, namespace: 'default' });
const handle = client.workflow.getHandle(reconcilerWorkflowId('fixture'));
await handle.terminate('fixture recorded');
const history = await handle.fetchHistory();
writeFileSync(new URL(`../../unit/daemon/fixtures/reconciler-history-v${process.argv[2] ?? 'N'}.json`, import.meta.url), JSON.stringify(history, null, 1));
console.log('events', history.events.length);
await connection.close();
await server.stop();
