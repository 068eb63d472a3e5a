import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validatePlans } from '../../../src/core/plan/validate.js';
import type { PlanFile } from '../../../src/core/ports.js';
import { loadPlans } from '../../../src/core/plan/load.js';
import { effectiveTimeline, planWindows } from '../../../src/core/windows/windows.js';

// issue #14: everything that integrates capacity over time follows a ramp's steps — weekly
// TRU-hours, provisioned hours, peaks, overlaps — computed by hand below.

const H = 3_600_000;
const MONDAY = Date.parse('2026-11-30T00:00:00Z'); // a Monday, 00:00 UTC
const file = (path: string, text: string): PlanFile => {
  const bytes = new TextEncoder().encode(text);
  return { path, kind: 'file', size: bytes.length, bytes };
};
const plan = (name: string, body: string, namespace = 'payments.a1b2c'): PlanFile =>
  file(`schedules/${name}.yaml`, `apiVersion: capsched/v1\nkind: CapacityPlan\nname: ${name}\nnamespace: ${namespace}\n${body}`);
const steps = (...s: [string, number][]): string => `steps:\n${s.map(([after, trus]) => `  - { after: ${after}, trus: ${trus} }\n`).join('')}`;

test('a daily ramp that crosses midnight: weekly TRU-hours, provisioned hours and peak follow its steps', () => {
  // Every day 22:00–02:00 UTC: 22:00 4, 23:00 8, 01:00 2 → 4 + 2×8 + 2 = 22 TRU-hours a window.
  // The week from Monday 00:00Z: Sunday's window (started 29 Nov 22:00) still holds 00:00–01:00 at
  // 8 and 01:00–02:00 at 2 = 10; Monday…Saturday's six windows whole = 6 × 22 = 132; Sunday 6 Dec's
  // window only 22:00–24:00 = 4 + 8 = 12. Total 10 + 132 + 12 = 154 TRU-hours, over 2 + 6×4 + 2 = 28 h.
  const report = validatePlans([plan('late', `cron: "0 22 * * *"\nduration: 4h\n${steps(['0h', 4], ['1h', 8], ['3h', 2])}`)], { now: MONDAY });
  assert.deepEqual(report.errors, []);
  // Billed per UTC hour (docs/billing.md; a lowering asked for at hh:00 still counts in hour hh): a whole window
  // bills 22 → 4, 23 → 8, 00 → 8, 01 → 8 (the step down to 2 is at 01:00), 02 → 2 (the release) = 30, and
  // (3 + 7 + 7 + 7 + 1) × 360,000 = 25 × 360,000. The week: Sunday's window 00 → 8, 01 → 8, 02 → 2 = 18 (15);
  // six whole windows 180 (150); the last one's 22 → 4, 23 → 8 = 12 (10). 210 billed TRU-hours, 175 × 360,000 =
  // 63,000,000 minimum Actions, $3,150 at $50 per million.
  assert.deepEqual(report.namespaces, [
    {
      namespace: 'payments.a1b2c',
      plans: ['late'],
      truHoursPerWeek: 154,
      provisionedHoursPerWeek: 28,
      peakTrus: 8,
      billedTruHoursPerWeek: 210,
      minimumActionsPerWeek: 63_000_000,
      worstCaseUsdPerWeek: 3150,
    },
  ]);
  // A flat plan at its peak would be 7 × 4 × 8 = 224: the ramp is not read as its peak.
  assert.equal(report.plans[0]!.trus, 8, 'a summary names the peak');
  assert.deepEqual(report.plans[0]!.steps, [
    { after: '0h', trus: 4 },
    { after: '1h', trus: 8 },
    { after: '3h', trus: 2 },
  ]);
  // Previews show each step's local and UTC time.
  assert.deepEqual(report.plans[0]!.nextWindows[0]!.steps, [
    { at: '2026-11-30T22:00Z', atUtc: '2026-11-30T22:00Z', trus: 4 },
    { at: '2026-11-30T23:00Z', atUtc: '2026-11-30T23:00Z', trus: 8 },
    { at: '2026-12-01T01:00Z', atUtc: '2026-12-01T01:00Z', trus: 2 },
  ]);
});

test('a ramp overlapping a flat window on the same namespace: each segment takes the maximum of the current steps', () => {
  // ramp: daily 08:00–12:00 UTC, 4 then 12 from 10:00. flat: daily 09:00–12:00 UTC at 8.
  // 08–09 ramp 4 alone = 4; 09–10 max(4, 8) = 8; 10–12 max(12, 8) = 12 × 2 = 24 → 36 a day,
  // 7 × 36 = 252 a week over 7 × 4 = 28 h. (Reading the ramp as its peak would give 48 a day.)
  const files = [plan('ramp', `cron: "0 8 * * *"\nduration: 4h\n${steps(['0h', 4], ['2h', 12])}`), plan('flat', 'trus: 8\ncron: "0 9 * * *"\nduration: 3h\n')];
  const report = validatePlans(files, { now: MONDAY });
  assert.deepEqual(report.errors, []);
  // Billed: 08 → 4, 09 → 8, 10 → 12, 11 → 12, 12 → 12 (released at 12:00) = 48 a day, (3 + 7 + 11 + 11 + 11) = 43
  // × 360,000; 7 days: 336 billed TRU-hours, 301 × 360,000 = 108,360,000 Actions, $5,418.
  assert.deepEqual(report.namespaces, [
    {
      namespace: 'payments.a1b2c',
      plans: ['flat', 'ramp'],
      truHoursPerWeek: 252,
      provisionedHoursPerWeek: 28,
      peakTrus: 12,
      billedTruHoursPerWeek: 336,
      minimumActionsPerWeek: 108_360_000,
      worstCaseUsdPerWeek: 5418,
    },
  ]);
  const day = effectiveTimeline(
    loadPlans(files).plans.flatMap((lp) => planWindows(lp.plan, MONDAY, MONDAY + 24 * H)),
    MONDAY + 8 * H,
    MONDAY + 12 * H,
  );
  assert.deepEqual(
    day.map((s) => [(s.startMs - MONDAY) / H, (s.endMs - MONDAY) / H, s.trus, s.plans.join('+')]),
    [
      [8, 9, 4, 'ramp'],
      [9, 10, 8, 'flat+ramp'],
      [10, 12, 12, 'flat+ramp'],
    ],
  );
  // The overlap warning names the ramp's values during the overlap and the most the namespace gets.
  const overlap = report.warnings.find((w) => w.code === 'overlap');
  assert.ok(overlap);
  assert.match(overlap.message, /"ramp" 4 → 12 TRUs and "flat" 8 TRUs .*; the namespace gets the maximum, 12 TRUs,/);
});

