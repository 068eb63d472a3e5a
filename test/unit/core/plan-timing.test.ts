import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveWindowEnd } from '../../../src/core/capacity/window.js';
import { readRamp } from '../../../src/core/capacity/steps.js';
import { parseDurationMs } from '../../../src/core/capacity/duration.js';
import { actedStepOffsets, actedWindow, fireCron, RELEASE_LEAD_MS, type WindowTiming } from '../../../src/core/capacity/timing.js';
import { desiredSchedules } from '../../../src/core/desired/build.js';
import { desiredNow, occurrenceWorkflowId } from '../../../src/core/live/desired-now.js';
import { loadPlans } from '../../../src/core/plan/load.js';
import type { PlanFile } from '../../../src/core/ports.js';
import { parseCron, type Cron } from '../../../src/core/windows/cron.js';
import { temporalOccurrences } from '../../../src/core/windows/temporal-calendar.js';
import { planIntervals } from '../../../src/core/windows/windows.js';

// A plan's `lead:` and `release:` reach the product: the schedule fires `lead` early, and the
// window input carries the instants the workflow acts on (core/capacity/timing.ts).

const M = 60_000;
const H = 60 * M;
const LEAD3: WindowTiming = { leadMs: 3 * M, release: 'at-end' };
const EARLY: WindowTiming = { leadMs: 0, release: 'early' };
const options = { installation: 'default', commit: 'c0ffee', nowMs: Date.parse('2026-11-30T00:00:00Z') };

const file = (name: string, body: string): PlanFile => {
  const bytes = new TextEncoder().encode(`apiVersion: capsched/v1\nkind: CapacityPlan\nname: ${name}\nnamespace: payments.a1b2c\n${body}`);
  return { path: `schedules/${name}.yaml`, kind: 'file', size: bytes.length, bytes };
};
function load(...files: PlanFile[]) {
  const loaded = loadPlans(files);
  assert.deepEqual(
    loaded.issues.filter((i) => i.severity === 'error'),
    [],
  );
  return loaded;
}
const cron = (text: string): Cron => {
  const parsed = parseCron(text);
  assert.ok(parsed.ok, text);
  return parsed.cron;
};
const fired = (text: string, leadMs: number): string => {
  const f = fireCron(cron(text), leadMs);
  assert.ok(f.ok, f.ok ? '' : f.message);
  return f.expression;
};

test('fireCron moves every start back by the lead, into the previous hour or day when it must', () => {
  assert.equal(fired('0 23 * * 1-5', 3 * M), '57 22 * * 1-5');
  assert.equal(fired('30 9 * * *', 3 * M), '27 9 * * *');
  assert.equal(fired('10 6,18 * * *', 10 * M), '0 6,18 * * *');
  assert.equal(fired('0 9,12 * * *', 5 * M), '55 8,11 * * *');
  // Midnight: the day before.
  assert.equal(fired('0 0 * * *', 3 * M), '57 23 * * *');
  assert.equal(fired('0 0 * * 1-5', 3 * M), '57 23 * * 0-4');
  assert.equal(fired('0 0 * * 0', 30 * M), '30 23 * * 6');
  assert.equal(fired('0 0 2,15 * *', 3 * M), '57 23 1,14 * *');
  assert.equal(fired('0 23 * * 1-5', 0), '0 23 * * 1-5', 'no lead: the plan cron');
  // What one cron cannot say.
  for (const text of ['0,30 9 * * *', '0 0,12 * * 1-5', '0 0 1 * *', '0 0 31 * *', '0 0 * 12 *', '0 0 * 12 1'])
    assert.equal(fireCron(cron(text), 3 * M).ok, false, text);
});

test('the fired cron fires exactly lead before every start Temporal fires for the plan (a week in New York and in Kolkata)', () => {
  for (const [text, zone] of [
    ['0 23 * * 1-5', 'America/New_York'],
    ['0 0 * * 1-5', 'America/New_York'],
    ['0 10 * * *', 'Asia/Kolkata'],
    ['0 0 2,15 * *', 'Europe/Berlin'],
  ] as const) {
    const from = Date.parse('2026-12-01T00:00:00Z');
    const to = from + 40 * 24 * H;
    const starts = temporalOccurrences(cron(text), zone, from, to);
    const fires = temporalOccurrences(cron(fired(text, 3 * M)), zone, from - 3 * M, to - 3 * M);
    assert.ok(starts.length > 0);
    assert.deepEqual(
      fires,
      starts.map((s) => s - 3 * M),
      `${text} in ${zone}`,
    );
  }
});

