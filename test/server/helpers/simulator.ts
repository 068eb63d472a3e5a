import type { TestContext } from 'node:test';
import { createCloudOpsClient, type CloudOpsClient } from '../../../src/adapters/cloud-ops/index.js';
import { Secret, silentLogger } from '../../../src/log/index.js';
import { startCloudOpsSimulator } from '../../../src/simulator/index.js';

/**
 * A Cloud Ops simulator for `namespaces` and the production client talking to it (fast polling, 100 ms operations), both
 * stopped when the test ends.
 */
export async function simulatorWithClient(
  ctx: TestContext,
  namespaces: string[],
  apiKey: string,
): Promise<{ sim: Awaited<ReturnType<typeof startCloudOpsSimulator>>; cloudOps: CloudOpsClient }> {
  const sim = await startCloudOpsSimulator({ namespaces, apiKey, operationDelayMs: 100, logger: silentLogger() });
  ctx.after(() => sim.stop());
  const cloudOps = createCloudOpsClient(
    { endpoint: sim.address, apiKey: new Secret(apiKey), allowInsecure: true, pollMinMs: 50, pollMaxMs: 200, callTimeoutMs: 5_000 },
    { logger: silentLogger() },
  );
  ctx.after(() => cloudOps.close());
  return { sim, cloudOps };
}
