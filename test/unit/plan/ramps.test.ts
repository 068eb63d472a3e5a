import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadPlans } from '../../../src/core/plan/load.js';
import type { PlanFile } from '../../../src/core/ports.js';

// issue #14: ramps — `steps:` instead of `trus:`, each rule an error (or warning) with the step's
// own line and a field such as `steps[2].after`.

const file = (path: string, text: string): PlanFile => {
  const bytes = new TextEncoder().encode(text);
  return { path, kind: 'file', size: bytes.length, bytes };
};
// Lines 1–6 are the header; `steps:` is on line 7 and the first step on line 8.
const doc = (window: string, steps: string): string =>
  `apiVersion: capsched/v1\nkind: CapacityPlan\nname: sale\nnamespace: payments.a1b2c\n${window}steps:\n${steps}`;
const DAILY = 'cron: "0 8 * * *"\nduration: 10h\n';
const RAMP = '  - { after: 0h, trus: 4 }\n  - { after: 1h, trus: 8 }\n  - { after: 2h, trus: 12 }\n  - { after: 9h, trus: 6 }\n';
const issuesOf = (text: string): string[] =>
  loadPlans([file('schedules/sale.yaml', text)]).issues.map((i) => `${i.severity} ${i.code} ${i.line}:${i.column} ${i.field}`);

test('a ramp loads: plan.steps as written, plan.trus its peak; a flat plan has no steps', () => {
  const loaded = loadPlans([file('schedules/sale.yaml', doc(DAILY, RAMP))]);
  assert.deepEqual(loaded.issues, []);
  const plan = loaded.plans[0]!.plan;
  assert.equal(plan.trus, 12);
  assert.deepEqual(plan.steps, [
    { after: '0h', trus: 4 },
    { after: '1h', trus: 8 },
    { after: '2h', trus: 12 },
    { after: '9h', trus: 6 },
  ]);
  assert.equal(loaded.plans[0]!.positions?.['steps[3].after']?.line, 11, 'each step keeps its own line');
  const flat = loadPlans([
    file('schedules/flat.yaml', 'apiVersion: capsched/v1\nkind: CapacityPlan\nname: f\nnamespace: a.x\ntrus: 8\ncron: "0 8 * * *"\nduration: 1h\n'),
  ]);
  assert.equal(flat.plans[0]!.plan.steps, undefined);
  assert.equal(flat.plans[0]!.plan.trus, 8);
});

test('a ramp in block style, `after: 0` as a bare zero, and at…until as the window all load', () => {
  const block = doc('at: "2026-12-24T08:00"\nuntil: "2026-12-24T12:00"\n', '  - after: 0\n    trus: 2\n  - after: 1h30m\n    trus: 10\n');
  const loaded = loadPlans([file('schedules/sale.yaml', block)]);
  assert.deepEqual(loaded.issues, []);
  assert.deepEqual(loaded.plans[0]!.plan.steps, [
    { after: '0', trus: 2 },
    { after: '1h30m', trus: 10 },
  ]);
  assert.equal(loaded.plans[0]!.plan.trus, 10);
});

test('ramp rules: trus with steps, neither, a permanent ramp, one step, an empty list, not a list — each an error at its line and field', () => {
  assert.deepEqual(issuesOf(doc(`trus: 8\n${DAILY}`, RAMP)), ['error trus-and-steps 8:1 steps']);
  assert.deepEqual(issuesOf(`apiVersion: capsched/v1\nkind: CapacityPlan\nname: sale\nnamespace: a.x\n${DAILY}`), ['error missing-field 1:1 trus']);
  assert.match(loadPlans([file('p.yaml', `apiVersion: capsched/v1\nkind: CapacityPlan\nname: s\nnamespace: a.x\n${DAILY}`)]).issues[0]!.message, /`steps`/);
  assert.deepEqual(issuesOf(doc('cron: "0 8 * * *"\n', RAMP)), ['error steps-need-end 6:1 steps']);
  assert.deepEqual(issuesOf(doc(DAILY, '  - { after: 0h, trus: 4 }\n')), ['error steps-too-few 8:3 steps']);
  assert.match(loadPlans([file('p.yaml', doc(DAILY, '  - { after: 0h, trus: 4 }\n'))]).issues[0]!.message, /use `trus: 4`/);
  assert.deepEqual(issuesOf(doc(DAILY, '  []\n').replace('steps:\n  []', 'steps: []')), ['error steps-too-few 7:8 steps']);
  assert.deepEqual(issuesOf(doc(DAILY, '  8\n').replace('steps:\n  8', 'steps: 8')), ['error wrong-type 7:8 steps']);
});

