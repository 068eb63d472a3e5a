/** The on-demand comparison and its wording, against hand-computed cases (1 TRU = 500 APS). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  compareWithOnDemand,
  namespaceThroughput,
  onDemandApsFor,
  rightSize,
  throughputLines,
  NO_CLOUD_KEY_REASON,
} from '../../../src/core/capacity/throughput.js';
import { throughputDoctorCheck } from '../../../src/core/doctor/throughput-check.js';
import type { CapacityInfo } from '../../../src/core/ports.js';

const VALID = [2, 3, 4, 6, 8, 10, 12];

function info(extra: Partial<CapacityInfo>): CapacityInfo {
  return { namespace: 'payments.a1b2c', validTruValues: VALID, maxAvailableTruValue: 12, ...extra };
}

test('below on-demand: 2 TRUs = 1,000 APS against 1,600 APS lowers throughput', () => {
  const c = compareWithOnDemand(2, info({ onDemandApsLimit: 1600 }));
  assert.equal(c.aps, 1000);
  assert.equal(c.verdict, 'lowers');
  assert.equal(c.message, '2 TRUs = 1,000 APS is below what on-demand gives now (1,600 APS): this plan lowers throughput');
});

test('above on-demand: 4 TRUs = 2,000 APS against 1,600 APS raises', () => {
  const c = compareWithOnDemand(4, info({ onDemandApsLimit: 1600 }));
  assert.equal(c.aps, 2000);
  assert.equal(c.verdict, 'raises');
  assert.equal(c.message, '4 TRUs = 2,000 APS raises throughput above on-demand (1,600 APS now)');
});

test('equal to on-demand: 3 TRUs = 1,500 APS against 1,500 APS buys nothing more', () => {
  const c = compareWithOnDemand(3, info({ onDemandApsLimit: 1500 }));
  assert.equal(c.verdict, 'same');
  assert.equal(c.message, '3 TRUs = 1,500 APS is what on-demand gives now (1,500 APS): this plan pays for no more throughput');
});

test('no on-demand limit reported: unknown, said so', () => {
  const c = compareWithOnDemand(8, info({}));
  assert.equal(c.verdict, 'unknown');
  assert.equal(c.onDemandApsLimit, undefined);
  assert.match(c.message, /^8 TRUs = 4,000 APS; the on-demand APS limit was not reported/);
});

test('right-size hint: the smallest offered TRU value whose APS covers the 7-day p99', () => {
  // p99 1,200: 2 TRUs = 1,000 do not cover it, 3 TRUs = 1,500 do.
  const h = rightSize(info({ onDemandApsLimit: 500, apsStats: { mean: 100, p90: 250, p99: 1200 } }));
  assert.deepEqual(h, { p99: 1200, trus: 3, onDemandCovers: false, message: 'last 7 days p99 1,200 APS: 3 TRUs would do' });
  // Exactly 2,000 APS: 4 TRUs cover it (≥), 3 do not.
  assert.equal(rightSize(info({ onDemandApsLimit: 500, apsStats: { mean: 100, p90: 250, p99: 2000 } }))?.trus, 4);
  // 3 not offered: the next offered value.
  assert.equal(rightSize(info({ validTruValues: [2, 4, 8], onDemandApsLimit: 500, apsStats: { mean: 1, p90: 1, p99: 1200 } }))?.trus, 4);
  // Above the inventory cap (max available 6 = 3,000 APS): no offered value covers it.
  const over = rightSize(info({ maxAvailableTruValue: 6, onDemandApsLimit: 500, apsStats: { mean: 1, p90: 1, p99: 3500 } }));
  assert.equal(over?.trus, undefined);
  assert.equal(over?.message, 'last 7 days p99 3,500 APS: more than the largest offered value (6 TRUs = 3,000 APS) gives');
  // A max_available_tru_value of 0 is "not reported", not "nothing".
  assert.equal(rightSize(info({ maxAvailableTruValue: 0, onDemandApsLimit: 500, apsStats: { mean: 1, p90: 1, p99: 5500 } }))?.trus, 12);
});

test("right-size hint: with on-demand already covering the p99, the smallest offered value that really raises (the issue's example)", () => {
  // 2 TRUs on a namespace whose on-demand gives 1,600 APS, p99 1,200: 3 TRUs (1,500) would cover the p99 but lower throughput; 4 (2,000) do both.
  const h = rightSize(info({ onDemandApsLimit: 1600, apsStats: { mean: 400, p90: 800, p99: 1200 } }));
  assert.deepEqual(h, {
    p99: 1200,
    trus: 4,
    onDemandCovers: true,
    message: "last 7 days p99 1,200 APS: 4 TRUs would do (on-demand's 1,600 APS already covers it: the smallest offered value above that)",
  });
  // Nothing offered above on-demand.
  const none = rightSize(info({ maxAvailableTruValue: 3, onDemandApsLimit: 1600, apsStats: { mean: 400, p90: 800, p99: 1200 } }));
  assert.equal(none?.trus, undefined);
  assert.equal(none?.message, 'last 7 days p99 1,200 APS: more than the largest offered value (3 TRUs = 1,500 APS) gives, and on-demand already covers it');
});

test('no stats: no hint', () => {
  assert.equal(rightSize(info({ onDemandApsLimit: 1600 })), undefined);
  const n = namespaceThroughput('payments.a1b2c', [{ plan: 'nightly', trus: [8] }], info({ onDemandApsLimit: 1600 }));
  assert.equal(n.hint, undefined);
  assert.equal(n.warn, false);
  assert.deepEqual(throughputLines({ checked: true, namespaces: [n] }), [
    'Throughput against on-demand (GetNamespaceCapacityInfo):',
    '  payments.a1b2c (on-demand now 1,600 APS; no 7-day APS stats):',
    '    · plan nightly: 8 TRUs = 4,000 APS raises throughput above on-demand (1,600 APS now)',
  ]);
});

test('the documented on-demand formula: max(500, min(4 × mean, 2 × p90))', () => {
  assert.equal(onDemandApsFor({ mean: 120, p90: 310 }), 500); // min(480, 620) = 480 → the floor
  assert.equal(onDemandApsFor({ mean: 400, p90: 800 }), 1600); // min(1600, 1600)
  assert.equal(onDemandApsFor({ mean: 300, p90: 700 }), 1200); // min(1200, 1400)
  assert.equal(onDemandApsFor({ mean: 1000, p90: 900 }), 1800); // min(4000, 1800)
});

test('a namespace: every step of a ramp compared, the lowering ones warn; the section and the doctor line say it', () => {
  const n = namespaceThroughput(
    'payments.a1b2c',
    [
      { plan: 'ramp', trus: [2, 8, 2] },
      { plan: 'big', trus: [10] },
    ],
    info({ onDemandApsLimit: 1600, apsStats: { mean: 400, p90: 800, p99: 2400 } }),
  );
  assert.equal(n.warn, true);
  assert.deepEqual(
    n.plans.map((p) => [p.plan, p.comparisons.map((c) => `${c.trus}:${c.verdict}`)]),
    [
      ['big', ['10:raises']],
      ['ramp', ['2:lowers', '8:raises']],
    ],
  );
  assert.equal(n.hint?.message, 'last 7 days p99 2,400 APS: 6 TRUs would do');
  assert.deepEqual(throughputLines({ checked: true, namespaces: [n] }), [
    'Throughput against on-demand (GetNamespaceCapacityInfo):',
    '  payments.a1b2c (on-demand now 1,600 APS; 7-day APS mean 400 APS, p90 800 APS, p99 2,400 APS):',
    '    · plan big: 10 TRUs = 5,000 APS raises throughput above on-demand (1,600 APS now)',
    '    ! plan ramp: 2 TRUs = 1,000 APS is below what on-demand gives now (1,600 APS): this plan lowers throughput',
    '    · plan ramp: 8 TRUs = 4,000 APS raises throughput above on-demand (1,600 APS now)',
    '    hint: last 7 days p99 2,400 APS: 6 TRUs would do',
  ]);
  const check = throughputDoctorCheck(n);
  assert.equal(check.status, 'warn');
  assert.equal(check.id, 'throughput:payments.a1b2c');
  assert.equal(
    check.detail,
    'plan ramp: 2 TRUs = 1,000 APS is below what on-demand gives now (1,600 APS): this plan lowers throughput; last 7 days p99 2,400 APS: 6 TRUs would do',
  );
  assert.match(check.fix ?? '', /at least 6 TRUs/);
});

test('a namespace above on-demand: the doctor line is ✓ and names the figures', () => {
  const n = namespaceThroughput(
    'payments.a1b2c',
    [{ plan: 'nightly', trus: [8] }],
    info({ onDemandApsLimit: 500, apsStats: { mean: 120, p90: 310, p99: 455 } }),
  );
  const check = throughputDoctorCheck(n);
  assert.equal(check.status, 'ok');
  assert.equal(
    check.detail,
    "plans ask 8 TRUs = 4,000 APS, above on-demand (on-demand now 500 APS); last 7 days p99 455 APS: 2 TRUs would do (on-demand's 500 APS already covers it: the smallest offered value above that)",
  );
});

test('not checked: one line naming why', () => {
  assert.deepEqual(throughputLines({ checked: false, reason: NO_CLOUD_KEY_REASON }), [
    'Throughput against on-demand (GetNamespaceCapacityInfo): not checked (no Cloud Ops credentials: TEMPORAL_CLOUD_API_KEY is not set)',
  ]);
  assert.deepEqual(throughputLines(undefined), []);
  assert.deepEqual(throughputLines({ checked: true, namespaces: [] }), []);
});
