import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LocatedPlan } from '../../../src/core/plan/plan-diff.js';
import { type CapacityPlanInput, parsePlan } from '../../../src/core/plan/schema.js';
import { buildPrReport, type RevisionInput } from '../../../src/core/report/pr-build.js';
import { renderPrMarkdown } from '../../../src/core/report/pr-markdown.js';

// The PR report bills each plan with its own `lead` and `release` and lists what each option costs.

function plan(input: Partial<CapacityPlanInput>): LocatedPlan {
  return {
    plan: parsePlan({
      apiVersion: 'capsched/v1',
      kind: 'CapacityPlan',
      name: 'nightly',
      namespace: 'ns.one',
      trus: 8,
      cron: '0 23 * * 1-5',
      duration: '3h',
      ...input,
    }),
    file: 'schedules/nightly.yaml',
    line: 1,
  };
}
const side = (plans: LocatedPlan[], ref: string): RevisionInput => ({
  ref,
  commit: (ref === 'base' ? 'b' : 'h').repeat(40),
  pathExists: true,
  valid: true,
  plans,
  errors: [],
  warnings: [],
});

test('adding release: early to a window ending at 02:00 UTC: one billed hour a night less, said before / after / change', () => {
  // Horizon Mon 2026-11-30 → Mon 2026-12-07: 5 weeknight windows 23:00–02:00 UTC at 8 TRUs.
  // Base: hours 23, 00, 01, 02 → 5 × 4 × 8 = 160 billed TRU-hours, 5 × 4 × 7 × 360,000 = 50.4 M.
  // Head (released by 02:00): hours 23, 00, 01 → 120, 37.8 M: −12.6 M minimum Actions a week ($630).
  const r = buildPrReport({
    base: side([plan({})], 'base'),
    head: side([plan({ release: 'early' })], 'head'),
    plansPath: 'schedules',
    nowMs: Date.parse('2026-11-30T10:17:00Z'),
  });
  const n = r.namespaces.find((x) => x.namespace === 'ns.one')!;
  assert.deepEqual(
    [n.base.billedTruHoursPerWeek, n.head.billedTruHoursPerWeek, n.base.minimumActionsPerWeek, n.head.minimumActionsPerWeek, n.deltaMinimumActionsPerWeek],
    [160, 120, 50_400_000, 37_800_000, -12_600_000],
  );
  const timing = r.warnings.filter((w) => w.kind === 'timing');
  assert.deepEqual(
    timing.map((w) => [w.plans, w.introduced, w.message]),
    [
      [
        ['nightly'],
        true,
        'nightly on ns.one: release early completes by 02:00 UTC: -5 billed hours a week at 8 TRUs = -12.6 M minimum Actions a week (-$630.00 at $50 per million).',
      ],
    ],
  );
  assert.match(renderPrMarkdown(r), /release early completes by 02:00 UTC: -5 billed hours a week/);
});

test('a lead of 3m before 23:00 UTC: one more billed hour a night, in the figures and the warning', () => {
  const r = buildPrReport({
    base: side([plan({})], 'base'),
    head: side([plan({ lead: '3m' })], 'head'),
    plansPath: 'schedules',
    nowMs: Date.parse('2026-11-30T10:17:00Z'),
  });
  const n = r.namespaces.find((x) => x.namespace === 'ns.one')!;
  // Raised at 22:57: hours 22–02 → 5 × 5 × 8 = 200 billed TRU-hours, 5 × 5 × 7 × 360,000 = 63 M (+12.6 M).
  assert.deepEqual([n.head.billedTruHoursPerWeek, n.head.minimumActionsPerWeek, n.deltaMinimumActionsPerWeek], [200, 63_000_000, 12_600_000]);
  assert.match(
    r.warnings.find((w) => w.kind === 'timing')!.message,
    /^nightly on ns\.one: lead 3m crosses 23:00 UTC: \+5 billed hours a week at 8 TRUs = \+12\.6 M minimum Actions a week/,
  );
});
