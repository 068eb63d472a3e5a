import assert from 'node:assert/strict';
import { test } from 'node:test';
import { desiredNow, occurrenceWorkflowId, parseOccurrenceWorkflowId } from '../../../src/core/live/desired-now.js';
import { liveRules, type LiveRulesOptions } from '../../../src/core/live/rules.js';
import { liveSectionLines } from '../../../src/core/live/text.js';
import type { LiveNamespaceState, LiveWindow } from '../../../src/core/live/types.js';
import type { LoadedPlan } from '../../../src/core/plan/load.js';
import { type CapacityPlanInput, parsePlan } from '../../../src/core/plan/schema.js';
import { planDurationMs } from '../../../src/core/windows/windows.js';

const M = 60_000;
const H = 60 * M;
const NOW = Date.parse('2026-11-27T12:30:00Z'); // Black Friday, inside a 12:00–14:00 window

function lp(input: Partial<CapacityPlanInput> & { name: string }): LoadedPlan {
  const plan = parsePlan({ apiVersion: 'capsched/v1', kind: 'CapacityPlan', namespace: 'shop.a1', trus: 6, ...input });
  const lengthMs = plan.until !== undefined ? null : planDurationMs(plan);
  return { plan, file: `schedules/${plan.name}.yaml`, line: 1, documentIndex: 0, lengthMs };
}

const options = (extra: Partial<LiveRulesOptions> = {}): LiveRulesOptions => ({
  installation: 'default',
  reductions: 'at-end',
  startWorkflowId: (plan, startMs) => occurrenceWorkflowId('default', plan, startMs),
  ...extra,
});

function running(plan: string, trus: number, startMs: number, endMs: number | null, extra: Partial<LiveWindow> = {}): LiveWindow {
  const workflowId = occurrenceWorkflowId('default', plan, startMs);
  return { windowId: `${workflowId}/run-1`, workflowId, runId: 'run-1', trus, endMs, ...extra };
}

function ns(windows: LiveWindow[], namespace = 'shop.a1'): LiveNamespaceState {
  return { namespace, effectiveTrus: windows.reduce((m, w) => Math.max(m, w.trus), 0), windows };
}

const START = Date.parse('2026-11-27T12:00:00Z');
const END = Date.parse('2026-11-27T14:00:00Z');

test('occurrence workflow ids: what a schedule names its run, parsed back (plan names with dashes)', () => {
  const id = occurrenceWorkflowId('default', 'black-friday', START);
  assert.equal(id, 'capsched.default.black-friday-2026-11-27T12:00:00Z');
  assert.deepEqual(parseOccurrenceWorkflowId(id), { installation: 'default', plan: 'black-friday', startMs: START });
  assert.equal(parseOccurrenceWorkflowId('capsched-change-shop.a1-2026-11-27T12-00-00-000Z'), undefined, 'a manual change is no plan');
});

test('desired-now: the occurrence covering now (end = start + length, as the window computes it), permanent plans, not paused ones', () => {
  const plans = [
    lp({ name: 'bf', at: '2026-11-27T12:00', duration: '2h' }),
    lp({ name: 'nightly', cron: '0 23 * * *', duration: '3h', trus: 4 }),
    lp({ name: 'lunch', cron: '0 12 * * *', duration: '1h', trus: 2 }),
    lp({ name: 'base', at: '2026-11-01T00:00', trus: 2, namespace: 'other.b2' }),
    lp({ name: 'paused', at: '2026-11-27T12:00', duration: '2h', paused: true }),
    lp({ name: 'later', at: '2026-11-27T13:00', duration: '2h' }),
  ];
  const d = desiredNow(plans, NOW, 'c0ffee');
  assert.deepEqual(
    d.namespaces.map((n) => [
      n.namespace,
      n.windows.map((w) => [w.plan, w.trus, new Date(w.startMs).toISOString(), w.endMs === null ? null : new Date(w.endMs).toISOString()]),
    ]),
    [
      ['other.b2', [['base', 2, '2026-11-01T00:00:00.000Z', null]]],
      [
        'shop.a1',
        [
          ['bf', 6, '2026-11-27T12:00:00.000Z', '2026-11-27T14:00:00.000Z'],
          ['lunch', 2, '2026-11-27T12:00:00.000Z', '2026-11-27T13:00:00.000Z'],
        ],
      ],
    ],
  );
});

