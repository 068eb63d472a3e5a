import assert from 'node:assert/strict';
import { test } from 'node:test';
import { desiredSchedules } from '../../../src/core/desired/build.js';
import { loadPlans } from '../../../src/core/plan/load.js';
import type { PlanFile } from '../../../src/core/ports.js';

// issue #14: a ramp plan's schedule starts windows that carry the plan's steps; flat plans' schedules do not change.

const NOW = Date.parse('2026-11-30T00:00:00Z');
const file = (path: string, text: string): PlanFile => {
  const bytes = new TextEncoder().encode(text);
  return { path, kind: 'file', size: bytes.length, bytes };
};
const doc = (fields: string): string => `apiVersion: capsched/v1\nkind: CapacityPlan\n${fields}`;
const options = { installation: 'default', commit: 'c0ffee', nowMs: NOW };

test("a ramp plan's schedule action carries its steps (the plan's text) and its peak as desiredTrus; the audit field names the steps", () => {
  const loaded = loadPlans([
    file(
      'schedules/sale.yaml',
      doc(
        'name: sale\nnamespace: shop.a1\ncron: "0 9 * * 5"\nduration: 10h\nsteps:\n  - { after: 0h, trus: 4 }\n  - { after: 1h, trus: 8 }\n  - { after: 2h, trus: 12 }\n  - { after: 9h, trus: 6 }\n',
      ),
    ),
  ]);
  assert.deepEqual(
    loaded.issues.filter((i) => i.severity === 'error'),
    [],
  );
  const [d] = desiredSchedules(loaded.plans, options);
  const args = d!.action.args[0];
  assert.equal(args.desiredTrus, 12, 'a worker that knows no ramps holds the peak: never below a step');
  assert.deepEqual(args.steps, [
    { after: '0h', trus: 4 },
    { after: '1h', trus: 8 },
    { after: '2h', trus: 12 },
    { after: '9h', trus: 6 },
  ]);
  assert.equal(args.duration, '10h');
  assert.equal(d!.fields.trus, '4 → 8 → 12 → 6 TRUs (after 0h, 1h, 2h, 9h)');
});

test("a flat plan's schedule has no steps (its spec hash is what it was before ramps existed)", () => {
  const loaded = loadPlans([file('schedules/nightly.yaml', doc('name: nightly\nnamespace: shop.a1\ntrus: 8\ncron: "0 23 * * 1-5"\nduration: 3h\n'))]);
  const [d] = desiredSchedules(loaded.plans, options);
  assert.equal('steps' in d!.action.args[0], false);
  assert.equal(d!.fields.trus, '8');
});
