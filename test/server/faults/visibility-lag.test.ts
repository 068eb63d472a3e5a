/**
 * Case 8: a schedule was created but ListSchedules (visibility, eventually consistent) does not
 * show it yet. The daemon's next passes must not create a duplicate (the create meets
 * ALREADY_EXISTS and compares) and must never delete because of a lagging list.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ScheduleStore } from '../../../src/core/ports.js';
import { createTestRepo } from '../../support/git-repo.js';
import { planYaml, startFaultDaemon } from './daemon.js';
import { testTemporal } from '../helpers/temporal.js';
import { scheduleTrus, sleep, until } from './helpers.js';

const { client } = await testTemporal();

/** list() hides schedules created in the last `lagMs`, like a visibility store that has not caught up. */
function lagging(inner: ScheduleStore, lagMs: number): ScheduleStore {
  const createdAt = new Map<string, number>();
  return {
    ...inner,
    create: async (desired) => {
      await inner.create(desired);
      createdAt.set(desired.scheduleId, Date.now());
    },
    list: async (installation) => (await inner.list(installation)).filter((s) => Date.now() - (createdAt.get(s.scheduleId) ?? 0) >= lagMs),
  };
}

test('created but not yet listed: no duplicate create, no delete, no alert; converges when the list catches up', async () => {
  const repo = createTestRepo();
  repo.write('schedules/nightly.yaml', planYaml('nightly'));
  repo.write('schedules/weekend.yaml', planYaml('weekend', 4));
  const sha = repo.commit('two plans');
  const t = await startFaultDaemon({ source: repo.remote, intervalMs: 250, wrapStore: (real) => lagging(real, 4_000) });
  const store = t.store;
  const installation = t.installation;
  await t.until((s) => s.state?.lastAppliedRevision === sha);
  // Checks during the lag: the list still shows nothing, so each one asks for a pass, which tries to create again.
  await t.until(() => (store.calls.create ?? 0) >= 3, 10_000);
  await sleep(4_500);
  const checks = (await t.daemon.status()).checks;
  const creates = store.calls.create ?? 0;
  // Once listed, the checks find nothing to do (each one ran a pass while the list lagged).
  await t.until((s) => s.checks >= checks + 3 && s.lastCheck?.passRequested === false);
  assert.equal(store.calls.create ?? 0, creates, 'once listed, no more create attempts');
  assert.equal(store.calls.delete ?? 0, 0, 'never deleted on a lagging list');
  assert.equal(store.calls.update ?? 0, 0, 'the existing schedules matched: no rewrite');

  // Exactly one schedule per plan on the server (visibility itself may take a moment on the dev server).
  const ids = await until(
    async () => {
      const found: string[] = [];
      for await (const s of client.schedule.list({ query: `CapschedInstallation = "${installation}"` })) found.push(s.scheduleId);
      return found.length >= 2 ? found : undefined;
    },
    10_000,
    'both schedules listed',
  );
  assert.deepEqual(ids.sort(), [t.scheduleId('nightly'), t.scheduleId('weekend')].sort());
  assert.equal(await scheduleTrus(t.scheduleId('nightly')), 8);
  const status = await t.daemon.status();
  assert.ok(
    status.localPasses.every((p) => p.result !== 'failed'),
    JSON.stringify(status.localPasses.map((p) => p.result)),
  );
  assert.equal(t.sink.messages.length, 0);
});
