import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadPlans } from '../../../src/core/plan/load.js';
import type { PlanFile } from '../../../src/core/ports.js';
import { buildPrReport, type RevisionInput } from '../../../src/core/report/pr-build.js';
import { renderPrMarkdown } from '../../../src/core/report/pr-markdown.js';
import { renderGantt } from '../../../src/core/report/pr-mermaid.js';
import { validatePlans } from '../../../src/core/plan/validate.js';
import { changeLines } from '../../../src/core/report/changeset-text.js';

// issue #14: the PR report — figures, segments, Mermaid bars, plan changes and warnings — and
// `diff`'s text follow a ramp's steps. Figures computed by hand in the comments.

const file = (path: string, text: string): PlanFile => {
  const bytes = new TextEncoder().encode(text);
  return { path, kind: 'file', size: bytes.length, bytes };
};
const doc = (name: string, body: string, ns = 'namespace: payments.a1b2c'): PlanFile =>
  file(`schedules/${name}.yaml`, `apiVersion: capsched/v1\nkind: CapacityPlan\nname: ${name}\n${ns}\ncron: "0 8 * * *"\nduration: 4h\n${body}`);
const FLAT = doc('sale', 'trus: 8\n');
const RAMP = doc('sale', 'steps:\n  - { after: 0h, trus: 2 }\n  - { after: 2h, trus: 12 }\n');
const NOW = Date.parse('2026-11-30T10:17:00Z'); // horizon Mon 2026-11-30 00:00Z → Mon 2026-12-07 00:00Z

function side(files: PlanFile[], ref: string): RevisionInput {
  const plans = loadPlans(files).plans.map((lp) => ({ plan: lp.plan, file: lp.file, line: lp.line }));
  return { ref, commit: (ref === 'base' ? 'b' : 'h').repeat(40), pathExists: true, valid: true, plans, errors: [], warnings: [] };
}

test('a flat plan edited into a ramp: the diff shows trus removed and the steps added; figures and segments follow the steps', () => {
  const r = buildPrReport({ base: side([FLAT], 'base'), head: side([RAMP], 'head'), plansPath: 'schedules', nowMs: NOW });
  // The loader's peak (12) is not a `trus` the author wrote: the diff is trus 8 → —, steps — → the ramp.
  assert.deepEqual(r.changes[0]!.fields, [
    { field: 'trus', before: 8, after: undefined },
    {
      field: 'steps',
      before: undefined,
      after: [
        { after: '0h', trus: 2 },
        { after: '2h', trus: 12 },
      ],
    },
  ]);
  // base: 7 days × 4 h × 8 = 224. head: per day 2 h × 2 + 2 h × 12 = 28, × 7 = 196. Delta −28.
  const n = r.namespaces[0]!;
  assert.deepEqual([n.base.truHoursPerWeek, n.head.truHoursPerWeek, n.deltaTruHoursPerWeek], [224, 196, -28]);
  assert.deepEqual([n.base.peakTrus, n.head.peakTrus], [8, 12]);
  assert.deepEqual([n.base.provisionedHours, n.head.provisionedHours], [28, 28]);
  assert.deepEqual(
    n.head.segments.slice(0, 2).map((s) => [s.start, s.end, s.trus]),
    [
      ['2026-11-30T08:00Z', '2026-11-30T10:00Z', 2],
      ['2026-11-30T10:00Z', '2026-11-30T12:00Z', 12],
    ],
  );
  const gantt = renderGantt(n, r.horizon).text;
  assert.match(gantt, /^ {4}2 TRU :2026-11-30 08:00, 2026-11-30 10:00$/m);
  assert.match(gantt, /^ {4}12 TRU :2026-11-30 10:00, 2026-11-30 12:00$/m);
  const md = renderPrMarkdown(r);
  assert.match(md, /\| `trus` \| `8` \| — \|/);
  assert.match(md, /\| `steps` \| — \| `0h 2 · 2h 12 TRUs` \|/);
  // Billed per UTC hour (released at 12:00, so that hour counts): base 08–12 at 8 = 5 × 8 = 40 a day, 5 × 7 × 360,000;
  // head 08 → 2, 09 → 2, 10, 11, 12 → 12 = 40 a day, (1 + 1 + 3 × 11) = 35 × 360,000. Both 280 billed TRU-hours and
  // 7 × 35 × 360,000 = 88,200,000 minimum Actions a week: the ramp commits exactly what the flat plan did.
  assert.deepEqual(
    [n.base.billedTruHoursPerWeek, n.head.billedTruHoursPerWeek, n.base.minimumActionsPerWeek, n.head.minimumActionsPerWeek],
    [280, 280, 88_200_000, 88_200_000],
  );
  assert.match(md, /\| `payments\.a1b2c` \| 88\.2 M \| 88\.2 M \| \*\*0\*\* \| 280 → 280 \| \$0\.00 \| 8 → 12 \|/);
});