test('step rules: first not at the start, not increasing, outside the window, not whole minutes, not a duration — at the step’s own line', () => {
  const steps = (...lines: string[]): string => lines.map((l) => `  - ${l}\n`).join('');
  assert.deepEqual(issuesOf(doc(DAILY, steps('{ after: 30m, trus: 4 }', '{ after: 2h, trus: 8 }'))), ['error first-step-not-at-start 8:14 steps[0].after']);
  assert.deepEqual(issuesOf(doc(DAILY, steps('{ after: 0h, trus: 4 }', '{ after: 2h, trus: 8 }', '{ after: 2h, trus: 12 }'))), [
    'error steps-not-increasing 10:14 steps[2].after',
  ]);
  assert.deepEqual(issuesOf(doc(DAILY, steps('{ after: 0h, trus: 4 }', '{ after: 3h, trus: 8 }', '{ after: 1h, trus: 12 }'))), [
    'error steps-not-increasing 10:14 steps[2].after',
  ]);
  // The window is 10h: a step at 10h starts when it ends.
  assert.deepEqual(issuesOf(doc(DAILY, steps('{ after: 0h, trus: 4 }', '{ after: 10h, trus: 8 }'))), ['error step-outside-window 9:14 steps[1].after']);
  // at…until is the window too: 4h.
  assert.deepEqual(issuesOf(doc('at: "2026-12-24T08:00"\nuntil: "2026-12-24T12:00"\n', steps('{ after: 0h, trus: 4 }', '{ after: 5h, trus: 8 }'))), [
    'error step-outside-window 9:14 steps[1].after',
  ]);
  assert.deepEqual(issuesOf(doc(DAILY, steps('{ after: 0h, trus: 4 }', '{ after: 90s, trus: 8 }'))), ['error invalid-step-offset 9:14 steps[1].after']);
  assert.deepEqual(issuesOf(doc(DAILY, steps('{ after: 0h, trus: 4 }', '{ after: 1 hour, trus: 8 }'))), ['error invalid-step-offset 9:14 steps[1].after']);
  assert.deepEqual(issuesOf(doc(DAILY, steps('{ after: 0h, trus: 4 }', '{ after: 60, trus: 8 }'))), ['error invalid-step-offset 9:14 steps[1].after']);
  assert.deepEqual(issuesOf(doc(DAILY, steps('{ after: 0h, trus: 4 }', '{ after: -1h, trus: 8 }'))), ['error invalid-step-offset 9:14 steps[1].after']);
});

test('step rules: a value Temporal Cloud refuses (the same message as `trus`), a wrong type, a missing or unknown key — at the step’s own line', () => {
  const steps = (...lines: string[]): string => lines.map((l) => `  - ${l}\n`).join('');
  assert.deepEqual(issuesOf(doc(DAILY, steps('{ after: 0h, trus: 4 }', '{ after: 1h, trus: 5 }'))), ['error invalid-trus 9:24 steps[1].trus']);
  const flat = loadPlans([file('p.yaml', 'apiVersion: capsched/v1\nkind: CapacityPlan\nname: f\nnamespace: a.x\ntrus: 5\ncron: "0 8 * * *"\nduration: 1h\n')]);
  const ramp = loadPlans([file('p.yaml', doc(DAILY, steps('{ after: 0h, trus: 4 }', '{ after: 1h, trus: 5 }')))]);
  assert.equal(ramp.issues[0]!.message, flat.issues[0]!.message);
  assert.deepEqual(issuesOf(doc(DAILY, steps('{ after: 0h, trus: 4 }', '{ after: 1h, trus: eight }'))), ['error wrong-type 9:24 steps[1].trus']);
  assert.deepEqual(issuesOf(doc(DAILY, steps('{ after: 0h, trus: 4 }', '{ after: 1h }'))), ['error missing-field 9:5 steps[1].trus']);
  assert.deepEqual(issuesOf(doc(DAILY, steps('{ after: 0h, trus: 4 }', '{ afer: 1h, trus: 8 }'))), [
    'error missing-field 9:5 steps[1].after',
    'error unknown-field 9:7 steps[1].afer',
  ]);
  assert.match(loadPlans([file('p.yaml', doc(DAILY, steps('{ after: 0h, trus: 4 }', '{ afer: 1h, trus: 8 }')))]).issues[1]!.message, /did you mean "after"\?/);
  assert.deepEqual(issuesOf(doc(DAILY, steps('{ after: 0h, trus: 4 }', '8'))), ['error wrong-type 9:5 steps[1]']);
  // Block style: the step's own line is where its mapping starts.
  assert.deepEqual(issuesOf(doc(DAILY, '  - after: 0h\n    trus: 4\n  - after: 1h\n    trus: 7\n')), ['error invalid-trus 11:11 steps[1].trus']);
});

