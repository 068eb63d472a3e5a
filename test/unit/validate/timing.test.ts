import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runValidate, tempDir } from './helpers.js';

// `capsched validate --format json` bills each plan with its own `lead` and `release` (docs/billing.md),
// and says what each option costs. Figures by hand in the comments.

const NOW = ['--now', '2026-12-01T00:00:00Z'];

/** A one-off at 8 TRUs, 2026-12-02 23:00–02:00 UTC, with the given timing lines. */
function plan(timing: string): string {
  return `apiVersion: capsched/v1\nkind: CapacityPlan\nname: batch\nnamespace: payments.a1b2c\ntrus: 8\nat: "2026-12-02T23:00"\ntimezone: UTC\nduration: 3h\n${timing}`;
}

interface Json {
  valid: boolean;
  namespaces: { namespace: string; billedTruHoursPerWeek: number; minimumActionsPerWeek: number; worstCaseUsdPerWeek: number }[];
  plans: {
    name: string;
    timing?: { lead?: string; release?: string; costs: { option: string; billedHours: number; minimumActions: number; worstCaseUsd: number; text: string }[] };
  }[];
  warnings: { code: string; field: string; line: number; message: string }[];
}

async function validate(timing: string): Promise<Json> {
  const dir = tempDir();
  mkdirSync(join(dir, 'schedules'));
  writeFileSync(join(dir, 'schedules', 'batch.yaml'), plan(timing));
  const r = await runValidate([...NOW, '--format', 'json'], dir);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  return JSON.parse(r.stdout) as Json;
}

test('validate --format json: the billed figures follow the plan’s lead and release', async () => {
  // Raised at 23:00, released at 02:00: hours 23, 00, 01, 02 at 8 → 32 billed TRU-hours, 4 × 7 × 360,000 = 10,080,000 Actions ($504).
  const plain = await validate('');
  assert.deepEqual(
    plain.namespaces.map((n) => [n.billedTruHoursPerWeek, n.minimumActionsPerWeek, n.worstCaseUsdPerWeek]),
    [[32, 10_080_000, 504]],
  );
  assert.equal(plain.plans[0]!.timing, undefined);

  // lead 3m: raised at 22:57 → the 22:00 hour too: 5 hours, 40 TRU-hours, 12,600,000 Actions ($630).
  const lead = await validate('lead: 3m\n');
  assert.deepEqual(
    lead.namespaces.map((n) => [n.billedTruHoursPerWeek, n.minimumActionsPerWeek, n.worstCaseUsdPerWeek]),
    [[40, 12_600_000, 630]],
  );
  const [leadCost] = lead.plans[0]!.timing!.costs;
  assert.deepEqual(
    { option: leadCost!.option, billedHours: leadCost!.billedHours, minimumActions: leadCost!.minimumActions, worstCaseUsd: leadCost!.worstCaseUsd },
    { option: 'lead', billedHours: 1, minimumActions: 2_520_000, worstCaseUsd: 126 },
  );
  assert.equal(leadCost!.text, 'lead 3m crosses 23:00 UTC: +1 billed hour a window at 8 TRUs = +2.52 M minimum Actions a window ($126.00 at $50 per million)');
  // …and validate warns, on the `lead` line (line 9), with the Actions it costs.
  const [w] = lead.warnings.filter((x) => x.code === 'extra-billed-hour');
  assert.deepEqual([w?.field, w?.line], ['lead', 9]);
  assert.match(w!.message, /^lead 3m crosses 23:00 UTC: \+1 billed hour a window at 8 TRUs = \+2\.52 M minimum Actions/);

  // release: early: released at 01:58, done by 02:00 → hours 23, 00, 01: 24 TRU-hours, 7,560,000 Actions ($378).
  const early = await validate('release: early\n');
  assert.deepEqual(
    early.namespaces.map((n) => [n.billedTruHoursPerWeek, n.minimumActionsPerWeek, n.worstCaseUsdPerWeek]),
    [[24, 7_560_000, 378]],
  );
  assert.equal(
    early.plans[0]!.timing!.costs[0]!.text,
    'release early completes by 02:00 UTC: -1 billed hour a window at 8 TRUs = -2.52 M minimum Actions a window (-$126.00 at $50 per million)',
  );
  assert.deepEqual(
    early.warnings.map((x) => x.code),
    [],
  );

  // Both: hours 22, 23, 00, 01 → 32 TRU-hours, 10,080,000 Actions: the early release pays for the lead.
  const both = await validate('lead: 3m\nrelease: early\n');
  assert.deepEqual(
    both.namespaces.map((n) => [n.billedTruHoursPerWeek, n.minimumActionsPerWeek]),
    [[32, 10_080_000]],
  );
  assert.deepEqual(
    both.plans[0]!.timing!.costs.map((c) => [c.option, c.billedHours, c.minimumActions]),
    [
      ['lead', 1, 2_520_000],
      ['release', -1, -2_520_000],
    ],
  );
});

test('validate text: each option’s cost under the plan; a lead inside the hour costs nothing', async () => {
  const dir = tempDir();
  mkdirSync(join(dir, 'schedules'));
  writeFileSync(join(dir, 'schedules', 'batch.yaml'), plan('lead: 3m\n').replace('"2026-12-02T23:00"', '"2026-12-02T23:10"'));
  const r = await runValidate(NOW, dir);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /\n {4}lead 3m adds no billed hour \(the raise 3m early stays inside the hour the window starts in\)\n/);
});
