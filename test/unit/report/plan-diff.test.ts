import assert from 'node:assert/strict';
import { test } from 'node:test';
import { affectedNamespaces, diffPlans, type LocatedPlan } from '../../../src/core/plan/plan-diff.js';
import { type CapacityPlanInput, parsePlan } from '../../../src/core/plan/schema.js';

function plan(input: Partial<CapacityPlanInput> & { name: string }, file = `schedules/${input.name}.yaml`, line = 1): LocatedPlan {
  const full = parsePlan({
    apiVersion: 'capsched/v1',
    kind: 'CapacityPlan',
    namespace: 'payments.a1b2c',
    trus: 8,
    cron: '0 23 * * 1-5',
    timezone: 'America/New_York',
    duration: '3h',
    ...input,
  });
  return { plan: full, file, line };
}

test('added, removed and unchanged plans are told apart by name', () => {
  const diff = diffPlans([plan({ name: 'keep' }), plan({ name: 'gone', namespace: 'orders.x' })], [plan({ name: 'keep' }), plan({ name: 'new', trus: 4 })]);
  assert.deepEqual(
    diff.changes.map((c) => [c.kind, c.name, c.namespaces]),
    [
      ['added', 'new', ['payments.a1b2c']],
      ['removed', 'gone', ['orders.x']],
    ],
  );
  assert.equal(diff.counts.unchanged, 1);
  assert.equal(diff.counts.added, 1);
  assert.equal(diff.counts.removed, 1);
});

test('a changed plan lists each differing field with before → after, in schema order; defaults do not count as changes', () => {
  const before = plan({ name: 'nightly', timezone: 'UTC' });
  const after = plan({ name: 'nightly', trus: 12, duration: '4h', namespace: 'orders.x', description: 'bigger' });
  const diff = diffPlans([before], [{ ...after, plan: { ...after.plan, timezone: 'UTC' } }]);
  assert.equal(diff.changes.length, 1);
  const change = diff.changes[0]!;
  assert.equal(change.kind, 'changed');
  assert.deepEqual(change.namespaces, ['orders.x', 'payments.a1b2c']);
  assert.deepEqual(change.fields, [
    { field: 'namespace', before: 'payments.a1b2c', after: 'orders.x' },
    { field: 'trus', before: 8, after: 12 },
    { field: 'duration', before: '3h', after: '4h' },
    { field: 'description', before: undefined, after: 'bigger' },
  ]);
  // `timezone: UTC` / `paused: false` spelt out vs the defaults: not a change.
  const explicitDefault = diffPlans([plan({ name: 'a', timezone: 'UTC' })], [plan({ name: 'a', timezone: undefined, paused: false })]);
  assert.equal(explicitDefault.changes.length, 0);
});

test('a plan that only moved to another file is "moved", not removed + added', () => {
  const diff = diffPlans([plan({ name: 'nightly' }, 'schedules/a.yaml', 3)], [plan({ name: 'nightly' }, 'schedules/team/b.yaml', 10)]);
  assert.deepEqual(
    diff.changes.map((c) => [c.kind, c.fields]),
    [['moved', [{ field: 'file', before: 'schedules/a.yaml', after: 'schedules/team/b.yaml' }]]],
  );
  const movedAndChanged = diffPlans([plan({ name: 'nightly' }, 'a.yaml')], [plan({ name: 'nightly', trus: 4 }, 'b.yaml')]);
  assert.deepEqual(
    movedAndChanged.changes[0]?.fields.map((f) => f.field),
    ['trus', 'file'],
  );
  assert.equal(movedAndChanged.changes[0]?.kind, 'changed');
});

test('a plan renamed with nothing else changed is "renamed" (its schedule is replaced)', () => {
  const diff = diffPlans([plan({ name: 'old-name' }, 'schedules/x.yaml')], [plan({ name: 'new-name' }, 'schedules/x.yaml'), plan({ name: 'other', trus: 2 })]);
  assert.deepEqual(
    diff.changes.map((c) => [c.kind, c.name, c.previousName]),
    [
      ['added', 'other', undefined],
      ['renamed', 'new-name', 'old-name'],
    ],
  );
  assert.deepEqual(diff.changes[1]?.fields, [{ field: 'name', before: 'old-name', after: 'new-name' }]);
});

test('a base plan missing from a head file that has errors is "unreadable", not "removed"', () => {
  const diff = diffPlans([plan({ name: 'a' }, 'schedules/a.yaml'), plan({ name: 'b' }, 'schedules/b.yaml')], [], {
    headFilesWithErrors: new Set(['schedules/a.yaml']),
  });
  assert.deepEqual(
    diff.changes.map((c) => [c.kind, c.name]),
    [
      ['removed', 'b'],
      ['unreadable', 'a'],
    ],
  );
  assert.deepEqual(affectedNamespaces(diff), ['payments.a1b2c']);
});
