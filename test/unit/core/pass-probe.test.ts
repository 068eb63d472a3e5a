import assert from 'node:assert/strict';
import { test } from 'node:test';
import { probeNeedsPass, type ProbeFinding } from '../../../src/core/pass-probe.js';
import type { ReconcilerState } from '../../../src/core/reconciler-contract.js';

const SOURCE = 'git https://example.test/plans.git (main) schedules/';
const A = 'a'.repeat(40);
const B = 'b'.repeat(40);

/** The installation after a quiet pass that applied A, run by daemon-1. */
function settled(over: Partial<ReconcilerState> = {}): ReconcilerState {
  return {
    passes: 4,
    lastPassAt: '2026-12-06T12:00:00.000Z',
    lastPassResult: 'unchanged',
    lastPassBy: 'daemon-1',
    lastSource: SOURCE,
    lastAppliedRevision: A,
    lastAttemptedRevision: A,
    consecutiveFailures: 0,
    problems: {},
    ...over,
  };
}

const quiet = (revision = A, over: Partial<Extract<ProbeFinding, { kind: 'planned' }>> = {}): ProbeFinding => ({
  kind: 'planned',
  revision,
  changes: 0,
  pruneBlocked: false,
  liveSpends: [],
  ...over,
});
const decide = (finding: ProbeFinding, state: ReconcilerState | undefined, identity = 'daemon-1') =>
  probeNeedsPass(finding, { state, source: SOURCE, identity });

test('the same commit with nothing to change and nothing live to do needs no pass', () => {
  assert.deepEqual(decide(quiet(), settled()), { pass: false, reason: 'same commit, nothing to change' });
  assert.equal(decide(quiet(), settled(), 'daemon-2').pass, false, 'whichever daemon checks');
});

test('a daemon that does not know the last pass (fresh start, reconciler not found or never passed) asks for one', () => {
  assert.equal(decide(quiet(), undefined).pass, true);
  assert.equal(decide(quiet(), settled({ passes: 0 })).pass, true);
});

test('a new commit, a schedule change (drift, a one-off expired), or a prune-guard change needs a pass', () => {
  assert.match(decide(quiet(B), settled()).reason, /new commit bbbbbbbbbbbb/);
  assert.deepEqual(decide(quiet(A, { changes: 2 }), settled()), { pass: true, reason: '2 schedule changes' });
  assert.equal(decide(quiet(A, { pruneBlocked: true }), settled()).pass, true, 'the guard refuses: the pass records and alerts it');
  const reported = settled({ lastPassResult: 'prune-blocked', problems: { prune: { key: A, since: 'x', message: 'm', revision: A } } });
  assert.equal(decide(quiet(A, { pruneBlocked: true }), reported).pass, false, 'already reported for this commit');
  assert.equal(decide(quiet(A), reported).pass, true, 'the guard no longer refuses: the pass clears it');
});

test('anything the live step would spend (a coordinator query, a signal, a start) needs a pass', () => {
  assert.deepEqual(decide(quiet(A, { liveSpends: ['readNamespace', 'readNamespace'] }), settled()), {
    pass: true,
    reason: 'the live step would readNamespace',
  });
  assert.match(decide(quiet(A, { liveSpends: ['startWindow', 'pushPresent'] }), settled()).reason, /pushPresent, startWindow/);
});

test('an invalid commit: one pass reports it, later checks of the same commit are free; a fix needs a pass', () => {
  assert.equal(decide({ kind: 'invalid', revision: B }, settled()).pass, true);
  const reported = settled({ lastPassResult: 'invalid', lastAttemptedRevision: B, problems: { plans: { key: B, since: 'x', message: 'm', revision: B } } });
  assert.equal(decide({ kind: 'invalid', revision: B }, reported).pass, false);
  assert.equal(decide({ kind: 'invalid', revision: 'c'.repeat(40) }, reported).pass, true, 'another invalid commit is reported too');
  assert.equal(decide(quiet('c'.repeat(40)), reported).pass, true);
  // The branch reset to the last valid commit: valid again, the pass clears the problem.
  assert.match(decide(quiet(A), settled({ lastAttemptedRevision: A, problems: { plans: { key: B, since: 'x', message: 'm' } } })).reason, /valid again/);
});

test('the source: its first failure needs a pass (recorded, alerted once); while it fails checks are free; its recovery needs a pass', () => {
  assert.equal(decide({ kind: 'source-failed', code: 'source-fetch-failed' }, settled()).pass, true);
  const down = settled({ lastPassResult: 'source-failed', consecutiveFailures: 3, problems: { source: { key: 'source', since: 'x', message: 'm' } } });
  assert.equal(decide({ kind: 'source-failed', code: 'source-fetch-failed' }, down).pass, false);
  assert.deepEqual(decide(quiet(), down), { pass: true, reason: 'the plan source answers again' });
});

test('a failed pass is retried (the checks back off), and a check that could not list the schedules asks the pass to record it', () => {
  assert.equal(decide(quiet(), settled({ lastPassResult: 'failed', consecutiveFailures: 1 })).pass, true);
  assert.equal(decide(quiet(), settled({ problems: { apply: { key: 'apply', since: 'x', message: 'm' } } })).pass, true);
  assert.equal(decide({ kind: 'failed', revision: A, message: 'list failed' }, settled()).pass, true);
});

test('daemons reading different sources: one pass records it, the checks then stay free; agreeing again needs a pass', () => {
  const other = settled({ lastSource: 'git https://example.test/plans.git (other) schedules/', lastPassBy: 'daemon-2' });
  assert.equal(decide(quiet(), other).pass, true);
  const recorded = { ...other, problems: { config: { key: 'k', since: 'x', message: 'm' } } };
  assert.equal(decide(quiet(), recorded).pass, false, 'already alerted: no pass per check');
  const agreeing = settled({ lastPassBy: 'daemon-2', problems: { config: { key: 'k', since: 'x', message: 'm' } } });
  assert.equal(decide(quiet(), agreeing, 'daemon-1').pass, true, 'another daemon read the same source: the pass clears the problem');
  assert.equal(decide(quiet(), agreeing, 'daemon-2').pass, false, 'the same daemon twice does not prove agreement');
});
