/**
 * Reconcile figures on a dev server this bench starts itself: create N plans, then a no-op pass
 * over the N unchanged plans, and the same no-op detection done by describing every schedule
 * (the approach the spec-hash search attribute avoids). Temporal RPCs are counted by method with a
 * gRPC interceptor.
 *   npx tsc -p . && node dist/bench/reconcile.js [plans=1000] [rps=100]
 * rps bounds schedule RPCs (Temporal Cloud allows 10/s per namespace; the dev server much more).
 */
import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
import { startDevServer } from '../src/adapters/temporal-dev-server/index.js';
import { createTemporalScheduleStore } from '../src/adapters/schedules/index.js';
import type { PlanFile, SourceSnapshot } from '../src/core/ports.js';
import { reconcileOnce, type ReconcileResult } from '../src/reconcile/index.js';
import { createRpcCounter } from './rpc-counter.js';

const plans = Number(process.argv[2] ?? 1000);
const rps = Number(process.argv[3] ?? 100);

function snapshotOf(count: number, revision: string, trusFor: (i: number) => number = () => 4): SourceSnapshot {
  const files: PlanFile[] = [];
  const encoder = new TextEncoder();
  for (let i = 0; i < count; i++) {
    const name = `plan-${String(i).padStart(4, '0')}`;
    const yaml = [
      'apiVersion: capsched/v1',
      'kind: CapacityPlan',
      `name: ${name}`,
      `namespace: ns-${i % 50}.bench`,
      `trus: ${trusFor(i)}`,
      `cron: "${i % 60} ${i % 24} * * ${1 + (i % 5)}"`,
      `timezone: ${['UTC', 'America/New_York', 'Europe/Berlin', 'Asia/Tokyo'][i % 4]}`,
      'duration: 1h',
      '',
    ].join('\n');
    const bytes = encoder.encode(yaml);
    files.push({ path: `schedules/${name}.yaml`, kind: 'file', size: bytes.length, bytes });
  }
  return { revision, pathExists: true, files };
}

async function main(): Promise<void> {
  const server = await startDevServer();
  const rpcs = createRpcCounter();
  const connection = await Connection.connect({
    address: server.address,
    interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions()), rpcs.interceptor],
  });
  const client = new Client({ connection, namespace: 'default' });
  const store = createTemporalScheduleStore({ client, requestsPerSecond: rps, listsPerSecond: rps });
  const installation = `bench-${Date.now().toString(36)}`;
  const rows: string[] = [];
  const pass = async (label: string, snapshot: SourceSnapshot, options: Parameters<typeof reconcileOnce>[0]['options'] = {}): Promise<ReconcileResult> => {
    rpcs.reset();
    const t = performance.now();
    const result = await reconcileOnce({ snapshot, store, installation, now: Date.now(), options: { maxPruneShare: 1, ...options } });
    const ms = performance.now() - t;
    const line = `| ${label} | ${result.status} | ${(ms / 1000).toFixed(2)} s | ${rpcs.total()} | ${rpcs.text()} |`;
    rows.push(line);
    console.log(line);
    if (result.errors.length > 0) console.log(JSON.stringify(result.errors.slice(0, 3)));
    return result;
  };

  const v1 = snapshotOf(plans, 'rev-1');
  const t0 = performance.now();
  const { validatePlans } = await import('../src/core/plan/validate.js');
  validatePlans(v1.files, { now: Date.now() });
  console.log(`validatePlans(${plans}) alone: ${(performance.now() - t0).toFixed(0)} ms`);

  await pass(`create ${plans} plans`, v1);
  // Visibility is eventually consistent: wait until the list shows all of them.
  for (;;) {
    const listed = await store.list(installation);
    if (listed.length >= plans) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  {
    const { loadPlans } = await import('../src/core/plan/load.js');
    const { desiredSchedules } = await import('../src/core/desired/build.js');
    const snap = snapshotOf(plans, 'rev-x');
    let t = performance.now();
    const loaded = loadPlans(snap.files);
    const loadMs = performance.now() - t;
    t = performance.now();
    desiredSchedules(
      loaded.plans.map((p) => ({ plan: p.plan, file: p.file })),
      { installation, commit: 'rev-x', nowMs: Date.now() },
    );
    const desiredMs = performance.now() - t;
    rpcs.reset();
    t = performance.now();
    await store.list(installation);
    const listMs = performance.now() - t;
    const line = `phases: loadPlans ${loadMs.toFixed(0)} ms, desiredSchedules ${desiredMs.toFixed(0)} ms, list() ${listMs.toFixed(0)} ms (${rpcs.text()})`;
    rows.push(line);
    console.log(line);
  }
  const noop = await pass(`no-op pass over ${plans} unchanged plans (list + spec hash)`, snapshotOf(plans, 'rev-2'));
  const noopRpcs = rpcs.total();
  const noopMs = noop.durationMs;
  const deep = await pass(`no-op detection by describing every schedule (--deep)`, snapshotOf(plans, 'rev-3'), { deepDriftCheck: true });
  const deepRpcs = rpcs.total();
  await pass(
    `10 of ${plans} plans edited`,
    snapshotOf(plans, 'rev-4', (i) => (i % 100 === 0 ? 6 : 4)),
  );
  const ratio = `describe-per-schedule / list+hash: ${(deepRpcs / noopRpcs).toFixed(0)}× the RPCs, ${(deep.durationMs / Math.max(1, noopMs)).toFixed(1)}× the wall time`;
  console.log(ratio);
  console.log(`peak RSS ${(process.memoryUsage().rss / 1048576).toFixed(0)} MiB`);
  await pass(`cleanup (delete ${plans})`, { revision: 'rev-5', pathExists: true, files: [] }, { allowPruneAll: true });
  await connection.close();
  await server.stop();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
