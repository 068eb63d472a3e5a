import assert from 'node:assert/strict';
import { test } from 'node:test';
import { billPieces, formatActions, hourlyPeaks, worstCaseCost, type BillingTiming } from '../../../src/core/billing/bill.js';
import { actedPlanWindows, billWindows, capacityPieces, placementCost } from '../../../src/core/billing/windows.js';
import { timingOptionCosts } from '../../../src/core/billing/timing-cost.js';
import { loadPlans } from '../../../src/core/plan/load.js';
import type { PlanFile } from '../../../src/core/ports.js';
import { planIntervals, planWindows, type Window } from '../../../src/core/windows/windows.js';

// The billing model against hand-computed bills (docs/billing.md). Every expected number below is
// worked out by hand in the comment above it: per UTC calendar hour the highest TRUs in force,
// billed TRU-hours = Σ peaks, minimum Actions = Σ (peak − 1) × 360,000, worst case at $50 per million.

const H = 3_600_000;
const M = 60_000;
const AT_END: BillingTiming = { leadMs: 0, release: 'at-end' };
const EARLY: BillingTiming = { leadMs: 0, release: 'early' };
const utc = (iso: string): number => Date.parse(iso);

const file = (name: string, body: string): PlanFile => {
  const bytes = new TextEncoder().encode(`apiVersion: capsched/v1\nkind: CapacityPlan\nname: ${name}\nnamespace: payments.a1b2c\n${body}`);
  return { path: `schedules/${name}.yaml`, kind: 'file', size: bytes.length, bytes };
};

/** The windows of the given plans in [fromMs, toMs), as validate and the report compute them. */
function windowsOf(fromMs: number, toMs: number, ...files: PlanFile[]): Window[] {
  const loaded = loadPlans(files);
  assert.deepEqual(
    loaded.issues.filter((i) => i.severity === 'error'),
    [],
  );
  return loaded.plans.flatMap((lp) => planWindows(lp.plan, fromMs, toMs));
}

function bill(windows: Window[], fromIso: string, toIso: string, timing: BillingTiming) {
  const b = billWindows(windows, utc(fromIso), utc(toIso), timing);
  return { hours: b.billedHours, truHours: b.billedTruHours, actions: b.minimumActions, peak: b.peakTrus };
}

const DAY_FROM = '2026-12-02T00:00:00Z';
const DAY_TO = '2026-12-03T00:00:00Z';
const wide = (from: string, to: string): [number, number] => [utc(from) - 2 * H, utc(to) + 2 * H];

test('on the hour: 8 TRUs 10:00–11:00 UTC bills 10:00 and 11:00 when released at the end, 10:00 alone when released early', () => {
  const ws = windowsOf(...wide(DAY_FROM, DAY_TO), file('hour', 'trus: 8\nat: "2026-12-02T10:00"\ntimezone: UTC\nduration: 1h'));
  // Released at 11:00:00: the 11:00 hour counts at 8 too → 2 hours × 8 = 16 TRU-hours; 2 × 7 × 360,000 = 5,040,000.
  assert.deepEqual(bill(ws, DAY_FROM, DAY_TO, AT_END), { hours: 2, truHours: 16, actions: 5_040_000, peak: 8 });
  // Released by 11:00: one hour, 8 TRU-hours, 7 × 360,000 = 2,520,000 Actions ($126 at list).
  assert.deepEqual(bill(ws, DAY_FROM, DAY_TO, EARLY), { hours: 1, truHours: 8, actions: 2_520_000, peak: 8 });
  assert.equal(worstCaseCost(2_520_000), 126);
  assert.equal(worstCaseCost(5_040_000, 40), 201.6);
  assert.equal(formatActions(2_520_000), '2.52 M');
  assert.equal(formatActions(360_000), '360,000');
  // An hour-aligned window is already at its cheapest place.
  assert.deepEqual(placementCost(ws[0]!, AT_END), { billedHours: 2, minimumActions: 5_040_000, bestHours: 2, bestMinimumActions: 5_040_000, shiftMs: 0 });
});

