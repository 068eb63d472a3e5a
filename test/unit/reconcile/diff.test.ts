import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePlan } from '../../../src/core/plan/schema.js';
import { desiredSchedules, type PlanInFile } from '../../../src/core/desired/build.js';
import type { DesiredSchedule } from '../../../src/core/desired/types.js';
import { AUDIT_MEMO_KEY } from '../../../src/core/desired/types.js';
import { diffSchedules } from '../../../src/core/diff/diff.js';
import type { ActualSchedule } from '../../../src/core/diff/types.js';

const NOW = Date.parse('2026-11-29T08:00:00Z');
const INSTALLATION = 'unit';

function plan(fields: Record<string, unknown>, file = 'schedules/p.yaml'): PlanInFile {
  return { plan: parsePlan({ apiVersion: 'capsched/v1', kind: 'CapacityPlan', namespace: 'payments.a1b2c', trus: 8, ...fields }), file };
}
function desired(plans: PlanInFile[], commit = 'c1'): DesiredSchedule[] {
  return desiredSchedules(plans, { installation: INSTALLATION, commit, nowMs: NOW });
}

/** What Temporal's list() returns for cron "0 23 * * 1-5": the cron compiled into a structured calendar. */
const COMPILED_WEEKNIGHTS = {
  calendars: [
    {
      second: [{ start: 0, end: 0, step: 1 }],
      minute: [{ start: 0, end: 0, step: 1 }],
      hour: [{ start: 23, end: 23, step: 1 }],
      dayOfMonth: [{ start: 1, end: 31, step: 1 }],
      month: [{ start: 'JANUARY', end: 'DECEMBER', step: 1 }],
      year: [],
      dayOfWeek: [{ start: 'MONDAY', end: 'FRIDAY', step: 1 }],
      comment: '',
    },
  ],
  intervals: [],
  skip: [],
  timezone: 'America/New_York',
};

/** The schedule as list() would show it after capsched wrote `d` (compiled spec, no cron string). */
function listed(d: DesiredSchedule, overrides: Partial<ActualSchedule> = {}): ActualSchedule {
  return {
    scheduleId: d.scheduleId,
    searchAttributes: { ...d.searchAttributes },
    paused: d.paused,
    spec: COMPILED_WEEKNIGHTS,
    workflowType: d.action.workflowType,
    ...overrides,
  };
}

const nightly = plan({ name: 'nightly', cron: '0 23 * * 1-5', timezone: 'America/New_York', duration: '3h' }, 'schedules/nightly.yaml');

test('an unchanged repository gives an empty change set, even though Temporal rewrote the cron into calendars', () => {
  const want = desired([nightly]);
  const changeSet = diffSchedules(want, [listed(want[0]!)], { installation: INSTALLATION });
  assert.deepEqual(changeSet.changes, []);
  assert.deepEqual(changeSet.drift, []);
  assert.equal(changeSet.unchanged, 1);
});

test('a new commit that does not touch a plan is not a change (the commit is not hashed)', () => {
  const before = desired([nightly], 'c1');
  const after = desired([nightly], 'c2');
  assert.equal(before[0]!.specHash, after[0]!.specHash);
  assert.deepEqual(diffSchedules(after, [listed(before[0]!)], { installation: INSTALLATION }).changes, []);
});

test('a new plan is a create carrying the complete schedule', () => {
  const want = desired([nightly]);
  const { changes } = diffSchedules(want, [], { installation: INSTALLATION });
  assert.equal(changes.length, 1);
  const [create] = changes;
  assert.equal(create!.kind, 'create');
  assert.equal(create!.scheduleId, 'capsched.unit.nightly');
  assert.equal(create!.desired!.policies.overlap, 'ALLOW_ALL');
  assert.equal(create!.desired!.policies.catchupWindowMs, 3 * 3_600_000);
  assert.deepEqual(create!.desired!.action.args[0], {
    namespace: 'payments.a1b2c',
    desiredTrus: 8,
    duration: '3h',
    plan: 'nightly',
    file: 'schedules/nightly.yaml',
    commit: 'c1',
    installation: INSTALLATION,
  });
});