test('rule 1: a running window whose plan was edited to more TRUs and a later end is raised and extended now', () => {
  const d = desiredNow([lp({ name: 'bf', at: '2026-11-27T12:00', duration: '4h', trus: 8 })], NOW, 'c1');
  const plan = liveRules(d, [ns([running('bf', 6, START, END)])], options());
  assert.deepEqual(
    plan.namespaces[0]!.changes.map((c) => [c.kind, c.fromTrus ?? c.fromEndMs, c.toTrus ?? c.toEndMs, c.heldUntilMs]),
    [
      ['raise', 6, 8, undefined],
      ['extend', END, START + 4 * H, undefined],
    ],
  );
  assert.equal(plan.pending, 2);
  assert.equal(plan.namespaces[0]!.liveTrus, 6);
  assert.equal(plan.namespaces[0]!.desiredTrus, 8);
  assert.equal(plan.namespaces[0]!.afterTrus, 8);
});

test('rule 2: a plan merged mid-window starts now for the rest of its window; not again once its run exists; never after its end', () => {
  const plans = [lp({ name: 'bf', at: '2026-11-27T12:00', duration: '2h' })];
  const plan = liveRules(desiredNow(plans, NOW, 'c1'), [], options());
  assert.deepEqual(
    plan.namespaces[0]!.changes.map((c) => [c.kind, c.toTrus, c.startMs, c.toEndMs]),
    [['start', 6, START, END]],
  );
  const ran = liveRules(desiredNow(plans, NOW, 'c1'), [], options({ alreadyRan: new Set([occurrenceWorkflowId('default', 'bf', START)]) }));
  assert.deepEqual(ran.namespaces, [], 'an occurrence whose run exists (running, ended or cancelled) is not started again');
  assert.deepEqual(liveRules(desiredNow(plans, END, 'c1'), [], options()).namespaces, [], 'nothing after its end');
});

test('a window whose raise failed (held at 0 TRUs until its end) is not raised again by a pass', () => {
  const d = desiredNow([lp({ name: 'bf', at: '2026-11-27T12:00', duration: '2h' })], NOW, 'c1');
  assert.deepEqual(liveRules(d, [ns([running('bf', 0, START, END)])], options()).namespaces, []);
});

