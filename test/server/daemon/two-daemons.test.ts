import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestRepo } from '../../support/git-repo.js';
import { uniqueSuffix } from '../helpers/temporal.js';
import { cleanupInstallation, planYaml, startTestDaemon } from './helpers.js';

test('two daemons on one installation: one pass at a time across both, one write per change, no flapping, one status', async (ctx) => {
  const repo = createTestRepo();
  repo.write('schedules/nightly.yaml', planYaml('nightly'));
  repo.write('schedules/weekend.yaml', planYaml('weekend', 4));
  const first = repo.commit('two plans');
  const installation = `two-${uniqueSuffix()}`;
  cleanupInstallation(ctx, installation);
  const a = await startTestDaemon(ctx, { source: repo.remote, installation, intervalMs: 250, identity: 'daemon-a' });
  const b = await startTestDaemon(ctx, { source: repo.remote, installation, intervalMs: 250, identity: 'daemon-b', sink: a.sink });
  await a.until((s) => s.state?.lastAppliedRevision === first);

  // A merge, and both daemons asked for a pass at the same moment.
  repo.write('schedules/nightly.yaml', planYaml('nightly', 12));
  const second = repo.commit('nightly: 12');
  await Promise.all([a.daemon.triggerNow('test'), b.daemon.triggerNow('test'), a.daemon.triggerNow('test'), b.daemon.triggerNow('test')]);
  await b.until((s) => s.state?.lastAppliedRevision === second);

  // Both daemons check the unchanged commit for free: no pass.
  await a.quietChecks(3);
  await b.quietChecks(3);
  // Forced passes from both, until each daemon has run passes itself.
  for (let i = 0; i < 10; i++) {
    const n = (await a.daemon.status()).state?.passes ?? 0;
    await (i % 2 === 0 ? a : b).daemon.triggerNow('test');
    await a.until((s) => (s.state?.passes ?? 0) > n, 30_000);
  }
  const sa = await a.daemon.status();
  const sb = await b.daemon.status();
  assert.ok(sa.localPasses.length > 0 && sb.localPasses.length > 0, `both daemons took passes (a=${sa.localPasses.length}, b=${sb.localPasses.length})`);

  // No two passes ever overlapped, whichever daemon ran them.
  const all = [...sa.localPasses.map((p) => ({ ...p, by: 'a' })), ...sb.localPasses.map((p) => ({ ...p, by: 'b' }))].sort((x, y) => x.startedAt - y.startedAt);
  for (let i = 1; i < all.length; i++) {
    const prev = all[i - 1]!;
    const cur = all[i]!;
    assert.ok(cur.startedAt >= prev.finishedAt, `pass ${cur.reconcileId} (${cur.by}) started before ${prev.reconcileId} (${prev.by}) finished`);
  }

  // Exactly the writes one daemon would make: 2 creates + 1 update. No alternating rewrites.
  assert.equal(a.store.writes() + b.store.writes(), 3);
  assert.equal((a.store.calls.create ?? 0) + (b.store.calls.create ?? 0), 2);
  assert.equal((a.store.calls.update ?? 0) + (b.store.calls.update ?? 0), 1);
  assert.equal(await a.trus('nightly'), 12);
  // One installation status, whichever daemon is asked.
  assert.equal(sa.state?.lastAppliedRevision, second);
  assert.equal(sb.state?.lastAppliedRevision, second);
  assert.equal(a.sink.messages.length, 0);

  // Stopping one daemon leaves the other reconciling on its own.
  await a.daemon.stop();
  repo.write('schedules/weekend.yaml', planYaml('weekend', 6));
  const third = repo.commit('weekend: 6');
  await b.until((s) => s.state?.lastAppliedRevision === third);
  assert.equal(await b.trus('weekend'), 6);
});

test('two daemons of one installation reading different branches: one alert says they disagree', async (ctx) => {
  const repo = createTestRepo();
  repo.write('schedules/nightly.yaml', planYaml('nightly'));
  const sha = repo.commit('one plan');
  repo.git('push', '--quiet', 'origin', 'HEAD:other');
  const installation = `cfg-${uniqueSuffix()}`;
  cleanupInstallation(ctx, installation);
  const a = await startTestDaemon(ctx, { source: repo.remote, installation, intervalMs: 200, identity: 'daemon-main' });
  const { createPlanSource } = await import('../../../src/adapters/source/index.js');
  const { tempDir } = await import('../../support/git-repo.js');
  const other = createPlanSource({ source: repo.remote, branch: 'other', workDir: tempDir() });
  await startTestDaemon(ctx, { source: other, installation, intervalMs: 200, identity: 'daemon-other', sink: a.sink });
  const status = await a.until((s) => s.state?.problems.config !== undefined, 30_000);
  assert.match(status.state?.problems.config?.message ?? '', /\(main\).*\(other\)|\(other\).*\(main\)/);
  assert.equal(status.state?.lastAppliedRevision, sha, 'the same commit: nothing flaps here, but the operator is told');
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  const alerts = a.sink.messages.filter((m) => m.raw.includes('disagree on the plan source'));
  assert.equal(alerts.length, 1);
});
