/**
 * Issue 20, defect 4: the live step of a pass is fenced like its schedule writes. A pass that
 * stalls between its schedule step and its live step, is taken over by a newer pass (another
 * daemon, a newer commit), and then resumes with its older plans in hand, changes no running
 * window: the write is refused before it reaches Temporal.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTemporalLiveStore, createTemporalScheduleStore } from '../../../src/adapters/schedules/index.js';
import { coordinatorWorkflowId } from '../../../src/core/capacity/window.js';
import { occurrenceWorkflowId } from '../../../src/core/live/desired-now.js';
import type { LiveStore } from '../../../src/core/ports.js';
import { createTestRepo } from '../../support/git-repo.js';
import { uniqueSuffix } from '../helpers/temporal.js';
import { simulatorWithClient } from '../helpers/simulator.js';
import { cleanupInstallation, startTestDaemon, testCapacityWorker } from './helpers.js';

const KEY = 'stalled-live-simulator-key';

/** A live store that counts the writes reaching Temporal, and whose next coordinator list blocks once armed (a pass stalled before its live step). */
function gatedLive(inner: LiveStore) {
  let armed = false;
  let held = false;
  let release: () => void = () => undefined;
  const writes: string[] = [];
  const gate = async (): Promise<void> => {
    if (!armed) return;
    armed = false;
    held = true;
    await new Promise<void>((resolve) => (release = resolve));
    held = false;
  };
  const store: LiveStore = {
    ...inner,
    coordinatorNamespaces: async () => (await gate(), inner.coordinatorNamespaces()),
    ...(inner.runningRuns === undefined ? {} : { runningRuns: async () => (await gate(), inner.runningRuns!()) }),
    setWindowTrus: async (n, w, t, c, s) => (writes.push(`trus ${t}`), inner.setWindowTrus(n, w, t, c, s)),
    setWindowEnd: async (w, r, e) => (writes.push('end'), inner.setWindowEnd(w, r, e)),
    releaseWindow: async (n, w) => (writes.push('release'), inner.releaseWindow(n, w)),
    cancelWindow: async (w, r, why) => (writes.push('cancel'), inner.cancelWindow(w, r, why)),
    startWindow: async (req) => (writes.push('start'), inner.startWindow(req)),
    ...(inner.pushPresent === undefined ? {} : { pushPresent: async (n, p) => (writes.push('present'), inner.pushPresent!(n, p)) }),
  };
  return { store, writes, arm: () => void (armed = true), release: () => release(), held: () => held };
}

const planAt = (namespace: string, trus: number, at: string): string =>
  `apiVersion: capsched/v1\nkind: CapacityPlan\nname: late\nnamespace: ${namespace}\ntrus: ${trus}\nat: "${at}"\ntimezone: UTC\nduration: 10m\n`;

test('defect 4: a pass stalled before its live step and superseded by a newer commit raises no running window when it resumes', async (ctx) => {
  const suffix = uniqueSuffix();
  const namespace = `stall-live-${suffix}.a1b2c`;
  const taskQueue = `stall-live-${suffix}`;
  const installation = `stall-live-${suffix}`;
  cleanupInstallation(ctx, installation);
  const { sim, cloudOps } = await simulatorWithClient(ctx, [namespace], KEY);

  const start = Math.floor((Date.now() - 20_000) / 1000) * 1000;
  const at = new Date(start).toISOString().slice(0, 19);
  const repo = createTestRepo();
  repo.write('schedules/late.yaml', planAt(namespace, 4, at));
  // Another plan, so deleting "late" leaves a plans folder (a missing one changes nothing).
  repo.write('schedules/keep.yaml', planAt(namespace, 2, '2031-01-01T00:00:00').replace('name: late', 'name: keep'));
  const first = repo.commit('late: 4');

  let gated: ReturnType<typeof gatedLive> | undefined;
  const a = await startTestDaemon(ctx, {
    source: repo.remote,
    installation,
    identity: 'daemon-a',
    intervalMs: 3_600_000,
    passHeartbeatTimeoutMs: 2_000,
    reconcile: {
      store: (client) => createTemporalScheduleStore({ client }),
      live: (client) => (gated = gatedLive(createTemporalLiveStore({ client, queryTimeoutMs: 3_000 }))).store,
      options: { plansPath: 'schedules', retryBaseDelayMs: 50, taskQueue },
    },
    capacityWorker: testCapacityWorker(taskQueue, cloudOps),
  });
  ctx.after(async () => {
    await a.client.workflow
      .getHandle(occurrenceWorkflowId(installation, 'late', start))
      .terminate('test cleanup')
      .catch(() => undefined);
    await a.client.workflow
      .getHandle(coordinatorWorkflowId(namespace))
      .terminate('test cleanup')
      .catch(() => undefined);
  });
  await a.until((s) => s.state?.lastAppliedRevision === first, 30_000);
  const history = (): string[] => sim.changes(namespace).map((c) => (c.target.mode === 'onDemand' ? 'onDemand' : String(c.trus)));
  const deadline = Date.now() + 30_000;
  while (history().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(history(), ['4'], 'the first pass started the window late');
  const live = gated!;

  // A's next pass reads "8" (a raise of the running window) and stalls before its live step.
  repo.write('schedules/late.yaml', planAt(namespace, 8, at));
  const older = repo.commit('late: 8');
  live.arm();
  const passesBefore = (await a.daemon.status()).localPasses.length;
  await a.daemon.triggerNow('test');
  const until = Date.now() + 20_000;
  while (!live.held()) {
    if (Date.now() > until) throw new Error('daemon A never reached its live step');
    await new Promise((r) => setTimeout(r, 50));
  }
  const writesBefore = [...live.writes];

  // The plan is deleted; daemon B applies that (the running window is left to end on its own).
  repo.remove('schedules/late.yaml');
  const newer = repo.commit('late: deleted');
  const b = await startTestDaemon(ctx, {
    source: repo.remote,
    installation,
    identity: 'daemon-b',
    intervalMs: 3_600_000,
    passHeartbeatTimeoutMs: 2_000,
    sink: a.sink,
    reconcile: {
      store: (client) => createTemporalScheduleStore({ client }),
      live: (client) => createTemporalLiveStore({ client, queryTimeoutMs: 3_000 }),
      options: { plansPath: 'schedules', retryBaseDelayMs: 50, taskQueue },
    },
  });
  await b.until((s) => s.state?.lastAppliedRevision === newer, 30_000);

  // A resumes with "8" in hand: its raise is refused by the fence, never sent.
  live.release();
  const resumed = await a.until((s) => s.localPasses.length > passesBefore, 30_000);
  assert.equal(resumed.localPasses.at(-1)?.revision, older);
  assert.deepEqual(
    live.writes.slice(writesBefore.length).filter((w) => w.startsWith('trus')),
    [],
    'the stale pass changed no running window',
  );
  await new Promise((r) => setTimeout(r, 1_500));
  assert.deepEqual(history(), ['4'], 'the namespace was never raised to the deleted commit’s 8 TRUs');
  const state = await b.daemon.status();
  assert.equal(state.state?.lastAppliedRevision, newer);
});