test('actedStepOffsets: each step up is requested lead early, each step down stays at its instant; an early release cuts what follows it', () => {
  const ramp = [
    { afterMs: 0, trus: 4 },
    { afterMs: 1 * H, trus: 8 },
    { afterMs: 2 * H, trus: 12 },
    { afterMs: 9 * H, trus: 6 },
  ];
  // Offsets from the fire time (start − 3m): 4 from 0, 8 from 1h (= plan 57m), 12 from 2h, 6 from 9h3m (= plan 9h).
  assert.deepEqual(actedStepOffsets(ramp, LEAD3), [
    { afterMs: 0, trus: 4 },
    { afterMs: 1 * H, trus: 8 },
    { afterMs: 2 * H, trus: 12 },
    { afterMs: 9 * H + 3 * M, trus: 6 },
  ]);
  // Down then up within the lead: the dip is never requested (the up comes before the down would).
  const dip = [
    { afterMs: 0, trus: 8 },
    { afterMs: 1 * H, trus: 4 },
    { afterMs: 1 * H + 2 * M, trus: 8 },
  ];
  assert.deepEqual(actedStepOffsets(dip, LEAD3), [{ afterMs: 0, trus: 8 }]);
  // No lead, early release at 9h58m of a 10h window: the steps as planned.
  assert.deepEqual(actedStepOffsets(ramp, EARLY, 10 * H - RELEASE_LEAD_MS), ramp);
});

test('actedWindow: the window as capsched acts on it — from start − lead to the end as sent', () => {
  const start = Date.parse('2026-12-02T01:00:00Z');
  const w = { startMs: start, endMs: start + H, trus: 8 };
  assert.deepEqual(actedWindow(w, { leadMs: 0, release: 'at-end' }), w, 'the default timing changes nothing');
  assert.deepEqual(actedWindow(w, LEAD3), { startMs: start - 3 * M, endMs: start + H, trus: 8 });
  assert.deepEqual(actedWindow(w, { leadMs: 3 * M, release: 'early' }), { startMs: start - 3 * M, endMs: start + H - 2 * M, trus: 8 });
  assert.deepEqual(actedWindow({ startMs: start, endMs: null, trus: 2 }, LEAD3), { startMs: start - 3 * M, endMs: null, trus: 2 });
});

test('desired schedule: a lead makes the cron fire 3 minutes early; the window input still ends at the plan end (and 2 minutes before it with release: early)', () => {
  const loaded = load(
    file('plain', 'trus: 8\ncron: "0 23 * * 1-5"\ntimezone: America/New_York\nduration: 3h\n'),
    file('lead', 'trus: 8\ncron: "0 23 * * 1-5"\ntimezone: America/New_York\nduration: 3h\nlead: 3m\n'),
    file('both', 'trus: 8\ncron: "0 23 * * 1-5"\ntimezone: America/New_York\nduration: 3h\nlead: 3m\nrelease: early\n'),
  );
  const [both, lead, plain] = desiredSchedules(loaded.plans, options);
  assert.deepEqual(plain!.spec.cronExpressions, ['0 23 * * 1-5']);
  assert.equal(plain!.action.args[0].duration, '3h');
  assert.equal(plain!.fields.timing, undefined, 'a plan without timing keeps its fields (and spec hash)');
  assert.deepEqual(lead!.spec.cronExpressions, ['57 22 * * 1-5']);
  assert.equal(lead!.fields.timing, 'lead 3m');
  assert.equal(both!.fields.timing, 'lead 3m, release early');
  assert.notEqual(lead!.specHash, plain!.specHash);

  // The workflow's own end arithmetic on the input, from the fire time Temporal records as the run's scheduled start.
  const [planned] = planIntervals(
    loaded.plans.find((p) => p.plan.name === 'lead')!.plan,
    Date.parse('2026-12-01T00:00:00Z'),
    Date.parse('2026-12-03T00:00:00Z'),
  );
  const fireMs = planned!.startMs - 3 * M;
  const fireOf = (d: typeof plain) => temporalOccurrences(cron(d!.spec.cronExpressions![0]!), 'America/New_York', fireMs - 1, fireMs + 1);
  assert.deepEqual(fireOf(lead), [fireMs], 'the schedule fires at 22:57 New York, 3 minutes before the window');
  assert.deepEqual(resolveWindowEnd(lead!.action.args[0], { scheduledStartMs: fireMs, runStartMs: fireMs }), { ok: true, endMs: planned!.endMs });
  assert.deepEqual(resolveWindowEnd(both!.action.args[0], { scheduledStartMs: fireMs, runStartMs: fireMs }), {
    ok: true,
    endMs: planned!.endMs! - RELEASE_LEAD_MS,
  });
  assert.equal(lead!.action.args[0].duration, '3h3m');
  assert.equal(both!.action.args[0].duration, '3h1m');
  // The previews still show the plan's own start.
  assert.match(lead!.nextWindows[0]!.start, /T23:00/);
});

