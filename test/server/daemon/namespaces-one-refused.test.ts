/**
 * A `namespaces: [ok, refused]` plan end to end (issue #14): a real daemon reconciles a folder of
 * plans into one schedule per namespace on the shared dev server; the schedules start the windows
 * on the daemon's capacity worker; the Cloud Ops simulator (real gRPC) refuses one namespace (its
 * async operation is REJECTED: capacity unavailable); a Slack HTTP server receives the alerts.
 *
 * One departure from production, for time only: schedule-started windows verify 2 minutes after each
 * change (the seed's default; a plan has no verify delay). The store below writes `verifyDelay: 1s`
 * into each schedule's action, so the test takes seconds, not minutes. The spec hash, the diff and
 * everything the windows do are production's.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Client } from '@temporalio/client';
import { createCloudOpsClient } from '../../../src/adapters/cloud-ops/index.js';
import { createTemporalScheduleStore } from '../../../src/adapters/schedules/index.js';
import { coordinatorWorkflowId } from '../../../src/core/capacity/window.js';
import type { DesiredSchedule } from '../../../src/core/desired/types.js';
import { scheduleIdFor } from '../../../src/core/desired/schedule-id.js';
import type { ScheduleStore } from '../../../src/core/ports.js';
import type { CapacityChangeResult } from '../../../src/core/workflow-contract.js';
import { Secret, silentLogger } from '../../../src/log/index.js';
import { startCloudOpsSimulator } from '../../../src/simulator/index.js';
import type { CoordinatorStatus } from '../../../src/temporal/workflows/definitions.js';
import { tempDir } from '../../support/git-repo.js';
import { uniqueSuffix } from '../helpers/temporal.js';
import { cleanupInstallation, startTestDaemon, testCapacityWorker, type TestDaemonOptions } from './helpers.js';

const KEY = 'refused-ns-CANARY-simulator-key';

/** The real Temporal schedule store; each schedule's window verifies 1 s after a change instead of 2 min. */
function shortVerifyDelay(inner: ScheduleStore): ScheduleStore {
  const withDelay = (d: DesiredSchedule): DesiredSchedule => ({ ...d, action: { ...d.action, args: [{ ...d.action.args[0], verifyDelay: '1s' }] } });
  return { ...inner, create: (d) => inner.create(withDelay(d)), update: (d) => inner.update(withDelay(d)) };
}

