import assert from 'node:assert/strict';
import { test } from 'node:test';
import { desiredSchedules } from '../../../src/core/desired/build.js';
import { loadPlans } from '../../../src/core/plan/load.js';
import { validateAndLoadPlans } from '../../../src/core/plan/validate.js';
import type { PlanFile } from '../../../src/core/ports.js';
import { parseWindowId } from '../../../src/core/engine/index.js';

// issue #14: `namespaces: [a, b]` — one plan written once for several namespaces, expanded by the
// loader into one plan (and one desired schedule) per namespace.

const NOW = Date.parse('2026-11-30T00:00:00Z'); // a Monday, 00:00 UTC
const file = (path: string, text: string): PlanFile => {
  const bytes = new TextEncoder().encode(text);
  return { path, kind: 'file', size: bytes.length, bytes };
};
const doc = (fields: string): string => `apiVersion: capsched/v1\nkind: CapacityPlan\n${fields}`;
const codes = (files: PlanFile[]): string[] => loadPlans(files).issues.map((i) => `${i.code} ${i.line}:${i.column} ${i.field}`);

test('namespaces: both namespace and namespaces, neither, an empty list, a duplicate, a bad item — each an error with line and field', () => {
  assert.deepEqual(codes([file('p.yaml', doc('name: p\nnamespace: a.x\nnamespaces: [b.x]\ntrus: 8\ncron: "0 1 * * *"\nduration: 1h\n'))]), [
    'namespace-and-namespaces 5:1 namespaces',
  ]);
  assert.deepEqual(codes([file('p.yaml', doc('name: p\ntrus: 8\ncron: "0 1 * * *"\nduration: 1h\n'))]), ['missing-field 1:1 namespace']);
  assert.deepEqual(codes([file('p.yaml', doc('name: p\nnamespaces: []\ntrus: 8\ncron: "0 1 * * *"\nduration: 1h\n'))]), ['namespaces-empty 4:13 namespaces']);
  assert.deepEqual(codes([file('p.yaml', doc('name: p\nnamespaces: [a.x, b.x, a.x]\ntrus: 8\ncron: "0 1 * * *"\nduration: 1h\n'))]), [
    'duplicate-namespace 4:24 namespaces[2]',
  ]);
  assert.deepEqual(codes([file('p.yaml', doc('name: p\nnamespaces: [a.x, "b x"]\ntrus: 8\ncron: "0 1 * * *"\nduration: 1h\n'))]), [
    'invalid-namespace 4:19 namespaces[1]',
  ]);
  assert.deepEqual(codes([file('p.yaml', doc('name: p\nnamespaces: a.x\ntrus: 8\ncron: "0 1 * * *"\nduration: 1h\n'))]), ['wrong-type 4:13 namespaces']);
  const message = loadPlans([file('p.yaml', doc('name: p\nnamespaces: [a.x, b.x, a.x]\ntrus: 8\ncron: "0 1 * * *"\nduration: 1h\n'))]).issues[0]!.message;
  assert.match(message, /"a\.x" is listed twice/);
});

test('a namespaces plan loads as one plan per namespace, in list order, each pointing at its list item', () => {
  const loaded = loadPlans([
    file('schedules/sale.yaml', doc('name: sale\nnamespaces:\n  - payments.a1b2c\n  - orders.a1b2c\ntrus: 12\ncron: "0 9 * * 1-5"\nduration: 2h\n')),
  ]);
  assert.deepEqual(loaded.issues, []);
  assert.deepEqual(
    loaded.plans.map((lp) => [lp.plan.name, lp.plan.namespace, lp.file, lp.line, lp.positions?.namespace?.line]),
    [
      ['sale', 'payments.a1b2c', 'schedules/sale.yaml', 1, 5],
      ['sale', 'orders.a1b2c', 'schedules/sale.yaml', 1, 6],
    ],
  );
});

