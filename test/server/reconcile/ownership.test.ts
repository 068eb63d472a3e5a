import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTemporalScheduleStore } from '../../../src/adapters/schedules/index.js';
import { reconcileOnce } from '../../../src/reconcile/index.js';
import { testTemporal } from '../helpers/temporal.js';
import { countingStore, eventually, newInstallation, planFile, planYaml, snapshot } from '../../support/reconcile.js';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

const key = (name: string) => defineSearchAttributeKey(name, SearchAttributeType.KEYWORD);

test('schedules without the marker, or with another installation, are never touched — not even on an id collision', async () => {
  const { client } = await testTemporal();
  const installation = newInstallation('own');
  const other = newInstallation('other');
  const spec = { cronExpressions: ['0 5 * * *'], timezone: 'UTC' };
  const action = { type: 'startWorkflow' as const, workflowType: 'somethingElse', taskQueue: 'not-ours', args: [] };
  // (a) our id prefix, no marker; (b) our marker, another installation; (c) no marker, same id as a plan of ours.
  await client.schedule.create({
    scheduleId: `capsched.${installation}.squatter`,
    spec,
    action,
    typedSearchAttributes: [{ key: key('CapschedInstallation'), value: installation }],
  });
  await client.schedule.create({
    scheduleId: `capsched.${other}.theirs`,
    spec,
    action,
    typedSearchAttributes: [
      { key: key('CapschedManagedBy'), value: 'capsched' },
      { key: key('CapschedInstallation'), value: other },
    ],
  });
  await client.schedule.create({ scheduleId: `capsched.${installation}.collide`, spec, action });

  const store = countingStore(createTemporalScheduleStore({ client, requestsPerSecond: 0 }));
  const plans = [
    planFile('schedules/mine.yaml', planYaml({ name: 'mine', namespace: 'ns.a', trus: 4, cron: '0 1 * * *', duration: '1h' })),
    planFile('schedules/collide.yaml', planYaml({ name: 'collide', namespace: 'ns.a', trus: 4, cron: '0 2 * * *', duration: '1h' })),
  ];
  const result = await reconcileOnce({ snapshot: snapshot(plans), store, installation, now: Date.now(), options: { retryBaseDelayMs: 50 } });

  // The plan that collides with a foreign schedule is an error; the other plan is applied.
  assert.equal(result.status, 'failed');
  assert.deepEqual(
    result.applied.map((a) => `${a.outcome} ${a.plan}`),
    ['created mine'],
  );
  assert.equal(result.errors[0]?.code, 'SCHEDULE_NOT_OWNED');
  assert.match(result.errors[0]?.message ?? '', /left untouched/);
  // Nothing foreign was listed as ours, deleted or changed.
  assert.equal(result.counts.delete, 0);
  for (const id of [`capsched.${installation}.squatter`, `capsched.${other}.theirs`, `capsched.${installation}.collide`]) {
    const d = await client.schedule.getHandle(id).describe();
    assert.equal(d.action.workflowType, 'somethingElse', id);
    assert.deepEqual(d.spec.calendars?.[0]?.hour, [{ start: 5, end: 5, step: 1 }], id);
  }

  // A later pass with no plan left for this installation: the prune guard and ownership still hold.
  await eventually(async () => assert.equal((await store.list(installation)).length, 1));
  const pruned = await reconcileOnce({ snapshot: snapshot([]), store, installation, now: Date.now(), options: { allowPruneAll: true } });
  assert.equal(pruned.status, 'applied', JSON.stringify(pruned.errors));
  assert.deepEqual(
    pruned.applied.map((a) => `${a.outcome} ${a.plan}`),
    ['deleted mine'],
  );
  for (const id of [`capsched.${installation}.squatter`, `capsched.${other}.theirs`, `capsched.${installation}.collide`]) {
    assert.equal((await client.schedule.getHandle(id).describe()).scheduleId, id);
    await client.schedule.getHandle(id).delete();
  }
});
