/**
 * The progress lines of `capsched change`, from status observations: in order, each once, a
 * missed poll filled in by the next one, never going back.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { changeProgress, type ProgressObservation } from '../../src/cli/change-progress.js';
import type { CapacityChangeResult } from '../../src/core/workflow-contract.js';

const W = 'capsched-change-x/run-1';
const END = '2026-12-03T10:30:00.000Z';
const clock = (iso: string): string => iso.slice(11, 16);

function result(over: Partial<CapacityChangeResult> = {}): CapacityChangeResult {
  return { namespace: 'ns.a', initialChangeSuccess: false, verificationSuccess: false, revertedToOnDemand: false, revertVerificationSuccess: false, errors: [], ...over };
}

test('every poll seen: one line per step, in order, none repeated', () => {
  const p = changeProgress({ desiredTrus: 4, windowId: W, hasEnd: true, clock });
  const held = [{ windowId: W, trus: 4 }];
  const seen: ProgressObservation[] = [
    { phase: 'starting', result: result() },
    { phase: 'raising', result: result(), endTime: END, coordinator: { phase: 'applying', effective: { mode: 'provisioned', trus: 4 }, windows: held } },
    { phase: 'raising', result: result(), endTime: END, coordinator: { phase: 'verifying', effective: { mode: 'provisioned', trus: 4 }, windows: held } },
    { phase: 'active', result: result({ initialChangeSuccess: true, verificationSuccess: true }), endTime: END, effective: { mode: 'provisioned', trus: 4 } },
    { phase: 'active', result: result({ initialChangeSuccess: true, verificationSuccess: true }), endTime: END, effective: { mode: 'provisioned', trus: 4 } },
    { phase: 'releasing', result: result({ initialChangeSuccess: true, verificationSuccess: true }), endTime: END, coordinator: { phase: 'applying', effective: { mode: 'onDemand' }, windows: [] } },
    { phase: 'releasing', result: result({ initialChangeSuccess: true, verificationSuccess: true }), endTime: END, coordinator: { phase: 'verifying', effective: { mode: 'onDemand' }, windows: [] } },
    { phase: 'done', result: result({ initialChangeSuccess: true, verificationSuccess: true, revertedToOnDemand: true, revertVerificationSuccess: true }), endTime: END, effective: { mode: 'onDemand' } },
  ];
  assert.deepEqual(
    seen.map((o) => p.observe(o)),
    [
      [],
      ['raise requested: 4 TRUs'],
      ['applied: 4 TRUs'],
      ['verified: 4 TRUs provisioned', `waiting until 10:30 (${END})`],
      [],
      ['revert requested'],
      ['reverted: capacity set to on-demand'],
      ['verified: on-demand'],
    ],
  );
});

test('polls missed: the next observation prints the skipped steps first, in order', () => {
  const p = changeProgress({ desiredTrus: 8, windowId: W, hasEnd: true, clock });
  assert.deepEqual(p.observe({ phase: 'active', result: result({ initialChangeSuccess: true, verificationSuccess: true }), endTime: END, effective: { mode: 'provisioned', trus: 10 } }), [
    'raise requested: 8 TRUs',
    'applied: 10 TRUs',
    'verified: 10 TRUs provisioned',
    `waiting until 10:30 (${END})`,
  ]);
  // Another window still holds 6 TRUs after ours ends.
  assert.deepEqual(p.observe({ phase: 'done', result: result({ initialChangeSuccess: true, verificationSuccess: true, revertVerificationSuccess: true }), endTime: END, effective: { mode: 'provisioned', trus: 6 } }), [
    'revert requested',
    'released: capacity stays 6 TRUs for other windows',
    'verified: 6 TRUs',
  ]);
  assert.deepEqual(p.observe({ phase: 'done', result: result({ initialChangeSuccess: true, verificationSuccess: true, revertVerificationSuccess: true }), endTime: END }), []);
});

test('a permanent change stops at verified; an unverified raise says so; invalid input is a failure without a raise', () => {
  const permanent = changeProgress({ desiredTrus: 2, windowId: W, hasEnd: false, clock });
  assert.deepEqual(permanent.observe({ phase: 'done', result: result({ initialChangeSuccess: true, verificationSuccess: true }) }), ['raise requested: 2 TRUs', 'applied: 2 TRUs', 'verified: 2 TRUs provisioned']);

  const unverified = changeProgress({ desiredTrus: 4, windowId: W, hasEnd: true, clock });
  assert.deepEqual(unverified.observe({ phase: 'active', result: result({ initialChangeSuccess: true }), endTime: END }), [
    'raise requested: 4 TRUs',
    'applied: 4 TRUs',
    'not verified: the API did not show the new capacity (the window continues and is still reverted)',
    `waiting until 10:30 (${END})`,
  ]);

  const invalid = changeProgress({ desiredTrus: 4, windowId: W, hasEnd: true, clock });
  assert.deepEqual(invalid.observe({ phase: 'failed', result: result({ errors: ['invalid input: verifyDelay "soon" is not a duration'] }) }), ['failed: invalid input: verifyDelay "soon" is not a duration']);
});
