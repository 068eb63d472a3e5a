/**
 * The capacity workflows' code once per test file, and a quiet SDK runtime: used by the
 * time-skipping harness (test/server/workflow/time-skipping.ts), the fault stacks and the replay
 * test, which needs no server.
 */
import { readFile } from 'node:fs/promises';
import { DefaultLogger, Runtime, bundleWorkflowCode } from '@temporalio/worker';
import { prebuiltOrSources, workflowEntryPath } from '../../src/temporal/bundle.js';
import { silentLogger } from '../../src/log/index.js';

let bundlePromise: Promise<{ code: string }> | undefined;

/**
 * The capacity workflows once per test file: the bundle `npm test` prebuilds (dist/workflow-bundle.js)
 * when it is not older than the compiled workflows — the same freshness rule a worker applies —
 * else bundled from the compiled sources here (webpack: seconds of CPU per file on a loaded machine).
 */
export function testBundle(): Promise<{ code: string }> {
  bundlePromise ??= (async () => {
    const source = prebuiltOrSources('capacity', { logger: silentLogger() });
    const prebuilt = source.workflowBundle;
    if (prebuilt !== undefined && 'codePath' in prebuilt) return { code: await readFile(prebuilt.codePath, 'utf8') };
    const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} };
    const b = await bundleWorkflowCode({ workflowsPath: workflowEntryPath('capacity'), logger: quiet });
    return { code: b.code };
  })();
  return bundlePromise;
}

let runtimeInstalled = false;
/** SDK worker logs dropped unless CAPSCHED_TEST_VERBOSE=1 (call before anything creates the Runtime). */
export function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({ logger: new DefaultLogger('WARN', process.env.CAPSCHED_TEST_VERBOSE === '1' ? undefined : () => undefined) });
  } catch {
    // already installed by another helper in this process
  }
}
