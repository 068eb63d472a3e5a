import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { validatePlans } from '../../../src/core/plan/validate.js';
import type { PlanFile } from '../../../src/core/ports.js';
import { packageRoot } from '../../../src/paths.js';

// Every example in schedules/ validates cleanly (no errors, no warnings) and carries the
// yaml-language-server modeline; together they show the four kinds of plan the docs promise.

const dir = join(packageRoot(), 'schedules');
const names = readdirSync(dir)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort();
const files: PlanFile[] = names.map((name) => {
  const bytes = new Uint8Array(readFileSync(join(dir, name)));
  return { path: `schedules/${name}`, kind: 'file', size: bytes.length, bytes };
});
const NOW = Date.parse('2026-12-01T00:00:00Z');

for (const f of files) {
  test(`example ${f.path} validates with no errors or warnings and has the schema modeline`, () => {
    const text = new TextDecoder().decode(f.bytes);
    assert.match(text.split('\n')[0]!, /^# yaml-language-server: \$schema=\.\.\/schema\/capacity-plan\.schema\.json$/);
    const report = validatePlans([f], { now: NOW, strict: true });
    assert.deepEqual([...report.errors, ...report.warnings], []);
    assert.equal(report.valid, true);
    assert.equal(report.plans.length, 1);
  });
}

test('the examples cover: a window crossing midnight, weekday hours outside UTC, a one-off with until, a permanent change', () => {
  const report = validatePlans(files, { now: NOW, strict: true });
  assert.equal(report.valid, true, JSON.stringify(report.errors));
  const plans = report.plans;
  const crossing = plans.find((p) => p.recurring && p.nextWindows.some((w) => w.end !== null && w.start.slice(0, 10) !== w.end.slice(0, 10)));
  assert.ok(crossing, 'a recurring window that crosses midnight');
  assert.equal(crossing.timezone, 'America/New_York');
  assert.equal(crossing.schedule, '0 23 * * 1-5');
  assert.equal(crossing.length, '3h');
  assert.ok(
    plans.some(
      (p) => p.recurring && p.timezone !== 'UTC' && /MON-FRI|1-5/.test(p.schedule) && p.nextWindows.every((w) => w.start.slice(0, 10) === w.end?.slice(0, 10)),
    ),
    'weekday business hours in a non-UTC zone',
  );
  assert.ok(
    plans.some((p) => !p.recurring && p.length.startsWith('until ')),
    'a one-off with at/until',
  );
  assert.ok(
    plans.some((p) => p.length === 'permanent' && p.nextWindows[0]?.end === null),
    'a permanent change',
  );
});
