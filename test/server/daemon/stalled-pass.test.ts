import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTemporalScheduleStore } from '../../../src/adapters/schedules/index.js';
import type { ScheduleStore } from '../../../src/core/ports.js';
import { reconcilerWorkflowId } from '../../../src/core/reconciler-contract.js';
import { pendingPassCheck } from '../../../src/reconcile/index.js';
import { createTestRepo } from '../../support/git-repo.js';
import { uniqueSuffix } from '../helpers/temporal.js';
import { countingStore, type CountingStore } from '../../support/reconcile.js';
import { cleanupInstallation, planYaml, startTestDaemon } from './helpers.js';

/** A schedule store whose next list() blocks once armed, until released: a pass stalled mid-way (a hung Temporal call, a paused VM). */
function stallingStore(inner: CountingStore): ScheduleStore & { arm(): void; release(): void; held(): boolean } {
  let armed = false;
  let held = false;
  let release: () => void = () => undefined;
  return {
    ...inner,
    arm: () => {
      armed = true;
    },
    release: () => release(),
    held: () => held,
    list: async (installation) => {
      if (armed) {
        armed = false;
        held = true;
        await new Promise<void>((resolve) => (release = resolve));
        held = false;
      }
      return inner.list(installation);
    },
  };
}

test('passes never overlap: a pass stalled mid-way is taken over after the heartbeat timeout, and when it resumes with its older snapshot it writes nothing over the newer pass', async (ctx) => {
  const repo = createTestRepo();
  repo.write('schedules/nightly.yaml', planYaml('nightly', 8));
  const first = repo.commit('nightly: 8');
  const installation = `stall-${uniqueSuffix()}`;
  cleanupInstallation(ctx, installation);

  let counted: CountingStore | undefined;
  let stalling: ReturnType<typeof stallingStore> | undefined;
  const a = await startTestDaemon(ctx, {
    source: repo.remote,
    installation,
    identity: 'daemon-a',
    intervalMs: 3_600_000,
    passHeartbeatTimeoutMs: 2_000,
    reconcile: {
      store: (client) => (stalling = stallingStore((counted = countingStore(createTemporalScheduleStore({ client }))))),
      options: { plansPath: 'schedules', retryBaseDelayMs: 50 },
    },
  });
  await a.until((s) => s.state?.lastAppliedRevision === first);
  assert.equal(await a.trus('nightly'), 8);
  const storeA = counted!;
  const gate = stalling!;
  try {
    // Daemon A's next pass reads commit "6" and stalls before it lists the schedules.
    repo.write('schedules/nightly.yaml', planYaml('nightly', 6));
    const older = repo.commit('nightly: 6');
    gate.arm();
    await a.daemon.triggerNow('test');
    const deadline = Date.now() + 20_000;
    while (!gate.held()) {
      if (Date.now() > deadline) throw new Error('daemon A never started the pass');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const writesBefore = storeA.writes();
    // The fence itself: while stalled, the server still has A's pass pending; once B's pass ran, it does not.
    const reconciler = await a.client.workflow.getHandle(reconcilerWorkflowId(installation)).describe();
    const stalledPass = { workflowId: reconciler.workflowId, runId: reconciler.runId, activityId: reconciler.raw.pendingActivities?.[0]?.activityId ?? '' };
    const isCurrent = pendingPassCheck(a.client);
    assert.equal(await isCurrent(stalledPass), true);
    const passesBefore = (await a.daemon.status()).localPasses.length;

    // A newer commit, and a second daemon: the stalled pass stops heartbeating, times out, and B applies the newer commit.
    repo.write('schedules/nightly.yaml', planYaml('nightly', 12));
    const newer = repo.commit('nightly: 12');
    const b = await startTestDaemon(ctx, {
      source: repo.remote,
      installation,
      identity: 'daemon-b',
      intervalMs: 3_600_000,
      passHeartbeatTimeoutMs: 2_000,
      sink: a.sink,
    });
    const applied = await b.until((s) => s.state?.lastAppliedRevision === newer, 30_000);
    assert.equal(applied.state?.lastPassBy, 'daemon-b');
    assert.equal(await b.trus('nightly'), 12);
    assert.equal(await isCurrent(stalledPass), false, 'the fence refuses the stalled pass once it timed out');

    // The old pass resumes with commit "6" in hand: it must not write it over "12", and must not alert about its own refusal.
    gate.release();
    const resumed = await a.until((s) => s.localPasses.length > passesBefore, 20_000);
    const stale = resumed.localPasses.at(-1)!;
    assert.equal(stale.revision, older);
    assert.equal(stale.result, 'failed', 'the stale pass reports its writes refused');
    assert.equal(storeA.writes(), writesBefore, 'the stale pass wrote nothing');
    assert.equal(await b.trus('nightly'), 12);
    assert.equal(a.sink.messages.length, 0, `no alert from the stale pass: ${a.sink.messages.map((m) => m.text).join('\n')}`);
    // The installation's state is the newer pass's.
    const after = await b.daemon.status();
    assert.equal(after.state?.lastAppliedRevision, newer);
  } finally {
    gate.release(); // never leave daemon A's stop waiting on the stalled call
  }
});