test(':30 ends: 10:00–11:30 bills two hours either way; 09:30–11:00 bills three where two would do', () => {
  const ws = windowsOf(...wide(DAY_FROM, DAY_TO), file('half', 'trus: 4\nat: "2026-12-02T10:00"\ntimezone: UTC\nduration: 1h30m'));
  // Hours 10 and 11 at 4: 8 TRU-hours, 2 × 3 × 360,000 = 2,160,000 (the end at 11:30 is inside the 11:00 hour).
  assert.deepEqual(bill(ws, DAY_FROM, DAY_TO, AT_END), { hours: 2, truHours: 8, actions: 2_160_000, peak: 4 });
  assert.deepEqual(bill(ws, DAY_FROM, DAY_TO, EARLY), { hours: 2, truHours: 8, actions: 2_160_000, peak: 4 });
  assert.equal(placementCost(ws[0]!, AT_END)!.bestMinimumActions, 2_160_000, 'no cheaper place');

  const late = windowsOf(...wide(DAY_FROM, DAY_TO), file('late', 'trus: 4\nat: "2026-12-02T09:30"\ntimezone: UTC\nduration: 1h30m'));
  // 09:30–11:00 released at 11:00: hours 09, 10, 11 → 12 TRU-hours, 3 × 3 × 360,000 = 3,240,000;
  // moved 30 minutes earlier (09:00–10:30) it bills 09 and 10: 2,160,000, one hour (1,080,000) less.
  assert.deepEqual(bill(late, DAY_FROM, DAY_TO, AT_END), { hours: 3, truHours: 12, actions: 3_240_000, peak: 4 });
  assert.deepEqual(placementCost(late[0]!, AT_END), {
    billedHours: 3,
    minimumActions: 3_240_000,
    bestHours: 2,
    bestMinimumActions: 2_160_000,
    shiftMs: -30 * M,
  });
});

test('Asia/Kolkata 10:00–11:00 is 04:30–05:30 UTC: two billed hours', () => {
  const ws = windowsOf(...wide(DAY_FROM, DAY_TO), file('ist', 'trus: 6\nat: "2026-12-02T10:00"\ntimezone: Asia/Kolkata\nduration: 1h'));
  assert.equal(ws[0]!.startMs, utc('2026-12-02T04:30:00Z'));
  // Hours 04 and 05 at 6: 12 TRU-hours, 2 × 5 × 360,000 = 3,600,000 Actions ($180), released at the end or early.
  assert.deepEqual(bill(ws, DAY_FROM, DAY_TO, AT_END), { hours: 2, truHours: 12, actions: 3_600_000, peak: 6 });
  assert.deepEqual(bill(ws, DAY_FROM, DAY_TO, EARLY), { hours: 2, truHours: 12, actions: 3_600_000, peak: 6 });
  assert.equal(worstCaseCost(3_600_000), 180);
  // Released at its end, an hour-aligned 1h window bills two hours too: the half hour costs nothing more.
  assert.equal(placementCost(ws[0]!, AT_END)!.bestMinimumActions, 3_600_000);
  // Released early, 05:00–06:00 UTC (10:30–11:30 IST) would bill one hour: 1,800,000 less.
  assert.deepEqual(placementCost(ws[0]!, EARLY), { billedHours: 2, minimumActions: 3_600_000, bestHours: 1, bestMinimumActions: 1_800_000, shiftMs: -30 * M });
});

test('DST nights in America/New_York: 00:00–03:00 local is 4 elapsed hours at fall-back, 2 at spring-forward', () => {
  const fall = windowsOf(
    utc('2026-10-31T00:00:00Z'),
    utc('2026-11-02T00:00:00Z'),
    file('fall', 'trus: 8\nat: "2026-11-01T00:00"\nuntil: "2026-11-01T03:00"\ntimezone: America/New_York'),
  );
  // 00:00 EDT = 04:00Z, 03:00 EST = 08:00Z. Released at 08:00: hours 04–08 = 5 × 8 = 40 TRU-hours, 5 × 7 × 360,000 = 12,600,000.
  assert.deepEqual([fall[0]!.startMs, fall[0]!.endMs], [utc('2026-11-01T04:00:00Z'), utc('2026-11-01T08:00:00Z')]);
  assert.deepEqual(bill(fall, '2026-11-01T00:00:00Z', '2026-11-02T00:00:00Z', AT_END), { hours: 5, truHours: 40, actions: 12_600_000, peak: 8 });
  // Released early: hours 04–07, 32 TRU-hours, 10,080,000.
  assert.deepEqual(bill(fall, '2026-11-01T00:00:00Z', '2026-11-02T00:00:00Z', EARLY), { hours: 4, truHours: 32, actions: 10_080_000, peak: 8 });

  const spring = windowsOf(
    utc('2027-03-13T00:00:00Z'),
    utc('2027-03-15T00:00:00Z'),
    file('spring', 'trus: 8\nat: "2027-03-14T00:00"\nuntil: "2027-03-14T03:00"\ntimezone: America/New_York'),
  );
  // 00:00 EST = 05:00Z, 03:00 EDT = 07:00Z: hours 05, 06, 07 released at the end (24 TRU-hours, 7,560,000); 05, 06 early (16, 5,040,000).
  assert.deepEqual(bill(spring, '2027-03-14T00:00:00Z', '2027-03-15T00:00:00Z', AT_END), { hours: 3, truHours: 24, actions: 7_560_000, peak: 8 });
  assert.deepEqual(bill(spring, '2027-03-14T00:00:00Z', '2027-03-15T00:00:00Z', EARLY), { hours: 2, truHours: 16, actions: 5_040_000, peak: 8 });

  // A 3h duration on the fall-back night is 3 elapsed hours: 04:00–07:00Z, hours 04–07 released at the end.
  const cron = windowsOf(
    utc('2026-10-31T00:00:00Z'),
    utc('2026-11-02T00:00:00Z'),
    file('nightly', 'trus: 8\ncron: "0 0 * * SUN"\ntimezone: America/New_York\nduration: 3h'),
  );
  assert.deepEqual(bill(cron, '2026-11-01T00:00:00Z', '2026-11-02T00:00:00Z', AT_END), { hours: 4, truHours: 32, actions: 10_080_000, peak: 8 });
});

