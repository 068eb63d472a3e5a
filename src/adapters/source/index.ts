/**
 * Plan sources: where a pass reads plan files from. One factory (createPlanSource) picks a git
 * source (adapters/git) or a folder source (folder-source.ts, read by folder-reader.ts, which
 * `capsched validate` uses too).
 */
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { CapschedError } from '../../core/errors.js';
import type { PlanSource } from '../../core/ports.js';
import type { Logger } from '../../log/index.js';
import type { GitCredentials } from '../git/credentials.js';
import { createGitPlanSource } from '../git/git-source.js';
import { isRemoteAddress } from '../git/remote-url.js';
import { createFolderPlanSource } from './folder-source.js';
import type { WatchablePlanSource } from './types.js';

export { readGitCredentials, type GitCredentials } from '../git/credentials.js';
export type { WatchablePlanSource } from './types.js';
export { createFolderPlanSource, type FolderPlanSourceOptions } from './folder-source.js';
export { readPlanPaths, readPlanFolder, contentHash, MAX_PLAN_FILES, type ReadPathsResult } from './folder-reader.js';

export interface PlanSourceOptions {
  /** A git URL (https, ssh, git, file, scp-like), a local path to a git repository, or a local plain folder. */
  source: string;
  /** Git only (default "main"). */
  branch?: string;
  /** Plans folder inside the source (default "schedules"). */
  path?: string;
  /** Where the git cache lives (default ".capsched" under cwd). */
  workDir?: string;
  /** Git over HTTPS only; see readGitCredentials(env). */
  credentials?: GitCredentials;
  /** Deadline for one `git fetch` (default 60 s). */
  fetchTimeoutMs?: number;
  /** Relative sources and the default workDir resolve against this (default process.cwd()). */
  cwd?: string;
  logger?: Logger;
}

/** True when dir is the root of a git repository: a work tree with .git, or a bare repository. */
export function isGitRepositoryRoot(dir: string): boolean {
  if (existsSync(join(dir, '.git'))) return true;
  return existsSync(join(dir, 'HEAD')) && existsSync(join(dir, 'objects')) && existsSync(join(dir, 'refs'));
}

/**
 * The one factory for plan sources. A remote address, or a local directory that is the root of
 * a git repository (work tree or bare), becomes a git source read at the branch tip; any other
 * local directory is a folder source (development). Plans are read from `path` inside either.
 */
export function createPlanSource(options: PlanSourceOptions): WatchablePlanSource {
  const cwd = options.cwd ?? process.cwd();
  const branch = options.branch ?? 'main';
  const path = options.path ?? 'schedules';
  const workDir = resolve(cwd, options.workDir ?? '.capsched');
  const source = options.source.trim();
  if (source === '') throw new CapschedError('source-missing', 'no plan source given; pass --source <git URL or folder>');
  if (source.startsWith('-')) throw new CapschedError('source-url-invalid', 'the source must not start with "-"');

  if (isRemoteAddress(source)) {
    return asGit(
      createGitPlanSource({
        remote: source,
        branch,
        path,
        workDir,
        credentials: options.credentials,
        fetchTimeoutMs: options.fetchTimeoutMs,
        logger: options.logger,
      }),
    );
  }
  const dir = isAbsolute(source) ? source : resolve(cwd, source);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new CapschedError('source-not-found', `source "${source}" is neither a git URL nor an existing directory`);
  }
  if (isGitRepositoryRoot(dir)) {
    return asGit(
      createGitPlanSource({
        remote: dir,
        branch,
        path,
        workDir,
        credentials: options.credentials,
        fetchTimeoutMs: options.fetchTimeoutMs,
        logger: options.logger,
      }),
    );
  }
  return createFolderPlanSource({ root: dir, path, logger: options.logger });
}

function asGit(source: PlanSource): WatchablePlanSource {
  return {
    kind: 'git',
    describe: () => source.describe(),
    snapshot: () => source.snapshot(),
    watch: () => async () => undefined,
  };
}
