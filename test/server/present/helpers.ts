/**
 * A real daemon for the page's tests: shared dev server, a folder source, the Cloud Ops simulator
 * over gRPC and the capacity worker on a task queue of its own; one-off window starting soon.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { createCloudOpsClient } from '../../../src/adapters/cloud-ops/index.js';
import { createTemporalScheduleStore } from '../../../src/adapters/schedules/index.js';
import { Secret, silentLogger } from '../../../src/log/index.js';
import { startCloudOpsSimulator, type CloudOpsSimulator } from '../../../src/simulator/index.js';
import { tempDir } from '../../support/git-repo.js';
import { uniqueSuffix } from '../helpers/temporal.js';
import { cleanupInstallation, startTestDaemon, testCapacityWorker, type TestDaemon } from '../daemon/helpers.js';

export const API_KEY = 'page-test-simulator-key';

export function plan(name: string, namespace: string, fields: string): string {
  return `apiVersion: capsched/v1\nkind: CapacityPlan\nname: ${name}\nnamespace: ${namespace}\n${fields}\n`;
}

export function utcMinute(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}

export interface PageDaemon {
  t: TestDaemon;
  namespace: string;
  sim: CloudOpsSimulator;
  write: (name: string, text: string) => void;
  /** The one-off "soon" (6 TRU, 10 minutes) starts here. */
  soonStart: number;
}

export async function startPageDaemon(ctx: TestContext): Promise<PageDaemon> {
  const suffix = uniqueSuffix();
  const namespace = `page-${suffix}.a1b2c`;
  const taskQueue = `page-${suffix}`;
  const root = tempDir();
  mkdirSync(join(root, 'schedules'));
  const write = (name: string, text: string): void => writeFileSync(join(root, 'schedules', name), text);
  // A weeknight window, a daily one that overlaps it, and a one-off starting in a few seconds.
  write('nightly.yaml', plan('nightly', namespace, 'trus: 8\ncron: "0 23 * * 1-5"\ntimezone: America/New_York\nduration: 3h\ndescription: Nightly batch'));
  write('daily.yaml', plan('daily', namespace, 'trus: 4\ncron: "30 3 * * *"\ntimezone: UTC\nduration: 2h'));
  // Far enough ahead that the first pass has created its schedule before it starts, even on a loaded machine.
  const soonStart = Date.now() + 15_000;
  write('soon.yaml', plan('soon', namespace, `trus: 6\nat: "${utcMinute(soonStart)}"\ntimezone: UTC\nduration: 10m`));

  const sim = await startCloudOpsSimulator({ namespaces: [namespace], apiKey: API_KEY, operationDelayMs: 100, logger: silentLogger() });
  ctx.after(() => sim.stop());
  const cloudOps = createCloudOpsClient(
    { endpoint: sim.address, apiKey: new Secret(API_KEY), allowInsecure: true, pollMinMs: 50, pollMaxMs: 200, callTimeoutMs: 5_000 },
    { logger: silentLogger() },
  );
  ctx.after(() => cloudOps.close());

  const installation = `page-${suffix}`;
  const t = await startTestDaemon(ctx, {
    source: root,
    installation,
    intervalMs: 3_600_000,
    cloudOps,
    ui: { refreshSeconds: 1, temporalUiUrl: 'http://localhost:8233', recordEveryMs: 500 },
    reconcile: { store: (client) => createTemporalScheduleStore({ client }), options: { plansPath: 'schedules', retryBaseDelayMs: 50, taskQueue } },
    capacityWorker: testCapacityWorker(taskQueue, cloudOps),
  });
  cleanupInstallation(ctx, installation);
  const applied = await t.until((s) => s.state?.lastAppliedRevision !== undefined);
  assert.equal(applied.state?.lastPassResult, 'applied');
  return { t, namespace, sim, write, soonStart };
}
