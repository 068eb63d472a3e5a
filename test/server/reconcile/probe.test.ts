/**
 * reconcileOnce in probe mode (the daemon's free check): the pass's own planning with free reads
 * only. It finds what the pass would change, writes nothing, and sends no billed call to the
 * LiveStore (a coordinator query, a signal, a start, a cancel), whatever runs on the server.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTemporalLiveStore, createTemporalScheduleStore } from '../../../src/adapters/schedules/index.js';
import type { LiveStore } from '../../../src/core/ports.js';
import { createLiveReadMemo, reconcileOnce } from '../../../src/reconcile/index.js';
import { testTemporal } from '../helpers/temporal.js';
import { countingStore, eventually, newInstallation, planFile, planYaml, snapshot } from '../../support/reconcile.js';

/** Counts the calls that reach the real LiveStore, by method. */
function countingLive(inner: LiveStore): { live: LiveStore; calls: Record<string, number> } {
  const calls: Record<string, number> = {};
  const live = new Proxy(inner, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls[String(prop)] = (calls[String(prop)] ?? 0) + 1;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { live, calls };
}

test('probe mode: finds the pass’s changes (a new plan, a hand edit) and nothing on a converged commit; writes nothing; sends the LiveStore only free reads', async () => {
  const { client } = await testTemporal();
  const installation = newInstallation('probe');
  const store = countingStore(createTemporalScheduleStore({ client, requestsPerSecond: 0 }));
  const { live, calls } = countingLive(createTemporalLiveStore({ client }));
  const memo = createLiveReadMemo();
  const snap = snapshot(
    [planFile('schedules/nightly.yaml', planYaml({ name: 'nightly', namespace: 'ns.probe', trus: 4, cron: '0 3 * * *', duration: '2h' }))],
    'rev-probe-1',
  );
  const run = (probe: boolean) =>
    reconcileOnce({ snapshot: snap, store, live, installation, now: Date.now(), liveMemo: memo, probe, options: { taskQueue: `probe-${installation}` } });

  // A new plan: the probe sees the create and makes none.
  const first = await run(true);
  assert.equal(first.status, 'planned');
  assert.equal(first.counts.create, 1);
  assert.equal(store.writes(), 0);
  assert.deepEqual(await store.list(installation), []);

  // The pass applies it; then the probe of the same commit finds no schedule change.
  assert.equal((await run(false)).status, 'applied');
  await eventually(async () => assert.equal((await store.list(installation)).length, 1));
  const writes = store.writes();
  for (const k of Object.keys(calls)) delete calls[k];
  const converged = await eventually(async () => {
    const r = await run(true);
    assert.equal(r.counts.create + r.counts.update + r.counts.delete + r.counts.pause + r.counts.unpause, 0);
    return r;
  });
  // Other tests' coordinators may run on the shared server: whatever the live step would do is recorded, not sent;
  // only free reads (visibility lists, describes) reached the LiveStore.
  assert.ok(Array.isArray(converged.liveSpends));
  assert.equal(converged.status, converged.liveSpends!.length > 0 ? 'planned' : 'unchanged');
  assert.ok((calls.runningRuns ?? 0) + (calls.coordinatorNamespaces ?? 0) >= 1, JSON.stringify(calls));
  for (const method of Object.keys(calls))
    assert.ok(
      ['coordinatorNamespaces', 'runningRuns', 'coordinatorsChangedSince', 'coordinatorRun', 'existingRuns'].includes(method),
      `the probe called ${method}`,
    );
  assert.equal(store.writes(), writes);

  // A hand edit (paused by hand): the probe sees the pass's restore and does not make it.
  const handle = client.schedule.getHandle(`capsched.${installation}.nightly`);
  await handle.pause('hand edit');
  // (the schedule list shows the pause once visibility has it)
  // (Other tests' coordinators can make a probe 'planned' on their own: wait for the unpause itself.)
  const drifted = await eventually(async () => {
    const r = await run(true);
    assert.equal(r.status, 'planned');
    assert.equal(r.counts.unpause, 1);
    return r;
  });
  assert.equal(drifted.counts.unpause, 1);
  assert.equal(store.writes(), writes, 'the probe wrote nothing');
  assert.equal((await handle.describe()).state.paused, true);
  await handle.delete();
});
