/**
 * The progress lines of `capsched change`, from status observations: in order, each once, a
 * missed poll filled in by the next one, never going back.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { POLL_ACTIVE_MAX_MS, POLL_MAX_MS, POLL_MIN_MS, changeProgress, nextPollDelayMs, type ProgressObservation } from '../../../src/cli/change-progress.js';
import type { CapacityChangeResult } from '../../../src/core/workflow-contract.js';

const W = 'capsched-change-x/run-1';
const END = '2026-12-03T10:30:00.000Z';
const clock = (iso: string): string => iso.slice(11, 16);

function result(over: Partial<CapacityChangeResult> = {}): CapacityChangeResult {
  return {
    namespace: 'ns.a',
    initialChangeSuccess: false,
    verificationSuccess: false,
    revertedToOnDemand: false,
    revertVerificationSuccess: false,
    errors: [],
    ...over,
  };
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
    {
      phase: 'releasing',
      result: result({ initialChangeSuccess: true, verificationSuccess: true }),
      endTime: END,
      coordinator: { phase: 'applying', effective: { mode: 'onDemand' }, windows: [] },
    },
    {
      phase: 'releasing',
      result: result({ initialChangeSuccess: true, verificationSuccess: true }),
      endTime: END,
      coordinator: { phase: 'verifying', effective: { mode: 'onDemand' }, windows: [] },
    },
    {
      phase: 'done',
      result: result({ initialChangeSuccess: true, verificationSuccess: true, revertedToOnDemand: true, revertVerificationSuccess: true }),
      endTime: END,
      effective: { mode: 'onDemand' },
    },
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
  assert.deepEqual(
    p.observe({
      phase: 'active',
      result: result({ initialChangeSuccess: true, verificationSuccess: true }),
      endTime: END,
      effective: { mode: 'provisioned', trus: 10 },
    }),
    ['raise requested: 8 TRUs', 'applied: 10 TRUs', 'verified: 10 TRUs provisioned', `waiting until 10:30 (${END})`],
  );
  // Another window still holds 6 TRUs after ours ends.
  assert.deepEqual(
    p.observe({
      phase: 'done',
      result: result({ initialChangeSuccess: true, verificationSuccess: true, revertVerificationSuccess: true }),
      endTime: END,
      effective: { mode: 'provisioned', trus: 6 },
    }),
    ['revert requested', 'released: capacity stays 6 TRUs for other windows', 'verified: 6 TRUs'],
  );
  assert.deepEqual(
    p.observe({ phase: 'done', result: result({ initialChangeSuccess: true, verificationSuccess: true, revertVerificationSuccess: true }), endTime: END }),
    [],
  );
});

test('a coordinator that never held the window (another mode, another run) says nothing about its release', () => {
  const p = changeProgress({ desiredTrus: 4, windowId: W, hasEnd: true, clock });
  assert.deepEqual(
    p.observe({
      phase: 'active',
      result: result({ initialChangeSuccess: true, verificationSuccess: true }),
      endTime: END,
      effective: { mode: 'provisioned', trus: 4 },
    }).length,
    4,
  );
  assert.deepEqual(
    p.observe({
      phase: 'releasing',
      result: result({ initialChangeSuccess: true, verificationSuccess: true }),
      endTime: END,
      coordinator: { phase: 'verifying', effective: { mode: 'provisioned', trus: 8 }, windows: [{ windowId: 'other/run', trus: 8 }] },
    }),
    ['revert requested'],
  );
});

test('a permanent change stops at verified; an unverified raise says so; invalid input is a failure without a raise', () => {
  const permanent = changeProgress({ desiredTrus: 2, windowId: W, hasEnd: false, clock });
  assert.deepEqual(permanent.observe({ phase: 'done', result: result({ initialChangeSuccess: true, verificationSuccess: true }) }), [
    'raise requested: 2 TRUs',
    'applied: 2 TRUs',
    'verified: 2 TRUs provisioned',
  ]);

  const unverified = changeProgress({ desiredTrus: 4, windowId: W, hasEnd: true, clock });
  assert.deepEqual(unverified.observe({ phase: 'active', result: result({ initialChangeSuccess: true }), endTime: END }), [
    'raise requested: 4 TRUs',
    'applied: 4 TRUs',
    'not verified: the API did not show the new capacity (the window continues and is still reverted)',
    `waiting until 10:30 (${END})`,
  ]);

  const invalid = changeProgress({ desiredTrus: 4, windowId: W, hasEnd: true, clock });
  assert.deepEqual(invalid.observe({ phase: 'failed', result: result({ errors: ['invalid input: verifyDelay "soon" is not a duration'] }) }), [
    'failed: invalid input: verifyDelay "soon" is not a duration',
  ]);
});

test('polling costs a few dozen queries per change, not one every half second: fast after a step, backing off to 10 s, asleep until the end while active', () => {
  const nowMs = Date.parse(END) - 90 * 60_000;
  const raising: ProgressObservation = { phase: 'raising', result: result(), endTime: END };
  assert.equal(nextPollDelayMs(raising, true, 7_000, nowMs), POLL_MIN_MS);
  const backoff: number[] = [];
  for (let d = POLL_MIN_MS, i = 0; i < 10; i++) backoff.push((d = nextPollDelayMs(raising, false, d, nowMs)));
  assert.deepEqual(backoff, [750, 1125, 1688, 2532, 3798, 5697, 8546, POLL_MAX_MS, POLL_MAX_MS, POLL_MAX_MS]);
  assert.equal(nextPollDelayMs(undefined, false, POLL_MAX_MS, nowMs), POLL_MAX_MS, 'no worker yet: slow');
  const active: ProgressObservation = { phase: 'active', result: result({ initialChangeSuccess: true, verificationSuccess: true }), endTime: END };
  assert.equal(nextPollDelayMs(active, true, POLL_MIN_MS, nowMs), POLL_ACTIVE_MAX_MS, 'a 90-minute window: one look every 5 minutes');
  assert.equal(nextPollDelayMs(active, false, POLL_MIN_MS, Date.parse(END) - 40_000), 40_000, 'then exactly at the end');
  assert.equal(nextPollDelayMs(active, false, POLL_MIN_MS, Date.parse(END) + 1_000), 750, 'past the end: back to fast polling');
  // A 90-minute window with a 2-minute verify delay, both steps: about 2 × 15 looks around the steps + 18 while active.
  let looks = 0;
  let d = POLL_MIN_MS;
  for (let t = 0; t < 120_000; t += d, looks++) d = nextPollDelayMs(raising, false, d, nowMs);
  assert.ok(looks <= 20, `${looks} looks during a 2-minute verify delay`);
});
