import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestRepo } from '../../support/git-repo.js';
import { cleanupInstallation, planYaml, startTestDaemon } from './helpers.js';

test('a repository emptied of plans is refused by the prune guard; a missing plans folder deletes nothing either', async (ctx) => {
  const repo = createTestRepo();
  repo.write('schedules/README.md', 'plans live here\n');
  repo.write('schedules/nightly.yaml', planYaml('nightly'));
  repo.write('schedules/weekend.yaml', planYaml('weekend', 4));
  const good = repo.commit('two plans');
  const t = await startTestDaemon(ctx, { source: repo.remote });
  cleanupInstallation(ctx, t.installation);
  await t.until((s) => s.state?.lastAppliedRevision === good);
  const writes = t.store.writes();

  repo.remove('schedules/nightly.yaml');
  repo.remove('schedules/weekend.yaml');
  const emptied = repo.commit('remove every plan');
  await t.daemon.triggerNow('test');
  const blocked = await t.until((s) => s.state?.lastAttemptedRevision === emptied);
  assert.equal(blocked.state?.lastPassResult, 'prune-blocked');
  assert.equal(blocked.state?.lastAppliedRevision, good);
  // Later checks of the refused commit start no pass (it is reported once).
  await t.quietChecks(2);
  assert.equal(t.store.writes(), writes, 'nothing deleted');
  assert.equal(await t.trus('nightly'), 8);
  assert.equal(await t.trus('weekend'), 4);
  assert.equal(t.sink.messages.length, 1);
  assert.match(t.sink.messages[0]?.raw ?? '', /Prune blocked/);
  assert.match(await (await t.http('/metrics')).text(), /capsched_prune_blocked_total [1-9]/);

  // The plans folder is gone altogether: an error ("path missing"), never "no plans".
  repo.remove('schedules');
  const gone = repo.commit('remove the plans folder');
  await t.daemon.triggerNow('test');
  const missing = await t.until((s) => s.state?.lastAttemptedRevision === gone);
  assert.equal(missing.state?.lastPassResult, 'invalid');
  assert.match(missing.state?.problems.plans?.message ?? '', /PLANS_PATH_MISSING|does not exist/);
  assert.equal(t.store.writes(), writes);
  assert.equal(await t.trus('nightly'), 8);
});