test('a ramp with steps inside one hour: the hour counts at its highest step', () => {
  const ramp =
    'at: "2026-12-02T10:00"\ntimezone: UTC\nduration: 2h\nsteps:\n  - { after: 0h, trus: 2 }\n  - { after: 20m, trus: 6 }\n  - { after: 40m, trus: 4 }\n  - { after: 1h, trus: 3 }\n';
  const ws = windowsOf(...wide(DAY_FROM, DAY_TO), file('ramp', ramp));
  // 10:00 hour: 2, 6, 4 → 6. The step down to 3 at 11:00 is asked for at 11:00, so the 11:00 hour
  // holds 4 at that instant → 4. The end at 12:00 → 3. 6 + 4 + 3 = 13 TRU-hours; (5 + 3 + 2) × 360,000 = 3,600,000.
  assert.deepEqual(bill(ws, DAY_FROM, DAY_TO, AT_END), { hours: 3, truHours: 13, actions: 3_600_000, peak: 6 });
  // Lowerings complete by their instant: 10:00 → 6, 11:00 → 3: 9 TRU-hours, (5 + 2) × 360,000 = 2,520,000.
  assert.deepEqual(bill(ws, DAY_FROM, DAY_TO, EARLY), { hours: 2, truHours: 9, actions: 2_520_000, peak: 6 });
});

test('back-to-back windows of different TRUs: the change at the shared instant counts the higher value', () => {
  const ws = windowsOf(
    ...wide(DAY_FROM, DAY_TO),
    file('first', 'trus: 8\nat: "2026-12-02T00:00"\ntimezone: UTC\nduration: 2h'),
    file('second', 'trus: 4\nat: "2026-12-02T02:00"\ntimezone: UTC\nduration: 2h'),
  );
  // 00 → 8, 01 → 8, 02 → 8 (the lowering to 4 is asked for at 02:00), 03 → 4, 04 → 4 (the release at 04:00):
  // 32 TRU-hours, (7 + 7 + 7 + 3 + 3) × 360,000 = 27 × 360,000 = 9,720,000.
  assert.deepEqual(bill(ws, DAY_FROM, DAY_TO, AT_END), { hours: 5, truHours: 32, actions: 9_720_000, peak: 8 });
  // Early: 8, 8, 4, 4 = 24 TRU-hours; 20 × 360,000 = 7,200,000.
  assert.deepEqual(bill(ws, DAY_FROM, DAY_TO, EARLY), { hours: 4, truHours: 24, actions: 7_200_000, peak: 8 });
  // The same TRUs back to back never dip: 00–04 at 8 then the release at 04:00: 5 hours released at the end.
  const same = windowsOf(
    ...wide(DAY_FROM, DAY_TO),
    file('a', 'trus: 8\nat: "2026-12-02T00:00"\ntimezone: UTC\nduration: 2h'),
    file('b', 'trus: 8\nat: "2026-12-02T02:00"\ntimezone: UTC\nduration: 2h'),
  );
  assert.deepEqual(bill(same, DAY_FROM, DAY_TO, AT_END), { hours: 5, truHours: 40, actions: 12_600_000, peak: 8 });
});

