import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import proto from '@temporalio/proto';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';

try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  // already installed
}

/**
 * Histories recorded from the reconciler workflow (start, triggers, passes that applied, found the
 * source unreachable, found invalid plans; then terminated). The reconciler sets no timer: it runs a
 * pass only when a daemon's free check signals (capsched was never released, so the interval timer
 * of earlier recordings was removed outright, not patched). A change to the workflow code that is
 * not replay-compatible fails here: from the first release on, guard it with patched().
 * Re-record: test/server/daemon/record-reconciler-history.mjs.
 */
test('recorded reconciler workflow histories replay against the current workflow code', async () => {
  const workflowsPath = fileURLToPath(new URL('../../../src/temporal/workflows/reconciler.js', import.meta.url));
  for (const name of ['reconciler-history-v2.json']) {
    const json: unknown = JSON.parse(readFileSync(fileURLToPath(new URL(`../../../../test/unit/daemon/fixtures/${name}`, import.meta.url)), 'utf8'));
    await Worker.runReplayHistory({ workflowsPath, replayName: name }, proto.temporal.api.history.v1.History.fromObject(json as Record<string, unknown>));
  }
});
