/**
 * Issue #20's defects as named worlds (world.ts checks I1–I5 after every step); each also asserts
 * the outcome the defect got wrong on c3f9aec.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MIN, World, type Scenario } from './world.js';

const base = (s: Partial<Scenario>): Scenario => ({
  windows: [],
  faults: [],
  notOffered: [],
  dryRun: false,
  baselinePasses: [],
  reverifyIntervalMs: 15 * MIN,
  seed: 7,
  ...s,
});

test('defect 1: a raise accepted by Cloud whose retry lands on a worker of another mode is not "never applied": the window is raised, then released', () => {
  const w = new World(
    base({
      windows: [{ id: 'a', startMs: 0, endMs: 60 * MIN, trus: 8, verifyDelayMs: 120_000 }],
      faults: [{ kind: 'lost-result', atMs: 0, failureType: 'WORKER_MODE_MISMATCH' }],
    }),
  ).run();
  assert.equal(w.cloud().mode, 'onDemand');
  assert.ok(w.applies.some((a) => a.target.mode === 'provisioned' && a.target.trus === 8));
  assert.equal(w.reports.get('win-a/run')?.release?.verified, true);
});

test('defect 2: permanent plans are a set following git: A (4) then B (8), B deleted → 4, not 8', () => {
  const w = new World(
    base({
      windows: [
        { id: '0', startMs: 0, trus: 4, plan: 'A', verifyDelayMs: 0 },
        { id: '1', startMs: 10 * MIN, trus: 8, plan: 'B', verifyDelayMs: 0 },
      ],
      baselinePasses: [{ atMs: 30 * MIN, plans: { A: 4 } }],
    }),
  ).run();
  const cloud = w.cloud();
  assert.equal(cloud.mode, 'provisioned');
  assert.equal(cloud.currentTrus, 4);
});

test('defect 3: a window opening during a 3-minute Cloud Ops outage is raised once the API is back (a raise retries like a release)', () => {
  const w = new World(
    base({
      windows: [{ id: 'a', startMs: MIN, endMs: 6 * MIN, trus: 6, verifyDelayMs: 0 }],
      faults: [{ kind: 'outage', fromMs: 0, toMs: 3 * MIN }],
      maxLagMs: 10_000,
    }),
  ).run();
  const raised = w.applies.find((a) => a.target.mode === 'provisioned' && a.atMs >= 3 * MIN);
  assert.ok(raised !== undefined && raised.atMs < 5 * MIN, 'raised within two minutes of the outage');
  assert.equal(w.cloud().mode, 'onDemand');
});

test('defect 5: a window re-joining a fresh coordinator never lowers capacity below the running windows it has not heard from yet', () => {
  new World(
    base({
      windows: [
        { id: 'big', startMs: 0, endMs: 120 * MIN, trus: 8, verifyDelayMs: 0 },
        { id: 'small', startMs: 0, endMs: 120 * MIN, trus: 4, verifyDelayMs: 0, joinLatencyMs: 20_000 },
      ],
      faults: [{ kind: 'reset', atMs: 5 * MIN }],
    }),
  ).run(); // I2 (never lowered below an ask) is checked on every change
});

test('defect 8: operation ids never repeat after a coordinator loses its state', () => {
  const w = new World(
    base({
      windows: [
        { id: 'a', startMs: 0, endMs: 30 * MIN, trus: 4, verifyDelayMs: 0 },
        { id: 'b', startMs: 40 * MIN, endMs: 60 * MIN, trus: 6, verifyDelayMs: 0 },
      ],
      faults: [{ kind: 'reset', atMs: 45 * MIN }],
    }),
  ).run();
  const ids = w.applies.map((a) => a.operationId);
  assert.equal(new Set(ids).size, ids.length);
});

test('a coordinator continued as new picks up its windows: it waits for their end and releases (its timers did not carry over)', async () => {
  const { decide, initialState } = await import('../../../src/core/engine/index.js');
  let s = initialState('ns.cont', 'co:run1');
  const at = 1_000_000;
  s = decide(s, { kind: 'start', opPrefix: 'co:run1' }, at).state;
  s = decide(s, { kind: 'open', window: { windowId: 'w/r', workflowId: 'w', runId: 'r', trus: 4, endMs: at + 3 * MIN, verifyDelayMs: 0 } }, at).state;
  s = decide(s, { kind: 'verified', result: { outcome: 'mismatch', reason: 'on-demand', observed: { mode: 'onDemand' } } }, at).state;
  const op = s.inFlight?.kind === 'apply' ? s.inFlight.operationId : '';
  s = decide(s, { kind: 'applied', operationId: op, result: { outcome: 'accepted', changed: true, dryRun: false } }, at).state;
  s = decide(s, { kind: 'verified', result: { outcome: 'ok', dryRun: false } }, at).state;
  const next = decide(s, { kind: 'start', opPrefix: 'co:run2' }, at + MIN);
  assert.deepEqual(
    next.commands.filter((c) => c.kind === 'wait').map((c) => (c.kind === 'wait' ? c.untilMs : 0)),
    [at + 3 * MIN],
    'the continued run sets its timer for the window’s end (its hold across the end is its verify delay, 0 here)',
  );
});

test('a namespace Cloud Ops does not know (NOT_FOUND): the raise is refused once, nothing is retried, the coordinator completes at the window’s end', () => {
  const w = new World(base({ windows: [{ id: 'a', startMs: 0, endMs: 6_000, trus: 4, verifyDelayMs: 300 }], missing: true })).run();
  assert.equal(w.applies.filter((a) => a.target.mode === 'provisioned').length, 1, 'one raise, refused');
  assert.equal(w.reports.get('win-a/run')?.raise?.applied, false);
  assert.ok(w.completedAt !== undefined && w.completedAt < 2 * MIN, `completed at ${w.completedAt}`);
});

test('defect 6: an end moved while the window’s first join runs is not lost: the coordinator releases at the new end', () => {
  const w = new World(
    base({
      windows: [{ id: 'a', startMs: 0, endMs: 60 * MIN, trus: 6, verifyDelayMs: 30_000, joinLatencyMs: 20_000, moveEnd: { atMs: 5_000, toMs: 20 * MIN } }],
      maxLagMs: 10_000,
    }),
  ).run();
  const release = w.applies.find((a) => a.target.mode === 'onDemand' && a.atMs > MIN);
  assert.ok(release !== undefined && release.atMs < 25 * MIN, `released at ${(release?.atMs ?? 0) / MIN} min, not at the old end (60 min)`);
});

test('defect 7a: a window cancelled while its release is failing is not told "reverted" before the release is verified', () => {
  const w = new World(
    base({
      windows: [
        { id: 'a', startMs: 0, endMs: 10 * MIN, trus: 4, verifyDelayMs: 30_000 },
        { id: 'b', startMs: 0, endMs: 30 * MIN, trus: 4, verifyDelayMs: 30_000, cancelAtMs: 12 * MIN },
      ],
      faults: [{ kind: 'outage', fromMs: 9 * MIN, toMs: 20 * MIN }],
      maxLagMs: 10_000,
    }),
  ).run(); // I5: every verified report is checked against the API at the instant it is sent
  const b = w.reportLog.filter((r) => r.step === 'release');
  assert.ok(
    b.every((r) => r.verified && r.atMs >= 20 * MIN),
    `release reports only after the outage: ${JSON.stringify(b)}`,
  );
});

test('issue 21: a window ending with nothing due after it is released at its end, not after a blind grace (no billed hour of its own)', () => {
  // The pass at 5 min tells the coordinator what is due; the window ends at 60 min with no window after it.
  const w = new World(base({ windows: [{ id: 'a', startMs: MIN, endMs: 60 * MIN, trus: 8, verifyDelayMs: 120_000 }], maxLagMs: 10_000 })).run();
  const release = w.applies.find((a) => a.target.mode === 'onDemand' && a.atMs >= 60 * MIN);
  assert.ok(release !== undefined, 'released');
  assert.ok(release.atMs < 60 * MIN + 5_000, `release requested ${(release.atMs - 60 * MIN) / 1000} s after the end`);
  assert.equal(w.cloud().mode, 'onDemand');
});

test('issue 21: back-to-back windows the pass said are due are held across the end without a dip', () => {
  const w = new World(
    base({
      windows: [
        { id: 'a', startMs: MIN, endMs: 60 * MIN, trus: 8, verifyDelayMs: 120_000 },
        { id: 'b', startMs: 60 * MIN, endMs: 90 * MIN, trus: 8, verifyDelayMs: 120_000 },
      ],
      maxLagMs: 10_000,
    }),
  ).run();
  const between = w.applies.filter((a) => a.atMs > 30 * MIN && a.atMs < 89 * MIN);
  assert.deepEqual(between, [], 'no change between the windows');
  assert.equal(w.cloud().mode, 'onDemand');
});

test('simulation counterexample: a coordinator reset, then workers down past its hold — the late timer gives the window its re-join before anything is lowered', () => {
  const w = new World(
    base({
      windows: [{ id: '0', startMs: 0, endMs: 103 * MIN, trus: 2, plan: 'A', verifyDelayMs: 30_000, joinLatencyMs: 1_000 }],
      faults: [
        { kind: 'reset', atMs: 5_407_000 },
        { kind: 'worker-down', fromMs: 91 * MIN, toMs: 102 * MIN },
      ],
      baselinePasses: [{ atMs: 5_411_000, plans: {} }],
      seed: 1,
    }),
  ).run();
  assert.ok(!w.applies.some((a) => a.target.mode === 'onDemand' && a.atMs < 103 * MIN), 'not released before the window ended');
  assert.equal(w.cloud().mode, 'onDemand');
});

test('simulation counterexample: workers back after a reset and an outage — the first event (not a timer) still gives the windows their re-join', () => {
  const w = new World(
    base({
      windows: [
        { id: '0', startMs: 0, trus: 2, plan: 'P0', verifyDelayMs: 30_000, joinLatencyMs: 1_000 },
        {
          id: '1',
          startMs: 15 * MIN,
          endMs: 20 * MIN,
          trus: 10,
          plan: 'A',
          verifyDelayMs: 30_000,
          moveEnd: { atMs: 15 * MIN, toMs: 201 * MIN },
          joinLatencyMs: 1_000,
        },
      ],
      faults: [
        { kind: 'reset', atMs: 10_507_000 },
        { kind: 'worker-down', fromMs: 185 * MIN, toMs: 200 * MIN },
      ],
      seed: 1,
    }),
  ).run();
  assert.ok(
    !w.applies.some((a) => a.target.mode === 'provisioned' && a.target.trus === 2 && a.atMs > 100 * MIN && a.atMs < 201 * MIN),
    'not lowered before the window ended',
  );
});

test('a raise failing through an outage longer than its window: the window alerts it and its verified release closes it — never "raise recovered: now on-demand"', () => {
  const w = new World(
    base({
      windows: [{ id: 'a', startMs: MIN, endMs: 60 * MIN, trus: 8, verifyDelayMs: 30_000 }],
      faults: [{ kind: 'outage', fromMs: 0, toMs: 90 * MIN }],
    }),
  ).run();
  const closing = w.alerts.filter((a) => a.key.includes('raise-recovered:'));
  assert.deepEqual(
    closing.map((a) => a.title),
    [],
  );
  assert.equal(w.reports.get('win-a/run')?.raise?.retrying, true, 'the window was told its raise keeps failing (it alerts that)');
  assert.equal(w.reports.get('win-a/run')?.release?.verified, true);
  assert.equal(w.cloud().mode, 'onDemand');
});

test('simulation (model corrected): after a reset, a window not heard from since is held at what the namespace had then — an 8-TRU ask whose raise never landed is not owed 8', () => {
  const w = new World(
    base({
      windows: [
        { id: '0', startMs: 0, endMs: 81 * MIN, trus: 6, plan: 'A', verifyDelayMs: 30_000, setTrus: { atMs: 0, trus: 2 }, joinLatencyMs: 1_000 },
        { id: '1', startMs: 53 * MIN, endMs: 83 * MIN, trus: 2, plan: 'A', verifyDelayMs: 30_000, setTrus: { atMs: 65 * MIN, trus: 8 }, joinLatencyMs: 1_000 },
      ],
      faults: [
        { kind: 'reset', atMs: 4_387_000 },
        { kind: 'exhausted', fromMs: 64 * MIN, toMs: 72 * MIN },
      ],
      seed: 3,
    }),
  ).run();
  assert.equal(w.cloud().mode, 'onDemand');
});