test('an edited plan is an update with field-level before → after read from the audit memo', () => {
  const old = desired([nightly])[0]!;
  const edited = desired(
    [plan({ name: 'nightly', cron: '0 22 * * 1-5', timezone: 'America/New_York', duration: '4h', trus: 10 }, 'schedules/nightly.yaml')],
    'c2',
  );
  // Without a describe only the hash is known …
  const coarse = diffSchedules(edited, [listed(old)], { installation: INSTALLATION });
  assert.equal(coarse.changes[0]!.kind, 'update');
  assert.deepEqual(
    coarse.changes[0]!.fields.map((f) => f.field),
    ['specHash'],
  );
  // … with the described action memo, every changed field with before and after.
  const described = listed(old, {
    detail: {
      spec: COMPILED_WEEKNIGHTS,
      workflowType: old.action.workflowType,
      taskQueue: old.action.taskQueue,
      workflowId: old.action.workflowId,
      args: [...old.action.args],
      memo: { [AUDIT_MEMO_KEY]: old.action.memo[AUDIT_MEMO_KEY] },
      actionSearchAttributes: {},
      policies: { overlap: 'ALLOW_ALL', catchupWindowMs: old.policies.catchupWindowMs, pauseOnFailure: false },
      runningWorkflowIds: [],
    },
  });
  const fine = diffSchedules(edited, [described], { installation: INSTALLATION });
  const change = fine.changes[0]!;
  assert.equal(change.kind, 'update');
  assert.deepEqual(
    change.fields.filter((f) => f.field !== 'spec' && f.field !== 'catchupWindow'),
    [
      { field: 'trus', before: '8', after: '10' },
      { field: 'start', before: 'cron 0 23 * * 1-5', after: 'cron 0 22 * * 1-5' },
      { field: 'duration', before: '3h', after: '4h' },
    ],
  );
  assert.deepEqual(change.commit, { before: 'c1', after: 'c2' });
});

test('pausing a plan in git is a pause change', () => {
  const old = desired([nightly])[0]!;
  const paused = desired([
    plan({ name: 'nightly', cron: '0 23 * * 1-5', timezone: 'America/New_York', duration: '3h', paused: true }, 'schedules/nightly.yaml'),
  ]);
  const described = listed(old, {
    detail: {
      spec: COMPILED_WEEKNIGHTS,
      workflowType: '',
      args: [],
      memo: { [AUDIT_MEMO_KEY]: old.action.memo[AUDIT_MEMO_KEY] },
      actionSearchAttributes: {},
      policies: {},
      runningWorkflowIds: [],
    },
  });
  const { changes } = diffSchedules(paused, [described], { installation: INSTALLATION });
  assert.equal(changes[0]!.kind, 'pause');
  assert.equal(changes[0]!.reason, 'plan');
});

test('a hand pause is drift: restored with self-heal, only reported without', () => {
  const want = desired([nightly]);
  const handPaused = listed(want[0]!, { paused: true });
  const healed = diffSchedules(want, [handPaused], { installation: INSTALLATION });
  assert.equal(healed.changes[0]!.kind, 'unpause');
  assert.equal(healed.changes[0]!.reason, 'drift');
  assert.equal(healed.drift[0]!.corrected, true);
  const reported = diffSchedules(want, [handPaused], { installation: INSTALLATION, selfHeal: false });
  assert.deepEqual(reported.changes, []);
  assert.equal(reported.drift.length, 1);
  assert.equal(reported.drift[0]!.corrected, false);
});

