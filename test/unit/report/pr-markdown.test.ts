import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LocatedPlan } from '../../../src/core/plan/plan-diff.js';
import { type CapacityPlanInput, parsePlan } from '../../../src/core/plan/schema.js';
import { buildPrReport, type RevisionInput } from '../../../src/core/report/pr-build.js';
import { renderPrJson } from '../../../src/core/report/pr-json.js';
import { code, escapeText, renderPrMarkdown } from '../../../src/core/report/pr-markdown.js';
import { coalesce, ganttText, renderGantt } from '../../../src/core/report/pr-mermaid.js';
import { GITHUB_COMMENT_LIMIT, PR_REPORT_MARKER, type PrReport } from '../../../src/core/report/pr-model.js';

function plan(input: Partial<CapacityPlanInput> & { name: string }, file = `schedules/${input.name}.yaml`): LocatedPlan {
  return {
    plan: parsePlan({ apiVersion: 'capsched/v1', kind: 'CapacityPlan', namespace: 'ns.one', trus: 8, cron: '0 23 * * 1-5', duration: '3h', ...input }),
    file,
    line: 1,
  };
}

function side(plans: LocatedPlan[], extra: Partial<RevisionInput> = {}): RevisionInput {
  return { ref: 'r', commit: '0123456789abcdef0123456789abcdef01234567', pathExists: true, valid: true, plans, errors: [], warnings: [], ...extra };
}

const NOW = Date.parse('2026-11-30T10:00:00Z');

function build(base: LocatedPlan[], head: LocatedPlan[], extra: Partial<RevisionInput> = {}): PrReport {
  return buildPrReport({ base: side(base), head: side(head, extra), plansPath: 'schedules', nowMs: NOW });
}

test('user text cannot inject markup, mentions or a second report marker', () => {
  const evil = `${PR_REPORT_MARKER} <img src=x> @octocat | ![x](y) \`tick\``;
  const r = build([plan({ name: 'a' })], [plan({ name: 'a', description: evil })], {
    valid: false,
    errors: [{ file: 'schedules/x.yaml', line: 2, column: 3, field: 'name', code: 'bad', message: `bad value ${evil}` }],
  });
  const md = renderPrMarkdown(r);
  assert.equal(md.split(PR_REPORT_MARKER).length, 2, 'the marker appears once, at the top');
  assert.ok(md.startsWith(PR_REPORT_MARKER));
  // Outside code spans (where text is shown literally) there is no HTML and no mention.
  const prose = md.replace(/`` .*? ``|`[^`]*`/g, '');
  assert.doesNotMatch(prose, /<img/);
  assert.doesNotMatch(prose, /@octocat/);
  assert.match(md, /&#64;octocat/);
  assert.equal(escapeText('a|b <c> @d *e*'), 'a\\|b &lt;c&gt; &#64;d \\*e\\*');
  assert.equal(code('x`y|z'), '`` x`y\\|z ``');
  assert.equal(code('a``b'), '``` a``b ```');
});

test('the comment fits any budget: lists are summarised with "…and N more", never cut mid-table', () => {
  const base: LocatedPlan[] = [];
  const head: LocatedPlan[] = [];
  for (let i = 0; i < 300; i++) {
    base.push(plan({ name: `p-${i}`, namespace: `ns-${i % 30}.x`, cron: `${i % 60} ${i % 24} * * *`, duration: '90m' }));
    head.push(
      plan({ name: `p-${i}`, namespace: `ns-${i % 30}.x`, trus: 12, cron: `${i % 60} ${(i + 5) % 24} * * *`, duration: '2h', description: 'x'.repeat(200) }),
    );
  }
  const r = build(base, head);
  const sizes: number[] = [];
  for (const maxChars of [GITHUB_COMMENT_LIMIT, 30_000, 12_000, 3_000, 1_200]) {
    const md = renderPrMarkdown(r, { maxChars });
    sizes.push(md.length);
    assert.ok(md.length <= maxChars, `${md.length} > ${maxChars}`);
    assert.ok(md.startsWith(`${PR_REPORT_MARKER}\n## capsched: capacity report`));
    assert.match(md, /\*\*Plan changes:\*\* 300 changed/);
    // A table that was started is complete: every "| field |" header is followed by its rule.
    for (const m of md.matchAll(/\| field \| base \| head \|\n(.*)/g)) assert.match(m[1] ?? '', /\|---\|---\|---\|/);
    assert.equal((md.match(/```/g)?.length ?? 0) % 2, 0, 'code fences are balanced');
  }
  assert.ok(
    sizes.every((s, i) => i === 0 || s <= sizes[i - 1]!),
    `sizes shrink with the budget: ${sizes.join(', ')}`,
  );
  const full = renderPrMarkdown(r, { maxChars: GITHUB_COMMENT_LIMIT });
  assert.match(full, /_…and \d+ more changes: \d+ changed \(run `capsched report --format json` for everything\)\._/);
  assert.match(full, /_…and \d+ more namespaces without a timeline/);
  // JSON is never summarised.
  const json = JSON.parse(renderPrJson(r)) as PrReport;
  assert.equal(json.changes.length, 300);
  assert.equal(json.namespaces.length, 30);
});

test('gantt: safe task names, a section per side with capacity, runs of equal TRUs when there are too many bars', () => {
  assert.equal(ganttText('a: b; c # d'), 'a b c d');
  const r = build([], [plan({ name: 'a', cron: '0 * * * *', duration: '30m' }), plan({ name: 'b', trus: 4, cron: '15 * * * *', duration: '30m' })]);
  const n = r.namespaces[0]!;
  // Every hour: a 8 TRUs :00–:30, b 4 TRUs :15–:45 → :00–:15 8 (a), :15–:30 8 (max, a+b), :30–:45 4 (b).
  assert.deepEqual(
    n.head.segments.slice(0, 3).map((s) => [s.start.slice(11), s.end.slice(11), s.trus, s.overlap]),
    [
      ['00:00Z', '00:15Z', 8, false],
      ['00:15Z', '00:30Z', 8, true],
      ['00:30Z', '00:45Z', 4, false],
    ],
  );
  assert.equal(n.head.segments.length, 7 * 24 * 3);
  assert.equal(coalesce(n.head.segments).length, 7 * 24 * 2);
  assert.deepEqual(
    coalesce(n.head.segments.slice(0, 2)).map((s) => [s.start, s.end, s.plans, s.overlap]),
    [['2026-11-30T00:00Z', '2026-11-30T00:30Z', ['a', 'b'], true]],
  );
  // Per hour 8 × 0.25 + 8 × 0.25 + 4 × 0.25 = 5 TRU-hours; × 168 hours = 840 per week.
  assert.equal(n.head.truHoursPerWeek, 840);
  // Billed: every UTC hour holds 8 at some moment (a's :00–:30) → 168 × 8 = 1,344 billed TRU-hours.
  assert.equal(n.head.billedTruHoursPerWeek, 1344);
  const g = renderGantt(n, r.horizon, { maxBarsPerSide: 50 });
  assert.equal(g.omittedBars, 7 * 24 * 2 - 50);
  assert.doesNotMatch(g.text, /section base/, 'no empty base section');
  assert.match(
    g.text,
    /section head 1344 billed TRU-h per week\n {4}8 TRU max :crit, 2026-11-30 00:00, 2026-11-30 00:30\n {4}4 TRU :2026-11-30 00:30, 2026-11-30 00:45\n/,
  );
});
