import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LocatedPlan } from '../../../src/core/plan/plan-diff.js';
import { type CapacityPlanInput, parsePlan } from '../../../src/core/plan/schema.js';
import { buildPrReport, type RevisionInput } from '../../../src/core/report/pr-build.js';
import type { NamespaceImpact, PrReport } from '../../../src/core/report/pr-model.js';

// Every expected figure below is computed by hand in the comment next to it.

function plan(input: Partial<CapacityPlanInput> & { name: string }): LocatedPlan {
  return {
    plan: parsePlan({ apiVersion: 'capsched/v1', kind: 'CapacityPlan', namespace: 'ns.one', trus: 8, ...input }),
    file: `schedules/${input.name}.yaml`,
    line: 1,
  };
}

function side(plans: LocatedPlan[], ref = 'x'): RevisionInput {
  return { ref, commit: (ref === 'base' ? 'b' : 'h').repeat(40), pathExists: true, valid: true, plans, errors: [], warnings: [] };
}

function report(base: LocatedPlan[], head: LocatedPlan[], now: string, extra: Partial<Parameters<typeof buildPrReport>[0]> = {}): PrReport {
  return buildPrReport({ base: side(base, 'base'), head: side(head, 'head'), plansPath: 'schedules', nowMs: Date.parse(now), ...extra });
}

function ns(r: PrReport, name: string): NamespaceImpact {
  const found = r.namespaces.find((n) => n.namespace === name);
  assert.ok(found, `namespace ${name} in report`);
  return found;
}

const segs = (n: NamespaceImpact['head']): [string, string, number][] => n.segments.map((s) => [s.start, s.end, s.trus]);

test('a weeknight window crossing midnight: 5 windows × 3h × 8 TRUs = 120 TRU-hours per week', () => {
  // Horizon: Mon 2026-11-30 00:00Z → Mon 2026-12-07 00:00Z (now's UTC day). Starts Mon–Fri 23:00 UTC,
  // each ends 02:00 the next day, all inside the horizon: 5 × 3 h = 15 h; 15 × 8 = 120.
  const r = report([], [plan({ name: 'nightly', cron: '0 23 * * 1-5', duration: '3h' })], '2026-11-30T10:17:00Z');
  assert.equal(r.horizon.from, '2026-11-30T00:00Z');
  assert.equal(r.horizon.to, '2026-12-07T00:00Z');
  const n = ns(r, 'ns.one');
  assert.equal(n.head.truHours, 120);
  assert.equal(n.head.truHoursPerWeek, 120);
  assert.equal(n.head.provisionedHours, 15);
  assert.equal(n.head.peakTrus, 8);
  assert.equal(n.base.truHoursPerWeek, 0);
  assert.equal(n.deltaTruHoursPerWeek, 120);
  assert.deepEqual(segs(n.head)[0], ['2026-11-30T23:00Z', '2026-12-01T02:00Z', 8]);
  assert.deepEqual(segs(n.head)[4], ['2026-12-04T23:00Z', '2026-12-05T02:00Z', 8]);
  assert.equal(n.head.segments.length, 5);
  // Billed: each window holds the UTC hours 23, 00, 01 and 02 (released at 02:00, that hour counts):
  // 5 × 4 × 8 = 160 billed TRU-hours; 5 × 4 × 7 × 360,000 = 50,400,000 minimum Actions.
  assert.deepEqual([n.head.billedTruHoursPerWeek, n.head.minimumActionsPerWeek, n.deltaMinimumActionsPerWeek], [160, 50_400_000, 50_400_000]);
  assert.deepEqual(r.totals, {
    namespacesBase: 0,
    namespacesHead: 1,
    baseTruHoursPerWeek: 0,
    headTruHoursPerWeek: 120,
    deltaTruHoursPerWeek: 120,
    baseBilledTruHoursPerWeek: 0,
    headBilledTruHoursPerWeek: 160,
    deltaBilledTruHoursPerWeek: 160,
    baseMinimumActionsPerWeek: 0,
    headMinimumActionsPerWeek: 50_400_000,
    deltaMinimumActionsPerWeek: 50_400_000,
  });
  // Worst case at the list $50 per million: 50.4 × 50 = $2,520 a week.
  assert.deepEqual(r.cost, { currency: 'USD', actionsPricePerMillion: 50, basePerWeek: 0, headPerWeek: 2520, deltaPerWeek: 2520, deltaPer30Days: 10800 });
});

