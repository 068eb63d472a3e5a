import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ChangeSet } from '../../../src/core/diff/types.js';
import { validatePlans } from '../../../src/core/plan/validate.js';
import type { PlanFile } from '../../../src/core/ports.js';
import { changeSetJson } from '../../../src/core/report/changeset-json.js';
import { formatChangeSetMarkdown } from '../../../src/core/report/changeset-markdown.js';
import { formatChangeSetText } from '../../../src/core/report/changeset-text.js';
import { packageRoot } from '../../../src/paths.js';

// diff/apply show what a week of the plans commits (docs/billing.md), priced at --actions-price.

const dir = join(packageRoot(), 'schedules');
const files: PlanFile[] = readdirSync(dir)
  .filter((n) => n.endsWith('.yaml'))
  .sort()
  .map((n) => {
    const bytes = new Uint8Array(readFileSync(join(dir, n)));
    return { path: `schedules/${n}`, kind: 'file', size: bytes.length, bytes };
  });
const changeSet = { installation: 'prod', desired: [], changes: [], drift: [], expired: [], ignored: 0, managed: 4, unchanged: 4 } as unknown as ChangeSet;

test('diff text, markdown and JSON carry the week of the example plans: payments.a1b2c 364 billed TRU-hours, 105.48 M Actions', () => {
  // The week of UTC hours from Tue 2026-12-01 00:00Z. nightly-batch (8 TRUs 23:00 New York = 04:00Z, 3 h, Mon–Fri
  // nights) holds 04, 05, 06, 07Z (released at 07:00); business-hours-eu (4 TRUs 08:00–18:00 Berlin = 07:00–17:00Z,
  // Mon–Fri) holds 07–17Z. Tue–Fri: 04–07 at 8 (07 at the higher of the back-to-back pair) and 08–17 at 4 = 4 × 8 + 10 × 4 = 72
  // billed TRU-hours, (4 × 7 + 10 × 3) = 58 × 360,000; Sat: nightly alone 32, 28; Mon 12-07: business alone 11 × 4 = 44, 33.
  // 4 × 72 + 32 + 44 = 364; (4 × 58 + 28 + 33) = 293 × 360,000 = 105,480,000; at $40 per million $4,219.20.
  const validation = validatePlans(files, { now: Date.parse('2026-12-01T00:00:00Z') });
  const view = { changeSet, validation, actionsPrice: 40 };
  const text = formatChangeSetText(view);
  assert.match(text, /Capacity the plans commit, a week of UTC calendar hours \(docs\/billing\.md; worst case at \$40 per million Actions\):/);
  assert.match(text, /payments\.a1b2c +364 billed TRU-hours +105\.48 M minimum Actions committed {2}worst case if unused \$4,219\.20/);
  assert.match(formatChangeSetMarkdown(view), /#### Capacity\n\n```\nCapacity the plans commit/);
  const json = changeSetJson(view) as { capacity: { actionsPricePerMillion: number; namespaces: unknown[] } };
  assert.equal(json.capacity.actionsPricePerMillion, 40);
  assert.deepEqual(json.capacity.namespaces[2], {
    namespace: 'payments.a1b2c',
    billedTruHoursPerWeek: 364,
    minimumActionsPerWeek: 105_480_000,
    worstCaseUsdPerWeek: 4219.2,
  });
  // Without validation figures (an invalid commit), no section.
  assert.doesNotMatch(formatChangeSetText({ changeSet }), /Capacity the plans commit/);
});
