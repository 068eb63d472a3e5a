import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { msToTs, tsToMs } from '@temporalio/common/lib/time.js';
import type { temporal } from '@temporalio/proto';
import { parsePlan } from '../../../src/core/plan/schema.js';
import { scheduleSpecFor } from '../../../src/core/plan/schedule-spec.js';
import { planWindows } from '../../../src/core/windows/windows.js';
import { testTemporal, uniqueSuffix } from '../helpers/temporal.js';

// Many generated crons in zones with unusual DST rules (half-hour shifts, southern hemisphere,
// 45-minute offsets) must preview exactly what the server computes, over both DST seasons.

const { client, namespace } = await testTemporal();
const suffix = uniqueSuffix();
const created: string[] = [];
after(async () => {
  for (const id of created)
    await client.schedule
      .getHandle(id)
      .delete()
      .catch(() => undefined);
});

// Deterministic pseudo-random numbers (mulberry32) so a failure reproduces.
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ZONES = [
  'America/New_York',
  'Europe/Berlin',
  'Australia/Sydney',
  'Australia/Lord_Howe',
  'America/Santiago',
  'Pacific/Chatham',
  'Asia/Tehran',
  'America/Havana',
  'Europe/London',
  'UTC',
];
const RANGES: [string, string][] = [
  ['2027-03-01T00:00:00Z', '2027-04-12T00:00:00Z'],
  ['2027-09-01T00:00:00Z', '2027-11-10T00:00:00Z'],
];

function cronFor(next: () => number): string {
  const pick = (n: number): number => Math.floor(next() * n);
  const minute = [`${pick(60)}`, `${pick(4) * 15}`, `*/${[15, 20, 30][pick(3)]}`, '0,45'][pick(4)]!;
  const hour = [`${pick(24)}`, `${pick(4)}`, `${pick(3)}-${3 + pick(3)}`, '*/6', '1,2,3'][pick(5)]!;
  const dow = ['*', '1-5', 'SUN', '0,6', 'MON-FRI'][pick(5)]!;
  const dom = dow === '*' ? ['*', '*', `${1 + pick(28)}`, '1-7'][pick(4)]! : '*';
  return `${minute} ${hour} ${dom} * ${dow}`;
}

test('generated crons in unusual zones: preview equals the server over both DST seasons', async () => {
  // CAPSCHED_FUZZ_SEED explores other crons; the default keeps CI reproducible.
  const next = rng(Number(process.env.CAPSCHED_FUZZ_SEED ?? 20270314));
  const mismatches: string[] = [];
  let compared = 0;
  for (let i = 0; i < 60; i++) {
    const zone = ZONES[i % ZONES.length]!;
    const cron = cronFor(next);
    const plan = parsePlan({
      apiVersion: 'capsched/v1',
      kind: 'CapacityPlan',
      name: `fuzz-${i}`,
      namespace: 'payments.a1b2c',
      trus: 4,
      cron,
      timezone: zone,
    });
    const scheduleId = `capsched-test-fuzz-${i}-${suffix}`;
    await client.schedule.create({
      scheduleId,
      spec: scheduleSpecFor(plan),
      action: { type: 'startWorkflow', workflowType: 'capschedPreviewNoop', taskQueue: `fuzz-${suffix}`, args: [] },
      state: { paused: true },
    });
    created.push(scheduleId);
    for (const [fromIso, toIso] of RANGES) {
      const from = Date.parse(fromIso);
      const to = Date.parse(toIso);
      const response: temporal.api.workflowservice.v1.IListScheduleMatchingTimesResponse = await client.workflowService.listScheduleMatchingTimes({
        namespace,
        scheduleId,
        startTime: msToTs(from),
        endTime: msToTs(to),
      });
      // The server lists times strictly after startTime.
      const server = (response.startTime ?? []).map((ts) => tsToMs(ts)).filter((ms) => ms > from && ms < to);
      let preview = planWindows(plan, from, to)
        .map((w) => w.startMs)
        .filter((ms) => ms > from);
      // The server returns at most 1000 times; compare up to its last one.
      if (server.length >= 1000) preview = preview.filter((ms) => ms <= server[server.length - 1]!);
      compared += server.length;
      if (JSON.stringify(server) !== JSON.stringify(preview)) {
        const onlyServer = server.filter((ms) => !preview.includes(ms)).map((ms) => new Date(ms).toISOString());
        const onlyPreview = preview.filter((ms) => !server.includes(ms)).map((ms) => new Date(ms).toISOString());
        mismatches.push(`${zone} "${cron}" ${fromIso}: server only ${onlyServer.slice(0, 4).join(',')} preview only ${onlyPreview.slice(0, 4).join(',')}`);
      }
    }
  }
  assert.ok(compared > 1000, `compared ${compared} start times`);
  assert.deepEqual(mismatches, []);
});
