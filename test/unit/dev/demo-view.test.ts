/**
 * The demo window's table lines from readings: the simulator's applied changes and the window's
 * status. Each step is shown once, in order, with the instant Cloud Ops applied it; the record
 * survives a simulator re-seed (which starts a fresh change list); the cost is what was held.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DemoTracker, demoCost, renderDemo, type AppliedChange, type DemoRun, type DemoWindowStatus } from '../../../src/dev/demo.js';

const T = Date.parse('2026-12-06T09:59:30Z');
const run: DemoRun = {
  workflowId: 'capsched-dev-demo-x',
  runId: 'r1',
  namespace: 'demo.playground',
  startMs: T,
  endMs: T + 90_000,
  steps: [
    { atMs: T, trus: 2 },
    { atMs: T + 45_000, trus: 4 },
  ],
  verifyDelayMs: 5_000,
};
const raise: AppliedChange = { atMs: T + 1_000, target: { mode: 'provisioned', trus: 2 } };
const step: AppliedChange = { atMs: T + 46_000, target: { mode: 'provisioned', trus: 4 } };
const release: AppliedChange = { atMs: T + 96_000, target: { mode: 'onDemand' } };

function status(phase: string, verified: boolean, released: boolean): DemoWindowStatus {
  return {
    phase,
    result: {
      namespace: 'demo.playground',
      initialChangeSuccess: true,
      verificationSuccess: verified,
      revertedToOnDemand: released,
      revertVerificationSuccess: released,
      errors: [],
    },
  };
}

test('demo tracker: raise, verification, ramp step, release, release verification, once each and in order', () => {
  const tracker = new DemoTracker(run);
  assert.deepEqual(renderDemo(tracker.view(), T - 20_000).slice(1), [
    '  09:59:30Z  the window starts in 20 s; no plan needed (capsched dev --no-demo skips it)',
  ]);
  tracker.observe([raise], status('raising', false, false), T + 2_000);
  tracker.observe([raise], status('active', true, false), T + 7_000);
  // The simulator was re-seeded for a new plan's namespace: its change list starts again.
  tracker.observe([step], status('active', true, false), T + 47_000);
  tracker.observe([step, release], status('releasing', true, false), T + 97_000);
  assert.equal(tracker.finished(), false);
  assert.equal(tracker.view().cost, undefined);
  tracker.observe([step, release], status('done', true, true), T + 102_000);
  tracker.observe([step, release], status('done', true, true), T + 103_000);
  assert.equal(tracker.finished(), true);
  assert.deepEqual(renderDemo(tracker.view(), T + 110_000), [
    'DEMO WINDOW  demo.playground  2→4 TRU  09:59:30–10:01:00Z (4 TRUs at 10:00:15)  verify delay 5s  workflow capsched-dev-demo-x',
    '  09:59:31Z  raise: 2 TRUs, applied by Cloud Ops',
    '  09:59:37Z  verified: the API reports 2 TRUs provisioned',
    '  10:00:16Z  ramp step: 4 TRUs, applied by Cloud Ops',
    '  10:01:06Z  release: on-demand, applied by Cloud Ops',
    '  10:01:12Z  release verified: the API reports on-demand',
    '  cost: 0.081 TRU-hours held, peak 4 TRU; Temporal Cloud bills each started hour at its peak: 6 TRU-hours',
  ]);
});

test('demo cost: TRU-hours held between changes; each started hour billed at its peak', () => {
  // 45 s at 2 TRUs, 50 s at 4: 0.025 + 0.0556 TRU-hours; the window crosses 10:00, so hours 09 (peak 2) and 10 (peak 4).
  assert.deepEqual(demoCost([raise, step, release], release.atMs), { truHours: 0.081, peakTrus: 4, billedTruHours: 6 });
  assert.deepEqual(demoCost([], T), { truHours: 0, peakTrus: 0, billedTruHours: 0 });
  const failedRelease = demoCost([raise], T + 3_600_000);
  assert.deepEqual(failedRelease, { truHours: 1.999, peakTrus: 2, billedTruHours: 4 });
});
