import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ScheduleNotFoundError } from '@temporalio/client';
import { testTemporal, uniqueSuffix } from '../helpers/temporal.js';

test('the dev server harness creates, describes and deletes a real schedule', async () => {
  const { client } = await testTemporal();
  const scheduleId = `harness-${uniqueSuffix()}`;

  const handle = await client.schedule.create({
    scheduleId,
    spec: { cronExpressions: ['0 23 * * 1-5'], timezone: 'America/New_York' },
    action: { type: 'startWorkflow', workflowType: 'noSuchWorkflow', taskQueue: 'harness', args: [] },
    policies: { catchupWindow: '1 hour' },
    state: { paused: true, note: 'harness test' },
  });
  const described = await handle.describe();

  assert.equal(described.scheduleId, scheduleId);
  assert.equal(described.spec.timezone, 'America/New_York');
  assert.equal(described.state.paused, true);
  assert.equal(described.policies.catchupWindow, 3_600_000);
  assert.deepEqual(described.spec.calendars?.[0]?.hour, [{ start: 23, end: 23, step: 1 }]);

  await handle.delete();
  await assert.rejects(handle.describe(), ScheduleNotFoundError);
});
