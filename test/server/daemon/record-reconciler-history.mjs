// Records a reconciler workflow history for the replay test (test/unit/daemon/reconciler-replay.test.ts):
//   npx tsc -p . && node test/server/daemon/record-reconciler-history.mjs <version>
// It starts its own dev server and a daemon with a scripted source (a valid plan, the source down,
// an invalid commit, the valid plan again) and the real schedule store. Passes run only when the
// daemon's free check signals (v2 on: the workflow sets no timer), so the history has the start,
// the signals, one pass per change, and nothing while the daemon checks the same commit.
import { startDevServer } from '../../../dist/src/adapters/temporal-dev-server/index.js';
import { createTemporalScheduleStore } from '../../../dist/src/adapters/schedules/index.js';
import { startDaemon } from '../../../dist/src/daemon/index.js';
import { reconcilerWorkflowId } from '../../../dist/src/core/reconciler-contract.js';
import { silentLogger } from '../../../dist/src/log/index.js';
import { NativeConnection } from '@temporalio/worker';
import { Client, Connection } from '@temporalio/client';
import { writeFileSync } from 'node:fs';

const server = await startDevServer();
const plan = (trus) =>
  new TextEncoder().encode(
    `apiVersion: capsched/v1\nkind: CapacityPlan\nname: nightly\nnamespace: payments.a1b2c\ntrus: ${trus}\ncron: "0 23 * * 1-5"\ntimezone: America/New_York\nduration: 3h\n`,
  );
const commits = {
  a: { revision: 'a'.repeat(40), pathExists: true, files: [{ path: 'schedules/nightly.yaml', kind: 'file', size: plan(8).length, bytes: plan(8) }] },
  b: { revision: 'b'.repeat(40), pathExists: true, files: [{ path: 'schedules/nightly.yaml', kind: 'file', size: plan('x').length, bytes: plan('x') }] },
};
let phase = 'a';
const source = {
  describe: () => 'fixture source',
  snapshot: async () => {
    if (phase === 'down') throw new Error('unreachable');
    return commits[phase];
  },
};
const client = new Client({ connection: await Connection.connect({ address: server.address }), namespace: 'default' });
const daemon = await startDaemon({
  installation: 'fixture',
  source,
  reconcile: { store: createTemporalScheduleStore({ client }), options: { plansPath: 'schedules', retryBaseDelayMs: 50 } },
  temporal: {
    connect: async () => ({ connection: await NativeConnection.connect({ address: server.address }), client, namespace: 'default' }),
    namespace: 'default',
  },
  notifier: { notify: async () => {} },
  logger: silentLogger(),
  intervalMs: 300,
  listen: '127.0.0.1:0',
});
const until = async (what, predicate) => {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const s = await daemon.status();
    if (predicate(s.state)) return s;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(s.state)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};
await until('the first pass', (s) => s?.lastAppliedRevision === commits.a.revision);
// Same commit: checks only (no pass); one forced pass (a manual trigger).
await new Promise((r) => setTimeout(r, 1_500));
await daemon.triggerNow('fixture');
await until('the forced pass', (s) => (s?.passes ?? 0) >= 2);
phase = 'down';
await until('the source failure', (s) => s?.problems.source !== undefined);
phase = 'b';
await until('the invalid commit', (s) => s?.problems.plans !== undefined);
phase = 'a';
await until('valid again', (s) => s?.problems.plans === undefined && s?.lastAttemptedRevision === commits.a.revision);
await new Promise((r) => setTimeout(r, 1_500));
const passes = (await daemon.status()).state?.passes;
await daemon.stop();
const handle = client.workflow.getHandle(reconcilerWorkflowId('fixture'));
await handle.terminate('fixture recorded');
const history = await handle.fetchHistory();
const timers = history.events.filter((e) => e.timerStartedEventAttributes != null).length;
if (timers > 0) throw new Error(`the reconciler set ${timers} timers`);
writeFileSync(new URL(`../../unit/daemon/fixtures/reconciler-history-v${process.argv[2] ?? 'N'}.json`, import.meta.url), JSON.stringify(history, null, 1));
console.log('events', history.events.length, 'passes', passes, 'timers', timers);
await client.connection.close();
await server.stop();
