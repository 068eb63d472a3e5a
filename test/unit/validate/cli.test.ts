import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { NIGHTLY, runValidate, tempDir } from './helpers.js';

const NOW = ['--now', '2026-12-01T00:00:00Z'];

function setup(files: Record<string, string>): string {
  const dir = tempDir();
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

test('valid plans: exit 0, next 3 windows in zone and UTC, TRU-hours per namespace', async () => {
  const dir = setup({ 'schedules/nightly.yaml': NIGHTLY });
  const r = await runValidate(NOW, dir);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /nightly-batch: payments\.a1b2c → 8 TRUs, cron "0 23 \* \* 1-5" America\/New_York, 3h/);
  assert.match(r.stdout, /Mon 2026-11-30 23:00 → Tue 2026-12-01 02:00 America\/New_York {3}2026-12-01 04:00Z → 2026-12-01 07:00Z/);
  assert.equal(r.stdout.match(/→ .*Z → /g)?.length, 3, 'three windows');
  // 5 weeknights in the week from the --now hour, each holding the UTC hours 04, 05, 06 and 07 (released at
  // 07:00Z, that hour counts) at 8 TRUs: 5 × 4 × 8 = 160 billed TRU-hours, 5 × 4 × 7 × 360,000 = 50.4 M minimum
  // Actions, $2,520 at $50 per million. (TRUs × time held: 5 × 3 h × 8 = 120, 15 h.)
  assert.match(
    r.stdout,
    /payments\.a1b2c\s+160 billed TRU-hours\s+50\.4 M minimum Actions committed {2}worst case if unused \$2,520\.00 {2}\(peak 8 TRUs, 15 h provisioned; nightly-batch\)/,
  );
  assert.match(r.stdout, /\(worst case at \$50 per million Actions: --actions-price\)/);
  const cheaper = await runValidate([...NOW, '--actions-price', '40'], dir);
  assert.match(cheaper.stdout, /worst case if unused \$2,016\.00/, '50.4 M × $40 per million');
  assert.match(r.stdout, /^valid: 1 plan in 1 file \(0 errors, 0 warnings\)$/m);
  assert.equal(r.stderr, '');
});

