import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import { CapschedError, isCapschedError } from '../../core/errors.js';
import type { PlanSource, SourceSnapshot } from '../../core/ports.js';
import { scrub, silentLogger, type Logger } from '../../log/index.js';
import { GIT_ALLOWED_ENVIRONMENT, gitEnvironment, type GitCredentials } from './credentials.js';
import { normalisePlansPath, readPlanFilesAtCommit, resolveCommit, type ReadCommitOptions } from './read-commit.js';
import { checkRemoteAddress, redactRemoteAddress } from './remote-url.js';

export interface GitPlanSourceOptions {
  /** Remote address (https/ssh/git/file URL, scp-like ssh) or an absolute path to a repository. */
  remote: string;
  branch: string;
  /** Plans folder inside the repository. */
  path: string;
  /** Holds the cache clone under cache/<hash of the remote>. */
  workDir: string;
  credentials?: GitCredentials;
  /** Whole-fetch deadline (default 60 s). */
  fetchTimeoutMs?: number;
  /** Deadline for local git commands (default 30 s). */
  localTimeoutMs?: number;
  read?: ReadCommitOptions;
  logger?: Logger;
}

/** Checks a branch name the way git does, and refuses option-like names. */
export function checkBranchName(branch: string): void {
  const ok =
    branch !== '' &&
    !branch.startsWith('-') &&
    !branch.startsWith('/') &&
    !branch.endsWith('/') &&
    !branch.endsWith('.lock') &&
    !branch.includes('..') &&
    !branch.includes('//') &&
    !branch.includes('@{') &&
    // eslint-disable-next-line no-control-regex
    !/[\x00-\x20\x7f~^:?*[\\]/.test(branch);
  if (!ok) throw new CapschedError('source-ref-invalid', `"${branch}" is not a valid branch name`);
}

/** Cache folder name: a hash of the remote address, so one work dir can serve several sources. */
export function cacheKey(remote: string): string {
  return createHash('sha256').update(remote).digest('hex').slice(0, 16);
}

/**
 * Maps a failed `git fetch` to a typed error. The message keeps git's first "fatal:" line (git
 * strips userinfo itself; scrub() removes anything registered) and never the argv.
 */
function fetchError(err: unknown, timedOut: boolean, branch: string): CapschedError {
  const text = err instanceof Error ? err.message : String(err);
  const fatal = scrub((/^(?:fatal|error): .*$/m.exec(text)?.[0] ?? text.split('\n').find((l) => l.trim() !== '') ?? 'git fetch failed').trim()).slice(0, 300);
  if (timedOut) return new CapschedError('source-fetch-timeout', 'git fetch timed out', { retry: 'transient', cause: err });
  if (/couldn't find remote ref|could not find remote ref/i.test(text)) {
    return new CapschedError('source-branch-not-found', `branch "${branch}" does not exist on the remote (${fatal})`, { retry: 'terminal' });
  }
  if (
    /authentication failed|could not read (username|password)|permission denied|HTTP 40[13]|returned error: 40[13]|access denied|invalid credentials/i.test(
      text,
    )
  ) {
    return new CapschedError('source-auth-failed', `git remote refused the credentials (${fatal})`, { retry: 'terminal' });
  }
  if (/repository .*not found|remote: not found/i.test(text)) {
    return new CapschedError('source-repository-not-found', `the git repository was not found, or the credentials cannot see it (${fatal})`, {
      retry: 'terminal',
    });
  }
  if (/cannot lock ref|unable to create .*\.lock|index\.lock/i.test(text)) {
    return new CapschedError('source-busy', `the git cache is busy (${fatal})`, { retry: 'transient' });
  }
  return new CapschedError('source-unreachable', `git remote unreachable (${fatal})`, { retry: 'transient' });
}

/**
 * A plan source backed by a git remote: a bare cache repository under workDir, `git fetch` of one
 * branch with a deadline, the branch tip resolved to a SHA, plan files read from that commit
 * (never from a work tree). A history rewrite (force-push) is applied as the new tip and logged
 * as non-fast-forward.
 */
export function createGitPlanSource(options: GitPlanSourceOptions): PlanSource {
  checkRemoteAddress(options.remote);
  checkBranchName(options.branch);
  const plansPath = normalisePlansPath(options.path);
  const remote = options.remote;
  const safeRemote = redactRemoteAddress(remote);
  const cacheDir = resolve(options.workDir, 'cache', cacheKey(remote));
  const trackingRef = `refs/remotes/origin/${options.branch}`;
  const fetchTimeoutMs = options.fetchTimeoutMs ?? 60_000;
  const localTimeoutMs = options.localTimeoutMs ?? 30_000;
  const logger = (options.logger ?? silentLogger()).child({ component: 'git-source', remote: safeRemote, branch: options.branch });

  const gitIn = (signal?: AbortSignal): SimpleGit =>
    simpleGit({
      baseDir: cacheDir,
      maxConcurrentProcesses: 8,
      timeout: { block: localTimeoutMs },
      abort: signal,
      unsafe: { allowUnsafeAskPass: true, allowUnsafeConfigEnvCount: true },
      allowEnvironment: GIT_ALLOWED_ENVIRONMENT,
    }).env(gitEnvironment(options.workDir, options.credentials));

  const ensureCache = async (): Promise<void> => {
    if (existsSync(join(cacheDir, 'HEAD'))) {
      try {
        if ((await gitIn().raw(['rev-parse', '--is-bare-repository'])).trim() === 'true') return;
      } catch {
        // fall through: recreate
      }
      logger.warn({ cacheDir }, 'git cache is not a usable repository; recreating it');
      rmSync(cacheDir, { recursive: true, force: true });
    }
    mkdirSync(cacheDir, { recursive: true });
    await gitIn().raw(['init', '--quiet', '--bare']);
  };

  const fetch = async (): Promise<void> => {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, fetchTimeoutMs);
    try {
      await gitIn(controller.signal).raw(['fetch', '--quiet', '--no-tags', '--end-of-options', remote, `+refs/heads/${options.branch}:${trackingRef}`]);
    } catch (err) {
      throw fetchError(err, timedOut, options.branch);
    } finally {
      clearTimeout(timer);
    }
  };

  const previousTip = async (): Promise<string | undefined> => {
    try {
      return await resolveCommit(gitIn(), trackingRef);
    } catch {
      return undefined;
    }
  };

  const isAncestor = async (older: string, newer: string): Promise<boolean> => {
    // `merge-base --is-ancestor` answers by exit code only, which simple-git does not surface.
    try {
      return (await gitIn().raw(['merge-base', '--end-of-options', older, newer])).trim() === older;
    } catch {
      return false;
    }
  };

  let running: Promise<unknown> = Promise.resolve();
  let cached: SourceSnapshot | undefined;

  const snapshotOnce = async (): Promise<SourceSnapshot> => {
    try {
      await ensureCache();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new CapschedError('source-cache-failed', `cannot prepare the git cache in ${cacheDir}${code === undefined ? '' : ` (${code})`}; check --work-dir`, {
        retry: 'transient',
        cause: err,
      });
    }
    const before = await previousTip();
    await fetch();
    const revision = await resolveCommit(gitIn(), trackingRef);
    // A commit's content never changes: an unchanged tip reuses the files read last time.
    const snapshot = cached?.revision === revision ? cached : await readPlanFilesAtCommit(gitIn(), revision, plansPath, options.read);
    cached = snapshot;
    const meta: Record<string, string> = { ...snapshot.meta, branch: options.branch, source: safeRemote };
    if (before !== undefined && before !== revision) {
      meta.previousRevision = before;
      if (!(await isAncestor(before, revision))) {
        meta.nonFastForward = 'true';
        logger.warn({ from: before, to: revision }, 'non-fast-forward: branch history was rewritten; applying the new tip');
      }
    }
    return { ...snapshot, meta };
  };

  return {
    describe: () => `git ${safeRemote} (${options.branch}) ${plansPath === '' ? '.' : plansPath}/`,
    snapshot: () => {
      // One fetch at a time per cache: concurrent fetches would race on ref locks.
      const next = running.then(snapshotOnce, snapshotOnce);
      running = next.catch(() => undefined);
      return next.catch((err: unknown) => {
        if (isCapschedError(err)) throw err;
        throw new CapschedError(
          'source-read-failed',
          `reading the git cache failed: ${scrub(err instanceof Error ? err.message : String(err)).split('\n')[0]}`,
          {
            retry: 'transient',
            cause: err,
          },
        );
      });
    },
  };
}