/** The workflow id of the window a schedule started (its most recent action), once it started one. */
async function startedWindow(client: Client, scheduleId: string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const id = await client.schedule
      .getHandle(scheduleId)
      .describe()
      .then((d) => d.info.recentActions.at(-1)?.action.workflow.workflowId)
      .catch(() => undefined);
    if (id !== undefined) return id;
    if (Date.now() > deadline) throw new Error(`schedule ${scheduleId} started no window within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const utcSeconds = (ms: number): string => new Date(ms).toISOString().slice(0, 19);

test('a namespaces: plan where Cloud Ops refuses one namespace: the daemon raises, verifies, reverts and verifies the other; the refused one gets a critical alert naming it; nothing stays provisioned', async (ctx) => {
  const suffix = uniqueSuffix();
  const ok = `nsok-${suffix}.a1b2c`;
  const refused = `nsno-${suffix}.a1b2c`;
  const taskQueue = `refused-${suffix}`;
  const installation = `refused-${suffix}`;

  const sim = await startCloudOpsSimulator({ namespaces: [ok, refused], apiKey: KEY, operationDelayMs: 100, logger: silentLogger() });
  ctx.after(() => sim.stop());
  // Every change of `refused` is accepted, then its async operation is REJECTED (capacity unavailable in the region).
  sim.injectFault({ kind: 'capacityUnavailable', namespace: refused, times: 100 });
  const cloudOps = createCloudOpsClient(
    { endpoint: sim.address, apiKey: new Secret(KEY), allowInsecure: true, pollMinMs: 50, pollMaxMs: 200, callTimeoutMs: 5_000 },
    { logger: silentLogger() },
  );
  ctx.after(() => cloudOps.close());
  cleanupInstallation(ctx, installation);

  // A one-off 10-second window starting 15 s from now (seconds precision; UTC).
  const startMs = Math.ceil((Date.now() + 15_000) / 1000) * 1000;
  const root = tempDir();
  mkdirSync(join(root, 'schedules'));
  writeFileSync(
    join(root, 'schedules', 'flash-sale.yaml'),
    [
      'apiVersion: capsched/v1',
      'kind: CapacityPlan',
      'name: flash-sale',
      `namespaces: [${ok}, ${refused}]`,
      'trus: 6',
      `at: "${utcSeconds(startMs)}"`,
      `until: "${utcSeconds(startMs + 10_000)}"`,
      'timezone: UTC',
      'description: Flash sale on both shops',
      '',
    ].join('\n'),
  );

  const options: TestDaemonOptions = {
    source: root,
    installation,
    intervalMs: 500,
    reconcile: {
      store: (client) => shortVerifyDelay(createTemporalScheduleStore({ client })),
      options: { plansPath: 'schedules', retryBaseDelayMs: 50, taskQueue },
    },
    capacityWorker: testCapacityWorker(taskQueue, cloudOps, 'http://ui.refused:8233'),
  };
  const d = await startTestDaemon(ctx, options);
  ctx.after(async () => {
    for (const n of [ok, refused])
      await d.client.workflow
        .getHandle(coordinatorWorkflowId(n))
        .terminate('test cleanup')
        .catch(() => undefined);
  });

  // One schedule per namespace; each starts its own window at the plan's start.
  const scheduleOk = scheduleIdFor(installation, 'flash-sale', ok);
  const scheduleRefused = scheduleIdFor(installation, 'flash-sale', refused);
  const [windowOk, windowRefused] = await Promise.all([startedWindow(d.client, scheduleOk, 40_000), startedWindow(d.client, scheduleRefused, 40_000)]);
  const [resultOk, resultRefused] = (await Promise.all([
    d.client.workflow.getHandle(windowOk).result(),
    d.client.workflow.getHandle(windowRefused).result(),
  ])) as [CapacityChangeResult, CapacityChangeResult];

  // The accepted namespace: raised, verified, reverted to on-demand at the window's end, verified.
  assert.deepEqual(resultOk, {
    namespace: ok,
    initialChangeSuccess: true,
    verificationSuccess: true,
    revertedToOnDemand: true,
    revertVerificationSuccess: true,
    errors: [],
  });
  const changes = sim.changes(ok);
  assert.deepEqual(
    changes.map((c) => (c.target.mode === 'onDemand' ? 'onDemand' : String(c.trus))),
    ['6', 'onDemand'],
  );
  assert.ok(Date.parse(changes[0]!.at) >= startMs - 1_000, `raised at ${changes[0]!.at}, the window starts ${new Date(startMs).toISOString()}`);
  assert.ok(Date.parse(changes[1]!.at) >= startMs + 10_000, `reverted at ${changes[1]!.at}, the window ends ${new Date(startMs + 10_000).toISOString()}`);

  // The refused namespace failed alone: nothing took effect, nothing to revert.
  assert.equal(resultRefused.namespace, refused);
  assert.equal(resultRefused.initialChangeSuccess, false);
  assert.equal(resultRefused.revertedToOnDemand, false);
  assert.match(resultRefused.errors.join('\n'), /set 6 TRUs failed: .*rejected: capacity unavailable/);
  assert.deepEqual(sim.changes(refused), []);

  // Nothing stays provisioned: both namespaces on-demand, both coordinators hold no window.
  for (const n of [ok, refused]) {
    assert.equal(sim.capacityOf(n).mode, 'onDemand', n);
    const status = await d.client.workflow
      .getHandle(coordinatorWorkflowId(n))
      .query<CoordinatorStatus>('status')
      .catch(() => undefined);
    assert.deepEqual(status?.windows ?? [], [], `${n}'s coordinator still holds a window`);
  }

  // Slack: a critical alert that names the refused namespace (and only it); the other's info alert names it.
  const deadline = Date.now() + 10_000;
  const about = (n: string): { text: string; raw: string }[] => d.sink.messages.filter((m) => m.raw.includes(n));
  while ((about(refused).length === 0 || about(ok).length === 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const critical = about(refused).find((m) => /CRITICAL/.test(m.raw));
  assert.ok(critical, `no critical alert about ${refused}: ${d.sink.messages.map((m) => m.raw).join('\n')}`);
  assert.match(critical.raw, /Capacity change failed/);
  assert.match(critical.raw, /flash-sale/);
  assert.ok(!critical.raw.includes(ok), 'the critical alert is about the refused namespace alone');
  assert.ok(
    about(ok).some((m) => /reverted to on-demand/i.test(m.raw)),
    about(ok)
      .map((m) => m.raw)
      .join('\n'),
  );
  assert.ok(!about(ok).some((m) => /CRITICAL/.test(m.raw)), 'the accepted namespace raised no critical alert');
  assert.ok(!d.sink.messages.some((m) => m.raw.includes('CANARY')), 'no secret in Slack');
  // The refused namespace never left on-demand: its release is verified at once — no "release failing" alarm, no retries.
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  assert.deepEqual(
    about(refused).map((m) => JSON.parse(m.raw).text as string),
    [`🔴 CRITICAL: Capacity change failed (${refused})`],
  );
});
