import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decide, engineStatus, initialState, type EngineCommand, type EngineEvent } from '../../../src/core/engine/index.js';

test('status: a change waiting out its verify delay shows "verifying", not "idle" (what `capsched change` and the tests poll for)', () => {
  let s = initialState('shop.a1', 'wf:run');
  let commands: EngineCommand[] = [];
  const step = (e: EngineEvent, at: number): void => {
    const d = decide(s, e, at);
    s = d.state;
    commands = d.commands;
  };
  step({ kind: 'start', opPrefix: 'wf:run' }, 0);
  step({ kind: 'open', window: { windowId: 'w/r', workflowId: 'w', runId: 'r', trus: 4, endMs: 600_000, verifyDelayMs: 3_000 } }, 0);
  // The fresh coordinator reads first, then raises.
  step({ kind: 'verified', result: { outcome: 'mismatch', reason: 'on-demand', observed: { mode: 'onDemand' } } }, 10);
  const apply = commands.find((c) => c.kind === 'apply');
  assert.ok(apply !== undefined && apply.kind === 'apply');
  assert.equal(engineStatus(s, 20).phase, 'applying');
  step({ kind: 'applied', operationId: apply.operationId, result: { outcome: 'accepted', changed: true, dryRun: false } }, 1_000);
  assert.ok(
    commands.some((c) => c.kind === 'wait'),
    'it waits out the verify delay',
  );
  assert.equal(engineStatus(s, 1_500).phase, 'verifying');
});
