import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTemporalScheduleStore } from '../../../src/adapters/schedules/index.js';
import type { ScheduleStore } from '../../../src/core/ports.js';
import { reconcileOnce } from '../../../src/reconcile/index.js';
import { testTemporal } from '../helpers/temporal.js';
import { countingStore, newInstallation, planFile, planYaml, snapshot } from '../../support/reconcile.js';

/** A visibility store that has not caught up yet: list() still returns nothing. */
function lagging(store: ScheduleStore): ScheduleStore {
  return { ...store, list: async () => [] };
}

test('create on an existing schedule (a lagging list) compares instead of duplicating', async () => {
  const { client } = await testTemporal();
  const installation = newInstallation('exists');
  const real = createTemporalScheduleStore({ client, requestsPerSecond: 0 });
  const plan = (trus: number) => [planFile('schedules/p.yaml', planYaml({ name: 'p', namespace: 'ns.e', trus, cron: '0 3 * * *', duration: '1h' }))];
  assert.equal((await reconcileOnce({ snapshot: snapshot(plan(4)), store: real, installation, now: Date.now() })).status, 'applied');

  // Same content: the create hits ScheduleAlreadyRunning, describe shows the same hash → no write.
  const store = countingStore(lagging(real));
  const same = await reconcileOnce({ snapshot: snapshot(plan(4)), store, installation, now: Date.now() });
  assert.equal(same.status, 'applied', JSON.stringify(same.errors));
  assert.equal(same.applied[0]?.outcome, 'unchanged');
  assert.equal(store.calls.create, 1);
  assert.equal(store.calls.update ?? 0, 0);

  // Other content: replaced as a whole by an update.
  const changed = await reconcileOnce({ snapshot: snapshot(plan(6)), store, installation, now: Date.now() });
  assert.equal(changed.applied[0]?.outcome, 'updated');
  const d = await client.schedule.getHandle(`capsched.${installation}.p`).describe();
  assert.equal(((d.action.args ?? [])[0] as { desiredTrus: number }).desiredTrus, 6);
  await client.schedule.getHandle(`capsched.${installation}.p`).delete();
});
