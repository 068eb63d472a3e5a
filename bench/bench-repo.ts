/** A git repository of generated plans with a bare remote, shared by the git-source and daemon benches. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const env = {
  ...process.env,
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'b',
  GIT_AUTHOR_EMAIL: 'b@b',
  GIT_COMMITTER_NAME: 'b',
  GIT_COMMITTER_EMAIL: 'b@b',
};

export const git = (cwd: string, ...args: string[]): string => execFileSync('git', args, { cwd, env, encoding: 'utf8' }).trim();

/** Plan i: 50 namespaces, weekday starts spread over the day. */
export function benchPlan(i: number, trus = 4): string {
  return `apiVersion: capsched/v1\nkind: CapacityPlan\nname: plan-${i}\nnamespace: ns-${i % 50}.bench\ntrus: ${trus}\ncron: "${i % 60} ${i % 24} * * 1-5"\ntimezone: UTC\nduration: 1h\n`;
}

export function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
}

export interface BenchRepo {
  remote: string;
  work: string;
  /** Rewrites plan i with other TRUs, commits and pushes; returns the new commit. */
  edit(i: number, trus: number): string;
}

/** Creates `root/remote.git` and `root/work` with `plans` plan files in schedules/, pushed to main. */
export function createBenchRepo(root: string, plans: number): BenchRepo {
  const remote = join(root, 'remote.git');
  const work = join(root, 'work');
  git(root, 'init', '-q', '--bare', '--initial-branch=main', remote);
  git(root, 'init', '-q', '--initial-branch=main', work);
  mkdirSync(join(work, 'schedules'));
  for (let i = 0; i < plans; i++) writeFileSync(join(work, 'schedules', `plan-${i}.yaml`), benchPlan(i));
  git(work, 'add', '-A');
  git(work, 'commit', '-qm', 'plans');
  git(work, 'push', '-q', remote, 'HEAD:main');
  return {
    remote,
    work,
    edit(i, trus) {
      writeFileSync(join(work, 'schedules', `plan-${i}.yaml`), benchPlan(i, trus));
      git(work, 'commit', '-qam', `edit ${i}`);
      git(work, 'push', '-q', remote, 'HEAD:main');
      return git(work, 'rev-parse', 'HEAD');
    },
  };
}
