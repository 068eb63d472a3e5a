/**
 * Prebuilt workflow bundles: `npm run build` (scripts/build-workflow-bundle.mjs) bundles each
 * worker's workflows once, so a worker starts without running webpack (the Docker image relies on
 * it). A bundle older than the compiled code it holds is never used: it would run old code.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, type WorkerOptions, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { Logger } from '../log/index.js';
import { packageRoot } from '../paths.js';
import { sdkLogger } from './sdk-logger.js';

/** The bundles `npm run build` writes: name → compiled entry point (relative to dist/src). */
export const WORKFLOW_BUNDLES = {
  capacity: { file: 'workflow-bundle.js', entry: 'temporal/workflows/index.js', sources: ['temporal/workflows', 'core'] },
  reconciler: { file: 'reconciler-bundle.js', entry: 'temporal/workflows/reconciler.js', sources: ['temporal/workflows', 'core'] },
} as const;

export type WorkflowBundleName = keyof typeof WORKFLOW_BUNDLES;

const compiledRoot = (): string => fileURLToPath(new URL('..', import.meta.url)); // dist/src

export function bundlePath(name: WorkflowBundleName): string {
  return join(packageRoot(), 'dist', WORKFLOW_BUNDLES[name].file);
}

export function workflowEntryPath(name: WorkflowBundleName): string {
  return join(compiledRoot(), WORKFLOW_BUNDLES[name].entry);
}

function newestMtime(dir: string): number {
  let newest = 0;
  if (!existsSync(dir)) return newest;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const st = statSync(path);
    if (st.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (name.endsWith('.js')) newest = Math.max(newest, st.mtimeMs);
  }
  return newest;
}

/**
 * The workflow code for a worker: the prebuilt bundle when it exists and is not older than the
 * compiled sources it holds, else the compiled sources (bundled when the Worker is created).
 * An explicit path must exist and is used as is.
 */
export function prebuiltOrSources(
  name: WorkflowBundleName,
  options: { explicitPath?: string; logger: Logger },
): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  const sources = workflowEntryPath(name);
  if (options.explicitPath !== undefined) {
    if (!existsSync(options.explicitPath)) {
      throw new Error(`workflow bundle ${options.explicitPath} does not exist (build it with: node scripts/build-workflow-bundle.mjs)`);
    }
    return { workflowBundle: { codePath: options.explicitPath } };
  }
  const path = bundlePath(name);
  if (existsSync(path)) {
    const newest = Math.max(...WORKFLOW_BUNDLES[name].sources.map((dir) => newestMtime(join(compiledRoot(), dir))));
    if (!existsSync(sources) || statSync(path).mtimeMs >= newest) return { workflowBundle: { codePath: path } };
    options.logger.warn({ bundle: path }, 'prebuilt workflow bundle is older than the compiled workflows; bundling from source instead (run npm run build)');
  }
  return { workflowsPath: sources };
}

let reconcilerBundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/**
 * The reconciler's workflow code: the bundle `npm run build` prebuilt (no webpack at start-up),
 * else the compiled sources bundled once per process (about a second).
 */
export async function reconcilerWorkflowCode(logger: Logger): Promise<Pick<WorkerOptions, 'workflowBundle'>> {
  const source = prebuiltOrSources('reconciler', { logger });
  if (source.workflowBundle !== undefined) return { workflowBundle: source.workflowBundle };
  reconcilerBundle ??= bundleWorkflowCode({ workflowsPath: workflowEntryPath('reconciler'), logger: sdkLogger(logger, { infoAs: 'debug' }) });
  return { workflowBundle: await reconcilerBundle };
}
