/**
 * A short ramp end to end (issue #14): real dev server, the Cloud Ops simulator over gRPC, the
 * production client, a real Slack HTTP server. The simulator's change record shows every step, in
 * order and at its time, then the revert.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CapacityChangeResult } from '../../../src/core/workflow-contract.js';
import { capacityStatusQuery } from '../../../src/temporal/workflows/definitions.js';
import { e2eNamespace, startE2EStack } from './e2e-stack.js';

const ns = e2eNamespace();
const stack = await startE2EStack([ns]);

test('a short ramp 4 → 8 → 12 → 6 on the dev server: the simulator records every step in order, then on-demand; verified each time', async () => {
  const handle = await stack.startWindow({
    namespace: ns,
    desiredTrus: 12,
    steps: [
      { after: '0s', trus: 4 },
      { after: '3s', trus: 8 },
      { after: '6s', trus: 12 },
      { after: '9s', trus: 6 },
    ],
    windowMs: 12_000,
  });
  const status = await handle.query(capacityStatusQuery).catch(() => undefined);
  if (status !== undefined) assert.deepEqual(status.steps?.map((s) => s.trus) ?? [4, 8, 12, 6], [4, 8, 12, 6]);
  const result: CapacityChangeResult = await handle.result();
  assert.deepEqual(result.errors, []);
  assert.equal(result.initialChangeSuccess && result.verificationSuccess && result.revertedToOnDemand && result.revertVerificationSuccess, true);
  assert.deepEqual(stack.history(ns), ['4', '8', '12', '6', 'onDemand']);
  const changes = stack.sim.changes(ns);
  const startMs = changes[0]!.atMs;
  const offsets = changes.map((c) => Math.round((c.atMs - startMs) / 1000));
  // 0, 3, 6, 9 s (each within a second of its step: the change is requested when the step is reached), the revert at 12 s + grace.
  for (const [i, expected] of [0, 3, 6, 9].entries()) assert.ok(Math.abs((offsets[i] ?? -99) - expected) <= 1, `step ${i} at ${offsets.join(',')} s`);
  assert.ok((offsets[4] ?? 0) >= 12, `reverted after the end: ${offsets.join(',')}`);
  assert.equal(stack.sim.capacityOf(ns).mode, 'onDemand');
  const messages = await stack.sink.waitForMessages(1, 10_000);
  assert.ok(
    messages.some((m) => m.raw.includes(ns) && /Capacity reverted to on-demand/.test(m.text)),
    messages.map((m) => m.text).join(' | '),
  );
  assert.ok(!messages.some((m) => /CRITICAL|ERROR/.test(m.text)), messages.map((m) => m.text).join(' | '));
});
