import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validatePlans } from '../../../src/core/plan/validate.js';

const PLAN = `apiVersion: capsched/v1
kind: CapacityPlan
name: black-friday
namespace: shop.a1b2c
trus: 6
at: "2026-11-27T12:00"
duration: 3h
`;

function warnings(text: string, now: string): { code: string; message: string }[] {
  const bytes = new TextEncoder().encode(text);
  return validatePlans([{ path: 'schedules/bf.yaml', kind: 'file', size: bytes.length, bytes }], { now: Date.parse(now) }).warnings;
}

test('an active one-off is not "in the past: Temporal will never start it"; only a window that is over is warned about', () => {
  assert.deepEqual(warnings(PLAN, '2026-11-27T13:00:00Z'), [], 'inside its window: the pass starts or keeps it');
  assert.deepEqual(warnings(PLAN.replace('duration: 3h\n', ''), '2026-12-01T00:00:00Z'), [], 'a permanent one-off already in force');
  const over = warnings(PLAN, '2026-11-27T15:00:00Z');
  assert.deepEqual(
    over.map((w) => w.code),
    ['one-off-in-past'],
  );
  assert.match(over[0]!.message, /the window ended at 2026-11-27T15:00Z/);
  assert.doesNotMatch(over[0]!.message, /never start/);
});