test('a daily window spilling over the horizon edges is clipped: Sunday-night window counts 2h on Monday, the last one 1h', () => {
  // Daily 23:00 UTC for 3h. Sun 11-29 23:00 → Mon 02:00: 2h inside; starts Mon 11-30 … Sat 12-05: 6 × 3h = 18h;
  // Sun 12-06 23:00 → 12-07 02:00: 1h inside. 2 + 18 + 1 = 21h × 4 TRUs = 84.
  const r = report([], [plan({ name: 'daily', trus: 4, cron: '0 23 * * *', duration: '3h' })], '2026-11-30T00:00:00Z');
  const n = ns(r, 'ns.one');
  assert.equal(n.head.provisionedHours, 21);
  assert.equal(n.head.truHoursPerWeek, 84);
  // Billed per UTC hour of the horizon: Sunday's window 00, 01, 02 (released at 02:00) = 3; six whole
  // windows 23, 00, 01, 02 = 24; the last one's 23:00 hour = 1. 28 hours × 4 = 112; 28 × 3 × 360,000 = 30,240,000.
  assert.deepEqual([n.head.billedTruHours, n.head.minimumActions], [112, 30_240_000]);
  assert.deepEqual(segs(n.head)[0], ['2026-11-30T00:00Z', '2026-11-30T02:00Z', 4]);
  assert.deepEqual(segs(n.head).at(-1), ['2026-12-06T23:00Z', '2026-12-07T00:00Z', 4]);
});

test('overlapping windows take the maximum, not the sum: 140 TRU-hours, not 168', () => {
  // a: 8 TRUs 22:00–24:00 daily; b: 4 TRUs 23:00–01:00 daily (UTC). Each day: 22–23 a alone (8),
  // 23–24 both (max 8, not 12), 00–01 b alone (4). Seven days: (8 + 8) × 7 = 112, plus the seven
  // 00–01 hours (the first from Sunday 11-29's b window) 4 × 7 = 28 → 140. Summing would give 168.
  const head = [plan({ name: 'a', trus: 8, cron: '0 22 * * *', duration: '2h' }), plan({ name: 'b', trus: 4, cron: '0 23 * * *', duration: '2h' })];
  const r = report([], head, '2026-11-30T05:00:00Z');
  const n = ns(r, 'ns.one');
  assert.equal(n.head.truHoursPerWeek, 140);
  assert.equal(n.head.provisionedHours, 21);
  assert.equal(n.head.peakTrus, 8);
  const overlap = n.head.segments.filter((s) => s.overlap);
  assert.equal(overlap.length, 7);
  assert.deepEqual([overlap[0]?.start, overlap[0]?.end, overlap[0]?.trus, overlap[0]?.plans], ['2026-11-30T23:00Z', '2026-12-01T00:00Z', 8, ['a', 'b']]);
  const warning = r.warnings.find((w) => w.kind === 'overlap');
  assert.ok(warning);
  assert.deepEqual(warning.plans, ['a', 'b']);
  assert.equal(warning.trus, 8);
  assert.equal(warning.introduced, true);
  assert.match(warning.message, /overlap 7 times/);
  assert.match(warning.message, /8 TRUs, the maximum/);
});

