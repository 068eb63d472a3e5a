/**
 * Cloud Ops client + simulator figures: read latency, full change latency (read-modify-write +
 * poll to FULFILLED) with a zero operation delay, and simulator heap growth per operation.
 *   npx tsc -p . && node dist/bench/cloud-ops.js
 */
import { createCloudOpsClient } from '../src/adapters/cloud-ops/index.js';
import { readCloudOpsSettings } from '../src/config/cloud-ops.js';
import { startCloudOpsSimulator } from '../src/simulator/index.js';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;
}

async function main(): Promise<void> {
  const namespace = 'bench.aaaaa';
  const sim = await startCloudOpsSimulator({ namespaces: [namespace], apiKey: 'bench-key-123456', operationDelayMs: 0, checkDurationMs: 1 });
  const client = createCloudOpsClient(
    readCloudOpsSettings({
      TEMPORAL_CLOUD_API_KEY: 'bench-key-123456',
      TEMPORAL_CLOUD_ENDPOINT: sim.address,
      TEMPORAL_CLOUD_ALLOW_INSECURE: 'true',
      CAPSCHED_CLOUD_OPS_POLL_MIN: '1ms',
      CAPSCHED_CLOUD_OPS_POLL_MAX: '1ms',
    }),
  );
  await client.getCapacity(namespace); // warm up the channel

  const reads: number[] = [];
  const readStart = performance.now();
  for (let i = 0; i < 1000; i++) {
    const t = performance.now();
    await client.getCapacity(namespace);
    reads.push(performance.now() - t);
  }
  const readTotal = performance.now() - readStart;
  reads.sort((a, b) => a - b);

  const changes: number[] = [];
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const n = 1000;
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const r = await client.setCapacity(namespace, i % 2 === 0 ? { mode: 'provisioned', trus: 4 } : { mode: 'onDemand' }, `bench-${i}`);
    if (!r.noop) await client.waitForOperation(r.operationId, { timeoutMs: 5000 });
    changes.push(performance.now() - t);
  }
  global.gc?.();
  const heapAfter = process.memoryUsage().heapUsed;
  changes.sort((a, b) => a - b);
  const recorded = sim.changes(namespace).length;

  console.log(
    `cloud-ops reads:   ${reads.length} getCapacity, ${(reads.length / (readTotal / 1000)).toFixed(0)}/s, p50 ${percentile(reads, 50).toFixed(2)} ms, p99 ${percentile(reads, 99).toFixed(2)} ms`,
  );
  console.log(
    `cloud-ops changes: ${n} setCapacity+waitForOperation (delay 0), p50 ${percentile(changes, 50).toFixed(2)} ms, p99 ${percentile(changes, 99).toFixed(2)} ms; ${recorded} changes recorded`,
  );
  console.log(
    `simulator heap:    +${((heapAfter - heapBefore) / n / 1024).toFixed(1)} KiB per operation kept (${((heapAfter - heapBefore) / 1024 / 1024).toFixed(1)} MiB for ${n})`,
  );
  client.close();
  await sim.stop();
}

await main();
