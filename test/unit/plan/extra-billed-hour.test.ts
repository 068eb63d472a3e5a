import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validatePlans } from '../../../src/core/plan/validate.js';
import type { PlanFile } from '../../../src/core/ports.js';

// The extra-billed-hour warning (docs/billing.md): a window billed for more UTC calendar hours than the same
// window moved by less than an hour, with what it costs. Figures computed by hand in the comments.

const NOW = Date.parse('2026-12-01T00:00:00Z'); // a Tuesday
const file = (name: string, body: string): PlanFile => {
  const bytes = new TextEncoder().encode(`apiVersion: capsched/v1\nkind: CapacityPlan\nname: ${name}\nnamespace: payments.a1b2c\n${body}`);
  return { path: `schedules/${name}.yaml`, kind: 'file', size: bytes.length, bytes };
};
const warningsOf = (f: PlanFile, options: Partial<Parameters<typeof validatePlans>[1]> = {}) =>
  validatePlans([f], { now: NOW, ...options }).warnings.filter((w) => w.code === 'extra-billed-hour');

test('a weekday window 10:00–11:30 in Asia/Kolkata (04:30–06:00 UTC) costs one billed hour a day: 5 a week, 5.4 M Actions, $270', () => {
  // 04:30–06:00 UTC released at 06:00 bills 04, 05 and 06; moved 30 minutes earlier (04:00–05:30) it bills 04 and 05.
  // One hour at 4 TRUs = 3 × 360,000 = 1,080,000 Actions a window; Tue–Sat… the week from Tue 00:00Z holds 5 weekday
  // starts: 5 hours, 5,400,000 Actions, $270 at $50 per million.
  const [w] = warningsOf(file('ist', 'trus: 4\ncron: "0 10 * * MON-FRI"\ntimezone: Asia/Kolkata\nduration: 1h30m'));
  assert.ok(w);
  assert.equal(w.field, 'cron');
  assert.equal(
    w.message,
    'the window 2026-12-01 04:30–06:00 UTC (10:00–11:30 Asia/Kolkata) is billed for 3 UTC calendar hours; moved 30m earlier it would be billed for 2: 5 more billed hours a week (5 windows), 5.4 M more minimum Actions a week (worst case $270.00 at $50 per million) — Temporal Cloud bills every UTC hour a window touches at its highest TRUs (docs/billing.md)',
  );
});

test('a one-off 09:30–11:00 UTC at 8 TRUs: one hour, 2.52 M Actions a window; priced at $40 per million, $100.80', () => {
  const f = file('sale', 'trus: 8\nat: "2026-12-10T09:30"\ntimezone: UTC\nduration: 1h30m');
  const [w] = warningsOf(f, { actionsPrice: 40 });
  assert.ok(w);
  assert.equal(w.field, 'at');
  // 09, 10, 11 billed against 09, 10 for 09:00–10:30: 7 × 360,000 = 2,520,000 → 2.52 × 40 = $100.80.
  assert.match(
    w.message,
    /is billed for 3 UTC calendar hours; moved 30m earlier it would be billed for 2: 1 more billed hour a window, 2\.52 M more minimum Actions a window \(worst case \$100\.80 at \$40 per million\)/,
  );
});

test('no warning where moving the window saves nothing: on the hour, a :30 end, Kolkata 10:00–11:00 (two hours either way when released at the end)', () => {
  assert.deepEqual(warningsOf(file('hour', 'trus: 8\ncron: "0 23 * * 1-5"\ntimezone: America/New_York\nduration: 3h')), []);
  assert.deepEqual(warningsOf(file('half', 'trus: 8\ncron: "0 10 * * *"\ntimezone: UTC\nduration: 1h30m')), []);
  assert.deepEqual(warningsOf(file('ist1h', 'trus: 6\ncron: "0 10 * * *"\ntimezone: Asia/Kolkata\nduration: 1h')), []);
  // Released early (completed by the end), 04:30–05:30 UTC bills two hours where 05:00–06:00 would bill one:
  // 7 starts in the week × 5 × 360,000 = 12.6 M Actions, $630.
  const [early] = warningsOf(file('ist1h', 'trus: 6\ncron: "0 10 * * *"\ntimezone: Asia/Kolkata\nduration: 1h\nrelease: early'));
  assert.ok(early);
  assert.match(early.message, /7 more billed hours a week \(7 windows\), 12\.6 M more minimum Actions a week \(worst case \$630\.00/);
  // A raise lead of 3 minutes before 10:00 UTC crosses into the 09:00 hour: 7 windows in the week,
  // each one more hour at 8 TRUs = 7 × 7 × 360,000 = 17,640,000 Actions, $882 at $50 per million. The warning is on `lead`.
  const [lead] = warningsOf(file('lead', 'trus: 8\ncron: "0 10 * * *"\ntimezone: UTC\nduration: 1h\nlead: 3m'));
  assert.ok(lead);
  assert.equal(lead.field, 'lead');
  assert.match(
    lead.message,
    /^lead 3m crosses 10:00 UTC: \+7 billed hours a week at 8 TRUs = \+17\.64 M minimum Actions a week \(\$882\.00 at \$50 per million\) — /,
  );
  // The same lead before 10:10 stays in the 10:00 hour: no warning.
  assert.deepEqual(warningsOf(file('lead10', 'trus: 8\ncron: "10 10 * * *"\ntimezone: UTC\nduration: 1h20m\nlead: 3m')), []);
});
