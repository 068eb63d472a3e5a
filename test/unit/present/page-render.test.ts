/**
 * The page's HTML from a view (src/ui/page): live changes of the last pass (a held reduction with
 * its time, marked on the timeline), windows started late, escaping.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { desiredNow, occurrenceWorkflowId } from '../../../src/core/live/desired-now.js';
import { liveRules } from '../../../src/core/live/rules.js';
import { buildPresent, type PresentInput } from '../../../src/core/present/model.js';
import { loadPlans } from '../../../src/core/plan/load.js';
import type { PlanFile } from '../../../src/core/ports.js';
import { rowsFromPresent } from '../../../src/dev/table.js';
import { renderPage } from '../../../src/ui/page.js';
import { parseWindowId } from '../../../src/core/engine/index.js';

const enc = new TextEncoder();
function file(path: string, text: string): PlanFile {
  const bytes = enc.encode(text);
  return { path, kind: 'file', size: bytes.length, bytes };
}
const noon = (trus: number): string =>
  `apiVersion: capsched/v1\nkind: CapacityPlan\nname: noon\nnamespace: payments.a1b2c\ntrus: ${trus}\nat: "2026-12-02T11:00"\ntimezone: America/New_York\nduration: 4h\n`;
const NOW = Date.parse('2026-12-02T17:00:00Z');
const START = Date.parse('2026-12-02T16:00:00Z');
const END = Date.parse('2026-12-02T20:00:00Z');

test('page: a held reduction of the last pass is listed with its time and marked on the timeline; a late start says so', () => {
  // The window runs at 6 TRUs; the applied commit asks for 4: the reduction waits for the window's end.
  const plans = loadPlans([file('schedules/noon.yaml', noon(4))]).plans;
  const windowId = `${occurrenceWorkflowId('prod', 'noon', START)}/r1`;
  const workflowId = windowId.slice(0, -3);
  const live = liveRules(
    desiredNow(plans, NOW, 'abc'),
    [{ namespace: 'payments.a1b2c', effectiveTrus: 6, windows: [{ windowId, workflowId, runId: 'r1', trus: 6, endMs: END }] }],
    {
      installation: 'prod',
      reductions: 'at-end',
      startWorkflowId: (p, s) => occurrenceWorkflowId('prod', p, s),
    },
  );
  const input: PresentInput = {
    nowMs: NOW,
    installation: 'prod',
    plans,
    live: [
      {
        namespace: 'payments.a1b2c',
        effective: { mode: 'provisioned', trus: 6 },
        windows: [{ ...parseWindowId(`${workflowId}/r1`), trus: 6, endMs: END, plan: 'noon', commit: 'c0ffee1234567890', startedLate: true }],
      },
    ],
    applied: {},
    recordSinceMs: NOW - 3_600_000,
    source: { describe: 'folder schedules/', appliedRevision: 'abc', problems: [] },
    alerts: [],
    livePass: { plan: live, dryRun: false },
  };
  const view = buildPresent(input);
  const html = renderPage(view, { refreshSeconds: 5 });
  const item = /<li class="livechange held" data-state="held" data-plan="noon">(.*?)<\/li>/.exec(html)?.[1] ?? '';
  assert.match(item, /<strong>held<\/strong> noon: held until 2026-12-02T20:00Z: lower to 4 TRUs \(from 6\)/);
  assert.match(item, /the reduction applies at the window&#39;s end/);
  // The plan's zone too.
  assert.match(item, /\(2026-12-02T15:00-05:00\)/);
  assert.match(html, /<g class="heldmark" data-plan="noon"><title>noon: held until 2026-12-02T20:00Z/);
  assert.match(html, /<code>c0ffee123456<\/code> <span class="late">started late<\/span>/);
  // The dev table says the same.
  assert.equal(rowsFromPresent(view)[0]!.active, 'active until 15:00 (6 TRU) · lower held until 15:00');

  // No live pass yet: no section.
  assert.ok(!renderPage(buildPresent({ ...input, livePass: undefined }), { refreshSeconds: 5 }).includes('class="live"'));
});

test("page: this week's TRU-hours are the figures capsched validate and the pull-request report print (report horizon from 00:00 UTC)", async () => {
  const { buildPrReport } = await import('../../../src/core/report/pr-build.js');
  const { validatePlans } = await import('../../../src/core/plan/validate.js');
  const files = [
    file(
      'schedules/nightly.yaml',
      'apiVersion: capsched/v1\nkind: CapacityPlan\nname: nightly\nnamespace: payments.a1b2c\ntrus: 8\ncron: "0 23 * * 1-5"\ntimezone: America/New_York\nduration: 3h\n',
    ),
    file(
      'schedules/late.yaml',
      'apiVersion: capsched/v1\nkind: CapacityPlan\nname: late\nnamespace: payments.a1b2c\ntrus: 4\ncron: "30 23 * * 1-5"\ntimezone: America/New_York\nduration: 2h\n',
    ),
    file(
      'schedules/ledger.yaml',
      'apiVersion: capsched/v1\nkind: CapacityPlan\nname: ledger\nnamespace: ledger.x1\ntrus: 2\ncron: "0 9 * * *"\ntimezone: Europe/Berlin\nduration: 90m\n',
    ),
  ];
  const plans = loadPlans(files).plans;
  // The report's 7 days start at 00:00 UTC of today; at that instant the three agree exactly.
  const midnight = Date.parse('2027-03-08T00:00:00Z');
  const view = buildPresent({
    nowMs: midnight,
    installation: 'prod',
    plans,
    live: [],
    applied: {},
    recordSinceMs: midnight,
    source: { describe: 'x', problems: [] },
    alerts: [],
  });
  // A pull request that adds every plan: each namespace is in the report with its head figures.
  const side = { ref: 'pr', commit: 'h', pathExists: true, valid: true, plans, errors: [], warnings: [] };
  const report = buildPrReport({ base: { ...side, ref: 'main', commit: 'b', plans: [] }, head: side, plansPath: 'schedules', nowMs: midnight });
  const validated = validatePlans(files, { now: midnight });
  for (const ns of view.namespaces) {
    const r = report.namespaces.find((n) => n.namespace === ns.namespace)!;
    const v = validated.namespaces.find((n) => n.namespace === ns.namespace)!;
    assert.equal(ns.week.truHours, r.head.truHoursPerWeek, `${ns.namespace}: page vs report`);
    assert.equal(ns.week.truHours, v.truHoursPerWeek, `${ns.namespace}: page vs validate`);
    assert.equal(ns.week.peakTrus, r.head.peakTrus);
    assert.ok(ns.week.truHours > 0, ns.namespace);
    // The billed figures agree too: the billing week starts at now's hour, the report's horizon at 00:00 UTC.
    assert.deepEqual(
      [ns.week.billedTruHours, ns.week.minimumActions],
      [r.head.billedTruHoursPerWeek, r.head.minimumActionsPerWeek],
      `${ns.namespace}: page vs report`,
    );
    assert.deepEqual([ns.week.billedTruHours, ns.week.minimumActions], [v.billedTruHoursPerWeek, v.minimumActionsPerWeek], `${ns.namespace}: page vs validate`);
    assert.ok(ns.week.minimumActions > 0, ns.namespace);
  }
  // The range holds the US DST change of 14 March: the page marks it.
  assert.ok(view.namespaces.find((n) => n.namespace === 'payments.a1b2c')!.dstChanges.some((d) => /DST starts in America\/New_York/.test(d.label)));
  const html = renderPage(view, { refreshSeconds: 5 });
  assert.match(html, /<line class="dstline"[^>]*><title>DST starts in America\/New_York at 2027-03-14T03:00-04:00<\/title>/);
});
