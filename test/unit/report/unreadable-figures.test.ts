import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LocatedPlan } from '../../../src/core/plan/plan-diff.js';
import { type CapacityPlanInput, parsePlan } from '../../../src/core/plan/schema.js';
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
  // Billed: each weeknight window holds the UTC hours 23, 00, 01, 02. a: 5 × 4 × 7 × 360,000 = 50.4 M Actions;
  // b: 5 × 4 × 3 × 360,000 = 21.6 M. Base 72 M, head (a left out) 21.6 M: −50.4 M, −70 %.
  assert.match(
    md,
    /\*\*Minimum Actions committed, all namespaces:\*\* 72 M → 21\.6 M per week, \*\*-50\.4 M\*\* \(-70%\).*\n\n⚠️ Head figures leave out 1 plan whose file has errors in head \(not readable\): it counts as no capacity until the errors are fixed\./,
  );
  const row = md.split('\n').find((l) => l.startsWith('| `ns.one` |'));
  assert.match(row ?? '', /\| 50\.4 M \| 0 \| \*\*-50\.4 M\*\* \| 160 → 0 \| -\$2,520\.00 \| 8 → 0 \| .*head incomplete: plans not readable \|$/);
  // A valid head has no such note.
  const clean = renderPrMarkdown(buildPrReport({ base: side([a, b]), head: side([a, b]), plansPath: 'schedules', nowMs: Date.parse('2026-11-30T10:00:00Z') }));
  assert.ok(!clean.includes('not readable'));
});

test('the percentage change is rounded to one decimal, not cut off', () => {
  const base = [plan({ name: 'big', trus: 8, cron: '0 0 * * *', duration: '5h' }), plan({ name: 'small', trus: 3, cron: '0 12 * * *', duration: '1h' })];
  // Minimum Actions per day, released at the end: big holds 00–05 UTC = 6 hours × 7 = 42 units of 360,000; small
  // holds 12 and 13 = 2 × 2 = 4. Base 46 a day, 7 × 46 × 360,000 = 115.92 M a week; head big at 10 TRUs: 6 × 9 + 4
  // = 58, 146.16 M (+30.24 M; +12 / 46 = +26.087 % → +26.1 %, cutting off would say +26.0 %).
  const head = [plan({ name: 'big', trus: 10, cron: '0 0 * * *', duration: '5h' }), base[1]!];
  const up = renderPrMarkdown(buildPrReport({ base: side(base), head: side(head), plansPath: 'schedules', nowMs: Date.parse('2026-11-30T10:00:00Z') }));
  assert.match(up, /115\.92 M → 146\.16 M per week, \*\*\+30\.24 M\*\* \(\+26\.1%\)/);
  // Back down: −12 / 58 = −20.689 % → −20.7 % (cut off: −20.6 %).
  const down = renderPrMarkdown(buildPrReport({ base: side(head), head: side(base), plansPath: 'schedules', nowMs: Date.parse('2026-11-30T10:00:00Z') }));
  assert.match(down, /146\.16 M → 115\.92 M per week, \*\*-30\.24 M\*\* \(-20\.7%\)/);
  // A whole percentage has no decimals: 72 M → 21.6 M is −70 %.
  const a = plan({ name: 'a' });
  const b = plan({ name: 'b', namespace: 'ns.two', trus: 4 });
  const third = renderPrMarkdown(buildPrReport({ base: side([a, b]), head: side([b]), plansPath: 'schedules', nowMs: Date.parse('2026-11-30T10:00:00Z') }));
  assert.match(third, /72 M → 21\.6 M per week, \*\*-50\.4 M\*\* \(-70%\)/);
});
