/**
 * Case 9: two daemons of one installation run at once (a rolling deploy, a mistaken second
 * replica). Temporal runs one reconcile pass at a time for the installation, so there is one
 * writer: each change is written once, and further checks and passes by either daemon write nothing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestRepo } from '../../support/git-repo.js';
import { planYaml, startFaultDaemon } from './daemon.js';
import { testTemporal } from '../helpers/temporal.js';
import { scheduleTrus } from './helpers.js';

await testTemporal();

test('two daemons, one installation: one writer, each change written once, no flapping', async () => {
  const repo = createTestRepo();
  repo.write('schedules/nightly.yaml', planYaml('nightly'));
  repo.write('schedules/weekend.yaml', planYaml('weekend', 4));
  const first = repo.commit('two plans');
  const a = await startFaultDaemon({ source: repo.remote, intervalMs: 250, identity: 'daemon-a' });
  const b = await startFaultDaemon({ source: repo.remote, installation: a.installation, intervalMs: 250, identity: 'daemon-b' });
  const writes = (): number => a.store.writes() + b.store.writes();

  await a.until((s) => s.state?.lastAppliedRevision === first);
  assert.equal(writes(), 2, 'two creates in total, not two per daemon');

  repo.write('schedules/nightly.yaml', planYaml('nightly', 10));
  const second = repo.commit('nightly: 10');
  await b.until((s) => s.state?.lastAppliedRevision === second);
  assert.equal(writes(), 3, 'one update in total');
  assert.equal(await scheduleTrus(a.scheduleId('nightly')), 10);

  // Many more checks by both daemons (free: an unchanged commit starts no pass), then passes forced from
  // both, alternately: no writes, no alternating updates.
  const [ca, cb] = [(await a.daemon.status()).checks, (await b.daemon.status()).checks];
  await a.until((s) => s.checks >= ca + 6, 30_000);
  await b.until((s) => s.checks >= cb + 6, 30_000);
  for (let i = 0; i < 12; i++) {
    const n = (await a.daemon.status()).state?.passes ?? 0;
    await (i % 2 === 0 ? a : b).daemon.triggerNow('test');
    await a.until((s) => (s.state?.passes ?? 0) > n, 30_000);
  }
  assert.equal(writes(), 3, 'no flapping');
  assert.equal(a.store.calls.delete ?? 0, 0);
  assert.equal(b.store.calls.delete ?? 0, 0);
  const passesBy = new Set([...(await a.daemon.status()).localPasses, ...(await b.daemon.status()).localPasses].map((p) => p.reconcileId));
  assert.ok(passesBy.size >= 12, 'passes ran');
  // Passes never overlap: each one started after the previous one finished.
  const all = [...(await a.daemon.status()).localPasses, ...(await b.daemon.status()).localPasses].sort((x, y) => x.startedAt - y.startedAt);
  for (let i = 1; i < all.length; i++) assert.ok((all[i]?.startedAt ?? 0) >= (all[i - 1]?.finishedAt ?? 0), 'passes are serialized across daemons');
  assert.equal(a.sink.messages.length + b.sink.messages.length, 0);
  assert.equal((await a.http('/readyz')).status, 200);
  assert.equal((await b.http('/readyz')).status, 200);
});