test('step warnings: steps under an hour apart say what the billing hour costs; a step that repeats the value is a no-op', () => {
  const steps = (...lines: string[]): string => lines.map((l) => `  - ${l}\n`).join('');
  const close = loadPlans([file('p.yaml', doc(DAILY, steps('{ after: 0h, trus: 4 }', '{ after: 1h, trus: 8 }', '{ after: 1h30m, trus: 12 }')))]);
  assert.deepEqual(
    close.issues.map((i) => `${i.severity} ${i.code} ${i.line}:${i.column} ${i.field}`),
    ['warning steps-under-hour 10:14 steps[2].after'],
  );
  // 30m at 8 then 12: 4 + 6 = 10 TRU-hours as written, billed at 12 for the hour.
  assert.match(close.issues[0]!.message, /30m at 8 TRUs then 12 TRUs costs 12 TRU-hours, not the 10/);
  assert.equal(close.plans.length, 1, 'a warning keeps the plan');
  assert.deepEqual(issuesOf(doc(DAILY, steps('{ after: 0h, trus: 4 }', '{ after: 2h, trus: 8 }', '{ after: 4h, trus: 8 }'))), [
    'warning step-unchanged 10:24 steps[2].trus',
  ]);
});

test('every ramp zod rejects is reported with a `steps…` field at a real position; every ramp that loads is one zod accepts', () => {
  const VALUES = [
    '',
    '~',
    '0',
    '-1',
    '5',
    '8',
    '1.5',
    'true',
    '""',
    '"x"',
    '[1, 2]',
    '{a: 1}',
    '0h',
    '1h',
    '"1h"',
    '90s',
    '1h30m',
    '10h',
    '11h',
    '-1h',
    '1 hour',
  ];
  let rejected = 0;
  let loadedCount = 0;
  const cases: [string, string][] = [];
  for (const v of VALUES) {
    cases.push([`after ${v}`, `  - { after: 0h, trus: 4 }\n  - { after: ${v}, trus: 8 }\n`]);
    cases.push([`trus ${v}`, `  - { after: 0h, trus: 4 }\n  - { after: 2h, trus: ${v} }\n`]);
    cases.push([`first after ${v}`, `  - { after: ${v}, trus: 4 }\n  - { after: 2h, trus: 8 }\n`]);
    cases.push([`step ${v}`, `  - { after: 0h, trus: 4 }\n  - ${v === '' ? '""' : v}\n`]);
    cases.push([`steps ${v}`, `  ${v === '' ? '""' : v}\n`]);
  }
  for (const [label, steps] of cases) {
    const text = doc(DAILY, steps).replace(/steps:\n {2}(?!-)/, 'steps: ');
    const { plans, issues } = loadPlans([file('schedules/sale.yaml', text)]);
    const errors = issues.filter((i) => i.severity === 'error');
    assert.equal(plans.length === 0, errors.length > 0, `${label}: rejected exactly when an error is reported ${JSON.stringify(issues)}`);
    if (plans.length === 0) rejected++;
    else loadedCount++;
    for (const e of errors) {
      assert.ok(e.line >= 7 && e.line <= 9 && e.column >= 1, `${label}: ${e.code} at ${e.line}:${e.column}`);
      assert.match(e.field, /^steps(\[\d\](\.(after|trus|[a-z]+))?)?$/, `${label}: field ${e.field}`);
      assert.ok(!e.message.includes('\n'), label);
    }
    for (const p of plans) {
      assert.ok(p.plan.steps !== undefined && p.plan.trus === Math.max(...p.plan.steps.map((s) => s.trus)), label);
    }
  }
  assert.ok(rejected > 60 && loadedCount > 3, `the mutations exercise the rules (${rejected} rejected, ${loadedCount} loaded)`);
});
