import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { msToTs, tsToMs } from '@temporalio/common/lib/time.js';
import type { temporal } from '@temporalio/proto';
import { CapacityPlan, type CapacityPlanInput, parsePlan } from '../../../src/core/plan/schema.js';
import { scheduleSpecFor } from '../../../src/core/plan/schedule-spec.js';
import { planWindows } from '../../../src/core/windows/windows.js';
import { testTemporal, uniqueSuffix } from '../helpers/temporal.js';

// The preview (planWindows) must list exactly the start times Temporal's scheduler computes for
// the spec capsched puts on the schedule (scheduleSpecFor), across US DST nights:
// spring forward 2027-03-14 (02:00 → 03:00) and fall back 2027-11-07 (02:00 → 01:00).

// At the top level, so the helper's own after() hook (closing the connection) runs last.
const { client, namespace } = await testTemporal();
const created: string[] = [];
const suffix = uniqueSuffix();

after(async () => {
  for (const id of created)
    await client.schedule
      .getHandle(id)
      .delete()
      .catch(() => undefined);
});

function plan(input: Partial<CapacityPlanInput> & { name: string }): CapacityPlan {
  return parsePlan({ apiVersion: 'capsched/v1', kind: 'CapacityPlan', namespace: 'payments.a1b2c', trus: 8, ...input });
}

async function serverTimes(p: CapacityPlan, fromMs: number, toMsExclusive: number): Promise<number[]> {
  const scheduleId = `capsched-test-preview-${p.name}-${suffix}`;
  await client.schedule.create({
    scheduleId,
    spec: scheduleSpecFor(p),
    action: { type: 'startWorkflow', workflowType: 'capschedPreviewNoop', taskQueue: `preview-${suffix}`, args: [] },
    state: { paused: true, note: 'capsched preview test' },
  });
  created.push(scheduleId);
  // The server's own answer; the SDK's ScheduleClient does not wrap this call.
  const response: temporal.api.workflowservice.v1.IListScheduleMatchingTimesResponse = await client.workflowService.listScheduleMatchingTimes({
    namespace,
    scheduleId,
    startTime: msToTs(fromMs),
    endTime: msToTs(toMsExclusive),
  });
  return (response.startTime ?? []).map((ts) => tsToMs(ts)).filter((ms) => ms >= fromMs && ms < toMsExclusive);
}

function iso(list: number[]): string[] {
  return list.map((ms) => new Date(ms).toISOString());
}

async function compare(p: CapacityPlan, fromIso: string, toIso: string): Promise<string[]> {
  const from = Date.parse(fromIso);
  const to = Date.parse(toIso);
  const preview = planWindows(p, from, to)
    .map((w) => w.startMs)
    .filter((ms) => ms >= from);
  const server = await serverTimes(p, from, to);
  assert.deepEqual(iso(preview), iso(server), `plan ${p.name}: preview vs server`);
  return iso(preview);
}

test('02:30 New York: no start on the spring-forward night (2027-03-14), like the server', async () => {
  const starts = await compare(
    plan({ name: 'spring-0230', cron: '30 2 * * *', timezone: 'America/New_York', duration: '1h' }),
    '2027-03-12T00:00:00Z',
    '2027-03-17T00:00:00Z',
  );
  assert.ok(!starts.some((s) => s.startsWith('2027-03-14')), 'skipped on 14 March');
  assert.equal(starts.length, 4);
});

test('01:30 New York: two starts on the fall-back night (2027-11-07), like the server', async () => {
  const starts = await compare(
    plan({ name: 'fall-0130', cron: '30 1 * * *', timezone: 'America/New_York', duration: '1h' }),
    '2027-11-05T00:00:00Z',
    '2027-11-10T00:00:00Z',
  );
  assert.deepEqual(
    starts.filter((s) => s.startsWith('2027-11-07')),
    ['2027-11-07T05:30:00.000Z', '2027-11-07T06:30:00.000Z'],
  );
});

test('weeknight 23:00 New York crossing midnight, through both DST weeks', async () => {
  const p = plan({ name: 'weeknights', cron: '0 23 * * 1-5', timezone: 'America/New_York', duration: '3h' });
  const spring = await compare(p, '2027-03-10T00:00:00Z', '2027-03-20T00:00:00Z');
  assert.ok(spring.includes('2027-03-12T04:00:00.000Z') && spring.includes('2027-03-16T03:00:00.000Z'), 'EST before, EDT after');
  await compare(
    plan({ name: 'weeknights-fall', cron: '0 23 * * 1-5', timezone: 'America/New_York', duration: '3h' }),
    '2027-11-01T00:00:00Z',
    '2027-11-12T00:00:00Z',
  );
});