test('an overlap during a ramp’s low step reports the maximum of the steps it overlaps, not the ramp’s peak', () => {
  // ramp 08:00–12:00 UTC: 2 until 11:00, then 12. flat 08:30–09:30 at 4: the overlap sees 2 and 4 → 4.
  const report = validatePlans(
    [plan('ramp', `cron: "0 8 * * *"\nduration: 4h\n${steps(['0h', 2], ['3h', 12])}`), plan('flat', 'trus: 4\ncron: "30 8 * * *"\nduration: 1h\n')],
    { now: MONDAY },
  );
  const overlap = report.warnings.find((w) => w.code === 'overlap');
  assert.ok(overlap);
  assert.match(overlap.message, /"ramp" 2 TRUs and "flat" 4 TRUs .*; the namespace gets the maximum, 4 TRUs,/);
  // Per day: 08:00–08:30 2 = 1; 08:30–09:30 4 = 4; 09:30–11:00 2 = 3; 11:00–12:00 12 = 12 → 20; × 7 = 140.
  assert.equal(report.namespaces[0]!.truHoursPerWeek, 140);
});

test('a ramp on the New York fall-back night: offsets are elapsed time while the wall clock repeats 01:00', () => {
  // 2026-11-01, New York: 02:00 EDT becomes 01:00 EST. A one-off at 00:00 EDT (04:00Z) for 4h:
  // 0h 4 → 04:00Z (00:00 EDT), 1h 8 → 05:00Z (01:00 EDT), 2h 12 → 06:00Z (01:00 EST again), end
  // 08:00Z (03:00 EST). TRU-hours: 4 + 8 + 2 × 12 = 36 over 4 h (on the wall clock, 00:00–03:00).
  const report = validatePlans(
    [plan('fallback', `at: "2026-11-01T00:00"\ntimezone: America/New_York\nduration: 4h\n${steps(['0h', 4], ['1h', 8], ['2h', 12])}`)],
    { now: Date.parse('2026-10-31T12:00:00Z') },
  );
  assert.deepEqual(report.errors, []);
  // Billed per UTC hour: 04 → 4, 05 → 8, 06 → 12, 07 → 12, 08 → 12 (released at 08:00Z) = 48; (3 + 7 + 11 + 11 + 11)
  // × 360,000 = 15,480,000 Actions, $774.
  assert.deepEqual(report.namespaces[0], {
    namespace: 'payments.a1b2c',
    plans: ['fallback'],
    truHoursPerWeek: 36,
    provisionedHoursPerWeek: 4,
    peakTrus: 12,
    billedTruHoursPerWeek: 48,
    minimumActionsPerWeek: 15_480_000,
    worstCaseUsdPerWeek: 774,
  });
  const w = report.plans[0]!.nextWindows[0]!;
  assert.deepEqual([w.start, w.end], ['2026-11-01T00:00-04:00', '2026-11-01T03:00-05:00']);
  assert.deepEqual(w.steps, [
    { at: '2026-11-01T00:00-04:00', atUtc: '2026-11-01T04:00Z', trus: 4 },
    { at: '2026-11-01T01:00-04:00', atUtc: '2026-11-01T05:00Z', trus: 8 },
    { at: '2026-11-01T01:00-05:00', atUtc: '2026-11-01T06:00Z', trus: 12 },
  ]);
});

test('a ramp on the New York spring-forward night: a step two hours in lands at 04:00 local, the skipped hour never exists', () => {
  // 2026-03-08, New York: 02:00 EST becomes 03:00 EDT. A daily cron at 01:00 for 3h:
  // 0h 2 → 06:00Z (01:00 EST), 1h 6 → 07:00Z (03:00 EDT), 2h 10 → 08:00Z (04:00 EDT), end 09:00Z.
  // TRU-hours for that window: 2 + 6 + 10 = 18.
  const loaded = loadPlans([plan('spring', `cron: "0 1 * * *"\ntimezone: America/New_York\nduration: 3h\n${steps(['0h', 2], ['1h', 6], ['2h', 10])}`)]);
  assert.deepEqual(loaded.issues, []);
  const night = Date.parse('2026-03-08T06:00:00Z');
  const [w] = planWindows(loaded.plans[0]!.plan, night, night + H);
  assert.deepEqual(
    w!.steps!.map((s) => [s.local, s.trus]),
    [
      ['2026-03-08T01:00-05:00', 2],
      ['2026-03-08T03:00-04:00', 6],
      ['2026-03-08T04:00-04:00', 10],
    ],
  );
  const segments = effectiveTimeline([w!], night, night + 3 * H);
  assert.equal(
    segments.reduce((sum, s) => sum + (s.trus * (s.endMs - s.startMs)) / H, 0),
    18,
  );
});
