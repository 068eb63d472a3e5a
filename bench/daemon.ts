/**
 * Daemon figures on a dev server this bench starts itself: start-up to ready (workflow bundle,
 * worker, first pass creating N schedules), merge → webhook → applied latency for a one-plan
 * edit, and the wall time of an unchanged pass (fetch + validate + list + diff).
 *   npx tsc -p . && node dist/bench/daemon.js [plans=200] [edits=5]
 */
import { createHmac } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { createTemporalScheduleStore } from '../src/adapters/schedules/index.js';
import { createPlanSource } from '../src/adapters/source/index.js';
import { startDevServer } from '../src/adapters/temporal-dev-server/index.js';
import { createReconcileEngine } from '../src/daemon/engine.js';
import { startDaemon } from '../src/daemon/index.js';
import { reconcilerWorkflowId } from '../src/daemon/reconciler-contract.js';
import { Secret, silentLogger } from '../src/log/index.js';

const plans = Number(process.argv[2] ?? 200);
const edits = Number(process.argv[3] ?? 5);
const env = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@b', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@b' };
const git = (cwd: string, ...args: string[]): string => execFileSync('git', args, { cwd, env, encoding: 'utf8' }).trim();
const plan = (i: number, trus = 4): string =>
  `apiVersion: capsched/v1\nkind: CapacityPlan\nname: plan-${i}\nnamespace: ns-${i % 50}.bench\ntrus: ${trus}\ncron: "${i % 60} ${i % 24} * * 1-5"\ntimezone: UTC\nduration: 1h\n`;
const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] ?? 0;

async function main(): Promise<void> {
  const server = await startDevServer();
  const root = mkdtempSync(join(tmpdir(), 'capsched-bench-daemon-'));
  const secret = 'bench-webhook-secret';
  try {
    const remote = join(root, 'remote.git');
    const work = join(root, 'work');
    git(root, 'init', '-q', '--bare', '--initial-branch=main', remote);
    git(root, 'init', '-q', '--initial-branch=main', work);
    mkdirSync(join(work, 'schedules'));
    for (let i = 0; i < plans; i++) writeFileSync(join(work, 'schedules', `plan-${i}.yaml`), plan(i));
    git(work, 'add', '-A');
    git(work, 'commit', '-qm', 'plans');
    git(work, 'push', '-q', remote, 'HEAD:main');
    const first = git(work, 'rev-parse', 'HEAD');

    const installation = `bench-${Date.now().toString(36)}`;
    const started = performance.now();
    const daemon = await startDaemon({
      installation,
      source: createPlanSource({ source: remote, workDir: join(root, 'cache') }),
      engine: { create: (client: Client) => createReconcileEngine({ store: createTemporalScheduleStore({ client, requestsPerSecond: 200, listsPerSecond: 200 }), installation, options: { plansPath: 'schedules' } }) },
      temporal: { connect: () => NativeConnection.connect({ address: server.address }), namespace: 'default' },
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
      writeFileSync(join(work, 'schedules', `plan-${e}.yaml`), plan(e, 8));
      git(work, 'commit', '-qam', `edit ${e}`);
      git(work, 'push', '-q', remote, 'HEAD:main');
      const sha = git(work, 'rev-parse', 'HEAD');
      const body = JSON.stringify({ after: sha });
      const t0 = performance.now();
      const res = await fetch(`http://${daemon.httpAddress}/webhook`, {
        method: 'POST',
        body,
        headers: { 'x-github-event': 'push', 'x-github-delivery': `d${e}`, 'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}` },
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
    console.log(`  merge → webhook → applied (one plan edited), median of ${edits}: ${median(latencies).toFixed(0)} ms (max ${Math.max(...latencies).toFixed(0)})`);
    console.log(`  unchanged pass (fetch + validate + list + diff), median: ${median(noop).toFixed(0)} ms`);
    console.log(`  peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
    await daemon.stop();
    const connection = await NativeConnection.connect({ address: server.address });
    await new Client({ connection, namespace: 'default' }).workflow.getHandle(reconcilerWorkflowId(installation)).terminate('bench done').catch(() => undefined);
    await connection.close();
  } finally {
    rmSync(root, { recursive: true, force: true });
    await server.stop();
  }
}

await main();
