/**
 * Git plan source figures: a repository with N plan files behind a bare remote; time of the
 * first snapshot (cache clone + read), of a snapshot with nothing new (fetch + read), and of a
 * snapshot after a one-file commit; peak RSS.
 *   npx tsc -p . && node dist/bench/git-source.js [plans=1000] [runs=5]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPlanSource } from '../src/adapters/source/index.js';

const plans = Number(process.argv[2] ?? 1000);
const runs = Number(process.argv[3] ?? 5);
const env = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@b', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@b' };
const git = (cwd: string, ...args: string[]): string => execFileSync('git', args, { cwd, env, encoding: 'utf8' });

function plan(i: number, trus = 4): string {
  return `apiVersion: capsched/v1\nkind: CapacityPlan\nname: plan-${i}\nnamespace: ns-${i % 50}.bench\ntrus: ${trus}\ncron: "${i % 60} ${i % 24} * * 1-5"\ntimezone: UTC\nduration: 1h\n`;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const started = performance.now();
  const value = await fn();
  return [performance.now() - started, value];
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'capsched-bench-git-'));
  try {
    const remote = join(root, 'remote.git');
    const work = join(root, 'work');
    git(root, 'init', '-q', '--bare', '--initial-branch=main', remote);
    git(root, 'init', '-q', '--initial-branch=main', work);
    mkdirSync(join(work, 'schedules'));
    for (let i = 0; i < plans; i++) writeFileSync(join(work, 'schedules', `plan-${i}.yaml`), plan(i));
    git(work, 'add', '-A');
    git(work, 'commit', '-qm', 'plans');
    git(work, 'push', '-q', remote, 'HEAD:main');

    const first: number[] = [];
    const unchanged: number[] = [];
    const oneFile: number[] = [];
    for (let r = 0; r < runs; r++) {
      const source = createPlanSource({ source: remote, workDir: join(root, `cache-${r}`) });
      const [cold, snap] = await timed(() => source.snapshot());
      if (snap.files.length !== plans) throw new Error(`read ${snap.files.length} files`);
      first.push(cold);
      unchanged.push((await timed(() => source.snapshot()))[0]);
      writeFileSync(join(work, 'schedules', `plan-${r}.yaml`), plan(r, 8));
      git(work, 'commit', '-qam', `edit ${r}`);
      git(work, 'push', '-q', remote, 'HEAD:main');
      oneFile.push((await timed(() => source.snapshot()))[0]);
    }
    const ms = (v: number): string => `${v.toFixed(0)} ms`;
    console.log(`git source, ${plans} plan files, ${runs} runs (median)`);
    console.log(`  first snapshot (cache clone + read): ${ms(median(first))}`);
    console.log(`  unchanged (fetch + read):             ${ms(median(unchanged))}`);
    console.log(`  after a one-file commit:              ${ms(median(oneFile))}`);
    console.log(`  peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
