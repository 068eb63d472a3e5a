import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTemporalScheduleStore } from '../../../src/adapters/schedules/index.js';
import { reconcileOnce } from '../../../src/reconcile/index.js';
import { loadPlans } from '../../../src/core/plan/load.js';
import { planIntervals } from '../../../src/core/windows/windows.js';
import { testTemporal } from '../helpers/temporal.js';
import { newInstallation, planFile, planYaml, snapshot } from '../../support/reconcile.js';

// A plan's `lead` reaches Temporal: the schedule the pass writes fires 3 minutes before each
// window's start (Temporal's own next action times), its window input ends at the plan's end less
// the early release, and the next pass finds nothing to change (no false hand-edit from the moved cron).

test('lead: 3m and release: early — Temporal fires the schedule 3 minutes before every start; a second pass is unchanged', async () => {
  const { client } = await testTemporal();
  const installation = newInstallation('lead');
  const fields = {
    name: 'nightly',
    namespace: 'ns.lead',
    trus: 8,
    cron: '0 23 * * *',
    timezone: 'America/New_York',
    duration: '3h',
    lead: '3m',
    release: 'early',
  };
  const plans = [planFile('schedules/nightly.yaml', planYaml(fields))];
  const store = createTemporalScheduleStore({ client, requestsPerSecond: 0 });
  const pass = () => reconcileOnce({ snapshot: snapshot(plans), store, installation, now: Date.now(), options: { retryBaseDelayMs: 50 } });
  assert.equal((await pass()).status, 'applied');

  const handle = client.schedule.getHandle(`capsched.${installation}.nightly`);
  const d = await handle.describe();
  const fires = d.info.nextActionTimes.map((t) => t.getTime());
  assert.ok(fires.length >= 3, 'Temporal lists the next fires');
  // The plan's own starts, as validate previews them (23:00 New York): Temporal fires each 3 minutes earlier.
  const plan = loadPlans(plans).plans[0]!.plan;
  // (A window open now started before the first fire: only starts after it.)
  const starts = planIntervals(plan, fires[0]!, fires[fires.length - 1]! + 10 * 60_000)
    .map((i) => i.startMs)
    .filter((s) => s > fires[0]!);
  assert.deepEqual(
    fires,
    starts.slice(0, fires.length).map((s) => s - 3 * 60_000),
  );
  // The window input: 3h + 3m lead − 2m early release, counted from the fire time: it ends at 01:58 New York.
  const input = (d.action as { args?: unknown[] }).args?.[0] as { duration?: string };
  assert.equal(input.duration, '3h1m');

  const again = await pass();
  assert.equal(again.status, 'unchanged', JSON.stringify(again.changeSet?.drift));
  await handle.delete();
});
