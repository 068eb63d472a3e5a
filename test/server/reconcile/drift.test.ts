import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTemporalScheduleStore } from '../../../src/adapters/schedules/index.js';
import { reconcileOnce } from '../../../src/reconcile/index.js';
import { testTemporal } from '../helpers/temporal.js';
import { countingStore, eventually, newInstallation, planFile, planYaml, snapshot } from '../../support/reconcile.js';

const plans = [
  planFile(
    'schedules/nightly.yaml',
    planYaml({ name: 'nightly', namespace: 'ns.drift', trus: 6, cron: '0 23 * * 1-5', timezone: 'Europe/Paris', duration: '2h' }),
  ),
];

test('a hand pause and a hand spec edit are restored; with self-heal off they are only reported', async () => {
  const { client } = await testTemporal();
  const installation = newInstallation('drift');
  const store = countingStore(createTemporalScheduleStore({ client, requestsPerSecond: 0 }));
  const pass = (options = {}) =>
    reconcileOnce({ snapshot: snapshot(plans), store, installation, now: Date.now(), options: { retryBaseDelayMs: 50, ...options } });
  assert.equal((await pass()).status, 'applied');
  const id = `capsched.${installation}.nightly`;
  const handle = client.schedule.getHandle(id);

  // Hand pause, self-heal off: reported, not restored.
  await handle.pause('paused by an operator');
  await eventually(async () => assert.equal((await store.list(installation))[0]?.paused, true));
  store.reset();
  const reported = await pass({ selfHeal: false });
  assert.equal(reported.status, 'unchanged');
  assert.equal(reported.counts.drift, 1);
  assert.equal(reported.changeSet!.drift[0]!.corrected, false);
  assert.match(reported.changeSet!.drift[0]!.what[0]!, /paused by hand/);
  assert.equal(store.writes(), 0);
  assert.equal((await handle.describe()).state.paused, true);

  // Self-heal on: unpaused.
  const healed = await pass();
  assert.equal(healed.status, 'applied');
  assert.deepEqual(
    healed.applied.map((a) => a.outcome),
    ['unpaused'],
  );
  assert.equal(healed.counts.driftCorrected, 1);
  await eventually(async () => assert.equal((await handle.describe()).state.paused, false));

  // Hand edit of the spec (search attributes kept, so the hash still matches): found from list() alone.
  await handle.update((prev) => ({ ...prev, spec: { cronExpressions: ['15 4 * * *'], timezone: 'UTC' } }));
  await eventually(async () => {
    const [listed] = await store.list(installation);
    assert.deepEqual(listed?.spec?.calendars?.[0]?.hour, [{ start: 4, end: 4, step: 1 }]);
    assert.equal(listed?.paused, false);
  });
  store.reset();
  const specHealed = await pass();
  assert.equal(specHealed.status, 'applied', JSON.stringify(specHealed.changeSet?.drift));
  assert.match(specHealed.changeSet!.drift[0]!.what.join('\n'), /spec edited by hand/);
  assert.equal(store.calls.describe, 1); // the ownership check before the write, nothing else
  await eventually(async () => {
    const d = await handle.describe();
    assert.equal(d.spec.timezone, 'Europe/Paris');
    assert.deepEqual(d.spec.calendars?.[0]?.hour, [{ start: 23, end: 23, step: 1 }]);
  });

  // Hand edit list() cannot show (task queue, policies): found by the deep check only.
  await eventually(async () => assert.equal((await store.list(installation))[0]?.spec?.timezone, 'Europe/Paris'));
  await handle.update((prev) => ({ ...prev, action: { ...prev.action, taskQueue: 'someone-elses-queue' }, policies: { ...prev.policies, overlap: 'SKIP' } }));
  await eventually(async () => assert.equal((await handle.describe()).action.taskQueue, 'someone-elses-queue'));
  assert.equal((await pass()).status, 'unchanged');
  const deep = await pass({ deepDriftCheck: true });
  assert.equal(deep.status, 'applied');
  assert.match(deep.changeSet!.drift[0]!.what.join('\n'), /action\.taskQueue .*someone-elses-queue/);
  await eventually(async () => {
    const d = await handle.describe();
    assert.equal(d.action.taskQueue, 'capacity-management');
    assert.equal(d.policies.overlap, 'ALLOW_ALL');
  });
  await handle.delete();
});
