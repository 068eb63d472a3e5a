import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildPresent } from '../../../src/core/present/model.js';
import { renderStatusText } from '../../../src/core/present/text.js';
import { loadPlans } from '../../../src/core/plan/load.js';
import { validatePlans } from '../../../src/core/plan/validate.js';
import type { PlanFile } from '../../../src/core/ports.js';
import { formatValidationText } from '../../../src/core/report/validation-text.js';
import { formatValidationMarkdown } from '../../../src/core/report/validation-markdown.js';
import { rowsFromPresent } from '../../../src/dev/table.js';
import { renderPage } from '../../../src/ui/page.js';

// issue #14: validation previews, the dev table and `capsched status` show a ramp's steps with
// their local times, and what it asks for now is its current step, not its peak.

const file = (path: string, text: string): PlanFile => {
  const bytes = new TextEncoder().encode(text);
  return { path, kind: 'file', size: bytes.length, bytes };
};
// A one-off on the New York fall-back night: 00:00 EDT for 10h (ends 09:00 EST).
const SALE = file(
  'schedules/sale.yaml',
  'apiVersion: capsched/v1\nkind: CapacityPlan\nname: sale\nnamespace: payments.a1b2c\nat: "2026-11-01T00:00"\ntimezone: America/New_York\nduration: 10h\nsteps:\n  - { after: 0h, trus: 4 }\n  - { after: 1h, trus: 8 }\n  - { after: 2h, trus: 12 }\n  - { after: 9h, trus: 6 }\n',
);
const NOW = Date.parse('2026-10-31T12:00:00Z');

test('validate text: a ramp’s header names its values and offsets; each window lists its steps in local time, DST offsets spelt out', () => {
  const text = formatValidationText(validatePlans([SALE], { now: NOW }));
  assert.match(
    text,
    /^ {2}sale: payments\.a1b2c → 4 → 8 → 12 → 6 TRUs \(steps after 0h, 1h, 2h, 9h\), at 2026-11-01T00:00 America\/New_York, 10h {2}\(schedules\/sale\.yaml:1\)$/m,
  );
  // 04:00Z 00:00 EDT, 05:00Z 01:00 EDT, 06:00Z 01:00 EST (the repeated hour), 13:00Z 08:00 EST.
  assert.match(
    text,
    /^ {4}Sun 2026-11-01 00:00 → 09:00 America\/New_York {3}2026-11-01 04:00Z → 2026-11-01 14:00Z\n {6}steps 00:00 4 · 01:00 8 · 01:00 \(-05:00\) 12 · 08:00 \(-05:00\) 6 TRUs$/m,
  );
  // Billed per UTC hour: 04 → 4, 05 → 8, 06–12 → 12 (7 hours), 13 → 12 (the step down to 6 is asked for at 13:00),
  // 14 → 6 (the release at 14:00Z) = 4 + 8 + 8 × 12 + 6 = 114; (3 + 7 + 8 × 11 + 5) = 103 × 360,000 = 37.08 M, $1,854.
  assert.match(
    text,
    /payments\.a1b2c +114 billed TRU-hours +37\.08 M minimum Actions committed {2}worst case if unused \$1,854\.00 {2}\(peak 12 TRUs, 10 h provisioned; sale\)/,
  );
});

test('validate markdown and JSON: the ramp’s values in the TRUs column, steps beside each window; JSON carries steps as written and per window', () => {
  const report = validatePlans([SALE], { now: NOW });
  const md = formatValidationMarkdown(report);
  assert.match(md, /\| `sale` \| `payments\.a1b2c` \| 4 → 8 → 12 → 6 \| at `2026-11-01T00:00` America\/New_York, 10h \|/);
  assert.match(md, /\(2026-11-01T04:00Z → 2026-11-01T14:00Z\): 00:00 4 · 01:00 8 · 01:00 \(-05:00\) 12 · 08:00 \(-05:00\) 6 TRUs \|/);
  const json = JSON.parse(JSON.stringify(report)) as { plans: { trus: number; steps: unknown; nextWindows: { steps: { atUtc: string; trus: number }[] }[] }[] };
  assert.equal(json.plans[0]!.trus, 12);
  assert.deepEqual(json.plans[0]!.steps, [
    { after: '0h', trus: 4 },
    { after: '1h', trus: 8 },
    { after: '2h', trus: 12 },
    { after: '9h', trus: 6 },
  ]);
  assert.deepEqual(
    json.plans[0]!.nextWindows[0]!.steps.map((s) => `${s.atUtc} ${s.trus}`),
    ['2026-11-01T04:00Z 4', '2026-11-01T05:00Z 8', '2026-11-01T06:00Z 12', '2026-11-01T13:00Z 6'],
  );
});

test('present view, dev table and status: a ramp asks for its current step now; the week follows the steps; the table lists its values', () => {
  const plans = loadPlans([SALE]).plans;
  // 05:30Z is 01:30 EDT, in the second step (8 TRUs).
  const nowMs = Date.parse('2026-11-01T05:30:00Z');
  const view = buildPresent({
    nowMs,
    installation: 'prod',
    plans,
    live: [],
    applied: {},
    recordSinceMs: nowMs,
    source: { describe: 'folder schedules/', appliedRevision: 'abc', problems: [] },
    alerts: [],
  });
  const ns = view.namespaces[0]!;
  assert.equal(ns.plannedNowTrus, 8);
  // From 05:30Z: 30m at 8 = 4, 7h at 12 = 84, 1h at 6 = 6 → 94 TRU-hours.
  assert.equal(ns.week.truHours, 94);
  assert.deepEqual(
    ns.planned.filter((s) => s.trus > 0).map((s) => [s.startMs, s.trus]),
    [
      [nowMs, 8],
      [Date.parse('2026-11-01T06:00:00Z'), 12],
      [Date.parse('2026-11-01T13:00:00Z'), 6],
    ],
  );
  assert.equal(rowsFromPresent(view)[0]!.trus, '4→8→12→6');
  assert.match(renderStatusText(view), /plans ask for now {5}8 TRU/);
  // Before the window, the next window line names the ramp's values.
  const before = buildPresent({
    nowMs: NOW,
    installation: 'prod',
    plans,
    live: [],
    applied: {},
    recordSinceMs: NOW,
    source: { describe: 'folder schedules/', problems: [] },
    alerts: [],
  });
  assert.match(renderStatusText(before), /next window {11}sale: 4 → 8 → 12 → 6 TRU 2026-11-01T00:00-04:00 America\/New_York/);
  // The page's bar and next-window line name the ramp's values, not only its peak.
  assert.deepEqual(before.namespaces[0]!.bars[0]!.steps, [4, 8, 12, 6]);
  const html = renderPage(before, { refreshSeconds: 5 });
  assert.match(html, />sale 4→8→12→6</);
  assert.match(html, /sale · 4 → 8 → 12 → 6 TRU · /);
});
