import assert from 'node:assert/strict';
import { test } from 'node:test';
import { desiredSchedules } from '../../../src/core/desired/build.js';
import { diffSchedules } from '../../../src/core/diff/diff.js';
import { validateAndLoadPlans } from '../../../src/core/plan/validate.js';
import { changeSetJson } from '../../../src/core/report/changeset-json.js';
import { formatChangeSetMarkdown } from '../../../src/core/report/changeset-markdown.js';
import { formatChangeSetText } from '../../../src/core/report/changeset-text.js';
import { planFile, planYaml } from '../../support/reconcile.js';

// `capsched diff` / `apply` show the validation warnings of the plans they apply (overlaps,
// windows under an hour, DST nights), like terraform plan shows its warnings: valid plans with
// warnings are applied, but nobody should learn about an overlap only from the bill.

const NOW = Date.parse('2026-12-01T00:00:00Z');

function view(files: ReturnType<typeof planFile>[]) {
  const { report, plans } = validateAndLoadPlans(files, { now: NOW });
  assert.equal(report.valid, true);
  const desired = desiredSchedules(
    plans.map((p) => ({ plan: p.plan, file: p.file })),
    { installation: 'unit', commit: 'abc', nowMs: NOW },
  );
  return { changeSet: diffSchedules(desired, [], { installation: 'unit', revision: 'abc' }), validation: report };
}

test('diff output lists validation warnings with file:line:col and code in text, markdown and JSON', () => {
  const v = view([
    planFile('schedules/a.yaml', planYaml({ name: 'a', namespace: 'ns.one', trus: 8, cron: '0 23 * * 1-5', timezone: 'America/New_York', duration: '3h' })),
    planFile('schedules/b.yaml', planYaml({ name: 'b', namespace: 'ns.one', trus: 4, cron: '0 1 * * 2-6', timezone: 'America/New_York', duration: '30m' })),
  ]);
  const text = formatChangeSetText(v);
  assert.match(
    text,
    /\nWarnings \(the plans are valid; --strict refuses them\):\n {2}! schedules\/b\.yaml:6:7 \[overlap\] cron: windows of "b" and "a" .*the namespace gets the maximum, 8 TRUs/,
  );
  assert.match(text, /\n {2}! schedules\/b\.yaml:8:11 \[window-under-hour\] duration: the window is 30m long/);
  assert.ok(text.indexOf('Warnings') < text.indexOf('Plan: 2 to create'), 'warnings come before the summary line');
  const md = formatChangeSetMarkdown(v);
  assert.match(md, /#### Warnings\n\n- schedules\/b\.yaml:6:7 \\\[overlap\\\] cron: windows of "b" and "a"/);
  const json = changeSetJson(v) as { warnings: { code: string; file: string; line: number }[] };
  assert.deepEqual(
    json.warnings.map((w) => [w.code, w.file, w.line]),
    [
      ['overlap', 'schedules/b.yaml', 6],
      ['window-under-hour', 'schedules/b.yaml', 8],
    ],
  );

  // No warnings, no section.
  const clean = view([
    planFile('schedules/a.yaml', planYaml({ name: 'a', namespace: 'ns.one', trus: 8, cron: '0 23 * * 1-5', timezone: 'America/New_York', duration: '3h' })),
  ]);
  assert.ok(!formatChangeSetText(clean).includes('Warnings'));
  assert.ok(!formatChangeSetMarkdown(clean).includes('Warnings'));
});
