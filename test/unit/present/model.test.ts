import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildPresent, planOfWorkflow, type PresentInput } from '../../../src/core/present/model.js';
import { loadPlans } from '../../../src/core/plan/load.js';
import { validatePlans } from '../../../src/core/plan/validate.js';
import { renderPage } from '../../../src/ui/page.js';
import type { PlanFile } from '../../../src/core/ports.js';
import { parseWindowId } from '../../../src/core/engine/index.js';

const enc = new TextEncoder();
function file(path: string, text: string): PlanFile {
  const bytes = enc.encode(text);
  return { path, kind: 'file', size: bytes.length, bytes };
}
function plan(name: string, fields: string): string {
  return `apiVersion: capsched/v1\nkind: CapacityPlan\nname: ${name}\nnamespace: payments.a1b2c\n${fields}\n`;
}

// Wednesday 2 Dec 2026 12:00 UTC (07:00 in New York).
const NOW = Date.parse('2026-12-02T12:00:00Z');
const files = [
  file('schedules/nightly.yaml', plan('nightly', 'trus: 8\ncron: "0 23 * * 1-5"\ntimezone: America/New_York\nduration: 3h')),
  // Overlaps nightly from 23:30 to 01:30 New York every weeknight.
  file('schedules/late.yaml', plan('late', 'trus: 4\ncron: "30 23 * * 1-5"\ntimezone: America/New_York\nduration: 2h')),
  // Active now: 11:00-13:00 UTC today.
  file('schedules/noon.yaml', plan('noon', 'trus: 6\nat: "2026-12-02T11:00"\ntimezone: UTC\nduration: 2h')),
  file(
    'schedules/other.yaml',
    'apiVersion: capsched/v1\nkind: CapacityPlan\nname: ledger\nnamespace: ledger.x1\ntrus: 2\ncron: "0 9 * * *"\ntimezone: Europe/Berlin\nduration: 1h\n',
  ),
];
const plans = loadPlans(files).plans;

function input(over: Partial<PresentInput> = {}): PresentInput {
  return {
    nowMs: NOW,
    installation: 'prod',
    plans,
    live: [
      {
        namespace: 'payments.a1b2c',
        effective: { mode: 'provisioned', trus: 6 },
        windows: [
          { ...parseWindowId('capsched.prod.noon-2026-12-02T11:00:00Z/r1'), trus: 6, endMs: Date.parse('2026-12-02T13:00:00Z') },
          { ...parseWindowId('manual-boost'), trus: 2, endMs: null },
        ],
        capacity: { namespace: 'payments.a1b2c', mode: 'provisioned', currentTrus: 6, resourceVersion: 'v1', latestRequest: { state: 'completed' } },
      },
    ],
    applied: {
      'payments.a1b2c': [
        { atMs: NOW - 30 * 3_600_000, trus: 0 },
        { atMs: NOW - 3_600_000, trus: 6 },
      ],
    },
    recordSinceMs: NOW - 48 * 3_600_000,
    source: { describe: 'folder schedules/', appliedRevision: 'abcdef0123456789', problems: [] },
    alerts: [],
    temporalUi: { baseUrl: 'http://localhost:8233', namespace: 'default' },
    ...over,
  };
}

test('present: one bar per window in the next 7 days, per namespace, with lanes for overlaps', () => {
  const view = buildPresent(input());
  const payments = view.namespaces.find((n) => n.namespace === 'payments.a1b2c')!;
  // Weeknights Wed 2 .. Tue 8 Dec in New York: Wed, Thu, Fri, Mon, Tue = 5 each; plus the one-off.
  assert.equal(payments.bars.filter((b) => b.plan === 'nightly').length, 5);
  assert.equal(payments.bars.filter((b) => b.plan === 'late').length, 5);
  assert.equal(payments.bars.filter((b) => b.plan === 'noon').length, 1);
  assert.equal(payments.lanes, 2, 'nightly and late overlap: two lanes');
  assert.ok(payments.bars.filter((b) => b.plan === 'late').every((b) => b.overlap));
  assert.equal(payments.bars.find((b) => b.plan === 'noon')!.overlap, false);
  const ledger = view.namespaces.find((n) => n.namespace === 'ledger.x1')!;
  // 09:00 Berlin = 08:00 UTC; today's has passed; Thu 3 .. Wed 9 Dec = 7.
  assert.equal(ledger.bars.length, 7);
  assert.equal(ledger.bars[0]!.start.local, '2026-12-03T09:00+01:00');
  assert.equal(ledger.bars[0]!.start.utc, '2026-12-03T08:00Z');
});

