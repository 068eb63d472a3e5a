import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reportCommand } from '../../../src/cli/report.js';
import type { CliIO } from '../../../src/cli/io.js';
import { PR_REPORT_MARKER, type PrReport } from '../../../src/core/report/pr-model.js';
import { createTestRepo, tempDir, type TestRepo } from '../../support/git-repo.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(cwd: string, argv: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), env, cwd };
  const code = await reportCommand(argv, io);
  return { code, stdout, stderr };
}

function planYaml(p: { name: string; namespace: string; trus: number; cron: string; duration: string; timezone?: string }): string {
  return [
    'apiVersion: capsched/v1',
    'kind: CapacityPlan',
    `name: ${p.name}`,
    `namespace: ${p.namespace}`,
    `trus: ${p.trus}`,
    `cron: "${p.cron}"`,
    `timezone: ${p.timezone ?? 'UTC'}`,
    `duration: ${p.duration}`,
    '',
  ].join('\n');
}

/** Commits on a local branch without pushing (createTestRepo's commit() pushes to main). */
function commitOnBranch(repo: TestRepo, message: string): string {
  repo.git('add', '-A');
  repo.git('commit', '--quiet', '-m', message);
  return repo.git('rev-parse', 'HEAD');
}

const NOW = ['--now', '2026-12-01T12:00:00Z'];

function baseRepo(): { repo: TestRepo; baseSha: string } {
  const repo = createTestRepo();
  repo.write(
    'schedules/payments.yaml',
    planYaml({ name: 'nightly', namespace: 'payments.a1b2c', trus: 8, cron: '0 23 * * 1-5', duration: '3h', timezone: 'America/New_York' }),
  );
  repo.write('schedules/orders.yaml', planYaml({ name: 'orders-morning', namespace: 'orders.x9y8z', trus: 4, cron: '0 9 * * *', duration: '1h' }));
  const baseSha = repo.commit('base plans');
  repo.git('checkout', '--quiet', '-b', 'change');
  return { repo, baseSha };
}