test('desired build: a namespaces plan gives one schedule per namespace with stable, distinct ids; a namespace plan keeps its id and hash', () => {
  const single = loadPlans([
    file('schedules/nightly.yaml', doc('name: nightly\nnamespace: payments.a1b2c\ntrus: 8\ncron: "0 23 * * 1-5"\nduration: 3h\n')),
  ]).plans;
  const multi = loadPlans([
    file('schedules/nightly.yaml', doc('name: nightly\nnamespaces: [payments.a1b2c, orders.a1b2c]\ntrus: 8\ncron: "0 23 * * 1-5"\nduration: 3h\n')),
  ]).plans;
  const options = { installation: 'prod', commit: 'c1', nowMs: NOW };
  const [one] = desiredSchedules(single, options);
  // The id and hash of a single-namespace plan are what every existing installation has (no change).
  assert.equal(one!.scheduleId, 'capsched.prod.nightly');
  assert.equal(one!.specHash, desiredSchedules(single, { ...options, commit: 'c2' })[0]!.specHash, 'the hash ignores the commit');
  assert.equal('namespaces' in single[0]!.plan, false, 'a namespace plan carries no namespaces field');

  const both = desiredSchedules(multi, options);
  assert.deepEqual(
    both.map((d) => [
      d.scheduleId,
      d.plan,
      d.namespace,
      d.action.workflowId,
      d.action.args[0].namespace,
      d.searchAttributes.CapschedNamespace,
      d.fields.namespace,
    ]),
    [
      ['capsched.prod.nightly.orders.a1b2c', 'nightly', 'orders.a1b2c', 'capsched.prod.nightly.orders.a1b2c', 'orders.a1b2c', 'orders.a1b2c', 'orders.a1b2c'],
      [
        'capsched.prod.nightly.payments.a1b2c',
        'nightly',
        'payments.a1b2c',
        'capsched.prod.nightly.payments.a1b2c',
        'payments.a1b2c',
        'payments.a1b2c',
        'payments.a1b2c',
      ],
    ],
  );
  assert.notEqual(both[0]!.specHash, both[1]!.specHash);
  // Stable: the order of the list and the other namespaces do not move a namespace's id or hash.
  const reordered = desiredSchedules(
    loadPlans([
      file(
        'schedules/nightly.yaml',
        doc('name: nightly\nnamespaces: [orders.a1b2c, payments.a1b2c, search.a1b2c]\ntrus: 8\ncron: "0 23 * * 1-5"\nduration: 3h\n'),
      ),
    ]).plans,
    options,
  );
  assert.deepEqual(
    reordered.map((d) => d.scheduleId),
    ['capsched.prod.nightly.orders.a1b2c', 'capsched.prod.nightly.payments.a1b2c', 'capsched.prod.nightly.search.a1b2c'],
  );
  assert.deepEqual(
    reordered.slice(0, 2).map((d) => d.specHash),
    both.map((d) => d.specHash),
  );
  // Every window of every namespace is previewed.
  assert.deepEqual(
    both.map((d) => d.nextWindows.length),
    [3, 3],
  );
});

test('validate: weekly TRU-hours, previews and overlap warnings are per namespace for a namespaces plan', () => {
  const files = [
    // Weekdays 09:00–11:00 UTC at 12 TRUs on two namespaces: 5 × 2h × 12 = 120 TRU-hours a week each.
    file('schedules/sale.yaml', doc('name: sale\nnamespaces: [payments.a1b2c, orders.a1b2c]\ntrus: 12\ncron: "0 9 * * 1-5"\nduration: 2h\n')),
    // Daily 10:00–12:00 UTC at 4 TRUs on payments only: overlaps sale 10:00–11:00 on weekdays.
    file('schedules/reports.yaml', doc('name: reports\nnamespace: payments.a1b2c\ntrus: 4\ncron: "0 10 * * *"\nduration: 2h\n')),
  ];
  const { report } = validateAndLoadPlans(files, { now: NOW });
  assert.equal(report.valid, true, JSON.stringify(report.errors));
  // payments: weekdays 09–11 at 12 and 11–12 at 4 (5 × (24 + 4) = 140), weekend days 10–12 at 4 (2 × 8 = 16): 156.
  assert.deepEqual(
    report.namespaces.map((n) => [n.namespace, n.plans, n.truHoursPerWeek, n.peakTrus]),
    [
      ['orders.a1b2c', ['sale'], 120, 12],
      ['payments.a1b2c', ['reports', 'sale'], 156, 12],
    ],
  );
  assert.deepEqual(
    report.plans.map((p) => [p.name, p.namespace]),
    [
      ['reports', 'payments.a1b2c'],
      ['sale', 'orders.a1b2c'],
      ['sale', 'payments.a1b2c'],
    ],
  );
  // One overlap warning: on payments only (orders has no other plan).
  const overlaps = report.warnings.filter((w) => w.code === 'overlap');
  assert.equal(overlaps.length, 1, JSON.stringify(overlaps));
  assert.match(overlaps[0]!.message, /on namespace payments\.a1b2c/);
});

test('validate: two namespaces plans overlapping on both namespaces warn once per namespace', () => {
  const files = [
    file('schedules/a.yaml', doc('name: a\nnamespaces: [payments.a1b2c, orders.a1b2c]\ntrus: 8\ncron: "0 9 * * *"\nduration: 2h\n')),
    file('schedules/b.yaml', doc('name: b\nnamespaces: [orders.a1b2c, payments.a1b2c]\ntrus: 4\ncron: "0 10 * * *"\nduration: 2h\n')),
  ];
  const { report } = validateAndLoadPlans(files, { now: NOW });
  const overlaps = report.warnings.filter((w) => w.code === 'overlap').map((w) => /on namespace (\S+):/.exec(w.message)?.[1] ?? '');
  assert.deepEqual(
    overlaps.sort((x, y) => x.localeCompare(y)),
    ['orders.a1b2c', 'payments.a1b2c'],
  );
});

