import assert from 'node:assert/strict';
import { renameSync } from 'node:fs';
import { test } from 'node:test';
import { createTestRepo } from '../../support/git-repo.js';
import { cleanupInstallation, planYaml, startTestDaemon } from './helpers.js';

test('git remote unreachable: last good state kept, ONE pass records it and ONE alert; checks retry for free with backoff; recovers by itself with one recovery notice', async (ctx) => {
  const repo = createTestRepo();
  repo.write('schedules/nightly.yaml', planYaml('nightly'));
  const good = repo.commit('one plan');
  const t = await startTestDaemon(ctx, { source: repo.remote, intervalMs: 300 });
  cleanupInstallation(ctx, t.installation);
  await t.until((s) => s.state?.lastAppliedRevision === good);
  const writes = t.store.writes();

  renameSync(repo.remote, `${repo.remote}.away`);
  const failing = await t.until((s) => s.state?.lastPassResult === 'source-failed', 30_000);
  // Later checks fail too, backing off, and start no pass: the outage costs one pass, not one per interval.
  const checking = await t.quietChecks(3, 30_000);
  // One pass records it (a check that read the state just before that pass ended may ask for a second), then none.
  assert.ok((checking.state?.consecutiveFailures ?? 0) >= 1 && (checking.state?.consecutiveFailures ?? 0) <= 2, JSON.stringify(checking.state));
  assert.match(checking.lastCheck?.reason ?? '', /still fails/);
  assert.equal(failing.state?.lastAppliedRevision, good);
  assert.match(failing.state?.problems.source?.message ?? '', /source-unreachable/);
  assert.equal(t.store.writes(), writes, 'no Temporal writes while the source is down');
  assert.equal(await t.trus('nightly'), 8, 'schedules keep running');
  assert.equal(t.sink.messages.length, 1, 'alerted once, not on every retry');
  assert.match(t.sink.messages[0]?.raw ?? '', /Plan source unreachable/);
  const metrics = await (await t.http('/metrics')).text();
  assert.match(metrics, /capsched_source_fetch_failures_total [3-9]/, 'the checks count their failed fetches');
  assert.match(metrics, /capsched_consecutive_failures [12]\b/);

  // Restore the remote with a new commit: the daemon recovers without help (backoff ≤ 10 intervals).
  renameSync(`${repo.remote}.away`, repo.remote);
  repo.write('schedules/nightly.yaml', planYaml('nightly', 10));
  const next = repo.commit('nightly: 10');
  const recovered = await t.until((s) => s.state?.lastAppliedRevision === next, 30_000);
  assert.equal(recovered.state?.consecutiveFailures, 0);
  assert.equal(recovered.state?.problems.source, undefined);
  assert.equal(await t.trus('nightly'), 10);
  assert.equal(t.sink.messages.length, 2);
  assert.match(t.sink.messages[1]?.raw ?? '', /reachable again/);
});