test('DST fall-back night, America/New_York: `duration: 3h` is 3 real hours; `until` 02:00 local is 4 real hours', () => {
  // Clocks fall back Sun 2026-11-01 02:00 EDT (06:00Z) → 01:00 EST. Horizon Thu 10-29 00:00Z → Thu 11-05 00:00Z.
  // nightly: 23:00 local daily, 3h of real time. Starts: 10-28 23:00 EDT = 10-29 03:00Z, 10-29, 10-30,
  // 10-31 23:00 EDT = 11-01 03:00Z (ends 06:00Z, which is 01:00 EST on the wall), then 23:00 EST =
  // 04:00Z on 11-02, 11-03, 11-04. The 11-04 23:00 EST start is 11-05 04:00Z, outside. 7 × 3h × 8 = 168.
  const nightly = plan({ name: 'nightly', namespace: 'ns.ny', timezone: 'America/New_York', cron: '0 23 * * *', duration: '3h' });
  // once: 2026-10-31 23:00 EDT (11-01 03:00Z) until 2026-11-01 02:00 EST (07:00Z): 4 real hours × 4 TRUs = 16.
  const once = plan({ name: 'once', namespace: 'ns.ny2', trus: 4, timezone: 'America/New_York', at: '2026-10-31T23:00', until: '2026-11-01T02:00' });
  const r = report([], [nightly, once], '2026-10-29T15:00:00Z');
  const n = ns(r, 'ns.ny');
  assert.equal(n.head.provisionedHours, 21);
  assert.equal(n.head.truHoursPerWeek, 168);
  assert.deepEqual(
    segs(n.head).map(([s]) => s),
    ['2026-10-29T03:00Z', '2026-10-30T03:00Z', '2026-10-31T03:00Z', '2026-11-01T03:00Z', '2026-11-02T04:00Z', '2026-11-03T04:00Z', '2026-11-04T04:00Z'],
  );
  assert.deepEqual(segs(n.head)[3], ['2026-11-01T03:00Z', '2026-11-01T06:00Z', 8]);
  assert.equal(n.head.segments[3]?.dst, true);
  assert.equal(n.head.segments[2]?.dst, false);
  assert.deepEqual(
    n.dstTransitions.map((t) => [t.zone, t.at, t.beforeOffset, t.afterOffset]),
    [['America/New_York', '2026-11-01T06:00Z', -240, -300]],
  );
  const dst = r.warnings.find((w) => w.kind === 'dst-night' && w.plans[0] === 'nightly');
  assert.ok(dst);
  assert.match(dst.message, /lasts 3h of real time but its wall-clock end is 01:00/);

  const o = ns(r, 'ns.ny2');
  assert.deepEqual(segs(o.head), [['2026-11-01T03:00Z', '2026-11-01T07:00Z', 4]]);
  assert.equal(o.head.provisionedHours, 4);
  assert.equal(o.head.truHoursPerWeek, 16);
  assert.match(r.warnings.find((w) => w.plans[0] === 'once')?.message ?? '', /lasts 4h of real time/);
});

test('DST spring-forward night: a 02:30 New York start does not exist that night, so the week has 6 windows', () => {
  // Clocks jump Sun 2026-03-08 02:00 EST → 03:00 EDT. Horizon Thu 03-05 00:00Z → 03-12 00:00Z. Starts 02:30 EST =
  // 07:30Z on 03-05, 03-06, 03-07; none on 03-08 (Temporal does not fire a skipped wall time); 02:30 EDT =
  // 06:30Z on 03-09, 03-10, 03-11. 6 × 1h × 4 TRUs = 24.
  const r = report([], [plan({ name: 'early', trus: 4, timezone: 'America/New_York', cron: '30 2 * * *', duration: '1h' })], '2026-03-05T12:00:00Z');
  const n = ns(r, 'ns.one');
  assert.equal(n.head.truHoursPerWeek, 24);
  assert.deepEqual(
    segs(n.head).map(([s]) => s),
    ['2026-03-05T07:30Z', '2026-03-06T07:30Z', '2026-03-07T07:30Z', '2026-03-09T06:30Z', '2026-03-10T06:30Z', '2026-03-11T06:30Z'],
  );
});