test('every 15 minutes from 01:00 to 02:59 New York on both DST nights', async () => {
  const p = plan({ name: 'quarter-hours', cron: '*/15 1-2 * * *', timezone: 'America/New_York', duration: '10m' });
  const spring = await compare(p, '2027-03-13T12:00:00Z', '2027-03-14T12:00:00Z');
  assert.equal(spring.length, 4, '01:00–01:45 only; 02:xx does not exist');
  const fall = await compare(
    plan({ name: 'quarter-hours-fall', cron: '*/15 1-2 * * *', timezone: 'America/New_York', duration: '10m' }),
    '2027-11-06T12:00:00Z',
    '2027-11-07T12:00:00Z',
  );
  assert.equal(fall.length, 12, '01:xx twice plus 02:xx once');
});

test('Europe/Berlin weekdays and names, across the EU spring change (2027-03-28)', async () => {
  await compare(plan({ name: 'berlin', cron: '0 8 * * MON-FRI', timezone: 'Europe/Berlin', duration: '10h' }), '2027-03-24T00:00:00Z', '2027-04-03T00:00:00Z');
  await compare(plan({ name: 'berlin-0230', cron: '30 2 * * SUN', timezone: 'Europe/Berlin', duration: '1h' }), '2027-03-01T00:00:00Z', '2027-04-15T00:00:00Z');
});

test('one-off `at`: explicit offset, local time in a repeated hour, local time in a gap', async () => {
  const offset = await compare(
    plan({ name: 'at-offset', at: '2027-11-07T01:30-05:00', timezone: 'America/New_York', duration: '2h' }),
    '2027-11-06T00:00:00Z',
    '2027-11-09T00:00:00Z',
  );
  assert.deepEqual(offset, ['2027-11-07T06:30:00.000Z']);
  const offsetOtherZone = await compare(
    plan({ name: 'at-offset-tokyo', at: '2027-11-07T01:30+09:00', timezone: 'America/New_York', duration: '2h' }),
    '2027-11-05T00:00:00Z',
    '2027-11-09T00:00:00Z',
  );
  assert.deepEqual(offsetOtherZone, ['2027-11-06T16:30:00.000Z']);
  const repeated = await compare(
    plan({ name: 'at-repeated', at: '2027-11-07T01:30', timezone: 'America/New_York', duration: '2h' }),
    '2027-11-06T00:00:00Z',
    '2027-11-09T00:00:00Z',
  );
  assert.deepEqual(repeated, ['2027-11-07T05:30:00.000Z'], 'once, at the first (EDT) 01:30');
  const gap = await compare(
    plan({ name: 'at-gap', at: '2027-03-14T02:30', timezone: 'America/New_York', until: '2027-03-14T06:00' }),
    '2027-03-13T00:00:00Z',
    '2027-03-16T00:00:00Z',
  );
  assert.deepEqual(gap, ['2027-03-14T07:30:00.000Z'], '02:30 does not exist; 03:30 EDT');
});

test('29 February only in leap years, and macros', async () => {
  await compare(plan({ name: 'leap', cron: '0 12 29 2 *', timezone: 'UTC', duration: '1h' }), '2026-12-01T00:00:00Z', '2029-03-05T00:00:00Z');
  await compare(plan({ name: 'weekly-macro', cron: '@weekly', timezone: 'Asia/Kolkata', duration: '1h' }), '2027-01-01T00:00:00Z', '2027-02-01T00:00:00Z');
});

test("Temporal's DST quirks are previewed too: east-of-UTC repeats fire once, midnight gaps shift the weekday", async () => {
  // Berlin falls back 03:00 → 02:00 on 2027-10-31: 02:30 exists twice; Temporal fires the second copy only.
  const berlin = await compare(
    plan({ name: 'berlin-fall-0230', cron: '30 2 * * *', timezone: 'Europe/Berlin', duration: '1h' }),
    '2027-10-30T12:00:00Z',
    '2027-11-01T12:00:00Z',
  );
  assert.deepEqual(berlin, ['2027-10-31T01:30:00.000Z', '2027-11-01T01:30:00.000Z']);
  // …and a 01:xx cron also fires at 02:00 CEST (00:00Z) that night.
  const before = await compare(
    plan({ name: 'berlin-fall-0100', cron: '0 1 * * *', timezone: 'Europe/Berlin', duration: '1h' }),
    '2027-10-30T12:00:00Z',
    '2027-11-01T12:00:00Z',
  );
  assert.deepEqual(before, ['2027-10-30T23:00:00.000Z', '2027-10-31T00:00:00.000Z', '2027-11-01T00:00:00.000Z']);
  // Santiago jumps from 00:00 to 01:00 on Sunday 2027-09-05: Temporal sees Saturday and skips the Sunday start.
  const santiago = await compare(
    plan({ name: 'santiago-sunday', cron: '10 3 * * SUN', timezone: 'America/Santiago', duration: '1h' }),
    '2027-08-28T00:00:00Z',
    '2027-09-15T00:00:00Z',
  );
  assert.deepEqual(santiago, ['2027-08-29T07:10:00.000Z', '2027-09-12T06:10:00.000Z']);
});
