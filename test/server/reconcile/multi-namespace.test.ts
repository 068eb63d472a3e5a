import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTemporalScheduleStore } from '../../../src/adapters/schedules/index.js';
import { reconcileOnce } from '../../../src/reconcile/index.js';
import { testTemporal } from '../helpers/temporal.js';
import { countingStore, eventually, newInstallation, planFile, snapshot } from '../../support/reconcile.js';

// issue #14 on the real dev server: a `namespaces:` plan is one schedule per namespace; dropping a
// namespace from the list deletes only its schedule, the other one is left untouched.

const sale = (namespaces: string[]) =>
  planFile(
    'schedules/sale.yaml',
    `apiVersion: capsched/v1\nkind: CapacityPlan\nname: sale\nnamespaces: [${namespaces.join(', ')}]\ntrus: 12\ncron: "0 9 * * 1-5"\ntimezone: Europe/Berlin\nduration: 2h\n`,
  );

test('a two-namespace plan creates two schedules; dropping one namespace deletes only its schedule', async () => {
  const { client } = await testTemporal();
  const installation = newInstallation('multi');
  const store = countingStore(createTemporalScheduleStore({ client, requestsPerSecond: 0 }));
  const pass = (files: ReturnType<typeof planFile>[], revision: string) =>
    reconcileOnce({ snapshot: snapshot(files, revision), store, installation, now: Date.now(), options: { retryBaseDelayMs: 50 } });
  const paymentsId = `capsched.${installation}.sale.payments.a1b2c`;
  const ordersId = `capsched.${installation}.sale.orders.a1b2c`;

  const first = await pass([sale(['payments.a1b2c', 'orders.a1b2c'])], 'aaa111');
  assert.equal(first.status, 'applied', JSON.stringify(first.errors));
  assert.equal(first.counts.create, 2);
  for (const [id, namespace] of [
    [paymentsId, 'payments.a1b2c'],
    [ordersId, 'orders.a1b2c'],
  ] as const) {
    const d = await client.schedule.getHandle(id).describe();
    assert.equal(d.action.workflowId, id);
    assert.deepEqual(d.action.args, [
      { namespace, desiredTrus: 12, duration: '2h', plan: 'sale', file: 'schedules/sale.yaml', commit: 'aaa111', installation },
    ]);
    const sa = d.searchAttributes as Record<string, string[]>;
    assert.deepEqual(sa.CapschedPlan, ['sale']);
    assert.deepEqual(sa.CapschedNamespace, [namespace]);
    assert.equal(d.spec.timezone, 'Europe/Berlin');
  }
  await eventually(async () => assert.deepEqual((await store.list(installation)).map((s) => s.scheduleId).sort(), [ordersId, paymentsId]));

  // The same plan again (list order changed): nothing to write.
  store.reset();
  const second = await pass([sale(['orders.a1b2c', 'payments.a1b2c'])], 'bbb222');
  assert.equal(second.status, 'unchanged', JSON.stringify(second.changeSet?.changes.map((c) => [c.kind, c.scheduleId, c.fields])));
  assert.equal(store.writes(), 0);

  // Drop orders: only its schedule is deleted; payments is not rewritten.
  store.reset();
  const third = await pass([sale(['payments.a1b2c'])], 'ccc333');
  assert.equal(third.status, 'applied', JSON.stringify(third.errors));
  assert.deepEqual(
    third.changeSet!.changes.map((c) => [c.kind, c.scheduleId]),
    [['delete', ordersId]],
  );
  assert.equal(store.calls.delete, 1);
  assert.equal(store.calls.create ?? 0, 0);
  assert.equal(store.calls.update ?? 0, 0);
  await eventually(async () =>
    assert.deepEqual(
      (await store.list(installation)).map((s) => s.scheduleId),
      [paymentsId],
    ),
  );
  const kept = await client.schedule.getHandle(paymentsId).describe();
  assert.deepEqual((kept.searchAttributes as Record<string, string[]>).CapschedCommit, ['aaa111'], 'the remaining namespace was not touched');

  // Clean up: no plans left is refused by the prune guard without --allow-prune-all.
  await client.schedule.getHandle(paymentsId).delete();
});
