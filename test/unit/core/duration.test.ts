/** One duration grammar (Go's time.ParseDuration) for plans, CLI flags, env and workflow inputs. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDuration, parseDurationMs, formatDurationMs, isLegacyDurationText } from '../../../src/core/capacity/duration.js';
import { readCloudOpsSettings } from '../../../src/config/cloud-ops.js';
import { readWorkerSettings } from '../../../src/config/worker-settings.js';
import { loadPlans } from '../../../src/core/plan/load.js';
import { desiredScheduleFor } from '../../../src/core/desired/build.js';
import type { PlanFile } from '../../../src/core/ports.js';

test('the Go grammar: what Temporal CLI users type', () => {
  const cases: [string, number][] = [
    ['1h30m', 5_400_000],
    ['90s', 90_000],
    ['1.5h', 5_400_000],
    ['300ms', 300],
    ['2h45m30s', 9_930_000],
    ['1m1h', 3_660_000], // Go allows any order and repeats
    ['.5m', 30_000],
    ['1.m', 60_000],
    ['0', 0],
    ['0s', 0],
    ['+2m', 120_000],
    ['1500us', 2], // sub-millisecond parts round to the nearest ms
    ['1500µs', 2],
    ['1500μs', 2],
    ['2000000ns', 2],
    ['45m', 2_700_000],
    ['10h', 36_000_000],
  ];
  for (const [text, ms] of cases) assert.deepEqual(parseDuration(text), { ok: true, ms }, text);
});

test('one error message names the text and shows the grammar; negatives are told apart', () => {
  for (const bad of ['', '90', '2 m', ' 2m', '1d', 'PT3H', '3 hours', 'h', '1.h.m', '1e3s', '.s', 'ms', '1hh']) {
    const r = parseDuration(bad);
    assert.equal(r.ok, false, bad);
    if (r.ok) continue;
    assert.equal(r.negative, false, bad);
    assert.equal(r.message, `"${bad}" is not a duration; write a number and a unit, e.g. 1h30m, 90s, 1.5h or 300ms (units h, m, s, ms, us, ns)`);
    assert.equal(parseDurationMs(bad), undefined);
  }
  const neg = parseDuration('-5m');
  assert.ok(!neg.ok && neg.negative && /"-5m" is negative/.test(neg.message));
  const negJunk = parseDuration('-five');
  assert.ok(!negJunk.ok && !negJunk.negative);
});

test('format round-trips through the parser; the legacy shape check matches the old grammar only', () => {
  for (const ms of [1, 999, 1_000, 90_000, 5_400_000, 9_930_500, 86_400_000]) assert.equal(parseDurationMs(formatDurationMs(ms)), ms);
  for (const old of ['2m', '1h30m', '90s', '500ms', '0s', '1h2m3s4ms']) assert.equal(isLegacyDurationText(old), true, old);
  for (const go of ['1.5h', '1m1h', '300us', '0', '+2m', '']) assert.equal(isLegacyDurationText(go), false, go);
});

test('env and flags read the same grammar: CAPSCHED_CLOUD_OPS_* and CAPSCHED_SHUTDOWN_GRACE', () => {
  const s = readCloudOpsSettings({ CAPSCHED_CLOUD_OPS_POLL_MIN: '1.5s', CAPSCHED_CLOUD_OPS_POLL_MAX: '1m30s', CAPSCHED_CLOUD_OPS_CALL_TIMEOUT: '45s' });
  assert.deepEqual([s.pollMinMs, s.pollMaxMs, s.callTimeoutMs], [1_500, 90_000, 45_000]);
  assert.throws(
    () => readCloudOpsSettings({ CAPSCHED_CLOUD_OPS_CALL_TIMEOUT: '10 seconds' }),
    (e: Error) =>
      e.message ===
      'CAPSCHED_CLOUD_OPS_CALL_TIMEOUT: "10 seconds" is not a duration; write a number and a unit, e.g. 1h30m, 90s, 1.5h or 300ms (units h, m, s, ms, us, ns)',
  );
  assert.equal(readWorkerSettings({ CAPSCHED_SHUTDOWN_GRACE: '1.5m' }).shutdownGraceMs, 90_000);
  assert.throws(() => readWorkerSettings({ CAPSCHED_SHUTDOWN_GRACE: 'soon' }), /CAPSCHED_SHUTDOWN_GRACE "soon" is not a duration; write a number and a unit/);
});

function file(text: string): PlanFile {
  const bytes = new TextEncoder().encode(text);
  return { path: 'schedules/p.yaml', kind: 'file', size: bytes.length, bytes };
}
const plan = (duration: string): string =>
  `apiVersion: capsched/v1\nkind: CapacityPlan\nname: p\nnamespace: payments.a1b2c\ntrus: 8\ncron: "0 23 * * 1-5"\ntimezone: America/New_York\nduration: ${duration}\n`;

test('plans: Go spellings of whole minutes load; the workflow input stays a spelling every worker reads', () => {
  const options = { installation: 'prod', commit: 'abc', nowMs: Date.parse('2026-12-01T00:00:00Z') };
  const build = (d: string) => {
    const loaded = loadPlans([file(plan(d))]);
    assert.deepEqual(loaded.issues, [], d);
    return desiredScheduleFor({ plan: loaded.plans[0]!.plan, file: 'schedules/p.yaml' }, options);
  };
  const goSpelling = build('1.5h');
  const legacy = build('1h30m');
  assert.equal(goSpelling.action.args[0].duration, '1h30m');
  assert.deepEqual(goSpelling.nextWindows, legacy.nextWindows);
  assert.equal(goSpelling.policies.catchupWindowMs, legacy.policies.catchupWindowMs);
  // Existing plans keep their text (and so their spec hash).
  assert.equal(build('90m').action.args[0].duration, '90m');
  assert.equal(build('5400s').action.args[0].duration, '5400s');
});

test('plans: sub-minute, malformed and negative durations are reported at the field', () => {
  const codes = (d: string) => loadPlans([file(plan(d))]).issues.map((i) => [i.code, i.line, i.column, i.field, i.message]);
  assert.deepEqual(codes('90s'), [
    ['invalid-duration', 8, 11, 'duration', 'duration "90s" is not a whole number of minutes; windows are planned to the minute — e.g. "45m", "1h30m"'],
  ]);
  assert.deepEqual(codes('3 hours'), [
    [
      'invalid-duration',
      8,
      11,
      'duration',
      'duration "3 hours" is not a duration; write a number and a unit, e.g. 1h30m, 90s, 1.5h or 300ms (units h, m, s, ms, us, ns)',
    ],
  ]);
  assert.deepEqual(codes('-3h'), [['duration-not-positive', 8, 11, 'duration', 'duration "-3h" is negative; write a positive length such as "3h"']]);
  assert.deepEqual(codes('"0"'), [
    ['duration-not-positive', 8, 11, 'duration', 'duration is zero; write a positive length such as "3h" (leave duration out for a permanent change)'],
  ]);
});
