/**
 * The capacity engine checked by simulation (docs/RELIABILITY.md "Invariants"): seeded random
 * worlds — windows back to back and overlapping, ramps, permanent plans and the passes that
 * follow git, dry-run namespaces; Cloud Ops that lags, refuses, throttles and goes dark; workers
 * that go down; coordinators that lose their state — drive the pure engine, and every step checks
 * I1–I5 (world.ts). A failure prints fast-check's seed and path and shrinks to a minimal world;
 * replay it with FC_SEED=… FC_PATH=…. `npm run test:deep` runs many more worlds (FC_RUNS).
 */
import { test } from 'node:test';
import fc from 'fast-check';
import { MIN, World, type Fault, type Scenario, type WindowSpec } from './world.js';

const RUNS = Number(process.env.FC_RUNS ?? 1500);
const TRUS = [2, 3, 4, 6, 8, 10, 12];

const windowArb: fc.Arbitrary<Omit<WindowSpec, 'id'>> = fc
  .record({
    startMin: fc.integer({ min: 0, max: 360 }),
    lengthMin: fc.option(fc.integer({ min: 5, max: 240 }), { freq: 6, nil: undefined }),
    trus: fc.constantFrom(...TRUS),
    ramp: fc.option(fc.array(fc.record({ afterMin: fc.integer({ min: 1, max: 200 }), trus: fc.constantFrom(...TRUS) }), { minLength: 1, maxLength: 3 }), {
      freq: 4,
      nil: undefined,
    }),
    plan: fc.constantFrom('A', 'B', 'C'),
    // The product's verify delays (2 min default); the hold across an end is the verify delay, at most 2 min.
    verifyDelayMs: fc.constantFrom(30_000, 120_000),
    cancelMin: fc.option(fc.integer({ min: 0, max: 240 }), { freq: 6, nil: undefined }),
    moveEnd: fc.option(fc.record({ atMin: fc.integer({ min: 0, max: 240 }), toMin: fc.integer({ min: 0, max: 300 }) }), { freq: 4, nil: undefined }),
    setTrus: fc.option(fc.record({ atMin: fc.integer({ min: 0, max: 240 }), trus: fc.constantFrom(...TRUS) }), { freq: 5, nil: undefined }),
    joinLatencyMs: fc.constantFrom(1_000, 1_000, 20_000),
  })
  .map((r) => {
    const startMs = r.startMin * MIN;
    const endMs = r.lengthMin === undefined ? undefined : startMs + r.lengthMin * MIN;
    const steps =
      r.ramp === undefined || endMs === undefined
        ? undefined
        : [{ afterMs: 0, trus: r.trus }, ...r.ramp.map((s) => ({ afterMs: s.afterMin * MIN, trus: s.trus }))]
            .filter((s, i, all) => s.afterMs < endMs - startMs && (i === 0 || s.afterMs > (all[i - 1]?.afterMs ?? 0)))
            .sort((a, b) => a.afterMs - b.afterMs);
    return {
      startMs,
      endMs,
      trus: r.trus,
      ...(steps !== undefined && steps.length > 1 ? { steps } : {}),
      plan: r.plan,
      verifyDelayMs: r.verifyDelayMs,
      // A permanent plan's change is ended by git (a pass), not by cancelling its run.
      ...(r.cancelMin !== undefined && endMs !== undefined ? { cancelAtMs: startMs + r.cancelMin * MIN } : {}),
      ...(r.moveEnd !== undefined && endMs !== undefined ? { moveEnd: { atMs: startMs + r.moveEnd.atMin * MIN, toMs: startMs + r.moveEnd.toMin * MIN } } : {}),
      ...(r.setTrus !== undefined && endMs !== undefined ? { setTrus: { atMs: startMs + r.setTrus.atMin * MIN, trus: r.setTrus.trus } } : {}),
      joinLatencyMs: r.joinLatencyMs,
    };
  });