test('base → head delta, totals over all namespaces, cost, a longer horizon, short windows and namespaces managed elsewhere', () => {
  // base: nightly 8 TRUs Mon–Fri 3h = 120; steady 2 TRUs Mon 09:00 for 45m = 1.5 (same namespace);
  // other 2 TRUs Mon 09:00 for 1h on ns.two = 2. head: nightly at 12 TRUs = 180 (+60); steady and
  // other unchanged. ns.one 121.5 → 181.5 (+60); totals 123.5 → 183.5 (+60).
  // Billed (UTC hours, released at the end): ns.one base nightly 5 × 4 h × 8 = 160 (5 × 4 × 7 × 360,000 =
  // 50,400,000 Actions) + steady 09:00 hour at 2 = 2 (360,000) → 162 / 50,760,000; head nightly 5 × 4 × 12 = 240
  // (5 × 4 × 11 × 360,000 = 79,200,000) + 2 → 242 / 79,560,000: +80, +28,800,000. ns.two: 09:00 and 10:00 at 2 =
  // 4 / 720,000 both sides. Totals 166 → 246 billed TRU-hours; 51,480,000 → 80,280,000 Actions (+28,800,000).
  // Worst case at $40 per million: 2,059.20 → 3,211.20, +1,152 a week, +28.8 M × 30/7 × 40 = 4,937.14 per 30 days.
  const steady = plan({ name: 'steady', trus: 2, cron: '0 9 * * 1', duration: '45m' });
  const other = plan({ name: 'other', namespace: 'ns.two', trus: 2, cron: '0 9 * * 1', duration: '1h' });
  const base = [plan({ name: 'nightly', cron: '0 23 * * 1-5', duration: '3h' }), steady, other];
  const head = [plan({ name: 'nightly', trus: 12, cron: '0 23 * * 1-5', duration: '3h' }), steady, other];
  const r = report(base, head, '2026-11-30T10:00:00Z', { actionsPrice: 40, managedElsewhere: ['ns.o*', 'other'] });
  assert.deepEqual(r.totals, {
    namespacesBase: 2,
    namespacesHead: 2,
    baseTruHoursPerWeek: 123.5,
    headTruHoursPerWeek: 183.5,
    deltaTruHoursPerWeek: 60,
    baseBilledTruHoursPerWeek: 166,
    headBilledTruHoursPerWeek: 246,
    deltaBilledTruHoursPerWeek: 80,
    baseMinimumActionsPerWeek: 51_480_000,
    headMinimumActionsPerWeek: 80_280_000,
    deltaMinimumActionsPerWeek: 28_800_000,
  });
  assert.deepEqual(r.cost, {
    currency: 'USD',
    actionsPricePerMillion: 40,
    basePerWeek: 2059.2,
    headPerWeek: 3211.2,
    deltaPerWeek: 1152,
    deltaPer30Days: 4937.14,
  });
  assert.deepEqual([ns(r, 'ns.one').base.billedTruHoursPerWeek, ns(r, 'ns.one').head.minimumActionsPerWeek], [162, 79_560_000]);
  assert.deepEqual(
    r.namespaces.map((n) => [n.namespace, n.base.truHoursPerWeek, n.head.truHoursPerWeek, n.deltaTruHoursPerWeek, n.managedElsewhere]),
    [['ns.one', 121.5, 181.5, 60, true]],
  );
  assert.deepEqual(
    r.changes.map((c) => [c.kind, c.name, c.fields.map((f) => [f.field, f.before, f.after])]),
    [['changed', 'nightly', [['trus', 8, 12]]]],
  );
  // Warnings only for touched namespaces: ns.two is unchanged.
  assert.ok(r.warnings.every((w) => w.namespace === 'ns.one'));
  const short = r.warnings.find((w) => w.kind === 'short-window');
  assert.equal(short?.plans[0], 'steady');
  assert.equal(short?.introduced, false, 'base had the same short window');
  assert.match(short?.message ?? '', /45m/);
  const managed = r.warnings.find((w) => w.kind === 'managed-elsewhere');
  assert.equal(managed?.namespace, 'ns.one');

  // 14 days: nightly at head runs 10 × 3h × 12 = 360 TRU-hours, steady 2 × 0.75h × 2 = 3: 363 in the
  // horizon, 181.5 per week.
  const twoWeeks = report(base, head, '2026-11-30T10:00:00Z', { days: 14 });
  assert.equal(ns(twoWeeks, 'ns.one').head.truHours, 363);
  assert.equal(ns(twoWeeks, 'ns.one').head.truHoursPerWeek, 181.5);
});

test('paused and removed plans provision nothing at head; a permanent change counts from its start', () => {
  // base: nightly 8 TRUs Mon–Fri 3h = 120. head: nightly paused (0) and a permanent 4-TRU change from
  // Thu 2026-12-03 12:00 UTC to the horizon end (Mon 12-07 00:00): 84h × 4 = 336.
  const r = report(
    [plan({ name: 'nightly', cron: '0 23 * * 1-5', duration: '3h' })],
    [plan({ name: 'nightly', cron: '0 23 * * 1-5', duration: '3h', paused: true }), plan({ name: 'forever', trus: 4, at: '2026-12-03T12:00' })],
    '2026-11-30T10:00:00Z',
  );
  const n = ns(r, 'ns.one');
  assert.equal(n.base.truHoursPerWeek, 120);
  assert.equal(n.head.truHoursPerWeek, 336);
  assert.deepEqual(segs(n.head), [['2026-12-03T12:00Z', '2026-12-07T00:00Z', 4]]);
  assert.equal(n.deltaTruHoursPerWeek, 216);
});
