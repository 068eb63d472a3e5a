import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LocatedPlan } from '../../../src/core/plan/plan-diff.js';
import { type CapacityPlanInput, parsePlan } from '../../../src/core/plan/schema.js';
import { buildPrReport, type RevisionInput } from '../../../src/core/report/pr-build.js';
import { renderPrMarkdown } from '../../../src/core/report/pr-markdown.js';

function plan(input: Partial<CapacityPlanInput> & { name: string }): LocatedPlan {
  return {
    plan: parsePlan({ apiVersion: 'capsched/v1', kind: 'CapacityPlan', namespace: 'shop.a1', trus: 6, ...input }),
    file: `schedules/${input.name}.yaml`,
    line: 1,
  };
}
const side = (plans: LocatedPlan[], ref: string): RevisionInput => ({
  ref,
  commit: ref.repeat(40).slice(0, 40),
  pathExists: true,
  valid: true,
  plans,
  errors: [],
  warnings: [],
});
const NOW = Date.parse('2026-11-27T12:30:00Z');

test('the PR report says what merging now does to running windows: the Black Friday "+2h" extends the window, a cut is held', () => {
  const base = [
    plan({ name: 'bf', at: '2026-11-27T12:00', duration: '2h' }),
    plan({ name: 'batch', at: '2026-11-27T12:00', duration: '3h', trus: 8, namespace: 'batch.b2' }),
  ];
  const head = [
    plan({ name: 'bf', at: '2026-11-27T12:00', duration: '4h' }),
    plan({ name: 'batch', at: '2026-11-27T12:00', duration: '3h', trus: 4, namespace: 'batch.b2' }),
  ];
  const r = buildPrReport({ base: side(base, 'b'), head: side(head, 'h'), plansPath: 'schedules', nowMs: NOW });
  assert.deepEqual(
    r.live.namespaces.map((n) => [n.namespace, n.changes.map((c) => [c.kind, c.heldUntilMs === undefined ? 'now' : 'held'])]),
    [
      ['batch.b2', [['lower', 'held']]],
      ['shop.a1', [['extend', 'now']]],
    ],
  );
  const md = renderPrMarkdown(r);
  assert.match(md, /### Running windows if merged now/);
  assert.match(md, /~ bf: extend to 2026-11-27T16:00Z \(from 2026-11-27T14:00Z\)/);
  assert.match(md, /= batch: held until 2026-11-27T15:00Z: lower to 4 TRUs \(from 8\).*--force applies it now/);
  const same = buildPrReport({ base: side(base, 'b'), head: side(base, 'h'), plansPath: 'schedules', nowMs: NOW });
  assert.deepEqual(same.live.namespaces, [], 'nothing live changes when the plans do not');
  assert.doesNotMatch(renderPrMarkdown(same), /Running windows if merged now/);
});