test('an added ramp reads "4 → 8 → 12 → 6 TRUs" with its offsets; an overlap with a flat plan names the ramp’s values and the most the namespace gets', () => {
  const ramp = doc('launch', 'steps:\n  - { after: 0h, trus: 4 }\n  - { after: 1h, trus: 8 }\n  - { after: 2h, trus: 12 }\n  - { after: 3h, trus: 6 }\n');
  // flat: 09:30–10:30 at 10, inside the ramp's 8 (09:00–10:00) and 12 (10:00–11:00) steps.
  const flat = file(
    'schedules/flat.yaml',
    'apiVersion: capsched/v1\nkind: CapacityPlan\nname: flat\nnamespace: payments.a1b2c\ntrus: 10\ncron: "30 9 * * *"\nduration: 1h\n',
  );
  const r = buildPrReport({ base: side([flat], 'base'), head: side([flat, ramp], 'head'), plansPath: 'schedules', nowMs: NOW });
  const md = renderPrMarkdown(r);
  assert.match(md, /➕ added `launch` `schedules\/launch\.yaml:1` — \*\*4 → 8 → 12 → 6 TRUs\*\* \(steps after `0h`, `1h`, `2h`, `3h`\) on `payments\.a1b2c`/);
  const overlap = r.warnings.find((w) => w.kind === 'overlap');
  assert.ok(overlap);
  assert.equal(overlap.trus, 12);
  assert.match(overlap.message, /the namespace gets up to 12 TRUs, the maximum of launch \(8 → 12\) and flat \(10\), not the sum\./);
  // Per day, 08:00–12:00: 4 + max(8,10)·½ + 8·½ … by segment: 08–09 4, 09–09:30 8, 09:30–10 10, 10–10:30 12, 10:30–11 12, 11–12 6
  // = 4 + 4 + 5 + 6 + 6 + 6 = 31; × 7 = 217. Base: the flat plan alone, 7 × 10 = 70.
  const n = r.namespaces[0]!;
  assert.deepEqual([n.base.truHoursPerWeek, n.head.truHoursPerWeek], [70, 217]);
});

test('a namespaces: ramp: every namespace of the list gets the ramp figures in the report (not only the first); diff text lists each window’s steps', () => {
  const multi = doc('sale', 'steps:\n  - { after: 0h, trus: 2 }\n  - { after: 2h, trus: 12 }\n', 'namespaces: [payments.a1b2c, orders.a1b2c]');
  const r = buildPrReport({ base: side([], 'base'), head: side([multi], 'head'), plansPath: 'schedules', nowMs: NOW });
  assert.deepEqual(
    r.namespaces.map((n) => [n.namespace, n.head.truHoursPerWeek, n.head.peakTrus]),
    [
      ['orders.a1b2c', 196, 12],
      ['payments.a1b2c', 196, 12],
    ],
  );
  assert.equal(r.totals.headTruHoursPerWeek, 392);
  const plans = new Map(validatePlans([multi], { now: NOW }).plans.map((p) => [p.name, p]));
  const lines = changeLines({ kind: 'create', reason: 'new', scheduleId: 'capsched.prod.sale.orders.a1b2c', plan: 'sale', fields: [] }, plans);
  assert.deepEqual(lines.slice(1, 4), [
    '    next windows:',
    '      Tue 2026-12-01 08:00 → 12:00 UTC   2026-12-01 08:00Z → 2026-12-01 12:00Z',
    '        steps 08:00 2 · 10:00 12 TRUs',
  ]);
});