test('a permanent baseline under a window: the window counts above it, the baseline every other hour', () => {
  const ws = windowsOf(
    ...wide(DAY_FROM, DAY_TO),
    file('baseline', 'trus: 2\nat: "2026-12-01T00:00"\ntimezone: UTC'),
    file('peak', 'trus: 8\nat: "2026-12-02T10:00"\ntimezone: UTC\nduration: 2h'),
  );
  // The day 2026-12-02: hours 00–09 at 2 (10), 10, 11 and 12 at 8 (the lowering to 2 is asked for at 12:00), 13–23 at 2 (11).
  // 10×2 + 3×8 + 11×2 = 66 TRU-hours; (10×1 + 3×7 + 11×1) × 360,000 = 42 × 360,000 = 15,120,000.
  assert.deepEqual(bill(ws, DAY_FROM, DAY_TO, AT_END), { hours: 24, truHours: 66, actions: 15_120_000, peak: 8 });
  // Early: 12:00 at 2 → 10×2 + 2×8 + 12×2 = 60; (10 + 14 + 12) × 360,000 = 12,960,000.
  assert.deepEqual(bill(ws, DAY_FROM, DAY_TO, EARLY), { hours: 24, truHours: 60, actions: 12_960_000, peak: 8 });
});

test('a raise lead: 3 minutes before 10:00 bills the 09:00 hour too; early release takes the 11:00 hour off', () => {
  const ws = windowsOf(...wide(DAY_FROM, DAY_TO), file('lead', 'trus: 8\nat: "2026-12-02T10:00"\ntimezone: UTC\nduration: 1h'));
  const lead = { leadMs: 3 * M, release: 'at-end' } as const;
  // Raised at 09:57, released at 11:00: hours 09, 10, 11 → 24 TRU-hours, 3 × 7 × 360,000 = 7,560,000.
  assert.deepEqual(bill(ws, DAY_FROM, DAY_TO, lead), { hours: 3, truHours: 24, actions: 7_560_000, peak: 8 });
  // Raised at 09:57, released by 11:00: hours 09, 10 → 16, 5,040,000.
  assert.deepEqual(bill(ws, DAY_FROM, DAY_TO, { leadMs: 3 * M, release: 'early' }), { hours: 2, truHours: 16, actions: 5_040_000, peak: 8 });
  // Moved 3 minutes later (raise at 10:00, release at 11:03) it bills 10 and 11: one hour, 2,520,000, less.
  assert.deepEqual(placementCost(ws[0]!, lead), { billedHours: 3, minimumActions: 7_560_000, bestHours: 2, bestMinimumActions: 5_040_000, shiftMs: 3 * M });
});

test('hourlyPeaks works on bare pieces: 1 TRU is free, overlapping pieces count at their maximum, hours outside the range are not billed', () => {
  const pieces = [
    { fromMs: 0, toMs: 90 * M, trus: 1 },
    { fromMs: 30 * M, toMs: 60 * M, trus: 3 },
    { fromMs: 3 * H, toMs: 4 * H, trus: 0 },
  ];
  assert.deepEqual(
    hourlyPeaks(pieces, 0, 3 * H, EARLY).map((h) => h.peakTrus),
    [3, 1, 0],
  );
  // At the end: the 3-TRU piece also reaches the 01:00 hour (its lowering is asked for at 01:00).
  assert.deepEqual(
    hourlyPeaks(pieces, 0, 3 * H, AT_END).map((h) => h.peakTrus),
    [3, 3, 0],
  );
  assert.deepEqual(billPieces(pieces, 0, 3 * H, EARLY), { billedHours: 2, billedTruHours: 4, minimumActions: 720_000, peakTrus: 3 });
  assert.deepEqual(billPieces(pieces, H, 2 * H, EARLY), { billedHours: 1, billedTruHours: 1, minimumActions: 0, peakTrus: 1 });
});