test('plan diff (PR report, affected namespaces): a namespaces plan is one change naming every namespace of both sides; a reordered list shows only the list', async () => {
  const { diffPlans, affectedNamespaces } = await import('../../../src/core/plan/plan-diff.js');
  const load = (fields: string) => loadPlans([file('schedules/sale.yaml', doc(`name: sale\n${fields}trus: 12\ncron: "0 9 * * 1-5"\nduration: 2h\n`))]).plans;
  const base = load('namespace: payments.a1b2c\n');
  const head = load('namespaces: [payments.a1b2c, orders.a1b2c]\n');
  const diff = diffPlans(base, head);
  assert.deepEqual(
    diff.changes.map((c) => [c.kind, c.name, c.namespaces, c.fields]),
    [
      [
        'changed',
        'sale',
        ['orders.a1b2c', 'payments.a1b2c'],
        [
          { field: 'namespace', before: 'payments.a1b2c', after: undefined },
          { field: 'namespaces', before: undefined, after: ['payments.a1b2c', 'orders.a1b2c'] },
        ],
      ],
    ],
  );
  assert.deepEqual(affectedNamespaces(diff), ['orders.a1b2c', 'payments.a1b2c']);
  const more = diffPlans(head, load('namespaces: [orders.a1b2c, payments.a1b2c]\n'));
  assert.deepEqual(
    more.changes.map((c) => c.fields.map((f) => f.field)),
    [['namespaces']],
    'the order of the list is a visible edit, the derived namespace is not',
  );
  assert.deepEqual(diffPlans(head, head).changes, []);
  // Removing a namespace: the removed one is among the affected namespaces.
  assert.deepEqual(affectedNamespaces(diffPlans(head, load('namespaces: [payments.a1b2c]\n'))), ['orders.a1b2c', 'payments.a1b2c']);
});

test('present view (page, dev table): a namespaces plan is listed under each namespace with that namespace’s schedule id; its running window is attributed to the plan', async () => {
  const { buildPresent, planOfWorkflow } = await import('../../../src/core/present/model.js');
  const { rowsFromPresent } = await import('../../../src/dev/table.js');
  const plans = loadPlans([
    file('schedules/sale.yaml', doc('name: sale\nnamespaces: [payments.a1b2c, orders.a1b2c]\ntrus: 12\ncron: "0 9 * * 1-5"\nduration: 2h\n')),
    file('schedules/nightly.yaml', doc('name: nightly\nnamespace: payments.a1b2c\ntrus: 8\ncron: "0 23 * * 1-5"\nduration: 3h\n')),
  ]).plans;
  const nowMs = Date.parse('2026-11-30T10:00:00Z'); // inside Monday's 09:00–11:00 window
  const workflowId = 'capsched.prod.sale.orders.a1b2c-2026-11-30T09:00:00Z';
  assert.equal(planOfWorkflow(workflowId, 'prod'), 'sale');
  assert.equal(planOfWorkflow('capsched.prod.nightly-2026-11-30T23:00:00Z', 'prod'), 'nightly');
  const view = buildPresent({
    nowMs,
    installation: 'prod',
    plans,
    live: [
      {
        namespace: 'orders.a1b2c',
        effective: { mode: 'provisioned', trus: 12 },
        windows: [{ ...parseWindowId(`${workflowId}/r1`), trus: 12, endMs: Date.parse('2026-11-30T11:00:00Z') }],
      },
    ],
    applied: {},
    recordSinceMs: nowMs - 3_600_000,
    source: { describe: 'folder schedules/', appliedRevision: 'abcdef0123456789', problems: [] },
    alerts: [],
    temporalUi: { baseUrl: 'http://localhost:8233', namespace: 'default' },
  });
  assert.deepEqual(
    rowsFromPresent(view).map((r) => [r.namespace, r.plan, r.scheduleId]),
    [
      ['orders.a1b2c', 'sale', 'capsched.prod.sale.orders.a1b2c'],
      ['payments.a1b2c', 'nightly', 'capsched.prod.nightly'],
      ['payments.a1b2c', 'sale', 'capsched.prod.sale.payments.a1b2c'],
    ],
  );
  const orders = view.namespaces.find((n) => n.namespace === 'orders.a1b2c')!;
  assert.deepEqual(
    orders.active.map((w) => [w.origin, w.plan, w.file]),
    [['plan', 'sale', 'schedules/sale.yaml']],
    'the running window belongs to the plan, not a manual change',
  );
});
