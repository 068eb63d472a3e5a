/**
 * Daemon figures on a dev server this bench starts itself: start-up to ready (workflow bundle,
 * worker, first pass creating N schedules), merge → webhook → applied latency for a one-plan
 * edit, and the wall time of an unchanged pass (fetch + validate + list + diff).
 *   npx tsc -p . && node dist/bench/daemon.js [plans=200] [edits=5]
 */
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { createTemporalScheduleStore } from '../src/adapters/schedules/index.js';
import { createPlanSource } from '../src/adapters/source/index.js';
import { startDevServer } from '../src/adapters/temporal-dev-server/index.js';
import { startDaemon } from '../src/daemon/index.js';
import { reconcilerWorkflowId } from '../src/core/reconciler-contract.js';
import { Secret, silentLogger } from '../src/log/index.js';
import { createBenchRepo, git, median } from './bench-repo.js';
import { connectTemporal } from '../src/compose.js';
import { temporalSettingsAt } from '../src/config/temporal.js';

const plans = Number(process.argv[2] ?? 200);
const edits = Number(process.argv[3] ?? 5);
async function main(): Promise<void> {
  const server = await startDevServer();
  const root = mkdtempSync(join(tmpdir(), 'capsched-bench-daemon-'));
  const secret = 'bench-webhook-secret';
  try {
    const repo = createBenchRepo(root, plans);
    const { remote } = repo;
    const first = git(repo.work, 'rev-parse', 'HEAD');

    const installation = `bench-${Date.now().toString(36)}`;
    const started = performance.now();
    const daemon = await startDaemon({
      installation,
      source: createPlanSource({ source: remote, workDir: join(root, 'cache') }),
      reconcile: {
        store: (client: Client) => createTemporalScheduleStore({ client, requestsPerSecond: 200, listsPerSecond: 200 }),
        options: { plansPath: 'schedules' },
      },
      temporal: { connect: () => connectTemporal(temporalSettingsAt(server.address, 'default')), namespace: 'default' },
      notifier: { notify: async () => undefined },
      logger: silentLogger(),
      intervalMs: 3_600_000,
      listen: '127.0.0.1:0',
      webhookSecret: new Secret(secret),
    });
    const waitFor = async (predicate: (s: Awaited<ReturnType<typeof daemon.status>>) => boolean): Promise<number> => {
      for (;;) {
        const status = await daemon.status();
        if (predicate(status)) return performance.now();
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    const listening = performance.now() - started;
    const readyAt = await waitFor((s) => s.ready && s.state?.lastAppliedRevision === first);
    const latencies: number[] = [];
    for (let e = 0; e < edits; e++) {
      const sha = repo.edit(e, 8);
      const body = JSON.stringify({ after: sha });
      const t0 = performance.now();
      const res = await fetch(`http://${daemon.httpAddress}/webhook`, {
        method: 'POST',
        body,
        headers: {
          'x-github-event': 'push',
          'x-github-delivery': `d${e}`,
          'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
        },
      });
      if (res.status !== 202) throw new Error(`webhook ${res.status}`);
      latencies.push((await waitFor((s) => s.state?.lastAppliedRevision === sha)) - t0);
    }
    const passesBefore = (await daemon.status()).localPasses.length;
    for (let i = 0; i < edits; i++) {
      await daemon.triggerNow('bench');
      await waitFor((s) => s.localPasses.length > passesBefore + i);
    }
    const noop = (await daemon.status()).localPasses.slice(-edits).map((p) => p.finishedAt - p.startedAt);
    console.log(`daemon, ${plans} plans, dev server, one daemon`);
    console.log(`  start-up → HTTP listening (bundle + workers):        ${listening.toFixed(0)} ms`);
    console.log(`  start-up → ready, first pass created ${plans} schedules: ${(readyAt - started).toFixed(0)} ms`);
    console.log(
      `  merge → webhook → applied (one plan edited), median of ${edits}: ${median(latencies).toFixed(0)} ms (max ${Math.max(...latencies).toFixed(0)})`,
    );
    console.log(`  unchanged pass (fetch + validate + list + diff), median: ${median(noop).toFixed(0)} ms`);
    console.log(`  peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
    await daemon.stop();
    const connection = await NativeConnection.connect({ address: server.address });
    await new Client({ connection, namespace: 'default' }).workflow
      .getHandle(reconcilerWorkflowId(installation))
      .terminate('bench done')
      .catch(() => undefined);
    await connection.close();
  } finally {
    rmSync(root, { recursive: true, force: true });
    await server.stop();
  }
}

await main();