test('present: the max-over-windows line takes the maximum of overlapping windows, never the sum', () => {
  const payments = buildPresent(input()).namespaces.find((n) => n.namespace === 'payments.a1b2c')!;
  // Wed 2 Dec 23:30-01:30 New York = Thu 04:30-06:30 UTC: nightly 8 and late 4 → 8.
  const overlap = payments.planned.find((s) => s.startMs === Date.parse('2026-12-03T04:30:00Z'))!;
  assert.equal(overlap.trus, 8);
  assert.deepEqual(overlap.plans, ['late', 'nightly']);
  // 01:30-02:00 New York (06:30-07:00 UTC Thu): late ended, nightly alone, 8; from 02:00 on-demand.
  const after = payments.planned.find((s) => s.startMs === Date.parse('2026-12-03T06:30:00Z'))!;
  assert.deepEqual([after.trus, after.plans], [8, ['nightly']]);
  assert.equal(payments.planned.find((s) => s.startMs === Date.parse('2026-12-03T07:00:00Z'))!.trus, 0);
  assert.equal(payments.maxTrus, 8);
  assert.equal(payments.plannedNowTrus, 6, 'the one-off covers now');
});

test('present: TRU-hours per namespace are the same figures as capsched validate', () => {
  const view = buildPresent(input());
  const report = validatePlans(files, { now: NOW });
  for (const n of report.namespaces) {
    const mine = view.namespaces.find((x) => x.namespace === n.namespace)!;
    assert.equal(mine.week.truHours, n.truHoursPerWeek, n.namespace);
    assert.equal(mine.week.peakTrus, n.peakTrus, n.namespace);
    assert.equal(mine.week.provisionedHours, n.provisionedHoursPerWeek, n.namespace);
  }
  // By hand: nightly 5 windows × 3 h × 8 = 120; late (23:30-01:30) lies inside nightly (23:00-02:00): +0;
  // noon: 12:00-13:00 of it remains in the week, 1 h × 6 = 6. Total 126. ledger: 7 × 1 h × 2 = 14.
  assert.equal(view.namespaces.find((x) => x.namespace === 'payments.a1b2c')!.week.truHours, 126);
  assert.equal(view.namespaces.find((x) => x.namespace === 'ledger.x1')!.week.truHours, 14);
  assert.equal(view.totals.truHoursPerWeek, 140);
  // Billed, over the 168 UTC hours from Wed 12:00Z (docs/billing.md): nightly's windows from Wed, Thu, Fri, Mon and Tue
  // nights each hold 04, 05, 06 and 07Z (released at 07:00Z) at 8 → 5 × 4 × 8 = 160 (late lies inside: +0); noon holds
  // 12 and 13 (released at 13:00) at 6 → 12. payments 172 billed TRU-hours, (5 × 4 × 7 + 2 × 5) = 150 × 360,000 =
  // 54,000,000 minimum Actions, $2,700. ledger: 08:00–09:00Z Thu…Wed → 7 × 2 hours × 2 = 28, 14 × 360,000 = 5,040,000, $252.
  for (const n of report.namespaces) {
    const mine = view.namespaces.find((x) => x.namespace === n.namespace)!;
    assert.deepEqual([mine.week.billedTruHours, mine.week.minimumActions], [n.billedTruHoursPerWeek, n.minimumActionsPerWeek], n.namespace);
  }
  const payments = view.namespaces.find((x) => x.namespace === 'payments.a1b2c')!.week;
  assert.deepEqual([payments.billedTruHours, payments.minimumActions, payments.worstCaseUsd], [172, 54_000_000, 2700]);
  const ledger = view.namespaces.find((x) => x.namespace === 'ledger.x1')!.week;
  assert.deepEqual([ledger.billedTruHours, ledger.minimumActions, ledger.worstCaseUsd], [28, 5_040_000, 252]);
  assert.deepEqual(
    [view.totals.billedTruHoursPerWeek, view.totals.minimumActionsPerWeek, view.totals.worstCaseUsdPerWeek, view.actionsPricePerMillion],
    [200, 59_040_000, 2952, 50],
  );
  // At a contract price of $20 per million the worst case is 59.04 × 20 = $1,180.80.
  assert.equal(buildPresent(input({ actionsPrice: 20 })).totals.worstCaseUsdPerWeek, 1180.8);
});

