import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LocatedPlan } from '../../../src/core/plan/plan-diff.js';
import { CapacityPlan, type CapacityPlanInput, parsePlan } from '../../../src/core/plan/schema.js';
import { buildPrReport, type RevisionInput } from '../../../src/core/report/pr-build.js';
import { renderPrMarkdown } from '../../../src/core/report/pr-markdown.js';

// A plan whose file has errors in head is not loaded there, so head's TRU-hours leave it out.
// The comment must say so next to the figures, not show a drop the merge would not cause.

function plan(input: Partial<CapacityPlanInput> & { name: string }): LocatedPlan {
  return {
    plan: parsePlan({ apiVersion: 'capsched/v1', kind: 'CapacityPlan', namespace: 'ns.one', trus: 8, cron: '0 23 * * 1-5', duration: '3h', ...input }),
    file: `schedules/${input.name}.yaml`,
    line: 1,
  };
}

function side(plans: LocatedPlan[], extra: Partial<RevisionInput> = {}): RevisionInput {
  return { ref: 'r', commit: '0123456789abcdef0123456789abcdef01234567', pathExists: true, valid: true, plans, errors: [], warnings: [], ...extra };
}

test('plans not readable in head are called out next to the TRU-hour figures', () => {
  const a = plan({ name: 'a' });
  const b = plan({ name: 'b', namespace: 'ns.two', trus: 4 });
  const head = side([b], {
    valid: false,
    errors: [{ file: 'schedules/a.yaml', line: 5, column: 7, field: 'trus', code: 'invalid-trus', message: 'trus 5 is not a value Temporal Cloud accepts' }],
  });
  const r = buildPrReport({ base: side([a, b]), head, plansPath: 'schedules', nowMs: Date.parse('2026-11-30T10:00:00Z') });
  assert.deepEqual(
    r.changes.map((c) => [c.kind, c.name]),
    [['unreadable', 'a']],
  );
  const md = renderPrMarkdown(r);
  assert.match(
    md,
    /\*\*Provisioned capacity, all namespaces:\*\* 180 → 60 TRU-hours per week, \*\*-120\*\*.*\n\n⚠️ Head figures leave out 1 plan whose file has errors in head \(not readable\): it counts as 0 TRU-hours until the errors are fixed\./,
  );
  const row = md.split('\n').find((l) => l.startsWith('| `ns.one` |'));
  assert.match(row ?? '', /\| 120 \| 0 \| \*\*-120\*\* \| 8 → 0 \| .*head incomplete: plans not readable \|$/);
  // A valid head has no such note.
  const clean = renderPrMarkdown(buildPrReport({ base: side([a, b]), head: side([a, b]), plansPath: 'schedules', nowMs: Date.parse('2026-11-30T10:00:00Z') }));
  assert.ok(!clean.includes('not readable'));
});

test('the percentage change is rounded to one decimal, not cut off', () => {
  const base = [plan({ name: 'big', trus: 8, cron: '0 0 * * *', duration: '5h' }), plan({ name: 'small', trus: 4, cron: '0 12 * * *', duration: '1h' })];
  // 8 × 5 h × 7 = 280 + 4 × 1 h × 7 = 28 → 308; head: big at 10 TRUs = 350 + 28 = 378 (+70 / 308 = +22.727 % → +22.7 %).
  const head = [plan({ name: 'big', trus: 10, cron: '0 0 * * *', duration: '5h' }), base[1]!];
  const up = renderPrMarkdown(buildPrReport({ base: side(base), head: side(head), plansPath: 'schedules', nowMs: Date.parse('2026-11-30T10:00:00Z') }));
  assert.match(up, /308 → 378 TRU-hours per week, \*\*\+70\*\* \(\+22\.7%\)/);
  // Back down: −70 / 378 = −18.518 % → −18.5 %.
  const down = renderPrMarkdown(buildPrReport({ base: side(head), head: side(base), plansPath: 'schedules', nowMs: Date.parse('2026-11-30T10:00:00Z') }));
  assert.match(down, /378 → 308 TRU-hours per week, \*\*-70\*\* \(-18\.5%\)/);
  // 180 → 60 is −66.666… % → −66.7 % (cutting off would say −66.6 %).
  const a = plan({ name: 'a' });
  const b = plan({ name: 'b', namespace: 'ns.two', trus: 4 });
  const third = renderPrMarkdown(buildPrReport({ base: side([a, b]), head: side([b]), plansPath: 'schedules', nowMs: Date.parse('2026-11-30T10:00:00Z') }));
  assert.match(third, /180 → 60 TRU-hours per week, \*\*-120\*\* \(-66\.7%\)/);
});
