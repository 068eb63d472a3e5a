/**
 * capacityMatches (core/capacity/window.ts): when does the API's report prove a namespace is at a
 * target? The current mode and TRUs must match, and the latest request must be over: COMPLETED,
 * or FAILED while asking for something else (a refused raise leaves the namespace where it was).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { capacityMatches } from '../../../src/core/capacity/window.js';
import type { CapacityTarget, NamespaceCapacity } from '../../../src/core/ports.js';

const onDemand: CapacityTarget = { mode: 'onDemand' };
const six: CapacityTarget = { mode: 'provisioned', trus: 6 };

function observed(mode: NamespaceCapacity['mode'], latest?: NamespaceCapacity['latestRequest'], currentTrus?: number): NamespaceCapacity {
  return {
    namespace: 'pay.a1b2c',
    mode,
    resourceVersion: 'v1',
    ...(currentTrus === undefined ? {} : { currentTrus }),
    ...(latest === undefined ? {} : { latestRequest: latest }),
  };
}

test('a completed request and matching capacity verify; a mismatch, an unknown mode or a missing request do not', () => {
  assert.deepEqual(capacityMatches(observed('provisioned', { state: 'completed', target: six }, 6), six), { ok: true });
  assert.deepEqual(capacityMatches(observed('onDemand', { state: 'completed', target: onDemand }), onDemand), { ok: true });
  assert.equal(capacityMatches(observed('provisioned', { state: 'completed', target: six }, 4), six).ok, false);
  assert.equal(capacityMatches(observed('unknown', { state: 'completed', target: onDemand }), onDemand).ok, false);
  assert.match(JSON.stringify(capacityMatches(observed('provisioned', undefined, 6), six)), /no capacity request/);
});

test('a namespace with no capacity request yet is on-demand for good: a no-op release verifies (issue #20 defect 3: was "release failing" forever)', () => {
  assert.deepEqual(capacityMatches(observed('onDemand'), onDemand), { ok: true });
});

test('a refused raise (latest request FAILED for 6 TRUs) on an on-demand namespace: releasing to on-demand is verified', () => {
  assert.deepEqual(capacityMatches(observed('onDemand', { state: 'failed', target: six }), onDemand), { ok: true });
  // A failed request for a provisioned value other than the one asked, the current TRUs matching: verified too.
  assert.deepEqual(capacityMatches(observed('provisioned', { state: 'failed', target: { mode: 'provisioned', trus: 8 } }, 6), six), { ok: true });
});

test('a FAILED request for the very target, one without a target, or one still in progress is not proof', () => {
  assert.match(
    JSON.stringify(capacityMatches(observed('onDemand', { state: 'failed', target: onDemand }), onDemand)),
    /latest capacity request is failed, not completed/,
  );
  assert.equal(capacityMatches(observed('onDemand', { state: 'failed' }), onDemand).ok, false);
  assert.equal(capacityMatches(observed('onDemand', { state: 'inProgress', target: six }), onDemand).ok, false);
  assert.equal(capacityMatches(observed('onDemand', { state: 'unspecified', target: six }), onDemand).ok, false);
  // A failed raise does not verify the raise, whatever else it says.
  assert.equal(capacityMatches(observed('onDemand', { state: 'failed', target: six }), six).ok, false);
});
