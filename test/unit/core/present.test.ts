import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PRESENT_REACH_MS, PRESENT_STEP_MS, presentKey, presentOf, presentPushes } from '../../../src/core/live/present.js';
import { decide, holdAcrossEndMs, initialState, type EngineEvent } from '../../../src/core/engine/index.js';
import type { LoadedPlan } from '../../../src/core/plan/load.js';
import { type CapacityPlanInput, parsePlan } from '../../../src/core/plan/schema.js';
import { planDurationMs } from '../../../src/core/windows/windows.js';

const M = 60_000;
const H = 60 * M;
const NOW = Date.parse('2026-11-27T12:30:00Z');

function lp(input: Partial<CapacityPlanInput> & { name: string }): LoadedPlan {
  const plan = parsePlan({ apiVersion: 'capsched/v1', kind: 'CapacityPlan', namespace: 'shop.a1', trus: 6, ...input });
  const lengthMs = plan.until !== undefined ? null : planDurationMs(plan);
  return { plan, file: `schedules/${plan.name}.yaml`, line: 1, documentIndex: 0, lengthMs };
}

const plans = [
  lp({ name: 'base', at: '2026-11-01T00:00', trus: 2 }),
  lp({ name: 'soon-base', at: '2026-11-27T13:00', trus: 3 }),
  lp({ name: 'weekly-base', cron: '0 9 * * 1', trus: 4 }),
  lp({ name: 'nightly', cron: '0 23 * * *', duration: '3h', trus: 8 }),
  lp({ name: 'lunch', cron: '0 12 * * *', duration: '1h', trus: 2 }),
  lp({ name: 'paused', cron: '0 15 * * *', duration: '1h', paused: true }),
  lp({ name: 'elsewhere', cron: '0 16 * * *', duration: '1h', namespace: 'other.b2' }),
];

test('present: the permanent plans in force, those starting later (kept, never raised for), and every window start due in the range', () => {
  const p = presentOf(plans, 'shop.a1', NOW, 'c0ffee');
  assert.deepEqual(p.plans, { base: 2 });
  assert.deepEqual(p.later, ['soon-base', 'weekly-base'], 'an at-plan starting at 13:00 and a permanent cron plan are kept, never pushed as in force');
  const from = Date.parse('2026-11-27T12:00:00Z');
  assert.equal(p.due?.fromMs, from);
  assert.equal(p.due?.toMs, from + PRESENT_REACH_MS);
  assert.deepEqual(
    p.due?.startsMs.map((t) => new Date(t).toISOString()),
    ['2026-11-27T12:00:00.000Z', '2026-11-27T13:00:00.000Z', '2026-11-27T23:00:00.000Z', '2026-11-28T12:00:00.000Z', '2026-11-28T23:00:00.000Z'],
    'starts of this namespace only, paused plans left out',
  );
  assert.equal(p.commit, 'c0ffee');
});

test('present: its key ignores the clock within a step and the commit, so an unchanged plan set is told at most once per 12 hours', () => {
  const a = presentOf(plans, 'shop.a1', NOW, 'c0ffee');
  const b = presentOf(plans, 'shop.a1', NOW + 20 * M, 'beef');
  assert.equal(presentKey(a), presentKey(b));
  const c = presentOf(plans, 'shop.a1', Date.parse('2026-11-27T12:00:00Z') + PRESENT_STEP_MS, 'beef');
  assert.notEqual(presentKey(a), presentKey(c), 'the range moved on');
  const edited = presentOf([...plans.slice(1), lp({ name: 'base', at: '2026-11-01T00:00', trus: 4 })], 'shop.a1', NOW, 'beef');
  assert.notEqual(presentKey(a), presentKey(edited), 'a baseline edit is told');
});