test('desired schedule: a one-off with a lead fires at its instant less the lead; a ramp carries its steps from the fire time', () => {
  const loaded = load(
    file(
      'sale',
      'at: "2026-12-24T09:00"\ntimezone: UTC\nduration: 10h\nlead: 5m\nrelease: early\nsteps:\n  - { after: 0h, trus: 4 }\n  - { after: 1h, trus: 8 }\n  - { after: 9h, trus: 6 }\n',
    ),
  );
  const [d] = desiredSchedules(loaded.plans, options);
  assert.deepEqual(
    { hour: d!.spec.calendars![0]!.hour, minute: d!.spec.calendars![0]!.minute, dayOfMonth: d!.spec.calendars![0]!.dayOfMonth },
    { hour: 8, minute: 55, dayOfMonth: 24 },
  );
  const input = d!.action.args[0];
  assert.equal(input.duration, '10h3m');
  assert.deepEqual(input.steps, [
    { after: '0h', trus: 4 },
    { after: '1h', trus: 8 },
    { after: '9h5m', trus: 6 },
  ]);
  // What the workflow makes of it: 4 from 08:55, 8 from 09:55 (ready at 10:00), 6 from 18:00, released at 18:58.
  const fireMs = Date.parse('2026-12-24T08:55:00Z');
  const end = resolveWindowEnd(input, { scheduledStartMs: fireMs, runStartMs: fireMs });
  assert.deepEqual(end, { ok: true, endMs: Date.parse('2026-12-24T18:58:00Z') });
  assert.deepEqual(readRamp(input.steps, fireMs, end.ok ? end.endMs : undefined, parseDurationMs), [
    { atMs: fireMs, trus: 4 },
    { atMs: Date.parse('2026-12-24T09:55:00Z'), trus: 8 },
    { atMs: Date.parse('2026-12-24T18:00:00Z'), trus: 6 },
  ]);
});

test('desired-now: during the lead the occurrence is already desired, under the run id its fire time gives, until the end it sends', () => {
  const loaded = load(file('lead', 'trus: 8\nat: "2026-12-02T02:00"\ntimezone: UTC\nduration: 1h\nlead: 3m\nrelease: early\n'));
  const at = (iso: string) => desiredNow(loaded.plans, Date.parse(iso), 'c0ffee').namespaces.flatMap((n) => n.windows);
  assert.deepEqual(at('2026-12-02T01:56:00Z'), []);
  const [w] = at('2026-12-02T01:58:00Z');
  assert.deepEqual({ startMs: w!.startMs, endMs: w!.endMs }, { startMs: Date.parse('2026-12-02T01:57:00Z'), endMs: Date.parse('2026-12-02T02:58:00Z') });
  assert.equal(occurrenceWorkflowId('default', 'lead', w!.startMs), 'capsched.default.lead-2026-12-02T01:57:00Z');
  assert.equal(at('2026-12-02T02:58:00Z').length, 0, 'released early: not desired from the end it sends');
});