test('report on a real repository: validation, plan changes field by field, timelines and TRU-hours from the commits', async () => {
  const { repo, baseSha } = baseRepo();
  repo.write(
    'schedules/payments.yaml',
    planYaml({ name: 'nightly', namespace: 'payments.a1b2c', trus: 12, cron: '0 23 * * 1-5', duration: '3h', timezone: 'America/New_York' }),
  );
  repo.remove('schedules/orders.yaml');
  repo.write(
    'schedules/team/search.yaml',
    planYaml({ name: 'search-boost', namespace: 'payments.a1b2c', trus: 6, cron: '30 23 * * 1-5', duration: '1h', timezone: 'America/New_York' }),
  );
  const headSha = commitOnBranch(repo, 'boost payments, drop orders');
  // Uncommitted work-tree edits are never read.
  repo.write('schedules/payments.yaml', 'garbage: [');

  const json = await run(repo.dir, ['--format', 'json', ...NOW], { CAPSCHED_MANAGED_ELSEWHERE: 'payments.*' });
  assert.equal(json.code, 0, json.stderr);
  const r = JSON.parse(json.stdout) as PrReport;
  assert.equal(r.base.commit, baseSha);
  assert.equal(r.head.commit, headSha);
  assert.equal(r.base.ref, 'origin/main');
  assert.equal(r.validation.valid, true);
  assert.deepEqual(r.horizon, {
    fromMs: Date.parse('2026-12-01T00:00:00Z'),
    toMs: Date.parse('2026-12-08T00:00:00Z'),
    from: '2026-12-01T00:00Z',
    to: '2026-12-08T00:00Z',
    days: 7,
  });
  assert.deepEqual(
    r.changes.map((c) => [c.kind, c.name, c.fields.map((f) => `${f.field}: ${String(f.before)} → ${String(f.after)}`)]),
    [
      ['added', 'search-boost', []],
      ['changed', 'nightly', ['trus: 8 → 12']],
      ['removed', 'orders-morning', []],
    ],
  );
  // Hand computation (EST = UTC-5): nightly starts Mon–Fri 23:00 EST = 04:00Z the next day; in
  // [Tue 12-01 00:00Z, Tue 12-08 00:00Z) that is Mon 11-30 … Fri 12-04 = 5 windows × 3h = 15h.
  // base 8 × 15 = 120; head 12 × 15 = 180. search-boost (6 TRUs, 23:30–00:30 EST) lies inside
  // nightly every time: the maximum (12) applies, it adds nothing (a sum would add 30).
  // orders-morning: 7 daily 1h windows × 4 = 28 at base, 0 at head.
  assert.deepEqual(
    r.namespaces.map((n) => [n.namespace, n.base.truHoursPerWeek, n.head.truHoursPerWeek, n.deltaTruHoursPerWeek, n.head.peakTrus, n.managedElsewhere]),
    [
      ['payments.a1b2c', 120, 180, 60, 12, true],
      ['orders.x9y8z', 28, 0, -28, 0, false],
    ],
  );
  // Billed per UTC hour, released at the end: nightly holds 04, 05, 06 and 07Z: base 5 × 4 × 8 = 160
  // (5 × 4 × 7 × 360,000 = 50.4 M Actions), head 5 × 4 × 12 = 240 (79.2 M); orders-morning holds 09 and
  // 10Z: 7 × 2 × 4 = 56 (7 × 2 × 3 × 360,000 = 15.12 M) at base, 0 at head.
  assert.deepEqual(r.totals, {
    namespacesBase: 2,
    namespacesHead: 1,
    baseTruHoursPerWeek: 148,
    headTruHoursPerWeek: 180,
    deltaTruHoursPerWeek: 32,
    baseBilledTruHoursPerWeek: 216,
    headBilledTruHoursPerWeek: 240,
    deltaBilledTruHoursPerWeek: 24,
    baseMinimumActionsPerWeek: 65_520_000,
    headMinimumActionsPerWeek: 79_200_000,
    deltaMinimumActionsPerWeek: 13_680_000,
  });
  assert.equal(r.namespaces[0]?.head.segments.filter((s) => s.overlap).length, 5);
  assert.deepEqual(
    r.warnings.map((w) => [w.kind, w.plans, w.introduced]),
    [
      ['overlap', ['nightly', 'search-boost'], true],
      ['managed-elsewhere', ['nightly', 'search-boost'], false],
    ],
  );
  assert.ok(r.validation.warnings.some((w) => w.code === 'overlap' && w.file === 'schedules/team/search.yaml' && w.line === 6 && w.field === 'cron'));

  // 14 days: nightly has 10 windows (Mon 11-30 … Fri 12-11 evenings) × 3h × 12 = 360, i.e. 180 per
  // week; orders-morning 14 × 1h × 4 = 56 at base, 28 per week. The flag works like the env variable.
  const twoWeeks = JSON.parse((await run(repo.dir, ['--format', 'json', '--days', '14', '--managed-elsewhere', 'orders.x9y8z', ...NOW])).stdout) as PrReport;
  assert.equal(twoWeeks.horizon.days, 14);
  assert.deepEqual(
    twoWeeks.namespaces.map((n) => [n.namespace, n.base.truHours, n.head.truHours, n.head.truHoursPerWeek, n.base.truHoursPerWeek, n.managedElsewhere]),
    [
      ['payments.a1b2c', 240, 360, 180, 120, false],
      ['orders.x9y8z', 56, 0, 0, 28, true],
    ],
  );

  const md = await run(repo.dir, [...NOW, '--actions-price', '40'], { CAPSCHED_MANAGED_ELSEWHERE: 'payments.*' });
  assert.equal(md.code, 0, md.stderr);
  const text = md.stdout;
  assert.ok(text.startsWith(`${PR_REPORT_MARKER}\n`));
  assert.match(text, /✅ \*\*Head is valid\*\* — 2 plans/);
  assert.match(text, /\*\*Plan changes:\*\* 1 added · 1 changed · 1 removed \(0 unchanged\) across 2 namespaces\./);
  assert.match(
    text,
    /\*\*Minimum Actions committed, all namespaces:\*\* 65\.52 M → 79\.2 M per week, \*\*\+13\.68 M\*\* \(\+20\.9%\); billed TRU-hours 216 → 240 per week \(\+24\)/,
  );
  // Worst case at $40 per million: 65.52 × 40 = 2,620.80 → 79.2 × 40 = 3,168; +13.68 × 40 = +547.20.
  assert.match(text, /\*\*Worst case if unused\*\* \(at \$40 per million Actions\): \$2,620\.80 → \$3,168\.00 per week, \*\*\+\$547\.20\/week\*\*/);
  assert.match(text, /### Validation of head\n\n- ⚠️ `schedules\/team\/search\.yaml:6:7` `cron` `overlap`/);
  assert.match(
    text,
    /\| `payments\.a1b2c` \| 50\.4 M \| 79\.2 M \| \*\*\+28\.8 M\*\* \| 160 → 240 \| \+\$1,152\.00 \| 8 → 12 \| also managed elsewhere, overlap \|/,
  );
  assert.match(text, /\| `orders\.x9y8z` \| 15\.12 M \| 0 \| \*\*-15\.12 M\*\* \| 56 → 0 \| -\$604\.80 \| 4 → 0 \| no plans left \|/);
  assert.match(
    text,
    /- ✏️ changed `nightly` `schedules\/payments\.yaml:1`\n\n {2}\| field \| base \| head \|\n {2}\|---\|---\|---\|\n {2}\| `trus` \| `8` \| `12` \|/,
  );
  assert.match(text, /- ➕ added `search-boost` `schedules\/team\/search\.yaml:1` — \*\*6 TRUs\*\* on `payments\.a1b2c`/);
  assert.match(text, /- ➖ removed `orders-morning` `schedules\/orders\.yaml:1`/);
  // Two timelines, each a Mermaid gantt with a base and a head section where there is capacity.
  assert.equal(text.match(/```mermaid\n---\ndisplayMode: compact\n---\ngantt\n/g)?.length, 2);
  assert.match(text, /section base 160 billed TRU-h per week\n {4}8 TRU :2026-12-01 04:00, 2026-12-01 07:00\n/);
  assert.match(
    text,
    /section head 240 billed TRU-h per week\n {4}12 TRU :2026-12-01 04:00, 2026-12-01 04:30\n {4}12 TRU max :crit, 2026-12-01 04:30, 2026-12-01 05:30\n/,
  );
  assert.doesNotMatch(text, /garbage/);
  // Every gantt task line is valid syntax: a name without ':' ';' '#', then tags and dates.
  for (const block of text.split('```mermaid').slice(1)) {
    const body = block.slice(0, block.indexOf('```'));
    for (const line of body.split('\n').filter((l) => l.includes(' :'))) {
      assert.match(line, /^ {4}[^:;#]+ :(?:(?:crit|active|milestone), )?\d{4}-\d\d-\d\d \d\d:\d\d, (?:\d{4}-\d\d-\d\d \d\d:\d\d|0d)$/, line);
    }
  }
});

test('an invalid head still gets a report (exit 0) unless --fail-on-invalid; its unreadable plans are not called "removed"', async () => {
  const { repo } = baseRepo();
  repo.write('schedules/orders.yaml', planYaml({ name: 'orders-morning', namespace: 'orders.x9y8z', trus: 5, cron: '0 9 * * *', duration: '1h' }));
  commitOnBranch(repo, 'bad trus');

  const md = await run(repo.dir, ['--base', 'main', ...NOW]);
  assert.equal(md.code, 0);
  assert.match(md.stdout, /❌ \*\*Head is invalid\*\* — 1 error\. Nothing in this commit will be applied until it is fixed\./);
  assert.match(md.stdout, /- ❌ `schedules\/orders\.yaml:5:\d+` `trus` `[a-z-]+`: /);
  assert.match(md.stdout, /⚠️ not readable in head `orders-morning`/);
  assert.match(md.stderr, /does not validate/);

  const strict = await run(repo.dir, ['--base', 'main', '--fail-on-invalid', '--format', 'json', ...NOW]);
  assert.equal(strict.code, 1);
  const r = JSON.parse(strict.stdout) as PrReport;
  assert.equal(r.validation.valid, false);
  assert.deepEqual(
    r.changes.map((c) => [c.kind, c.name]),
    [['unreadable', 'orders-morning']],
  );
});

test('exit codes: 2 for usage errors, 1 for git errors (unknown ref, not a repository)', async () => {
  const { repo } = baseRepo();
  for (const argv of [
    ['--format', 'xml'],
    ['--days', '0'],
    ['--now', 'yesterday'],
    ['--bogus'],
    ['--base', '--head'],
    ['--managed-elsewhere', 'a b'],
    ['--actions-price', '-1'],
    ['--tru-hour-price', '0.5'],
  ]) {
    const r = await run(repo.dir, argv);
    assert.equal(r.code, 2, `${argv.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /^capsched report: /);
  }
  const missing = await run(repo.dir, ['--base', 'origin/no-such-branch', ...NOW]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /"origin\/no-such-branch" does not resolve to a commit — fetch it first/);
  const notRepo = await run(tempDir(), NOW);
  assert.equal(notRepo.code, 1);
  assert.match(notRepo.stderr, /is not a git repository/);
  const help = await run(repo.dir, ['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--fail-on-invalid/);
});

test('a large change (400 plans on 40 namespaces) is summarised under the GitHub comment limit; JSON keeps everything', async () => {
  const repo = createTestRepo();
  const write = (trus: number, cron: (i: number) => string): void => {
    for (let f = 0; f < 40; f++) {
      const docs: string[] = [];
      for (let k = 0; k < 10; k++) {
        const i = f * 10 + k;
        docs.push(planYaml({ name: `plan-${i}`, namespace: `team-${f}.acct`, trus, cron: cron(i), duration: '2h', timezone: 'Europe/Berlin' }));
      }
      repo.write(`schedules/team-${f}.yaml`, docs.join('---\n'));
    }
  };
  write(4, (i) => `${i % 60} ${i % 24} * * *`);
  repo.commit('400 plans');
  repo.git('checkout', '--quiet', '-b', 'big');
  write(8, (i) => `${i % 60} ${(i + 3) % 24} * * 1-5`);
  commitOnBranch(repo, 'change all 400');

  const md = await run(repo.dir, NOW);
  assert.equal(md.code, 0, md.stderr);
  assert.ok(md.stdout.length < 65_536, `markdown is ${md.stdout.length} characters`);
  assert.ok(md.stdout.length <= 60_000);
  assert.ok(md.stdout.startsWith(PR_REPORT_MARKER));
  assert.match(md.stdout, /\*\*Plan changes:\*\* 400 changed/);
  assert.match(md.stdout, /_…and \d+ more changes: \d+ changed \(run `capsched report --format json` for everything\)\._/);
  assert.match(md.stdout, /```mermaid/);

  const json = await run(repo.dir, ['--format', 'json', ...NOW]);
  const r = JSON.parse(json.stdout) as PrReport;
  assert.equal(r.changes.length, 400);
  assert.equal(r.namespaces.length, 40);
  assert.ok(r.namespaces.every((n) => n.head.segments.length > 0));

  const tight = await run(repo.dir, [...NOW, '--max-chars', '8000']);
  assert.ok(tight.stdout.length <= 8000, `tight markdown is ${tight.stdout.length} characters`);
  assert.match(tight.stdout, /capacity report/);
});

test('a plans path missing at base makes every plan new; missing at head makes head invalid', async () => {
  const repo = createTestRepo();
  repo.write('README.md', 'plans come later\n');
  repo.commit('empty repository');
  repo.git('checkout', '--quiet', '-b', 'first-plans');
  repo.write('schedules/a.yaml', planYaml({ name: 'a', namespace: 'ns.one', trus: 2, cron: '0 12 * * *', duration: '1h' }));
  commitOnBranch(repo, 'first plan');

  const first = JSON.parse((await run(repo.dir, ['--format', 'json', ...NOW])).stdout) as PrReport;
  assert.equal(first.base.pathExists, false);
  assert.deepEqual(
    first.changes.map((c) => [c.kind, c.name]),
    [['added', 'a']],
  );
  // 7 daily 1h windows × 2 TRUs = 14.
  assert.equal(first.totals.headTruHoursPerWeek, 14);
  assert.ok(first.warnings.some((w) => w.kind === 'base-path-missing'));

  const wrongPath = await run(repo.dir, ['--path', 'plans', ...NOW]);
  assert.equal(wrongPath.code, 0);
  assert.match(wrongPath.stdout, /❌ \*\*Head is invalid\*\*: the plans path `plans` does not exist at head/);
  assert.match(wrongPath.stderr, /plans path plans does not exist/);
});
