/**
 * The simulator serves per-namespace on-demand APS limits and 7-day APS stats, set by flags
 * (`--on-demand-aps`, `--aps-stats`) or options, and the client reads them through
 * GetNamespaceCapacityInfo. Unset namespaces keep today's values (on-demand 500 APS; mean 120,
 * p90 310, p99 455), so `capsched dev` is unchanged.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createCloudOpsClient } from '../../../src/adapters/cloud-ops/index.js';
import { parseApsStats, runCloudOpsSimulator } from '../../../src/cli/cloud-ops-simulator.js';
import type { CliIO } from '../../../src/cli/io.js';
import { readCloudOpsSettings } from '../../../src/config/cloud-ops.js';
import { silentLogger } from '../../../src/log/index.js';
import { DEFAULT_APS_STATS, startCloudOpsSimulator, type CloudOpsSimulator } from '../../../src/simulator/index.js';

function captureIO(): CliIO & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (t) => out.push(t), stderr: (t) => err.push(t), env: {}, cwd: process.cwd() };
}

test('capsched cloud-ops-simulator --on-demand-aps / --aps-stats: served per namespace over the real protocol; others keep the defaults', async () => {
  const controller = new AbortController();
  let sim: CloudOpsSimulator | undefined;
  const io = captureIO();
  const stopped = new Promise<number>((resolve, reject) => {
    runCloudOpsSimulator(
      [
        '--port',
        '0',
        '--namespace',
        'plain.aaaaa',
        '--on-demand-aps',
        'set.bbbbb=1600',
        '--aps-stats',
        'set.bbbbb=mean:300,p90:700,p99:1200',
        '--aps-stats',
        'formula.ccccc=mean:1000,p90:900,p99:2500',
      ],
      io,
      { signal: controller.signal, logger: silentLogger(), onReady: (s) => void (sim = s) },
    ).then(resolve, reject);
  });
  for (let i = 0; i < 100 && sim === undefined; i++) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.ok(sim, io.err.join(''));
  const client = createCloudOpsClient(
    readCloudOpsSettings({ TEMPORAL_CLOUD_API_KEY: 'any', TEMPORAL_CLOUD_ENDPOINT: sim.address, TEMPORAL_CLOUD_ALLOW_INSECURE: 'true' }),
  );
  try {
    const set = await client.getCapacityInfo('set.bbbbb');
    assert.equal(set.onDemandApsLimit, 1600);
    assert.deepEqual(set.apsStats, { mean: 300, p90: 700, p99: 1200 });
    // Stats without a limit: the documented formula, max(500, min(4 × 1000, 2 × 900)) = 1,800.
    const formula = await client.getCapacityInfo('formula.ccccc');
    assert.equal(formula.onDemandApsLimit, 1800);
    assert.deepEqual(formula.apsStats, { mean: 1000, p90: 900, p99: 2500 });
    // Untouched: today's values.
    const plain = await client.getCapacityInfo('plain.aaaaa');
    assert.equal(plain.onDemandApsLimit, 500);
    assert.deepEqual(plain.apsStats, DEFAULT_APS_STATS);
    assert.deepEqual(DEFAULT_APS_STATS, { mean: 120, p90: 310, p99: 455 });
    // GetNamespace's APS limit on-demand is the namespace's on-demand limit.
    const ns = await client.getNamespace('set.bbbbb');
    assert.equal(ns.limits?.actionsPerSecondLimit, 1600);
  } finally {
    client.close();
    controller.abort();
  }
  assert.equal(await stopped, 0);
});

test('options: a simulator started in code takes the same per-namespace figures', async () => {
  const sim = await startCloudOpsSimulator({
    namespaces: ['x.aaaaa'],
    onDemandApsLimit: { 'x.aaaaa': 2200 },
    apsStats: { 'x.aaaaa': { mean: 0, p90: 0, p99: 0 } },
  });
  const client = createCloudOpsClient(
    readCloudOpsSettings({ TEMPORAL_CLOUD_API_KEY: 'any', TEMPORAL_CLOUD_ENDPOINT: sim.address, TEMPORAL_CLOUD_ALLOW_INSECURE: 'true' }),
  );
  try {
    const info = await client.getCapacityInfo('x.aaaaa');
    assert.equal(info.onDemandApsLimit, 2200);
    // An idle namespace's zeros are figures, not "no stats".
    assert.deepEqual(info.apsStats, { mean: 0, p90: 0, p99: 0 });
  } finally {
    client.close();
    await sim.stop();
  }
});

test('bad --on-demand-aps / --aps-stats values are usage errors naming the flag', async () => {
  for (const [argv, message] of [
    [['--on-demand-aps', 'ns.aaaaa'], /--on-demand-aps: "ns.aaaaa" must be NAMESPACE=APS/],
    [['--on-demand-aps', 'ns.aaaaa=0'], /--on-demand-aps: "ns.aaaaa=0"/],
    [['--aps-stats', 'ns.aaaaa=mean:1,p90:2'], /--aps-stats: "ns.aaaaa=mean:1,p90:2" needs all three of mean, p90 and p99/],
    [['--aps-stats', 'ns.aaaaa=mean:1,p95:2,p99:3'], /has "p95:2"/],
  ] as const) {
    const io = captureIO();
    assert.equal(await runCloudOpsSimulator([...argv], io), 2, argv.join(' '));
    assert.match(io.err.join(''), message);
  }
  assert.deepEqual(parseApsStats('a.b=p99:3, mean:1 ,p90:2'), { namespace: 'a.b', stats: { mean: 1, p90: 2, p99: 3 } });
});
