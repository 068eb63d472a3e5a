import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CapacityPlan, type CapacityPlanInput, parsePlan } from '../../../src/core/plan/schema.js';
import { scheduleSpecFor } from '../../../src/core/plan/schedule-spec.js';
import { effectiveTimeline, findOverlaps, nextWindows, planWindows, truHoursPerWeek, type Window } from '../../../src/core/windows/windows.js';

const H = 3_600_000;
const T0 = Date.parse('2027-01-04T00:00:00Z'); // a Monday

function plan(input: Partial<CapacityPlanInput> & { name: string }): CapacityPlan {
  return parsePlan({ apiVersion: 'capsched/v1', kind: 'CapacityPlan', namespace: 'ns.a', trus: 8, ...input });
}
function w(planName: string, trus: number, startH: number, endH: number | null, namespace = 'ns.a'): Window {
  return { plan: planName, namespace, trus, startMs: T0 + startH * H, endMs: endH === null ? null : T0 + endH * H, localStart: '' };
}

test('planWindows: a weeknight window crossing midnight, and windows already running at `from`', () => {
  const p = plan({ name: 'nightly', cron: '0 23 * * 1-5', timezone: 'America/New_York', duration: '3h' });
  const ws = planWindows(p, T0, T0 + 7 * 24 * H);
  assert.equal(ws.length, 5);
  assert.equal(ws[0]!.localStart, '2027-01-04T23:00-05:00');
  assert.equal(ws[0]!.localEnd, '2027-01-05T02:00-05:00');
  assert.equal(ws[0]!.endMs! - ws[0]!.startMs, 3 * H);
  // From Tuesday 05:00Z (00:00 New York), Monday's window is still running and is included.
  const running = planWindows(p, Date.parse('2027-01-05T05:00:00Z'), Date.parse('2027-01-05T06:00:00Z'));
  assert.deepEqual(
    running.map((x) => x.localStart),
    ['2027-01-04T23:00-05:00'],
  );
  assert.deepEqual(planWindows({ ...p, paused: true }, T0, T0 + 7 * 24 * H), [], 'paused plans start nothing');
});

test('one-off windows: until, duration, permanent; nextWindows skips past ones', () => {
  const oneOff = plan({ name: 'event', at: '2027-01-06T09:00', until: '2027-01-06T17:00', timezone: 'Europe/Berlin' });
  assert.deepEqual(
    planWindows(oneOff, T0, T0 + 7 * 24 * H).map((x) => [x.localStart, x.localEnd]),
    [['2027-01-06T09:00+01:00', '2027-01-06T17:00+01:00']],
  );
  const permanent = plan({ name: 'forever', at: '2027-01-05T09:00Z' });
  assert.deepEqual(
    planWindows(permanent, T0 + 100 * 24 * H, T0 + 101 * 24 * H).map((x) => x.endMs),
    [null],
    'still in effect long after',
  );
  assert.deepEqual(nextWindows(permanent, T0 + 100 * 24 * H, 3), [], 'but it will not start again');
  assert.equal(nextWindows(plan({ name: 'leap', cron: '0 12 29 2 *', duration: '1h' }), T0, 3).length, 3, 'leap days up to twelve years ahead');
});

test('effectiveTimeline: the maximum over overlapping windows, on-demand (0) between them', () => {
  const timeline = effectiveTimeline([w('a', 8, 1, 4), w('b', 4, 3, 6), w('c', 2, 10, null)], T0, T0 + 12 * H);
  assert.deepEqual(
    timeline.map((s) => [(s.startMs - T0) / H, (s.endMs - T0) / H, s.trus, s.plans.join('+')]),
    [
      [0, 1, 0, ''],
      [1, 3, 8, 'a'],
      [3, 4, 8, 'a+b'],
      [4, 6, 4, 'b'],
      [6, 10, 0, ''],
      [10, 12, 2, 'c'],
    ],
  );
});

test('findOverlaps: pairs from different plans on one namespace, with the effective TRUs', () => {
  const overlaps = findOverlaps([w('a', 8, 1, 4), w('b', 4, 3, 6), w('a', 8, 25, 28), w('c', 12, 2, 3, 'ns.other'), w('d', 2, 100, null), w('e', 3, 200, 201)]);
  assert.deepEqual(
    overlaps.map((o) => [o.first.plan, o.second.plan, (o.startMs - T0) / H, o.endMs === null ? null : (o.endMs - T0) / H, o.effectiveTrus]),
    [
      ['a', 'b', 3, 4, 8],
      ['d', 'e', 200, 201, 3],
    ],
  );
  assert.deepEqual(findOverlaps([w('a', 8, 1, 4), w('a', 8, 2, 5)]), [], 'a plan never overlaps itself');
});

test('truHoursPerWeek: per namespace, overlaps counted once at the maximum', () => {
  const summary = truHoursPerWeek([w('a', 8, 1, 4), w('b', 4, 3, 6), w('c', 2, 0, 1, 'ns.b'), w('late', 12, 24 * 8, 24 * 9)], T0);
  assert.deepEqual(summary, [
    { namespace: 'ns.a', truHours: 8 * 3 + 4 * 2, peakTrus: 8, provisionedHours: 5 },
    { namespace: 'ns.b', truHours: 2, peakTrus: 2, provisionedHours: 1 },
  ]);
});

test('scheduleSpecFor: cron with the zone; a one-off as one UTC calendar entry, offsets honoured', () => {
  assert.deepEqual(scheduleSpecFor(plan({ name: 'n', cron: '@daily', timezone: 'Europe/Berlin', duration: '1h' })), {
    cronExpressions: ['0 0 * * *'],
    timezone: 'Europe/Berlin',
  });
  const spec = scheduleSpecFor(plan({ name: 'o', at: '2027-01-06T09:00-05:00', timezone: 'Asia/Tokyo', duration: '2h' }));
  assert.equal(spec.timezone, 'UTC');
  assert.deepEqual(
    { ...spec.calendars![0], comment: undefined },
    { year: 2027, month: 'JANUARY', dayOfMonth: 6, hour: 14, minute: 0, second: 0, comment: undefined },
  );
  const local = scheduleSpecFor(plan({ name: 'l', at: '2027-07-01T09:30', timezone: 'Asia/Tokyo', duration: '2h' }));
  assert.deepEqual([local.calendars![0]!.dayOfMonth, local.calendars![0]!.hour, local.calendars![0]!.minute], [1, 0, 30]);
});
