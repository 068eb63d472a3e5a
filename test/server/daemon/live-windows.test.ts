/**
 * The daemon converges the present (issue 11): a plan merged while its window covers now is
 * started by the daemon's pass; later checks (no pass) and a restarted daemon change nothing.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createTemporalLiveStore, createTemporalScheduleStore } from '../../../src/adapters/schedules/index.js';
import { coordinatorWorkflowId } from '../../../src/core/capacity/window.js';
import { occurrenceWorkflowId } from '../../../src/core/live/desired-now.js';
import type { ReconcileResult } from '../../../src/reconcile/index.js';
import { tempDir } from '../../support/git-repo.js';
import { uniqueSuffix } from '../helpers/temporal.js';
import { simulatorWithClient } from '../helpers/simulator.js';
import { cleanupInstallation, startTestDaemon, testCapacityWorker, type TestDaemonOptions } from './helpers.js';

const KEY = 'live-daemon-simulator-key';

test('a plan merged mid-window: the daemon starts its window now, for the rest of it; its next checks and a restarted daemon change nothing', async (ctx) => {
  const suffix = uniqueSuffix();
  const namespace = `live-${suffix}.a1b2c`;
  const taskQueue = `live-${suffix}`;
  const installation = `live-${suffix}`;
  const root = tempDir();
  mkdirSync(join(root, 'schedules'));
  const start = Math.floor((Date.now() - 20_000) / 1000) * 1000;
  const at = new Date(start).toISOString().slice(0, 19);
  writeFileSync(
    join(root, 'schedules', 'late.yaml'),
    `apiVersion: capsched/v1\nkind: CapacityPlan\nname: late\nnamespace: ${namespace}\ntrus: 6\nat: "${at}"\ntimezone: UTC\nduration: 3m\n`,
  );

  const { sim, cloudOps } = await simulatorWithClient(ctx, [namespace], KEY);
  cleanupInstallation(ctx, installation);

  const results: ReconcileResult[][] = [[], []];
  const daemonOptions = (which: number, worker: boolean): TestDaemonOptions => ({
    source: root,
    installation,
    intervalMs: 500,
    reconcile: {
      store: (client) => createTemporalScheduleStore({ client }),
      live: (client) => createTemporalLiveStore({ client, queryTimeoutMs: 3_000 }),
      options: { plansPath: 'schedules', retryBaseDelayMs: 50, taskQueue },
      onResult: async (r) => void results[which]!.push(r),
    },
    ...(worker
      ? {
          capacityWorker: testCapacityWorker(taskQueue, cloudOps),
        }
      : {}),
  });

  const first = await startTestDaemon(ctx, daemonOptions(0, true));
  const history = (): string[] => sim.changes(namespace).map((c) => (c.target.mode === 'onDemand' ? 'onDemand' : String(c.trus)));
  const deadline = Date.now() + 30_000;
  while (history().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(history(), ['6'], 'the window was started late and raised the namespace');
  const started = results[0]!.find((r) => (r.liveApplied ?? []).length > 0);
  assert.deepEqual(
    started?.liveApplied?.map((a) => [a.kind, a.plan, a.outcome, a.workflowId]),
    [['start', 'late', 'applied', occurrenceWorkflowId(installation, 'late', start)]],
  );
  const handle = first.client.workflow.getHandle(occurrenceWorkflowId(installation, 'late', start));
  ctx.after(async () => {
    await handle.terminate('test cleanup').catch(() => undefined);
    await first.client.workflow
      .getHandle(coordinatorWorkflowId(namespace))
      .terminate('test cleanup')
      .catch(() => undefined);
  });
  // Later checks of the same daemon: nothing to do, so no pass (the pass that read the started window's
  // coordinator left its read in the daemon's memo).
  await first.quietChecks(3, 30_000);
  const seen = results[0]!.length;
  await first.quietChecks(3, 30_000);
  assert.equal(results[0]!.length, seen, 'no pass while nothing changes');

  // Restart: a new daemon (the worker stays with the first one, which keeps running the window). Its memo is
  // empty, so its check asks for a pass that reads the coordinator; that pass, on either daemon, changes nothing.
  const second = await startTestDaemon(ctx, { ...daemonOptions(1, false), identity: 'second' });
  await second.quietChecks(2, 30_000);
  const after = [...results[0]!.slice(seen), ...results[1]!];
  assert.ok(after.length >= 1, 'the new daemon asked for one pass (its live read)');
  assert.deepEqual(
    after.map((r) => r.counts.liveWrites),
    after.map(() => 0),
    JSON.stringify(after.map((r) => r.live)),
  );
  assert.deepEqual(history(), ['6']);
});
