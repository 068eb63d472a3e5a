import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { validatePlans } from '../../../src/core/plan/validate.js';
import { packageRoot } from '../../../src/paths.js';

test('an overlap warning names both plans, the overlap in both local zones and UTC, the count and the effective TRUs', () => {
  const bytes = new Uint8Array(readFileSync(join(packageRoot(), 'test', 'unit', 'plan', 'fixtures', 'overlap.yaml')));
  const report = validatePlans([{ path: 'overlap.yaml', kind: 'file', size: bytes.length, bytes }], { now: Date.parse('2026-12-01T00:00:00Z') });
  const [w] = report.warnings;
  assert.ok(w !== undefined && report.warnings.length === 1);
  assert.equal(w.code, 'overlap');
  assert.equal(
    w.message,
    'windows of "month-end" and "nightly-batch" (overlap.yaml:2) overlap on namespace payments.a1b2c: first Tue 2026-12-01 05:00–07:00 Europe/London = Tue 2026-12-01 00:00–02:00 America/New_York (2026-12-01T05:00Z–2026-12-01T07:00Z), "nightly-batch" 8 TRUs and "month-end" 12 TRUs (10 overlapping windows in the next 14 days; the first is shown); the namespace gets the maximum, 12 TRUs, while both are active — shift one window or merge the plans',
  );
  // The weekly capacity counts each overlapping hour once, at 12 TRUs: 5 × (1 h × 8 + 2 h × 12) + 2 × (2 h × 12).
  // Billed per UTC hour (released at the end, so 07:00 counts): Tue–Sat 04 → 8, 05, 06, 07 → 12 = 44 a day,
  // (7 + 3 × 11) = 40 × 360,000; Sun and Mon 05, 06, 07 → 12 = 36, 33 × 360,000. 5 × 44 + 2 × 36 = 292 billed
  // TRU-hours; (5 × 40 + 2 × 33) = 266 × 360,000 = 95,760,000 minimum Actions, $4,788 at $50 per million.
  assert.deepEqual(report.namespaces, [
    {
      namespace: 'payments.a1b2c',
      plans: ['month-end', 'nightly-batch'],
      truHoursPerWeek: 208,
      provisionedHoursPerWeek: 19,
      peakTrus: 12,
      billedTruHoursPerWeek: 292,
      minimumActionsPerWeek: 95_760_000,
      worstCaseUsdPerWeek: 4788,
    },
  ]);
  // A longer horizon counts more overlaps; a paused plan overlaps nothing.
  const longer = validatePlans([{ path: 'overlap.yaml', kind: 'file', size: bytes.length, bytes }], {
    now: Date.parse('2026-12-01T00:00:00Z'),
    horizonDays: 28,
  });
  assert.match(longer.warnings[0]!.message, /\(20 overlapping windows in the next 28 days/);
  const pausedText = new TextDecoder().decode(bytes).replace('duration: 2h', 'duration: 2h\npaused: true');
  const pausedBytes = new TextEncoder().encode(pausedText);
  const paused = validatePlans([{ path: 'overlap.yaml', kind: 'file', size: pausedBytes.length, bytes: pausedBytes }], {
    now: Date.parse('2026-12-01T00:00:00Z'),
  });
  assert.deepEqual(paused.warnings, []);
});
