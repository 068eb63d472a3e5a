import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkAction, raiseOutcome, rejoinedAlert, releaseOutcome, strandedAlert, type WindowReport } from '../../../src/core/engine/index.js';

const report = (r: Partial<WindowReport>): WindowReport => ({
  windowId: 'w/r',
  step: 'raise',
  applied: true,
  verified: true,
  target: { mode: 'provisioned', trus: 8 },
  heldBy: [],
  changed: true,
  errors: [],
  dryRun: false,
  ...r,
});

test('raise report: verified → no alert; not verified → error, the window goes on; failing and retrying → critical, goes on; refused → critical, the window ends', () => {
  assert.deepEqual(raiseOutcome(report({}), '8 TRUs'), {
    result: { initialChangeSuccess: true, verificationSuccess: true, errors: [], dryRun: false },
    ended: false,
  });
  const unverified = raiseOutcome(report({ verified: false, errors: ['mismatch'] }), '8 TRUs');
  assert.equal(unverified.ended, false);
  assert.deepEqual([unverified.alert?.severity, unverified.alert?.title, unverified.alert?.step], ['error', 'Capacity change not verified', 'verify']);
  const retrying = raiseOutcome(report({ applied: false, verified: false, retrying: true, errors: ['UNAVAILABLE'] }), '8 TRUs');
  assert.equal(retrying.ended, false);
  assert.match(retrying.alert?.text ?? '', /Setting 8 TRUs failed: UNAVAILABLE\. capsched keeps trying until the window ends/);
  const refused = raiseOutcome(report({ applied: false, verified: false, errors: ['not offered'] }), '4 → 8 TRUs');
  assert.equal(refused.ended, true);
  assert.equal(refused.alert?.text, 'Setting 4 → 8 TRUs failed: not offered');
  assert.equal(refused.result.initialChangeSuccess, false);
});

test('release report: verified on-demand → info; to another window → "Window ended; capacity now"; late → error with the cause; failed or unverified → critical', () => {
  const end = Date.parse('2026-12-06T02:00:00Z');
  const done = releaseOutcome(report({ step: 'release', target: { mode: 'onDemand' } }), end);
  assert.deepEqual(
    [done.phase, done.alert.severity, done.alert.title, done.result.revertedToOnDemand, done.result.revertVerificationSuccess],
    ['done', 'info', 'Capacity reverted to on-demand', true, true],
  );
  const handed = releaseOutcome(report({ step: 'release', target: { mode: 'provisioned', trus: 4 }, heldBy: ['other/r'] }), end);
  assert.deepEqual([handed.alert.title, handed.alert.text], ['Window ended; capacity now 4 TRUs', 'Verified 4 TRUs (still held by other/r).']);
  const late = releaseOutcome(
    report({ step: 'release', target: { mode: 'onDemand' }, lateByMs: 95_000, lateCause: 'busy', heldUpBy: 'set 8 TRUs (step 3)' }),
    end,
  );
  assert.equal(late.alert.title, 'Capacity reverted late');
  assert.match(late.alert.text, /began late by 1m35s \(another capacity step of the namespace was still running at the end \(set 8 TRUs \(step 3\)\)/);
  assert.deepEqual(late.late, { lateBy: '1m35s', cause: 'busy' });
  const notLate = releaseOutcome(report({ step: 'release', target: { mode: 'onDemand' }, lateByMs: 5_000 }), end);
  assert.equal(notLate.alert.title, 'Capacity reverted to on-demand');
  const failed = releaseOutcome(report({ step: 'release', applied: false, verified: false, errors: ['UNAVAILABLE'] }), end);
  assert.deepEqual(
    [failed.phase, failed.alert.severity, failed.alert.title, failed.result.errors],
    ['failed', 'critical', 'Revert to on-demand failed', ['release: UNAVAILABLE']],
  );
  const unverified = releaseOutcome(report({ step: 'release', verified: false, target: { mode: 'onDemand' }, errors: ['still provisioned'] }), end);
  assert.equal(unverified.alert.title, 'Revert not verified');
});

test('a waiting window after a check: waits on a known, closed or busy coordinator; confirms a stuck one once, then replaces it; re-joins one gone or that lost it', () => {
  assert.equal(checkAction({ state: 'known' }, false), 'wait');
  assert.equal(checkAction({ state: 'closed' }, false), 'wait');
  assert.equal(checkAction({ state: 'unanswered' }, true), 'wait');
  assert.equal(checkAction({ state: 'stuck', runId: 'r1' }, false), 'confirm');
  assert.equal(checkAction({ state: 'stuck', runId: 'r1' }, true), 'replace');
  assert.equal(checkAction({ state: 'stuck' }, true), 'wait', 'no run to replace');
  assert.equal(checkAction({ state: 'gone' }, false), 'rejoin');
  assert.equal(checkAction({ state: 'unknown' }, true), 'rejoin');
  assert.match(
    rejoinedAlert('c', { state: 'gone', detail: 'terminated' }, '8 TRUs', undefined, 'raise').text,
    /was not running \(terminated\); the window re-announced itself \(8 TRUs\)/,
  );
  assert.equal(strandedAlert('c', { state: 'stuck', taskQueue: 'q' }, 'q2').step, 'stranded');
});