test('a hand edit of the spec is drift, found from list() output alone', () => {
  const want = desired([nightly]);
  const edited = structuredClone(COMPILED_WEEKNIGHTS);
  edited.calendars[0]!.hour = [{ start: 21, end: 21, step: 1 }];
  const changeSet = diffSchedules(want, [listed(want[0]!, { spec: edited })], { installation: INSTALLATION });
  assert.equal(changeSet.changes[0]!.kind, 'update');
  assert.equal(changeSet.changes[0]!.reason, 'drift');
  assert.match(changeSet.drift[0]!.what[0]!, /spec edited by hand/);
});

test('schedules without the marker or with another installation are never considered', () => {
  const want = desired([nightly]);
  const foreign: ActualSchedule = { scheduleId: 'capsched.unit.old', searchAttributes: { CapschedInstallation: INSTALLATION }, paused: false };
  const other: ActualSchedule = {
    scheduleId: 'capsched.other.x',
    searchAttributes: { CapschedManagedBy: 'capsched', CapschedInstallation: 'other' },
    paused: false,
  };
  const changeSet = diffSchedules(want, [listed(want[0]!), foreign, other], { installation: INSTALLATION });
  assert.deepEqual(changeSet.changes, []);
  assert.equal(changeSet.ignored, 2);
});

test('the prune guard refuses to delete everything, or more than the allowed share', () => {
  const three = desired([
    plan({ name: 'a', cron: '0 1 * * *', duration: '1h' }),
    plan({ name: 'b', cron: '0 2 * * *', duration: '1h' }),
    plan({ name: 'c', cron: '0 3 * * *', duration: '1h' }),
  ]);
  const actual = three.map((d) => listed(d, { spec: undefined }));
  const all = diffSchedules([], actual, { installation: INSTALLATION });
  assert.equal(all.blocked?.code, 'PRUNE_ALL_BLOCKED');
  assert.equal(all.changes.filter((c) => c.kind === 'delete').length, 3);
  assert.equal(diffSchedules([], actual, { installation: INSTALLATION, allowPruneAll: true }).blocked, undefined);
  const twoOfThree = diffSchedules([three[0]!], actual, { installation: INSTALLATION });
  assert.equal(twoOfThree.blocked?.code, 'PRUNE_SHARE_BLOCKED');
  assert.equal(diffSchedules([three[0]!], actual, { installation: INSTALLATION, maxPruneShare: 0.7 }).blocked, undefined);
  const oneOfThree = diffSchedules([three[0]!, three[1]!], actual, { installation: INSTALLATION });
  assert.equal(oneOfThree.blocked, undefined);
  assert.deepEqual(
    oneOfThree.changes.map((c) => `${c.kind} ${c.plan}`),
    ['delete c'],
  );
});

test('a one-off whose start has passed is never created again', () => {
  const want = desired([plan({ name: 'xmas', at: '2026-11-01T09:00', duration: '2h' })]);
  const changeSet = diffSchedules(want, [], { installation: INSTALLATION });
  assert.deepEqual(changeSet.changes, []);
  assert.deepEqual(changeSet.expired, ['xmas']);
});

test('a one-off with until gets duration until − at and a catch-up window of that length', () => {
  const [d] = desired([plan({ name: 'launch', at: '2026-12-24T09:00', until: '2026-12-24T11:30', timezone: 'Europe/Berlin' })]);
  assert.equal(d!.action.args[0].duration, '2h30m');
  assert.equal(d!.policies.catchupWindowMs, 150 * 60_000);
  assert.equal(d!.action.args[0].endTime, undefined);
});

test('schedule ids keep installation and plan apart', () => {
  const a = desiredSchedules([plan({ name: 'a-x', cron: '0 1 * * *' })], { installation: 'team', commit: 'c', nowMs: NOW })[0]!;
  const b = desiredSchedules([plan({ name: 'x', cron: '0 1 * * *' })], { installation: 'team-a', commit: 'c', nowMs: NOW })[0]!;
  assert.notEqual(a.scheduleId, b.scheduleId);
  assert.throws(() => desiredSchedules([nightly], { installation: "bad'id", commit: 'c', nowMs: NOW }), /installation id/);
});