test('present: active windows carry plan, file, end in the plan zone and UTC, commit and the Temporal UI link; others are manual', () => {
  const payments = buildPresent(input()).namespaces.find((n) => n.namespace === 'payments.a1b2c')!;
  const [noon, manual] = payments.active;
  assert.equal(noon!.plan, 'noon');
  assert.equal(noon!.file, 'schedules/noon.yaml');
  assert.equal(noon!.origin, 'plan');
  assert.equal(noon!.end!.utc, '2026-12-02T13:00Z');
  assert.equal(noon!.commit, 'abcdef0123456789');
  assert.equal(noon!.uiUrl, 'http://localhost:8233/namespaces/default/workflows/capsched.prod.noon-2026-12-02T11%3A00%3A00Z/r1/history');
  assert.equal(manual!.origin, 'manual');
  assert.equal(manual!.plan, undefined);
  assert.equal(manual!.end, undefined, 'permanent');
  assert.equal(payments.effectiveTrus, 6);
  assert.equal(payments.capacityText, '6 TRUs');
  assert.equal(payments.next!.plan, 'nightly');
  assert.equal(payments.next!.start.local, '2026-12-02T23:00-05:00');
});

test('present: the last 24 h come from the applied record; before the record starts nothing is invented', () => {
  const payments = buildPresent(input()).namespaces.find((n) => n.namespace === 'payments.a1b2c')!;
  assert.deepEqual(
    payments.applied.map((s) => [s.startMs, s.endMs, s.trus]),
    [
      [NOW - 24 * 3_600_000, NOW - 3_600_000, 0],
      [NOW - 3_600_000, NOW, 6],
    ],
  );
  const fresh = buildPresent(input({ recordSinceMs: NOW - 2 * 3_600_000, applied: { 'payments.a1b2c': [{ atMs: NOW - 2 * 3_600_000, trus: 0 }] } }));
  assert.deepEqual(
    fresh.namespaces.find((n) => n.namespace === 'payments.a1b2c')!.applied.map((s) => [s.startMs, s.trus]),
    [[NOW - 2 * 3_600_000, 0]],
  );
});

test('present: DST changes in range are marked; a namespace only the coordinator knows still shows', () => {
  // 8 Mar 2026 is US spring-forward: a "now" on 3 Mar sees it within 7 days.
  const march = Date.parse('2026-03-03T12:00:00Z');
  const view = buildPresent(
    input({
      nowMs: march,
      recordSinceMs: march,
      applied: {},
      live: [{ namespace: 'orphan.z9', effective: { mode: 'provisioned', trus: 3 }, windows: [{ ...parseWindowId('x'), trus: 3, endMs: null }] }],
    }),
  );
  const payments = view.namespaces.find((n) => n.namespace === 'payments.a1b2c')!;
  assert.equal(payments.dstChanges.length, 1);
  assert.match(payments.dstChanges[0]!.label, /DST starts in America\/New_York/);
  const orphan = view.namespaces.find((n) => n.namespace === 'orphan.z9')!;
  assert.equal(orphan.effectiveTrus, 3);
  assert.equal(orphan.plans.length, 0);
  assert.equal(orphan.capacityText, 'unknown');
});

test('present: schedule workflow ids name their plan; other ids do not', () => {
  assert.equal(planOfWorkflow('capsched.prod.nightly-batch-2026-12-02T23:00:00Z', 'prod'), 'nightly-batch');
  assert.equal(planOfWorkflow('capsched.other.nightly-2026-12-02T23:00:00Z', 'prod'), undefined);
  assert.equal(planOfWorkflow('capsched-change-payments', 'prod'), undefined);
});

