/**
 * The capacity workflows bundled once per test file, and a quiet SDK runtime: used by the
 * time-skipping harness (test/server/workflow/time-skipping.ts) and by the replay test, which
 * needs no server.
 */
import { DefaultLogger, Runtime, bundleWorkflowCode } from '@temporalio/worker';
import { workflowsPath } from '../../src/temporal/worker.js';

let bundlePromise: Promise<{ code: string }> | undefined;

/** The workflows bundled once per test file. */
export function testBundle(): Promise<{ code: string }> {
  bundlePromise ??= bundleWorkflowCode({ workflowsPath: workflowsPath(), logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} } }).then(
    (b) => ({ code: b.code }),
  );
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
