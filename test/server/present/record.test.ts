/**
 * The page's last 24 h are the record of what the coordinators applied, kept by the daemon on a
 * timer: a window that raised capacity while nobody looked at the page is on it, from when it
 * was raised, not from when someone first opened the page.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { coordinatorWorkflowId } from '../../../src/core/capacity/window.js';
import type { PresentView } from '../../../src/core/present/model.js';
import type { CoordinatorStatus } from '../../../src/temporal/workflows/definitions.js';
import { startPageDaemon } from './helpers.js';

test('page record: a raise nobody looked at is in the last 24 h from when the coordinator held it, not from the first page view', async (ctx) => {
  const { t, namespace } = await startPageDaemon(ctx);
  // Watch the coordinator directly; the page, /present.json and /metrics are not read meanwhile.
  const coordinator = t.client.workflow.getHandle(coordinatorWorkflowId(namespace));
  const deadline = Date.now() + 60_000;
  let raisedSeenAt: number | undefined;
  while (raisedSeenAt === undefined) {
    const status = await coordinator.query<CoordinatorStatus>('status').catch(() => undefined);
    if (status?.effective.mode === 'provisioned' && status.effective.trus === 6) raisedSeenAt = Date.now();
    else if (Date.now() > deadline) assert.fail(`the one-off was not held in time: ${JSON.stringify(status)}`);
    else await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await new Promise((resolve) => setTimeout(resolve, 3_000));

  const response = await t.http('/present.json');
  assert.equal(response.status, 200);
  const view = (await response.json()) as PresentView;
  const ns = view.namespaces.find((n) => n.namespace === namespace)!;
  const raised = ns.applied.find((s) => s.trus === 6);
  assert.ok(raised !== undefined, `a 6 TRU segment in the record: ${JSON.stringify(ns.applied)}`);
  // Read by the daemon's timer (every 500 ms here) within a second of the raise, long before this first view.
  assert.ok(
    raised.startMs <= raisedSeenAt + 1_000,
    `the raise recorded at ${new Date(raised.startMs).toISOString()}, seen held at ${new Date(raisedSeenAt).toISOString()}`,
  );
  assert.ok(view.nowMs - raised.startMs >= 2_000, 'the segment spans the time nobody looked');
  assert.equal(raised.endMs, view.nowMs);
  // Before it: on-demand, as recorded since the daemon started (nothing before the record is invented).
  const before = ns.applied[ns.applied.indexOf(raised) - 1];
  assert.equal(before?.trus, 0);
  assert.ok(before.startMs >= view.recordSinceMs);
});