test("the present shows the last pass's live changes: a held reduction with its end, what it applied; windows started late say so", async () => {
  const { liveRules } = await import('../../../src/core/live/rules.js');
  const { desiredNow, occurrenceWorkflowId } = await import('../../../src/core/live/desired-now.js');
  const edited = loadPlans([file('schedules/noon.yaml', plan('noon', 'trus: 4\nat: "2026-12-02T11:00"\ntimezone: UTC\nduration: 2h'))]).plans;
  const windowId = `${occurrenceWorkflowId('prod', 'noon', Date.parse('2026-12-02T11:00:00Z'))}/r1`;
  const live = liveRules(
    desiredNow(edited, NOW, 'abc'),
    [
      {
        namespace: 'payments.a1b2c',
        effectiveTrus: 6,
        windows: [{ windowId, workflowId: windowId.slice(0, -3), runId: 'r1', trus: 6, endMs: Date.parse('2026-12-02T13:00:00Z') }],
      },
    ],
    {
      installation: 'prod',
      reductions: 'at-end',
      startWorkflowId: (p, s) => occurrenceWorkflowId('prod', p, s),
    },
  );
  const base = input();
  const view = buildPresent({
    ...base,
    live: [{ ...base.live[0]!, windows: [{ ...base.live[0]!.windows[0]!, commit: 'c0ffee1234567890', startedLate: true }] }],
    livePass: { plan: live, dryRun: false },
  });
  const ns = view.namespaces.find((n) => n.namespace === 'payments.a1b2c')!;
  assert.deepEqual(
    ns.liveChanges.map((c) => [c.kind, c.state, c.heldUntil?.utc]),
    [['lower', 'held', '2026-12-02T13:00Z']],
  );
  assert.match(ns.liveChanges[0]!.text, /the reduction applies at the window's end; --force applies it now/);
  assert.equal(ns.active[0]!.commit, 'c0ffee1234567890', "the window's own commit");
  assert.equal(ns.active[0]!.startedLate, true);
  const { renderStatusText } = await import('../../../src/core/present/text.js');
  const text = renderStatusText(view, 'payments.a1b2c');
  assert.match(text, /live changes\n {4}held noon: held until 2026-12-02T13:00Z: lower to 4 TRUs \(from 6\)/);
  assert.match(text, /commit c0ffee123456 \(started late\)/);
});

test('present: a plan with release: early is billed by the page as validate bills it, and the option is listed with its cost', () => {
  // nightly released early (done by 02:00 New York = 07:00Z): the five nights hold 04, 05 and 06Z only → 5 × 3 × 8 = 120
  // (late, 23:30–01:30, lies inside) + noon 12 = 132 billed TRU-hours; (5 × 3 × 7 + 2 × 5) = 115 × 360,000 = 41.4 M.
  const early = [
    file('schedules/nightly.yaml', plan('nightly', 'trus: 8\ncron: "0 23 * * 1-5"\ntimezone: America/New_York\nduration: 3h\nrelease: early')),
    ...files.slice(1),
  ];
  const view = buildPresent(input({ plans: loadPlans(early).plans }));
  const report = validatePlans(early, { now: NOW });
  const payments = view.namespaces.find((x) => x.namespace === 'payments.a1b2c')!;
  const validated = report.namespaces.find((n) => n.namespace === 'payments.a1b2c')!;
  assert.deepEqual([payments.week.billedTruHours, payments.week.minimumActions], [validated.billedTruHoursPerWeek, validated.minimumActionsPerWeek]);
  assert.deepEqual([payments.week.billedTruHours, payments.week.minimumActions], [132, 41_400_000]);
  assert.deepEqual(payments.timingCosts, [
    'nightly: release early completes by 07:00 UTC: -5 billed hours a week at 8 TRUs = -12.6 M minimum Actions a week (-$630.00 at $50 per million)',
  ]);
  assert.deepEqual(view.namespaces.find((x) => x.namespace === 'ledger.x1')!.timingCosts, []);
  assert.match(
    renderPage(view, { refreshSeconds: 5 }),
    /<h3>Timing options<\/h3><ul class="timing"><li><code>payments\.a1b2c<\/code> nightly: release early completes by 07:00 UTC: -5 billed hours a week/,
  );
});
