/**
 * `capsched report` figures: end-to-end time of the command on a real git repository where a pull
 * request changes every plan (both revisions read from git, validated, diffed, timelines built,
 * markdown rendered), the pure build + render time alone, the comment size and peak RSS.
 *   npx tsc -p . && node dist/bench/pr-report.js [plans=1000] [namespaces=50]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reportCommand } from '../src/cli/report.js';
import { parsePlan } from '../src/core/plan/schema.js';
import { buildPrReport } from '../src/core/report/pr-build.js';
import { renderPrMarkdown } from '../src/core/report/pr-markdown.js';

const plans = Number(process.argv[2] ?? 1000);
const namespaces = Number(process.argv[3] ?? 50);
const env = {
  ...process.env,
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'b',
  GIT_AUTHOR_EMAIL: 'b@example.test',
  GIT_COMMITTER_NAME: 'b',
  GIT_COMMITTER_EMAIL: 'b@example.test',
};
const git = (cwd: string, ...args: string[]): string => execFileSync('git', args, { cwd, env, encoding: 'utf8' }).trim();

function planInput(i: number, head: boolean): Record<string, unknown> {
  return {
    apiVersion: 'capsched/v1',
    kind: 'CapacityPlan',
    name: `plan-${i}`,
    namespace: `team-${i % namespaces}.acct`,
    trus: head ? 8 : 4,
    cron: `${i % 60} ${(i + (head ? 3 : 0)) % 24} * * ${head ? '1-5' : '*'}`,
    timezone: i % 2 === 0 ? 'America/New_York' : 'Europe/Berlin',
    duration: '2h',
  };
}

function writePlans(dir: string, head: boolean): void {
  rmSync(join(dir, 'schedules'), { recursive: true, force: true });
  mkdirSync(join(dir, 'schedules'), { recursive: true });
  for (let i = 0; i < plans; i++) {
    const p = planInput(i, head);
    writeFileSync(
      join(dir, 'schedules', `plan-${i}.yaml`),
      Object.entries(p)
        .map(([k, v]) => `${k}: ${typeof v === 'string' && v.includes('*') ? `"${v}"` : String(v)}`)
        .join('\n') + '\n',
    );
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'capsched-bench-report-'));
  try {
    git(dir, 'init', '--quiet', '--initial-branch=main');
    writePlans(dir, false);
    git(dir, 'add', '-A');
    git(dir, 'commit', '--quiet', '-m', 'base');
    git(dir, 'checkout', '--quiet', '-b', 'change');
    writePlans(dir, true);
    git(dir, 'add', '-A');
    git(dir, 'commit', '--quiet', '-m', 'head');

    let out = '';
    const io = { stdout: (t: string) => void (out += t), stderr: () => undefined, env: {}, cwd: dir };
    const t0 = performance.now();
    const code = await reportCommand(['--base', 'main', '--now', '2026-12-01T12:00:00Z'], io);
    const e2e = performance.now() - t0;

    const located = (head: boolean) =>
      Array.from({ length: plans }, (_, i) => ({ plan: parsePlan(planInput(i, head)), file: `schedules/plan-${i}.yaml`, line: 1 }));
    const side = (head: boolean) => ({
      ref: head ? 'HEAD' : 'main',
      commit: 'a'.repeat(40),
      pathExists: true,
      valid: true,
      plans: located(head),
      errors: [],
      warnings: [],
    });
    const base = side(false);
    const head = side(true);
    const t1 = performance.now();
    const report = buildPrReport({ base, head, plansPath: 'schedules', nowMs: Date.parse('2026-12-01T12:00:00Z') });
    const t2 = performance.now();
    const md = renderPrMarkdown(report);
    const t3 = performance.now();

    console.log(`plans=${plans} namespaces=${namespaces} exit=${code}`);
    console.log(`capsched report end to end (2 revisions from git, validate, diff, timelines, markdown): ${e2e.toFixed(0)} ms`);
    console.log(`pure buildPrReport: ${(t2 - t1).toFixed(0)} ms; renderPrMarkdown: ${(t3 - t2).toFixed(0)} ms`);
    console.log(
      `markdown: ${out.length} characters (limit 65536); segments at head: ${report.namespaces.reduce((n, x) => n + x.head.segments.length, 0)}; md from pure build ${md.length}`,
    );
    console.log(`peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
