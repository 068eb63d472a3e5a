/**
 * Plan loading is zod-first: the one schema decides what is rejected, and every rejection comes
 * back as an issue with file, line, column and field — a document is never dropped silently.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadPlans } from '../../../src/core/plan/load.js';
import { CapacityPlan } from '../../../src/core/plan/schema.js';
import type { PlanFile } from '../../../src/core/ports.js';

function file(text: string): PlanFile {
  const bytes = new TextEncoder().encode(text);
  return { path: 'schedules/p.yaml', kind: 'file', size: bytes.length, bytes };
}
const FIELDS: [string, string][] = [
  ['apiVersion', 'capsched/v1'],
  ['kind', 'CapacityPlan'],
  ['name', 'nightly'],
  ['namespace', 'payments.a1b2c'],
  ['trus', '8'],
  ['cron', '"0 23 * * 1-5"'],
  ['timezone', 'America/New_York'],
  ['duration', '3h'],
  ['description', 'night batch'],
  ['paused', 'false'],
];
const VALUES = [
  '',
  '~',
  '0',
  '-1',
  '5',
  '8',
  '1.5',
  'true',
  'yes',
  '""',
  '" "',
  '"x"',
  '[1, 2]',
  '{a: 1}',
  '"0 23 * * 1-5"',
  '"2026-12-24T09:00"',
  '"2026-13-45T99:00"',
  '3h',
  '"1.5h"',
  '90s',
  'UTC',
  'Mars/Base',
  `"${'x'.repeat(300)}"`,
  '"Payments!"',
  'capsched/v2',
];

test('every document zod rejects is reported with file, line, column and field; every accepted one loads', () => {
  let rejected = 0;
  for (const [target] of FIELDS) {
    for (const value of [...VALUES, undefined]) {
      const lines = FIELDS.flatMap(([f, v]) => (f !== target ? [`${f}: ${v}`] : value === undefined ? [] : [`${f}: ${value}`]));
      const text = `${lines.join('\n')}\n`;
      const { plans, issues } = loadPlans([file(text)]);
      const errors = issues.filter((i) => i.severity === 'error');
      const label = `${target}: ${String(value)}`;
      assert.equal(plans.length === 0, errors.length > 0, `${label}: rejected exactly when an error is reported`);
      if (plans.length === 0) rejected++;
      for (const e of errors) {
        assert.equal(e.file, 'schedules/p.yaml', label);
        assert.ok(e.line >= 1 && e.column >= 1, label);
        assert.match(e.code, /^[a-z][a-z0-9-]+$/, label);
        assert.ok(e.field === target || e.field === '' || FIELDS.some(([f]) => f === e.field), `${label}: field ${e.field}`);
      }
      for (const p of plans) assert.ok(CapacityPlan.safeParse(p.plan).success, `${label}: a loaded plan is one zod accepts`);
    }
  }
  assert.ok(rejected > 100, `the mutations exercise the checks (${rejected} rejected)`);
});

test('an error zod finds is placed at the value and keeps its stable code', () => {
  const issuesFor = (field: string, value: string) => {
    const text = `${FIELDS.map(([f, v]) => `${f}: ${f === field ? value : v}`).join('\n')}\n`;
    return loadPlans([file(text)]).issues.map((i) => `${i.code} ${i.line}:${i.column} ${i.field}: ${i.message}`);
  };
  assert.deepEqual(issuesFor('namespace', '""'), [
    'invalid-namespace 4:12 namespace: namespace must be a Temporal Cloud namespace id such as "payments.a1b2c" (letters, digits, ".", "-", "_")',
  ]);
  assert.deepEqual(issuesFor('paused', 'yes'), ['wrong-type 10:9 paused: paused must be true or false, not the text "yes"']);
  assert.deepEqual(issuesFor('trus', '[8]'), ['wrong-type 5:7 trus: trus must be a number: one of 2, 3, 4, 6, 8, 10, 12, not a list']);
  assert.deepEqual(issuesFor('kind', 'Plan'), ['invalid-kind 2:7 kind: kind must be "CapacityPlan", not "Plan"']);
  assert.deepEqual(issuesFor('description', `"${'x'.repeat(1001)}"`), ['description-too-long 9:14 description: description may be at most 1000 characters']);
});