test('rule 3: reductions of a running window are held until its end by default and applied with reductions=now', () => {
  const d = desiredNow([lp({ name: 'bf', at: '2026-11-27T12:00', duration: '1h', trus: 4 })], NOW, 'c1');
  const live = [ns([running('bf', 6, START, END)])];
  const held = liveRules(d, live, options());
  assert.deepEqual(
    held.namespaces[0]!.changes.map((c) => [c.kind, c.heldUntilMs]),
    [
      ['lower', END],
      ['shorten', END],
    ],
  );
  assert.equal(held.pending, 0, 'held reductions are not pending: diff exits 0, apply writes nothing');
  assert.equal(held.held, 2);
  assert.equal(held.namespaces[0]!.afterTrus, 6);
  const lines = liveSectionLines(held).join('\n');
  assert.match(lines, /held until 2026-11-27T14:00Z: lower to 4 TRUs \(from 6\).*the reduction applies at the window's end; --force applies it now/);
  const forced = liveRules(d, live, options({ reductions: 'now' }));
  assert.deepEqual(
    forced.namespaces[0]!.changes.map((c) => [c.kind, c.heldUntilMs, c.toEndMs ?? c.toTrus]),
    [
      ['lower', undefined, 4],
      ['shorten', undefined, START + H],
    ],
  );
  assert.equal(forced.pending, 2);
});

test('rule 3: a deleted or paused plan, or one moved to another namespace: its running window is held (release at its end)', () => {
  const live = [ns([running('bf', 6, START, END)])];
  const deleted = liveRules(desiredNow([], NOW, 'c1'), live, options());
  assert.deepEqual(
    deleted.namespaces[0]!.changes.map((c) => [c.kind, c.heldUntilMs, c.reason]),
    [['release', END, 'plan deleted, paused or no longer covering now']],
  );
  const moved = liveRules(desiredNow([lp({ name: 'bf', at: '2026-11-27T12:00', duration: '2h', namespace: 'shop.b2' })], NOW, 'c1'), live, options());
  assert.deepEqual(
    moved.namespaces.map((n) => [n.namespace, n.changes.map((c) => [c.kind, c.reason])]),
    [
      ['shop.a1', [['release', 'plan moved to another namespace']]],
      ['shop.b2', [['start', 'the window covers now but is not running']]],
    ],
  );
});

test('rule 4: permanent plans — edits apply now (up or down), deletion releases the baseline, another plan adds its own', () => {
  const base = running('base', 4, Date.parse('2026-11-01T00:00:00Z'), null);
  const live = [ns([base])];
  const lowered = liveRules(desiredNow([lp({ name: 'base', at: '2026-11-01T00:00', trus: 2 })], NOW, 'c1'), live, options());
  assert.deepEqual(
    lowered.namespaces[0]!.changes.map((c) => [c.kind, c.permanent, c.toTrus, c.heldUntilMs]),
    [['lower', true, 2, undefined]],
  );
  const released = liveRules(desiredNow([], NOW, 'c1'), live, options());
  assert.deepEqual(
    released.namespaces[0]!.changes.map((c) => [c.kind, c.permanent, c.heldUntilMs]),
    [['release', true, undefined]],
  );
  assert.equal(released.namespaces[0]!.afterTrus, 0, 'back to on-demand');
  const replaced = liveRules(desiredNow([lp({ name: 'base2', at: '2026-11-20T00:00', trus: 3 })], NOW, 'c1'), live, options());
  assert.deepEqual(
    replaced.namespaces[0]!.changes.map((c) => [c.kind, c.plan, c.reason]),
    [
      ['release', 'base', 'permanent plan deleted or paused'],
      ['start', 'base2', 'permanent plan is not applied'],
    ],
    'one baseline per plan: base (no longer in git) is released, base2 starts its own',
  );
  assert.equal(replaced.namespaces[0]!.afterTrus, 3);
  // Issue #20 defect 2: A (4) and B (8) both permanent, B deleted → B released, A kept: the namespace falls to 4, not stays at 8.
  const a = running('plan-a', 4, Date.parse('2026-11-01T00:00:00Z'), null);
  const b = running('plan-b', 8, Date.parse('2026-11-10T00:00:00Z'), null);
  const bDeleted = liveRules(desiredNow([lp({ name: 'plan-a', at: '2026-11-01T00:00', trus: 4 })], NOW, 'c1'), [ns([a, b])], options());
  assert.deepEqual(
    bDeleted.namespaces[0]!.changes.map((c) => [c.kind, c.plan]),
    [['release', 'plan-b']],
  );
  assert.equal(bDeleted.namespaces[0]!.afterTrus, 4);
  // A permanent cron plan applies once live: edits apply, but a pass never fires it early.
  const cronBase = running('cron-base', 4, Date.parse('2026-11-27T06:00:00Z'), null);
  assert.deepEqual(liveRules(desiredNow([lp({ name: 'cron-base', cron: '0 6 * * *', trus: 4 })], NOW, 'c1'), [], options()).namespaces, []);
  assert.deepEqual(
    liveRules(desiredNow([lp({ name: 'cron-base', cron: '0 6 * * *', trus: 6 })], NOW, 'c1'), [ns([cronBase])], options()).namespaces[0]!.changes.map((c) => [
      c.kind,
      c.toTrus,
    ]),
    [['raise', 6]],
  );
});

test('rule 5: what the coordinators already hold changes nothing; other installations and manual changes are left alone', () => {
  const plans = [lp({ name: 'bf', at: '2026-11-27T12:00', duration: '2h' }), lp({ name: 'base', at: '2026-11-01T00:00', trus: 2 })];
  const live = [
    ns([
      running('bf', 6, START, END),
      running('base', 2, Date.parse('2026-11-01T00:00:00Z'), null),
      { windowId: 'capsched-change-shop.a1-x/r', workflowId: 'capsched-change-shop.a1-x', runId: 'r', trus: 10, endMs: END },
      { windowId: 'capsched.team-b.bf-2026-11-27T12:00:00Z/r', workflowId: 'capsched.team-b.bf-2026-11-27T12:00:00Z', runId: 'r', trus: 12, endMs: END },
    ]),
  ];
  const plan = liveRules(desiredNow(plans, NOW, 'c1'), live, options());
  assert.deepEqual(plan.namespaces, []);
  assert.equal(plan.pending, 0);
});

test('a namespace whose coordinator cannot be read changes nothing and says why', () => {
  const plan = liveRules(
    desiredNow([lp({ name: 'bf', at: '2026-11-27T12:00', duration: '2h' })], NOW, 'c1'),
    [{ namespace: 'shop.a1', effectiveTrus: 0, windows: [], error: 'query timed out' }],
    options(),
  );
  assert.deepEqual(
    plan.namespaces.map((n) => [n.namespace, n.changes.length, n.error]),
    [['shop.a1', 0, 'query timed out']],
  );
  assert.match(liveSectionLines(plan).join('\n'), /live state unreadable \(query timed out\)/);
  assert.deepEqual(
    liveRules(desiredNow([], NOW, 'c1'), [{ namespace: 'elsewhere.x', effectiveTrus: 0, windows: [], error: 'query timed out' }], options()).namespaces,
    [],
    'not where no plan asks for capacity now',
  );
});

// Ramps (issue #14): the ramp 12:00–14:00 asks 4, then 8 from 12:30, then 6 from 13:30 (its peak, plan.trus, is 8).
const RAMP = [
  { after: '0m', trus: 4 },
  { after: '30m', trus: 8 },
  { after: '90m', trus: 6 },
] as const satisfies CapacityPlanInput['steps'];
const RAMP_STEPS = [
  { atMs: START, trus: 4 },
  { atMs: START + 30 * M, trus: 8 },
  { atMs: START + 90 * M, trus: 6 },
];

test('desired-now of a ramp: its current step (not its peak), with the occurrence steps at instants', () => {
  const d = desiredNow([lp({ name: 'sale', at: '2026-11-27T12:00', duration: '2h', trus: 8, steps: RAMP })], NOW - 1, 'c0ffee');
  const w = d.namespaces[0]?.windows[0];
  assert.equal(w?.trus, 4, 'at 12:29:59 the first step');
  assert.deepEqual(w?.steps, RAMP_STEPS);
  assert.equal(
    desiredNow([lp({ name: 'sale', at: '2026-11-27T12:00', duration: '2h', trus: 8, steps: RAMP })], NOW + 61 * M, 'c').namespaces[0]?.windows[0]?.trus,
    6,
  );
});

test('a running ramp with the same steps changes nothing, even at a step its coordinator has not reached yet', () => {
  const plans = [lp({ name: 'sale', at: '2026-11-27T12:00', duration: '2h', trus: 8, steps: RAMP })];
  // The pass runs at 12:30:00, the coordinator still holds the first step (4): no raise, the coordinator follows its steps.
  const live = [ns([running('sale', 4, START, END, { plan: 'sale', installation: 'default', startMs: START, steps: RAMP_STEPS })])];
  const plan = liveRules(desiredNow(plans, NOW, 'c0ffee'), live, options());
  assert.deepEqual(plan.namespaces, []);
  assert.equal(plan.pending, 0);
});

test('a running ramp whose plan was edited is reshaped now when it asks for more (the new steps go to the coordinator); a lower reshape is held', () => {
  const edited = [
    { after: '0m', trus: 4 },
    { after: '30m', trus: 12 },
  ] as const satisfies CapacityPlanInput['steps'];
  const plans = [lp({ name: 'sale', at: '2026-11-27T12:00', duration: '2h', trus: 12, steps: edited })];
  const live = [ns([running('sale', 8, START, END, { plan: 'sale', installation: 'default', startMs: START, steps: RAMP_STEPS })])];
  const up = liveRules(desiredNow(plans, NOW, 'c0ffee'), live, options());
  const change = up.namespaces[0]?.changes[0];
  assert.equal(change?.kind, 'raise');
  assert.equal(change?.toTrus, 12);
  assert.deepEqual(change?.toSteps, [
    { atMs: START, trus: 4 },
    { atMs: START + 30 * M, trus: 12 },
  ]);
  assert.match(change?.reason ?? '', /ramp is now 4 → 12 TRUs/);
  assert.equal(change?.heldUntilMs, undefined);
  // Edited down into a flat 4: a reduction, held until the window's end by default.
  const flat = liveRules(desiredNow([lp({ name: 'sale', at: '2026-11-27T12:00', duration: '2h', trus: 4 })], NOW, 'c0ffee'), live, options());
  const down = flat.namespaces[0]?.changes[0];
  assert.equal(down?.kind, 'lower');
  assert.equal(down?.toSteps, undefined, 'no longer a ramp');
  assert.equal(down?.heldUntilMs, END);
});
