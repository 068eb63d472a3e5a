import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestRepo } from '../../support/git-repo.js';
import { cleanupInstallation, planYaml, startTestDaemon } from './helpers.js';

test('--dry-run computes and logs the change set locally and writes nothing', async (ctx) => {
  const repo = createTestRepo();
  repo.write('schedules/nightly.yaml', planYaml('nightly'));
  repo.commit('one plan');
  const lines: string[] = [];
  const { pino } = await import('pino');
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
  const t = await startTestDaemon(ctx, { source: repo.remote, dryRun: true, logger });
  cleanupInstallation(ctx, t.installation);
  const status = await t.until((s) => s.localPasses.length >= 3 && s.ready);
  assert.equal(status.mode, 'dry-run');
  assert.deepEqual(status.workers, {}, 'no worker in dry-run');
  assert.ok(status.localPasses.every((p) => p.result === 'planned' && p.changes === 1));
  assert.equal(status.state?.lastAppliedRevision, undefined, 'nothing claimed as applied');
  assert.equal(t.store.writes(), 0);
  assert.equal(await t.trus('nightly'), undefined, 'no schedule was created');
  const wouldChange = lines
    .map((l) => JSON.parse(l) as { msg: string; kind?: string; plan?: string })
    .filter((l) => l.msg === 'dry run: would change schedule');
  assert.ok(wouldChange.length >= 3);
  assert.equal(wouldChange[0]?.kind, 'create');
  assert.equal(wouldChange[0]?.plan, 'nightly');
});

test('a managed schedule paused by hand is restored next pass (drift metric); with --no-self-heal it is only reported', async (ctx) => {
  const repo = createTestRepo();
  repo.write('schedules/nightly.yaml', planYaml('nightly'));
  const sha = repo.commit('one plan');
  const healing = await startTestDaemon(ctx, { source: repo.remote });
  cleanupInstallation(ctx, healing.installation);
  await healing.until((s) => s.state?.lastAppliedRevision === sha);
  const handle = healing.client.schedule.getHandle(healing.scheduleId('nightly'));
  await handle.pause('hand edit');
  await healing.daemon.triggerNow('test');
  for (let i = 0; i < 100 && (await handle.describe()).state.paused; i++) await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal((await handle.describe()).state.paused, false, 'self-heal unpaused it');
  assert.match(await (await healing.http('/metrics')).text(), /capsched_drift_corrected_total 1/);
  await healing.daemon.stop();

  const reporting = await startTestDaemon(ctx, { source: repo.remote, installation: healing.installation, selfHeal: false });
  await handle.pause('hand edit again');
  const before = (await reporting.daemon.status()).state?.passes ?? 0;
  await reporting.daemon.triggerNow('test');
  await reporting.until((s) => (s.state?.passes ?? 0) >= before + 1);
  // Drift that self-heal off leaves is no change: the checks after the reporting pass start none.
  await reporting.quietChecks(2);
  assert.equal((await handle.describe()).state.paused, true, 'left paused: drift only reported');
  assert.equal(reporting.store.writes(), 0);
  assert.match(await (await reporting.http('/metrics')).text(), /capsched_drift_corrected_total 0/);
});
