import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LIVE_READ_MAX_AGE_MS, liveReadStands, type LiveReadMemo } from '../../../src/reconcile/index.js';

test('a pass reuses the last coordinator read only for the same commit, the same running runs and the same desired-now, within the hour', () => {
  const plan = { nowMs: 0, reductions: 'at-end' as const, namespaces: [], pending: 0, held: 0 };
  const memo: LiveReadMemo = { last: { commit: 'c1', runs: 'capsched-capacity-a/r1@12:RUNNING', wanted: '[w]', atMs: 1_000, plan } };
  const now = { commit: 'c1', runs: 'capsched-capacity-a/r1@12:RUNNING', wanted: '[w]', nowMs: 31_000 };
  assert.equal(liveReadStands(memo, now), true);
  assert.equal(liveReadStands(undefined, now), false, 'no memo: read');
  assert.equal(liveReadStands({}, now), false, 'nothing remembered (the last read left something to do): read');
  assert.equal(liveReadStands(memo, { ...now, commit: 'c2' }), false, 'a new commit');
  assert.equal(liveReadStands(memo, { ...now, runs: 'capsched-capacity-a/r1@15:RUNNING' }), false, 'the coordinator took a workflow task');
  assert.equal(liveReadStands(memo, { ...now, runs: 'capsched-capacity-a/r2@3:RUNNING' }), false, 'a new coordinator run');
  assert.equal(liveReadStands(memo, { ...now, runs: `${now.runs}\ncapsched.i.p-2026-12-06T10:00:00Z/r9` }), false, 'a window started');
  assert.equal(liveReadStands(memo, { ...now, wanted: '[]' }), false, 'an occurrence ended (or began, or a ramp stepped)');
  assert.equal(liveReadStands(memo, { ...now, nowMs: 1_000 + LIVE_READ_MAX_AGE_MS }), false, 'older than the safety net');
  assert.equal(liveReadStands(memo, { ...now, nowMs: 500 }), false, 'a clock that went back');
});
