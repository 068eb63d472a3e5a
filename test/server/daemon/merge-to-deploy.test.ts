import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestRepo } from '../../support/git-repo.js';
import { cleanupInstallation, planYaml, startTestDaemon } from './helpers.js';

test('merge a plan → schedule appears; edit → updated within one interval; delete the file → deleted; a restart writes nothing', async (ctx) => {
  const repo = createTestRepo();
  repo.write('schedules/nightly.yaml', planYaml('nightly'));
  repo.write('schedules/weekend.yaml', planYaml('weekend', 4));
  repo.write('schedules/month-end.yaml', planYaml('month-end', 6));
  const first = repo.commit('add three plans');

  const t = await startTestDaemon(ctx, { source: repo.remote });
  cleanupInstallation(ctx, t.installation);
  const applied = await t.until((s) => s.state?.lastAppliedRevision === first);
  assert.equal(applied.state?.managedSchedules, 3);
  assert.equal(await t.trus('nightly'), 8);
  assert.equal(t.store.calls.create, 3);
  assert.ok((await t.until((s) => s.ready)).ready);

  // Merge an edit: no trigger, it lands within one fetch interval (400 ms here).
  repo.write('schedules/nightly.yaml', planYaml('nightly', 10));
  const second = repo.commit('nightly: 10 TRUs');
  await t.until((s) => s.state?.lastAppliedRevision === second);
  assert.equal(await t.trus('nightly'), 10);
  assert.equal(t.store.calls.update, 1);

  // Delete one plan file: its schedule is deleted (one of three is under the prune guard's share).
  repo.remove('schedules/weekend.yaml');
  const third = repo.commit('drop weekend');
  await t.daemon.triggerNow('test');
  const after = await t.until((s) => s.state?.lastAppliedRevision === third);
  assert.equal(after.state?.managedSchedules, 2);
  assert.equal(await t.trus('weekend'), undefined);
  assert.equal(t.store.calls.delete, 1);
  assert.equal(t.sink.messages.length, 0, 'a healthy rollout sends no alerts');

  // Several more checks over the same commit start no pass and write nothing; a forced pass writes nothing either (level-based, idempotent).
  await t.quietChecks(3);
  const passes = (await t.daemon.status()).state?.passes ?? 0;
  await t.daemon.triggerNow('test');
  await t.until((s) => (s.state?.passes ?? 0) >= passes + 1);
  const writes = t.store.writes();
  assert.equal(writes, 5);

  // Restart: a new daemon on the same installation (state carried by the reconciler workflow) writes nothing.
  await t.daemon.stop();
  const restarted = await startTestDaemon(ctx, { source: repo.remote, installation: t.installation });
  const before = (await restarted.daemon.status()).state?.passes ?? 0;
  // It knows the installation's last pass (the reconciler's state), so its start-up check starts no pass.
  await restarted.quietChecks(2);
  assert.equal((await restarted.daemon.status()).state?.passes, before, 'a restart on an unchanged commit is free');
  await restarted.daemon.triggerNow('test');
  await restarted.until((s) => (s.state?.passes ?? 0) >= before + 1);
  assert.equal(restarted.store.writes(), 0);
  assert.equal((await restarted.daemon.status()).state?.lastAppliedRevision, third);
});