test('present pushes: a coordinator run never told, told something else, or a new run; never one told the same', () => {
  const present = presentOf(plans, 'shop.a1', NOW, 'c0ffee');
  const other = presentOf(plans, 'other.b2', NOW, 'c0ffee');
  const presents = new Map([
    ['shop.a1', present],
    ['other.b2', other],
  ]);
  const key = presentKey(present);
  assert.deepEqual(presentPushes(new Map([['shop.a1', 'run-1']]), presents, new Map()), ['shop.a1']);
  assert.deepEqual(presentPushes(new Map([['shop.a1', 'run-1']]), presents, new Map([['shop.a1', { runId: 'run-1', key }]])), []);
  assert.deepEqual(presentPushes(new Map([['shop.a1', 'run-2']]), presents, new Map([['shop.a1', { runId: 'run-1', key }]])), ['shop.a1'], 'a new run');
  assert.deepEqual(
    presentPushes(
      new Map([
        ['shop.a1', 'run-1'],
        ['other.b2', 'run-9'],
      ]),
      presents,
      new Map([['shop.a1', { runId: 'run-1', key: 'old' }]]),
    ),
    ['other.b2', 'shop.a1'],
  );
});

test('hold across an end: the grace only for a window due within it; none due → 0; unknown (no pass said) → the grace', () => {
  const end = Date.parse('2026-11-27T14:00:00Z');
  const w = { verifyDelayMs: 120_000, endMs: end };
  const due = (startsMs: number[]) => ({ mine: { fromMs: end - 2 * H, toMs: end + 30 * H, startsMs } });
  assert.equal(holdAcrossEndMs(undefined, w), 120_000);
  assert.equal(holdAcrossEndMs(due([]), w), 0);
  assert.equal(holdAcrossEndMs(due([end]), w), 120_000, 'back to back');
  assert.equal(holdAcrossEndMs(due([end + M]), w), 120_000, 'a minute after');
  assert.equal(holdAcrossEndMs(due([end + 10 * M]), w), 0, 'ten minutes after: released, raised again');
  assert.equal(holdAcrossEndMs(due([end + 2 * M]), w), 3 * M, 'an early release (2 min before the next start): held until that window joined');
  assert.equal(holdAcrossEndMs({ mine: { fromMs: end + M, toMs: end + 30 * H, startsMs: [] } }, w), 120_000, 'an end outside the range is not known');
  assert.equal(
    holdAcrossEndMs({ ...due([]), theirs: { fromMs: end - 2 * H, toMs: end + 30 * H, startsMs: [end] } }, w),
    120_000,
    'another installation has a window due then',
  );
  assert.equal(holdAcrossEndMs(due([]), { verifyDelayMs: 30_000, endMs: end }), 0);
});

test("a pass speaks for its own installation: another installation's baseline on the namespace stays; its own deleted plan goes", () => {
  let s = initialState('shop.a1', 'wf:run');
  const step = (e: EngineEvent): void => void (s = decide(s, e, NOW).state);
  step({ kind: 'start', opPrefix: 'wf:run' });
  const ask = (plan: string, installation: string, trus: number) => ({
    windowId: `${plan}/r`,
    workflowId: plan,
    runId: 'r',
    trus,
    verifyDelayMs: 0,
    plan,
    installation,
  });
  step({ kind: 'open', window: ask('base', 'blue', 4) });
  step({ kind: 'open', window: ask('base', 'green', 2) });
  step({ kind: 'open', window: ask('extra', 'blue', 3) });
  assert.deepEqual(
    s.baselines.map((b) => `${b.installation} ${b.plan} ${b.trus}`).sort((a, b) => a.localeCompare(b)),
    ['blue base 4', 'blue extra 3', 'green base 2'],
  );
  step({ kind: 'baselines', plans: { base: 4 }, installation: 'blue' });
  assert.deepEqual(
    s.baselines.map((b) => `${b.installation} ${b.plan} ${b.trus}`).sort((a, b) => a.localeCompare(b)),
    ['blue base 4', 'green base 2'],
  );
});

test('present: a plan with a lead is due when its schedule fires (its start less the lead)', () => {
  const p = presentOf([lp({ name: 'nightly', cron: '0 23 * * *', duration: '3h', trus: 8, lead: '3m' })], 'shop.a1', NOW, 'c0ffee');
  assert.deepEqual(
    p.due?.startsMs.map((t) => new Date(t).toISOString()),
    ['2026-11-27T22:57:00.000Z', '2026-11-28T22:57:00.000Z'],
  );
});
