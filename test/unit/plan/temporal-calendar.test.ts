import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type CapacityPlanInput, parsePlan } from '../../../src/core/plan/schema.js';
import { validatePlans } from '../../../src/core/plan/validate.js';
import { parseCron } from '../../../src/core/windows/cron.js';
import { goDate, temporalOccurrences } from '../../../src/core/windows/temporal-calendar.js';

// The port of Temporal's scheduler arithmetic, checked without a server against start times the
// dev server returned (see test/server/validate/preview-*-server.test.ts for the live comparison).

function starts(cron: string, zone: string, from: string, to: string): string[] {
  const parsed = parseCron(cron);
  assert.ok(parsed.ok);
  return temporalOccurrences(parsed.cron, zone, Date.parse(from), Date.parse(to)).map((ms) => new Date(ms).toISOString().slice(0, 16));
}

test("Go's time.Date: a gap moves by the offset found at the wall time; a repeat picks by the zone's side of UTC", () => {
  const iso = (ms: number): string => new Date(ms).toISOString().slice(0, 16);
  assert.equal(
    iso(goDate('America/New_York', 2027, 3, 14, 2, 30, 0)),
    '2027-03-14T06:30',
    '02:30 in the gap comes back as 01:30 EST (so it never matches hour 2)',
  );
  assert.equal(iso(goDate('America/New_York', 2027, 11, 7, 1, 30, 0)), '2027-11-07T05:30', 'west of UTC: the first (EDT) copy');
  assert.equal(iso(goDate('Europe/Berlin', 2027, 10, 31, 2, 30, 0)), '2027-10-31T01:30', 'east of UTC: the second (CET) copy');
  assert.equal(iso(goDate('America/Santiago', 2027, 9, 5, 0, 0, 0)), '2027-09-05T03:00', 'midnight in a gap is 23:00 the day before');
  assert.equal(iso(goDate('UTC', 2027, 1, 32, 24, 0, 0)), '2027-02-02T00:00', 'fields overflow like Go');
});

test('DST nights as the server fires them', () => {
  assert.deepEqual(starts('30 2 * * *', 'America/New_York', '2027-03-13T00:00Z', '2027-03-16T00:00Z'), ['2027-03-13T07:30', '2027-03-15T06:30']);
  assert.deepEqual(starts('30 1 * * *', 'America/New_York', '2027-11-06T00:00Z', '2027-11-08T00:00Z'), [
    '2027-11-06T05:30',
    '2027-11-07T05:30',
    '2027-11-07T06:30',
  ]);
  assert.deepEqual(starts('30 2 * * *', 'Europe/Berlin', '2027-10-30T12:00Z', '2027-11-01T12:00Z'), ['2027-10-31T01:30', '2027-11-01T01:30']);
  assert.deepEqual(starts('*/20 1 * * 0,6', 'Europe/Berlin', '2027-10-29T00:00Z', '2027-11-02T00:00Z'), [
    '2027-10-29T23:00',
    '2027-10-29T23:20',
    '2027-10-29T23:40',
    '2027-10-30T23:00',
    '2027-10-30T23:20',
    '2027-10-30T23:40',
    '2027-10-31T00:00',
  ]);
  assert.deepEqual(starts('10 3 * * SUN', 'America/Santiago', '2027-08-28T00:00Z', '2027-09-15T00:00Z'), ['2027-08-29T07:10', '2027-09-12T06:10']);
  assert.deepEqual(starts('0 3 * * SUN', 'America/Havana', '2027-03-06T00:00Z', '2027-03-22T00:00Z'), ['2027-03-07T08:00', '2027-03-21T07:00']);
  assert.deepEqual(starts('15 1 * * SUN', 'Australia/Lord_Howe', '2027-03-28T00:00Z', '2027-04-12T00:00Z'), [
    '2027-04-03T14:15',
    '2027-04-03T15:15',
    '2027-04-10T14:45',
  ]);
});

function validateOne(input: Partial<CapacityPlanInput>): { code: string; message: string }[] {
  const plan = parsePlan({ apiVersion: 'capsched/v1', kind: 'CapacityPlan', name: 'p', namespace: 'ns.a', trus: 8, duration: '1h', ...input });
  const text = Object.entries(plan)
    .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
    .join('\n');
  const bytes = new TextEncoder().encode(text);
  return validatePlans([{ path: 'p.yaml', kind: 'file', size: bytes.length, bytes }], { now: Date.parse('2026-12-01T00:00:00Z') }).warnings.map((w) => ({
    code: w.code,
    message: w.message,
  }));
}

test('DST warnings say what Temporal will do', () => {
  assert.deepEqual(
    validateOne({ cron: '30 2 * * *', timezone: 'Europe/Berlin' }),
    [
      {
        code: 'dst-repeated',
        message:
          'local start happens twice on 2027-10-31 in Europe/Berlin (clocks fall back): Temporal starts the window once, at 2027-10-31T02:30+01:00 (2027-10-31T01:30Z) — move the start out of the repeated hour',
      },
      {
        code: 'dst-skipped',
        message:
          'local start 02:30 on 2027-03-28 does not exist in Europe/Berlin (clocks jump forward): Temporal will not start this window that day — move the start out of the DST gap',
      },
    ].sort((a, b) => (a.code < b.code ? -1 : 1)),
  );
  assert.deepEqual(
    validateOne({ cron: '10 3 * * SUN', timezone: 'America/Santiago' }).map((w) => w.code),
    ['dst-skipped'],
  );
  assert.match(
    validateOne({ cron: '10 3 * * SUN', timezone: 'America/Santiago' })[0]!.message,
    /Temporal will not start the window at 2027-09-05T03:10-03:00 \(2027-09-05T06:10Z\)/,
  );
  assert.match(
    validateOne({ cron: '0 1 * * *', timezone: 'Europe/Berlin' }).find((w) => w.code === 'dst-repeated')!.message,
    /Temporal also starts the window at 2027-10-31T02:00\+02:00 \(2027-10-31T00:00Z\), a time the cron does not name/,
  );
  assert.deepEqual(validateOne({ cron: '0 12 * * *', timezone: 'Europe/Berlin' }), [], 'midday starts are never affected');
});