test("a plan's own lead and early release: its windows as capsched acts on them, billed per UTC hour", () => {
  const from = utc(DAY_FROM) - 2 * H;
  const to = utc(DAY_TO) + 2 * H;
  const acted = (body: string): Window[] => {
    const loaded = loadPlans([file('timed', body)]);
    assert.deepEqual(
      loaded.issues.filter((i) => i.severity === 'error'),
      [],
    );
    const plan = loaded.plans[0]!.plan;
    return actedPlanWindows(plan, planIntervals(plan, from, to)).map((w) => ({ ...w, localStart: '' }));
  };
  const flat = 'trus: 8\nat: "2026-12-02T10:00"\ntimezone: UTC\nduration: 1h\n';
  // lead: 3m → raised at 09:57, released at 11:00: hours 09, 10, 11 → 24 TRU-hours, 3 × 7 × 360,000 = 7,560,000.
  assert.deepEqual(bill(acted(`${flat}lead: 3m\n`), DAY_FROM, DAY_TO, AT_END), { hours: 3, truHours: 24, actions: 7_560_000, peak: 8 });
  // release: early → released at 10:58, done by 11:00: hour 10 alone → 8 TRU-hours, 2,520,000 ($126).
  assert.deepEqual(bill(acted(`${flat}release: early\n`), DAY_FROM, DAY_TO, AT_END), { hours: 1, truHours: 8, actions: 2_520_000, peak: 8 });
  // Both: 09:57–10:58 → hours 09 and 10: 16 TRU-hours, 5,040,000.
  assert.deepEqual(bill(acted(`${flat}lead: 3m\nrelease: early\n`), DAY_FROM, DAY_TO, AT_END), { hours: 2, truHours: 16, actions: 5_040_000, peak: 8 });
  // A ramp 2 → 8 at 10:00–12:00 with lead 5m and an early release: 2 from 09:55, 8 from 10:55 (the step up
  // is raised 5 minutes early too), released at 11:58. Hours 09 → 2, 10 → 8, 11 → 8, 12 → nothing:
  // 18 TRU-hours, (1 + 7 + 7) × 360,000 = 5,400,000. Without the timing: 10 → 2, 11 → 8, 12 → 8 (released at 12:00), the same total an hour later.
  const ramp = 'at: "2026-12-02T10:00"\ntimezone: UTC\nduration: 2h\nsteps:\n  - { after: 0h, trus: 2 }\n  - { after: 1h, trus: 8 }\n';
  const timed = acted(`${ramp}lead: 5m\nrelease: early\n`);
  assert.deepEqual(
    timed[0]!.steps!.map((s) => [new Date(s.atMs).toISOString().slice(11, 16), s.trus]),
    [
      ['09:55', 2],
      ['10:55', 8],
    ],
  );
  const hoursOf = (ws: Window[]) =>
    hourlyPeaks(capacityPieces(ws, from, to), utc('2026-12-02T09:00:00Z'), utc('2026-12-02T13:00:00Z'), AT_END).map((h) => h.peakTrus);
  assert.deepEqual(hoursOf(timed), [2, 8, 8, 0]);
  assert.deepEqual(hoursOf(acted(ramp)), [0, 2, 8, 8]);
  assert.deepEqual(bill(timed, DAY_FROM, DAY_TO, AT_END), { hours: 3, truHours: 18, actions: 5_400_000, peak: 8 });
});

test('timingOptionCosts: each option alone against raise-at-start, release-at-end, for the plan alone', () => {
  const start = utc('2026-12-05T10:00:00Z');
  // A ramp 4 (10:00) → 2 (11:00) → 8 (11:20), ending 13:00. Default: hours 10 → 4, 11 → 8, 12 → 8, 13 → 8 (released at 13:00).
  const ramp = {
    trus: 8,
    startMs: start,
    endMs: start + 3 * H,
    steps: [
      { atMs: start, trus: 4 },
      { atMs: start + H, trus: 2 },
      { atMs: start + H + 20 * M, trus: 8 },
    ],
  };
  const costs = timingOptionCosts([ramp], { leadMs: 30 * M, release: 'early' }, 'window', 50);
  // lead 30m: 4 from 09:30 → the 09:00 hour at 4 (+3 × 360,000), and the step up to 8 raised at 10:50 → the 10:00 hour
  // at 8, not 4 (+4 × 360,000): +1 billed hour, +8 billed TRU-hours, +2,520,000 Actions ($126).
  assert.deepEqual(
    costs.map((c) => [c.option, c.billedHours, c.billedTruHours, c.minimumActions, c.worstCaseUsd]),
    [
      ['lead', 1, 8, 2_520_000, 126],
      ['release', -1, -8, -2_520_000, -126],
    ],
  );
  assert.equal(
    costs[0]!.text,
    'lead 30m crosses 10:00 UTC: +1 billed hour a window, +8 billed TRU-hours = +2.52 M minimum Actions a window ($126.00 at $50 per million)',
  );
  // release early: done by 13:00 → the 13:00 hour (8) is not billed: −1 hour at 8 TRUs.
  assert.equal(
    costs[1]!.text,
    'release early completes by 13:00 UTC: -1 billed hour a window at 8 TRUs = -2.52 M minimum Actions a window (-$126.00 at $50 per million)',
  );
  assert.deepEqual(timingOptionCosts([ramp], { leadMs: 0, release: 'at-end' }, 'window', 50), [], 'the default timing has no option to price');
});
