/** Pure window maths the workflows use (src/core/capacity): no server, no clock. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDurationMs, parseDurationMs } from '../../../src/core/capacity/duration.js';
import {
  RELEASE_CHECK_SLACK_MS,
  coordinatorWorkflowId,
  coordinatorWorkflowIdFor,
  effectiveTarget,
  nextCoordinatorCheckMs,
  parseInstant,
  resolveWindowEnd,
  sameTarget,
  capacityMatches,
} from '../../../src/core/capacity/window.js';

test('durations', () => {
  assert.equal(parseDurationMs('2m'), 120_000);
  assert.equal(parseDurationMs('1h30m'), 5_400_000);
  assert.equal(parseDurationMs('90s'), 90_000);
  assert.equal(parseDurationMs('500ms'), 500);
  assert.equal(parseDurationMs('1m30s'), 90_000);
  assert.equal(parseDurationMs('0s'), 0);
  assert.equal(parseDurationMs('1.5h'), 5_400_000);
  for (const bad of ['', '2', 'm', '2 m', '-1m', '1d']) assert.equal(parseDurationMs(bad), undefined, bad);
  assert.equal(formatDurationMs(5_400_000), '1h30m');
  assert.equal(formatDurationMs(90_500), '1m30s500ms');
  assert.equal(formatDurationMs(0), '0s');
});

test('window end: absolute endTime, duration from the scheduled start (not the late run start), or none', () => {
  const scheduled = Date.parse('2026-03-01T04:00:00Z');
  const lateRun = scheduled + 7 * 60_000;
  assert.deepEqual(resolveWindowEnd({ endTime: '2026-03-01T07:00:00Z' }, { runStartMs: lateRun }), { ok: true, endMs: Date.parse('2026-03-01T07:00:00Z') });
  assert.deepEqual(resolveWindowEnd({ duration: '3h' }, { scheduledStartMs: scheduled, runStartMs: lateRun }), { ok: true, endMs: scheduled + 3 * 3_600_000 });
  assert.deepEqual(resolveWindowEnd({ duration: '45m' }, { runStartMs: lateRun }), { ok: true, endMs: lateRun + 45 * 60_000 });
  assert.deepEqual(resolveWindowEnd({}, { runStartMs: lateRun }), { ok: true, endMs: undefined });
  assert.equal(resolveWindowEnd({ endTime: '2026-03-01T07:00' }, { runStartMs: 0 }).ok, false, 'a zone is required');
  assert.equal(resolveWindowEnd({ duration: '0m' }, { runStartMs: 0 }).ok, false);
  assert.equal(resolveWindowEnd({ duration: '1h', endTime: '2026-03-01T07:00:00Z' }, { runStartMs: 0 }).ok, false);
  assert.equal(parseInstant('2026-03-01T07:00:00+01:00'), Date.parse('2026-03-01T06:00:00Z'));
  assert.equal(parseInstant('tomorrow'), undefined);
});

test('effective capacity is the maximum over active windows; on-demand when none', () => {
  const windows = [
    { windowId: 'a', trus: 4, endMs: 300 },
    { windowId: 'b', trus: 8, endMs: 200 },
    { windowId: 'c', trus: 8 },
  ];
  assert.deepEqual(effectiveTarget(windows), { mode: 'provisioned', trus: 8 });
  assert.deepEqual(effectiveTarget([]), { mode: 'onDemand' });
  assert.ok(sameTarget({ mode: 'onDemand' }, { mode: 'onDemand' }));
  assert.ok(!sameTarget({ mode: 'onDemand' }, { mode: 'provisioned', trus: 2 }));
  assert.ok(!sameTarget({ mode: 'provisioned', trus: 4 }, { mode: 'provisioned', trus: 2 }));
});

test('verification checks mode, TRUs and a COMPLETED latest request; never infers on-demand from absence', () => {
  const base = { namespace: 'n', resourceVersion: '1' };
  const done = { state: 'completed' as const };
  assert.deepEqual(capacityMatches({ ...base, mode: 'provisioned', currentTrus: 4, latestRequest: done }, { mode: 'provisioned', trus: 4 }), { ok: true });
  assert.equal(capacityMatches({ ...base, mode: 'provisioned', currentTrus: 2, latestRequest: done }, { mode: 'provisioned', trus: 4 }).ok, false);
  assert.equal(capacityMatches({ ...base, mode: 'onDemand', latestRequest: done }, { mode: 'provisioned', trus: 4 }).ok, false);
  assert.deepEqual(capacityMatches({ ...base, mode: 'onDemand', latestRequest: done }, { mode: 'onDemand' }), { ok: true });
  assert.equal(capacityMatches({ ...base, mode: 'onDemand', latestRequest: { state: 'inProgress' } }, { mode: 'onDemand' }).ok, false);
  // A namespace that never had a capacity request is on-demand for good (issue #20 defect 3: a no-op release verifies).
  assert.deepEqual(capacityMatches({ ...base, mode: 'onDemand' }, { mode: 'onDemand' }), { ok: true }, 'no request yet: on-demand verified');
  assert.equal(
    capacityMatches({ ...base, mode: 'provisioned', currentTrus: 4 }, { mode: 'provisioned', trus: 4 }).ok,
    false,
    'no request: provisioned not verified',
  );
  assert.equal(capacityMatches({ ...base, mode: 'unknown', latestRequest: done }, { mode: 'onDemand' }).ok, false);
});

test("scenario 3: the dry-run coordinator id never shares the real coordinators' prefix (a live-state listing would read it as a namespace)", () => {
  assert.equal(coordinatorWorkflowIdFor('payments.a1b2c', false), 'capsched-capacity-payments.a1b2c');
  assert.equal(coordinatorWorkflowIdFor('payments.a1b2c', true), 'capsched-dryrun-capacity-payments.a1b2c');
  assert.equal(coordinatorWorkflowIdFor('payments.a1b2c', true).startsWith(coordinatorWorkflowId('')), false);
});

test('scenario 2: a waiting window checks on its coordinator every interval, and just after its own end when that comes first', () => {
  const now = 1_000_000;
  assert.equal(nextCoordinatorCheckMs(now, 600_000, undefined), now + 600_000);
  assert.equal(nextCoordinatorCheckMs(now, 600_000, now + 60_000), now + 60_000 + RELEASE_CHECK_SLACK_MS);
  assert.equal(nextCoordinatorCheckMs(now, 600_000, now + 3_600_000), now + 600_000);
  // The end (and its slack) already passed: the regular interval.
  assert.equal(nextCoordinatorCheckMs(now, 600_000, now - 120_000), now + 600_000);
  // Never faster than once a second.
  assert.equal(nextCoordinatorCheckMs(now, 10, undefined), now + 1_000);
});
