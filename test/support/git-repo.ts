import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after } from 'node:test';

/** Git isolated from the developer's machine (no global/system config, file protocol allowed). */
export const GIT_ENV: NodeJS.ProcessEnv = {
  ...process.env,
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'Test Author',
  GIT_AUTHOR_EMAIL: 'author@example.test',
  GIT_COMMITTER_NAME: 'Test Author',
  GIT_COMMITTER_EMAIL: 'author@example.test',
  GIT_TERMINAL_PROMPT: '0',
};

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: GIT_ENV, encoding: 'utf8' }).trim();
}

/** A temporary directory removed after the test file. */
export function tempDir(prefix = 'capsched-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  // A git process of a daemon that is still stopping may write into it: retry ENOTEMPTY/EBUSY.
  after(() => rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 }));
  return dir;
}

export interface TestRepo {
  /** Work tree of the authoring clone. */
  dir: string;
  /** Bare remote the authoring clone pushes to (what capsched reads from). */
  remote: string;
  write(path: string, content: string | Uint8Array): void;
  symlink(path: string, target: string): void;
  remove(path: string): void;
  /** Commits everything and pushes to the remote; returns the commit SHA. */
  commit(message: string): string;
  git(...args: string[]): string;
}

/** A real repository with a bare remote on branch main. */
export function createTestRepo(): TestRepo {
  const root = tempDir('capsched-repo-');
  const remote = join(root, 'remote.git');
  const dir = join(root, 'work');
  git(root, 'init', '--quiet', '--bare', '--initial-branch=main', remote);
  git(root, 'init', '--quiet', '--initial-branch=main', dir);
  git(dir, 'remote', 'add', 'origin', remote);
  return {
    dir,
    remote,
    write(path, content) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), content);
    },
    symlink(path, target) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      symlinkSync(target, join(dir, path));
    },
    remove(path) {
      rmSync(join(dir, path), { recursive: true, force: true });
    },
    commit(message) {
      git(dir, 'add', '-A');
      git(dir, 'commit', '--quiet', '--allow-empty', '-m', message);
      git(dir, 'push', '--quiet', '--force', 'origin', 'HEAD:main');
      return git(dir, 'rev-parse', 'HEAD');
    },
    git: (...args) => git(dir, ...args),
  };
}
