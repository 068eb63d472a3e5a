import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTemporalScheduleStore } from '../../../src/adapters/schedules/index.js';
import { canonicalSpec } from '../../../src/core/desired/canonical-spec.js';
import { reconcileOnce } from '../../../src/reconcile/index.js';
import { testTemporal } from '../helpers/temporal.js';
import { eventually, newInstallation, planFile, planYaml, snapshot } from '../../support/reconcile.js';

// Cron forms plans may use; each must read back from list() as the same canonical spec, or a
// no-op pass would "restore" it forever.
const CRONS = [
  '0 23 * * 1-5',
  '*/15 9-17 * * MON-FRI',
  '0 0 1,15 * *',
  '30 2 * JAN-MAR SUN',
  '0 23 * * 7',
  '5 4 * * 0',
  '@daily',
  '@weekly',
  '0 8 1 * *',
  '0 */6 * * *',
  '10-20/5 1 * * *',
  '0 12 * 6 2,4',
];

test('specs read back from list() canonicalise to what capsched sent (cron → calendar rewriting is not drift)', async () => {
  const { client } = await testTemporal();
  const installation = newInstallation('canon');
  const store = createTemporalScheduleStore({ client, requestsPerSecond: 0 });
  const files = CRONS.map((cron, i) =>
    planFile(
      `schedules/p${i}.yaml`,
      planYaml({ name: `p${i}`, namespace: 'ns.c', trus: 2, cron, timezone: i % 2 === 0 ? 'America/New_York' : 'UTC', duration: '4m' }),
    ),
  );
  files.push(
    planFile('schedules/once.yaml', planYaml({ name: 'once', namespace: 'ns.c', trus: 2, at: '2031-03-30T02:30', timezone: 'Europe/Berlin', duration: '2h' })),
  );
  const first = await reconcileOnce({ snapshot: snapshot(files), store, installation, now: Date.now(), options: { allowPruneAll: true } });
  assert.equal(first.status, 'applied', JSON.stringify(first.errors));
  const desired = new Map(first.changeSet!.desired.map((d) => [d.scheduleId, d]));
  const listed = await eventually(async () => {
    const all = await store.list(installation);
    assert.equal(all.length, files.length);
    return all;
  });
  for (const a of listed) {
    const d = desired.get(a.scheduleId)!;
    assert.ok(d.canonicalSpec !== undefined, d.plan);
    assert.equal(canonicalSpec(a.spec!), d.canonicalSpec, `${d.plan}: ${d.fields.start}`);
  }
  const second = await reconcileOnce({ snapshot: snapshot(files), store, installation, now: Date.now() });
  assert.equal(second.status, 'unchanged', JSON.stringify(second.changeSet?.drift));
  const cleanup = await reconcileOnce({ snapshot: snapshot([]), store, installation, now: Date.now(), options: { allowPruneAll: true } });
  assert.equal(cleanup.status, 'applied');
});