test('invalid plans: exit 1, every problem as file:line:col with code and field', async () => {
  const dir = setup({
    'schedules/a.yaml': NIGHTLY.replace('trus: 8', 'trus: 5').replace('duration: 3h', 'duraton: 3h'),
    'schedules/nested/b.yml': NIGHTLY.replace('America/New_York', 'America/New_Yrok').replace('nightly-batch', 'other-batch'),
    'schedules/readme.md': 'not a plan',
  });
  const r = await runValidate(NOW, dir);
  assert.equal(r.code, 1);
  const lines = r.stdout.split('\n').filter((l) => /^schedules\//.test(l));
  assert.deepEqual(
    lines.map((l) => l.split(' [')[0]),
    ['schedules/a.yaml:5:7: error', 'schedules/a.yaml:8:1: error', 'schedules/nested/b.yml:7:11: error'],
  );
  assert.match(r.stdout, /schedules\/a\.yaml:8:1: error \[unknown-field\] duraton: unknown field "duraton"; did you mean "duration"\?/);
  assert.match(r.stdout, /\[unknown-timezone\] timezone: unknown time zone "America\/New_Yrok"; did you mean "America\/New_York"\?/);
  assert.match(r.stdout, /^invalid: 3 errors, 0 warnings/m);
});

test('paths: files and folders, recursive *.yaml/*.yml, default ./schedules', async () => {
  const dir = setup({
    'plans/x.yaml': NIGHTLY,
    'other/y.yml': NIGHTLY.replace('nightly-batch', 'other'),
    'schedules/z.yaml': NIGHTLY.replace('nightly-batch', 'zed'),
  });
  const both = await runValidate([...NOW, '--format', 'json', 'plans', 'other/y.yml'], dir);
  assert.deepEqual(
    JSON.parse(both.stdout).plans.map((p: { name: string }) => p.name),
    ['nightly-batch', 'other'],
  );
  const byDefault = await runValidate([...NOW, '--format', 'json'], dir);
  assert.deepEqual(
    JSON.parse(byDefault.stdout).plans.map((p: { name: string }) => p.name),
    ['zed'],
  );
});

test('json: {valid, plans, errors:[{file,line,column,field,code,message}], warnings, namespaces}', async () => {
  const dir = setup({
    'schedules/a.yaml': NIGHTLY.replace('trus: 8', 'trus: 7'),
    'schedules/b.yaml': NIGHTLY.replace('nightly-batch', 'short').replace('3h', '30m').replace('payments', 'orders'),
  });
  const r = await runValidate([...NOW, '--format', 'json'], dir);
  assert.equal(r.code, 1);
  const json = JSON.parse(r.stdout);
  assert.equal(json.valid, false);
  assert.deepEqual(json.errors, [
    {
      file: 'schedules/a.yaml',
      line: 5,
      column: 7,
      field: 'trus',
      code: 'invalid-trus',
      message: 'trus 7 is not a value Temporal Cloud accepts; use one of 2, 3, 4, 6, 8, 10, 12',
      severity: 'error',
    },
  ]);
  assert.deepEqual(
    json.warnings.map((w: { code: string; line: number }) => [w.code, w.line]),
    [['window-under-hour', 8]],
  );
  assert.equal(json.plans[0].name, 'short');
  assert.deepEqual(json.plans[0].nextWindows[0], {
    start: '2026-11-30T23:00-05:00',
    end: '2026-11-30T23:30-05:00',
    startUtc: '2026-12-01T04:00Z',
    endUtc: '2026-12-01T04:30Z',
  });
  // 04:00–04:30Z five times: one billed hour each at 8 → 40 billed TRU-hours, 5 × 7 × 360,000 = 12,600,000 Actions, $630.
  assert.deepEqual(json.namespaces, [
    {
      namespace: 'orders.a1b2c',
      plans: ['short'],
      truHoursPerWeek: 20,
      provisionedHoursPerWeek: 2.5,
      peakTrus: 8,
      billedTruHoursPerWeek: 40,
      minimumActionsPerWeek: 12_600_000,
      worstCaseUsdPerWeek: 630,
    },
  ]);
  assert.equal(json.actionsPricePerMillion, 50);
});

test('--strict turns warnings into errors (exit 1)', async () => {
  const dir = setup({ 'schedules/a.yaml': NIGHTLY.replace('3h', '45m') });
  assert.equal((await runValidate(NOW, dir)).code, 0);
  const strict = await runValidate([...NOW, '--strict'], dir);
  assert.equal(strict.code, 1);
  assert.match(strict.stdout, /schedules\/a\.yaml:8:11: error \[window-under-hour\]/);
});

test('github: workflow-command annotations with escaped properties', async () => {
  const dir = setup({
    'schedules/a,b.yaml': NIGHTLY.replace('trus: 8', 'trus: 5'),
    'schedules/c.yaml': NIGHTLY.replace('nightly-batch', 'short').replace('3h', '45m'),
  });
  const r = await runValidate([...NOW, '--format', 'github'], dir);
  assert.equal(r.code, 1);
  const lines = r.stdout.trim().split('\n');
  assert.equal(
    lines[0],
    '::error file=schedules/a%2Cb.yaml,line=5,col=7,title=capsched invalid-trus (trus)::trus 5 is not a value Temporal Cloud accepts; use one of 2, 3, 4, 6, 8, 10, 12',
  );
  assert.match(lines[1]!, /^::warning file=schedules\/c\.yaml,line=8,col=11,title=capsched window-under-hour \(duration\)::the window is 45m long/);
  assert.match(lines[2]!, /^capsched: 1 error\(s\), 1 warning\(s\)/);
});

test('markdown: a PR comment with the problems, plans and namespaces', async () => {
  const dir = setup({
    'schedules/a.yaml': NIGHTLY.replace('3h', '45m').replace('nightly-batch', 'pipe-test'),
    'schedules/b.yaml': NIGHTLY.replace('nightly-batch', 'second').replace('trus: 8', 'trus: 4'),
  });
  const r = await runValidate([...NOW, '--format', 'markdown'], dir);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^<!-- capsched:validate -->\n### ✅ capsched: 2 plan\(s\) valid, 2 warning\(s\)/);
  assert.match(
    r.stdout,
    /\| ⚠️ \| `schedules\/b\.yaml:6:7` `cron` \| `overlap` \| windows of "second" and "pipe-test" \(schedules\/a\.yaml:1\) overlap on namespace payments\.a1b2c: first Mon 2026-11-30 23:00–23:45 America\/New_York \(2026-12-01T04:00Z–2026-12-01T04:45Z\)/,
  );
  // Each night 04 → 8 (pipe-test), 05, 06, 07 → 4 (second, released at 07:00Z) = 20 billed TRU-hours, (7 + 3 × 3) = 16
  // × 360,000; 5 nights: 100, 28.8 M minimum Actions, $1,440.
  assert.match(r.stdout, /\| `payments\.a1b2c` \| 100 \| 28\.8 M \| \$1,440\.00 \| 15 \| 8 \|/, 'the overlap counts once, at the maximum');
});

test('usage errors exit 2: unknown flag, bad format, bad --now, missing path', async () => {
  const dir = setup({ 'schedules/a.yaml': NIGHTLY });
  for (const argv of [
    ['--bogus'],
    ['--format', 'xml'],
    ['--now', 'yesterday'],
    ['--now', '2026-12-01'],
    ['nope/'],
    ['--horizon-days', '0'],
    ['--actions-price', 'cheap'],
  ]) {
    const r = await runValidate(argv, dir);
    assert.equal(r.code, 2, argv.join(' '));
    assert.ok(r.stderr.length > 0);
    assert.equal(r.stdout, '');
  }
  const help = await runValidate(['--help'], dir);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /usage: capsched validate \[paths\.\.\.\]/);
});

test('--now makes output reproducible; time-based warnings follow it', async () => {
  const dir = setup({ 'schedules/a.yaml': NIGHTLY.replace('cron: "0 23 * * 1-5"', 'at: "2027-01-05T09:00"') });
  const before = await runValidate(['--now', '2026-12-01T00:00:00Z', '--format', 'json'], dir);
  const again = await runValidate(['--now', '2026-12-01T00:00:00Z', '--format', 'json'], dir);
  assert.equal(before.stdout, again.stdout);
  assert.deepEqual(JSON.parse(before.stdout).warnings, []);
  const later = await runValidate(['--now', '2027-02-01T00:00:00Z', '--format', 'json'], dir);
  assert.deepEqual(
    JSON.parse(later.stdout).warnings.map((w: { code: string }) => w.code),
    ['one-off-in-past'],
  );
});
