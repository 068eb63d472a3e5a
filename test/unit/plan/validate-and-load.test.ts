import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadPlans } from '../../../src/core/plan/load.js';
import { validateAndLoadPlans, validatePlans } from '../../../src/core/plan/validate.js';
import { desiredScheduleFor } from '../../../src/core/desired/build.js';
import { nextWindows } from '../../../src/core/windows/windows.js';
import type { PlanFile } from '../../../src/core/ports.js';

// Reconcile and the PR report take the plans from the validation pass instead of parsing the
// YAML a second time: what they get must be exactly what loadPlans returns for the same files.

const NOW = Date.parse('2026-12-01T00:00:00Z');

function file(path: string, text: string): PlanFile {
  const bytes = new TextEncoder().encode(text);
  return { path, kind: 'file', size: bytes.length, bytes };
}

const plan = (name: string, extra = ''): string =>
  `apiVersion: capsched/v1\nkind: CapacityPlan\nname: ${name}\nnamespace: payments.a1b2c\ntrus: 8\ncron: "0 23 * * 1-5"\ntimezone: America/New_York\nduration: 3h\n${extra}`;

test('validateAndLoadPlans: the same report as validatePlans and the same plans as loadPlans', () => {
  const files = [
    file('schedules/b.yaml', `${plan('second', 'description: short window\n').replace('3h', '45m')}---\n${plan('broken').replace('trus: 8', 'trus: 5')}`),
    file('schedules/a.yaml', plan('first')),
    file('schedules/c.yaml', plan('first')), // duplicate name: neither copy is loaded
    file('schedules/d.yaml', plan('third').replace('0 23', '0 9')),
  ];
  const both = validateAndLoadPlans(files, { now: NOW, plansPath: 'schedules' });
  assert.deepEqual(both.report, validatePlans(files, { now: NOW, plansPath: 'schedules' }));
  // The same plans as loadPlans, plus the upcoming windows validation computed for them.
  assert.deepEqual(
    both.plans.map(({ upcoming: _u, ...rest }) => rest),
    loadPlans(files, { plansPath: 'schedules' }).plans,
  );
  assert.deepEqual(
    both.plans.map((p) => [p.plan.name, p.file, p.line]),
    [
      ['second', 'schedules/b.yaml', 1],
      ['third', 'schedules/d.yaml', 1],
    ],
  );
  assert.equal(both.report.valid, false);
  assert.deepEqual(
    both.report.plans.map((p) => p.name),
    ['second', 'third'],
  );
  // The report stays printable data: the loaded plans are not carried in it.
  assert.ok(!('loaded' in both.report) && !JSON.stringify(both.report).includes('"documentIndex"'));
});

test('an unknown time zone says what to write, with or without a suggestion', () => {
  const messages = (zone: string): string[] =>
    validatePlans([file('z.yaml', plan('zoned').replace('America/New_York', zone))], { now: NOW }).errors.map((e) => `${e.code} ${e.message}`);
  assert.deepEqual(messages('Mars/Olympus'), ['unknown-timezone unknown time zone "Mars/Olympus"; use an IANA name such as "America/New_York" or "UTC"']);
  assert.deepEqual(messages('America/New_Yrok'), [
    'unknown-timezone unknown time zone "America/New_Yrok"; did you mean "America/New_York"? Otherwise use an IANA name such as "America/New_York" or "UTC"',
  ]);
});

test('windows and lengths are computed once: the desired build shows the windows validation previewed', () => {
  const files = [
    file('schedules/a.yaml', plan('first')),
    file('schedules/b.yaml', plan('twin')), // same cron, zone and length: shares the instants, keeps its own name
    file(
      'schedules/c.yaml',
      `apiVersion: capsched/v1\nkind: CapacityPlan\nname: oneoff\nnamespace: payments.a1b2c\ntrus: 6\nat: "2026-12-24T09:00"\nuntil: "2026-12-24T17:30"\ntimezone: America/New_York\n`,
    ),
    file('schedules/d.yaml', `apiVersion: capsched/v1\nkind: CapacityPlan\nname: baseline\nnamespace: ledger.a1b2c\ntrus: 2\ncron: "0 0 1 * *"\n`),
  ];
  const { report, plans } = validateAndLoadPlans(files, { now: NOW, plansPath: 'schedules' });
  assert.deepEqual(
    plans.map((p) => [p.plan.name, p.lengthMs]),
    [
      ['first', 3 * 3_600_000],
      ['twin', 3 * 3_600_000],
      ['oneoff', 8.5 * 3_600_000],
      ['baseline', null],
    ],
  );
  for (const p of plans) {
    assert.deepEqual(p.upcoming?.windows, nextWindows(p.plan, NOW, 3), p.plan.name);
    const summary = report.plans.find((s) => s.name === p.plan.name)!;
    const desired = desiredScheduleFor(p, { installation: 'prod', commit: 'abc', nowMs: NOW });
    // The same instants in the validation preview and the desired schedule.
    // One preview type, made from the same windows.
    assert.ok(summary.nextWindows.length > 0, p.plan.name);
    assert.deepEqual(desired.nextWindows, summary.nextWindows, p.plan.name);
    assert.equal(desired.action.args[0].duration === undefined, p.lengthMs === null, p.plan.name);
  }
});
