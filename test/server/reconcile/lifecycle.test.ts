import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTemporalScheduleStore } from '../../../src/adapters/schedules/index.js';
import { reconcileOnce } from '../../../src/reconcile/index.js';
import { testTemporal } from '../helpers/temporal.js';
import { countingStore, eventually, newInstallation, planFile, planYaml, snapshot } from '../../support/reconcile.js';

const nightly = (fields: Record<string, string | number | boolean> = {}) =>
  planFile(
    'schedules/nightly.yaml',
    planYaml({ name: 'nightly', namespace: 'payments.a1b2c', trus: 8, cron: '0 23 * * 1-5', timezone: 'America/New_York', duration: '3h', ...fields }),
  );
const weekly = planFile('schedules/weekly.yaml', planYaml({ name: 'weekly', namespace: 'orders.x9y8z', trus: 4, cron: '30 6 * * MON', duration: '1h' }));

test('merge → schedule appears; second pass writes nothing; edit → update; delete → deleted; invalid → nothing; empty → prune refused', async () => {
  const { client } = await testTemporal();
  const installation = newInstallation('life');
  const store = countingStore(createTemporalScheduleStore({ client, requestsPerSecond: 0 }));
  const pass = (files: ReturnType<typeof planFile>[], revision: string, options = {}) =>
    reconcileOnce({ snapshot: snapshot(files, revision), store, installation, now: Date.now(), options: { retryBaseDelayMs: 50, ...options } });

  // 1. Two plans merged → two schedules with the right spec, policies, state and attributes.
  const first = await pass([nightly(), weekly], 'aaa111');
  assert.equal(first.status, 'applied', JSON.stringify(first.errors));
  assert.equal(first.counts.create, 2);
  const nightlyId = `capsched.${installation}.nightly`;
  const d = await client.schedule.getHandle(nightlyId).describe();
  assert.equal(d.spec.timezone, 'America/New_York');
  assert.deepEqual(d.spec.calendars?.[0]?.hour, [{ start: 23, end: 23, step: 1 }]);
  assert.deepEqual(d.spec.calendars?.[0]?.dayOfWeek, [{ start: 'MONDAY', end: 'FRIDAY', step: 1 }]);
  assert.equal(d.policies.overlap, 'ALLOW_ALL');
  assert.equal(d.policies.catchupWindow, 3 * 3_600_000);
  assert.equal(d.policies.pauseOnFailure, false);
  assert.equal(d.state.paused, false);
  assert.equal(d.action.workflowType, 'scheduledCapacityChange');
  assert.equal(d.action.taskQueue, 'capacity-management');
  assert.equal(d.action.workflowId, nightlyId);
  assert.deepEqual(d.action.args, [
    { namespace: 'payments.a1b2c', desiredTrus: 8, duration: '3h', plan: 'nightly', file: 'schedules/nightly.yaml', commit: 'aaa111', installation },
  ]);
  assert.equal((d.action.memo as { capsched: { commit: string } }).capsched.commit, 'aaa111');
  assert.deepEqual(d.action.searchAttributes, {
    CapschedManagedBy: ['capsched'],
    CapschedInstallation: [installation],
    CapschedPlan: ['nightly'],
    CapschedNamespace: ['payments.a1b2c'],
    CapschedCommit: ['aaa111'],
  });
  const sa = d.searchAttributes as Record<string, string[]>;
  assert.deepEqual(sa.CapschedManagedBy, ['capsched']);
  assert.deepEqual(sa.CapschedInstallation, [installation]);
  assert.deepEqual(sa.CapschedPlan, ['nightly']);
  assert.deepEqual(sa.CapschedNamespace, ['payments.a1b2c']);
  assert.deepEqual(sa.CapschedCommit, ['aaa111']);
  assert.match(sa.CapschedSpecHash?.[0] ?? '', /^v1-[0-9a-f]{32}$/);

  // 2. The same plans again (a new commit that does not touch them): no write, no describe.
  await eventually(async () => assert.equal((await store.list(installation)).length, 2));
  store.reset();
  const second = await pass([nightly(), weekly], 'bbb222');
  assert.equal(second.status, 'unchanged', JSON.stringify(second.changeSet?.changes.map((c) => [c.kind, c.fields, c.drift])));
  assert.equal(store.writes(), 0);
  assert.equal(store.calls.describe ?? 0, 0);
  assert.equal(store.calls.list, 1);

  // 3. Edit → an update with field-level changes; the rest of the schedule is not reset.
  const third = await pass([nightly({ trus: 10, cron: '0 22 * * 1-5' }), weekly], 'ccc333');
  assert.equal(third.status, 'applied', JSON.stringify(third.errors));
  const update = third.changeSet!.changes.find((c) => c.scheduleId === nightlyId)!;
  assert.equal(update.kind, 'update');
  assert.deepEqual(
    update.fields.filter((f) => f.field === 'trus' || f.field === 'start'),
    [
      { field: 'trus', before: '8', after: '10' },
      { field: 'start', before: 'cron 0 23 * * 1-5', after: 'cron 0 22 * * 1-5' },
    ],
  );
  assert.equal(third.counts.update, 1);
  await eventually(async () => {
    const after = await client.schedule.getHandle(nightlyId).describe();
    assert.deepEqual(after.spec.calendars?.[0]?.hour, [{ start: 22, end: 22, step: 1 }]);
    assert.equal(((after.action.args ?? [])[0] as { desiredTrus: number }).desiredTrus, 10);
    assert.equal(after.policies.overlap, 'ALLOW_ALL');
    assert.equal(after.policies.catchupWindow, 3 * 3_600_000);
    assert.deepEqual((after.searchAttributes as Record<string, string[]>).CapschedCommit, ['ccc333']);
  });

  // 4. An invalid commit changes nothing and does not even call Temporal.
  store.reset();
  const broken = planFile('schedules/weekly.yaml', planYaml({ name: 'weekly', namespace: 'orders.x9y8z', trus: 5, cron: '30 6 * * MON', duration: '1h' }));
  const invalid = await pass([nightly({ trus: 12 }), broken], 'ddd444');
  assert.equal(invalid.status, 'invalid');
  // The issue as validation found it: its file, its real line and column, its field — not a message rebuilt as text.
  const trus = invalid.issues.find((i) => i.file === 'schedules/weekly.yaml' && i.field === 'trus');
  assert.ok(trus, JSON.stringify(invalid.issues));
  assert.equal(trus.code, 'invalid-trus');
  assert.ok(trus.line > 1 && trus.column > 1, `a real position, got ${trus.line}:${trus.column}`);
  assert.deepEqual(invalid.errors, [], 'validation issues are not repeated as flattened errors');
  assert.deepEqual(store.calls, {});

  // 5. A missing plans path never prunes.
  const missing = await reconcileOnce({ snapshot: snapshot([], 'eee555', false), store, installation, now: Date.now() });
  assert.equal(missing.status, 'invalid');
  assert.equal(missing.errors[0]?.code, 'PLANS_PATH_MISSING');
  assert.deepEqual(store.calls, {});

  // 6. Delete one plan file → its schedule is deleted, the other stays.
  await eventually(async () => {
    const listed = await store.list(installation);
    assert.equal(listed.find((s) => s.scheduleId === nightlyId)?.searchAttributes.CapschedCommit, 'ccc333');
  });
  const removed = await pass([nightly({ trus: 10, cron: '0 22 * * 1-5' })], 'fff666');
  assert.equal(removed.status, 'applied', JSON.stringify(removed.errors));
  assert.deepEqual(
    removed.applied.map((a) => `${a.outcome} ${a.plan}`),
    ['deleted weekly'],
  );
  assert.equal((await client.schedule.getHandle(nightlyId).describe()).scheduleId, nightlyId);
  await assert.rejects(client.schedule.getHandle(`capsched.${installation}.weekly`).describe(), /not found/i);

  // 7. Every plan removed → prune refused, nothing deleted; allowed explicitly → deleted.
  await eventually(async () => assert.equal((await store.list(installation)).length, 1));
  store.reset();
  const emptied = await pass([], 'ggg777');
  assert.equal(emptied.status, 'prune-blocked');
  assert.equal(emptied.errors[0]?.code, 'PRUNE_ALL_BLOCKED');
  assert.equal(store.writes(), 0);
  assert.equal((await client.schedule.getHandle(nightlyId).describe()).scheduleId, nightlyId);
  const allowed = await pass([], 'ggg777', { allowPruneAll: true });
  assert.equal(allowed.status, 'applied');
  await assert.rejects(client.schedule.getHandle(nightlyId).describe(), /not found/i);
});