const faultArb: fc.Arbitrary<Fault> = fc.oneof(
  fc
    .record({ fromMin: fc.integer({ min: 0, max: 400 }), lenMin: fc.integer({ min: 1, max: 40 }) })
    .map((f) => ({ kind: 'outage' as const, fromMs: f.fromMin * MIN, toMs: (f.fromMin + f.lenMin) * MIN })),
  fc
    .record({ fromMin: fc.integer({ min: 0, max: 400 }), lenMin: fc.integer({ min: 1, max: 25 }) })
    .map((f) => ({ kind: 'worker-down' as const, fromMs: f.fromMin * MIN, toMs: (f.fromMin + f.lenMin) * MIN })),
  fc
    .record({ fromMin: fc.integer({ min: 0, max: 400 }), lenMin: fc.integer({ min: 1, max: 10 }) })
    .map((f) => ({ kind: 'exhausted' as const, fromMs: f.fromMin * MIN, toMs: (f.fromMin + f.lenMin) * MIN })),
  fc.integer({ min: 0, max: 400 }).map((m) => ({ kind: 'reset' as const, atMs: m * MIN + 7_000 })),
  fc
    .record({ atMin: fc.integer({ min: 0, max: 400 }), failureType: fc.constantFrom('WORKER_MODE_MISMATCH', 'NAMESPACE_REFUSED', 'CLOUD_OPS_UNAUTHENTICATED') })
    .map((f) => ({ kind: 'lost-result' as const, atMs: f.atMin * MIN, failureType: f.failureType })),
  fc.integer({ min: 0, max: 400 }).map((m) => ({ kind: 'op-fails' as const, atMs: m * MIN })),
  fc.record({ atMin: fc.integer({ min: 0, max: 400 }), trus: fc.option(fc.constantFrom(...TRUS), { nil: undefined }) }).map((f) => ({
    kind: 'out-of-band' as const,
    atMs: f.atMin * MIN + 3_000,
    target: f.trus === undefined ? { mode: 'onDemand' as const } : { mode: 'provisioned' as const, trus: f.trus },
  })),
);

export const scenarioArb: fc.Arbitrary<Scenario> = fc
  .record({
    windows: fc.array(windowArb, { minLength: 1, maxLength: 4 }),
    faults: fc.array(faultArb, { maxLength: 4 }),
    notOffered: fc.constantFrom([], [], [], [12]),
    dryRun: fc.constantFrom(false, false, false, false, false, false, false, false, false, true),
    // A pass after a permanent plan took effect keeps it (maybe edited) or drops it (the plan was deleted or paused).
    passes: fc.array(
      fc.record({ atMin: fc.integer({ min: 0, max: 400 }), keep: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }), trus: fc.constantFrom(...TRUS) }),
      {
        maxLength: 2,
      },
    ),
    // The product's default re-read (--reverify-interval 15m): without it an out-of-band change goes unseen by design.
    reverify: fc.constantFrom(15 * MIN, 5 * MIN),
    seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  })
  .map((r) => ({
    windows: r.windows.map((w, i) => ({ ...w, id: String(i), ...(w.endMs === undefined ? { plan: `P${i}` } : {}) })),
    faults: r.faults,
    notOffered: [...r.notOffered],
    dryRun: r.dryRun,
    baselinePasses: r.passes
      .map((p, i) => ({ atMs: p.atMin * MIN + 11_000 + i * 1_000, keep: p.keep, trus: p.trus }))
      .sort((a, b) => a.atMs - b.atMs)
      .map((p) => ({
        atMs: p.atMs,
        plans: Object.fromEntries(
          r.windows.flatMap((w, i) =>
            w.endMs === undefined && w.startMs + (w.joinLatencyMs ?? 1_000) < p.atMs && p.keep[i] === true ? [[`P${i}`, i % 2 === 0 ? w.trus : p.trus]] : [],
          ),
        ),
      })),
    reverifyIntervalMs: r.reverify,
    seed: r.seed,
  }));

test(`the engine keeps I1–I5 in ${RUNS} random worlds (outages, lag, refusals, crashes, resets, edits, ramps, baselines)`, () => {
  fc.assert(
    fc.property(scenarioArb, (scenario) => {
      new World(structuredClone(scenario)).run();
    }),
    // A fixed seed in `npm test` (a red CI is reproducible); `npm run test:deep` explores new worlds each run.
    {
      numRuns: RUNS,
      seed: Number(process.env.FC_SEED ?? (process.env.FC_DEEP === '1' ? Date.now() % 2 ** 31 : 20_261_206)),
      ...(process.env.FC_PATH !== undefined ? { path: process.env.FC_PATH } : {}),
      verbose: 0,
    },
  );
});
