import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ServiceError } from '@temporalio/client';
import { toCapschedError } from '../../../src/adapters/schedules/index.js';
import { applyChangeSet } from '../../../src/apply/index.js';
import { CapschedError } from '../../../src/core/errors.js';
import { desiredSchedules } from '../../../src/core/desired/build.js';
import { diffSchedules } from '../../../src/core/diff/diff.js';
import type { ScheduleStore } from '../../../src/core/ports.js';
import { parsePlan } from '../../../src/core/plan/schema.js';

const grpc = (code: number, details: string) => new ServiceError('Failed to list schedules', { cause: Object.assign(new Error(details), { code, details }) });

test('gRPC errors map to typed errors with a retry class and the server text', () => {
  const missing = toCapschedError(grpc(3, 'invalid query: invalid search attribute: CapschedManagedBy'), undefined, 'list schedules');
  assert.equal(missing.code, 'SEARCH_ATTRIBUTES_MISSING');
  assert.match(missing.message, /CapschedSpecHash/);
  assert.equal(missing.retry, 'terminal');
  const throttled = toCapschedError(grpc(8, 'namespace rate limit exceeded'), 'x', 'create');
  assert.equal(throttled.code, 'TEMPORAL_RATE_LIMITED');
  assert.equal(throttled.retry, 'transient');
  assert.equal(toCapschedError(grpc(14, 'connection refused'), 'x', 'update').retry, 'transient');
  const other = toCapschedError(grpc(7, 'permission denied'), 'x', 'delete');
  assert.equal(other.retry, 'terminal');
  assert.match(other.message, /permission denied/);
});

test('apply backs off on RESOURCE_EXHAUSTED and runs at most 5 writes at a time', async () => {
  const plans = Array.from({ length: 12 }, (_, i) => ({
    plan: parsePlan({
      apiVersion: 'capsched/v1',
      kind: 'CapacityPlan',
      name: `p${i}`,
      namespace: 'ns.x',
      trus: 4,
      cron: `0 ${i} * * *`,
      duration: '1h',
    }),
    file: `schedules/p${i}.yaml`,
  }));
  const desired = desiredSchedules(plans, { installation: 'unit', commit: 'c', nowMs: Date.parse('2026-11-29T00:00:00Z') });
  const changeSet = diffSchedules(desired, [], { installation: 'unit' });
  let inFlight = 0;
  let maxInFlight = 0;
  const attempts = new Map<string, number>();
  const sleeps: number[] = [];
  const created: string[] = [];
  const store: ScheduleStore = {
    list: async () => [],
    describe: async () => undefined,
    update: async () => undefined,
    delete: async () => undefined,
    runningWindows: async () => [],
    cancelWorkflow: async () => undefined,
    create: async (d) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight--;
      const n = (attempts.get(d.scheduleId) ?? 0) + 1;
      attempts.set(d.scheduleId, n);
      if (n <= 2) throw new CapschedError('TEMPORAL_RATE_LIMITED', 'slow down', { retry: 'transient' });
      created.push(d.scheduleId);
    },
  };
  const result = await applyChangeSet(changeSet, store, { installation: 'unit', retryBaseDelayMs: 10, sleep: async (ms) => void sleeps.push(ms) });
  assert.deepEqual(result.errors, []);
  assert.equal(created.length, 12);
  assert.ok(maxInFlight <= 5, `max in flight ${maxInFlight}`);
  assert.deepEqual(
    [...new Set(sleeps)].sort((a, b) => a - b),
    [10, 20],
  );
});
