/**
 * The `capsched dev` table is the present view (core/present) rendered as text: the same plans,
 * capacity and running windows as the page and `capsched status`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildPresent, type PresentInput } from '../../../src/core/present/model.js';
import { activeSummary, renderStatusText } from '../../../src/core/present/text.js';
import { loadPlans } from '../../../src/core/plan/load.js';
import type { PlanFile } from '../../../src/core/ports.js';
import { renderView, rowsFromPresent, weekFromPresent } from '../../../src/dev/table.js';
import { parseWindowId } from '../../../src/core/engine/index.js';

const enc = new TextEncoder();
function file(path: string, text: string): PlanFile {
  const bytes = enc.encode(text);
  return { path, kind: 'file', size: bytes.length, bytes };
}
function plan(name: string, namespace: string, fields: string): string {
  return `apiVersion: capsched/v1\nkind: CapacityPlan\nname: ${name}\nnamespace: ${namespace}\n${fields}\n`;
}

// Thursday 3 Dec 2026 05:00 UTC.
const NOW = Date.parse('2026-12-03T05:00:00Z');
const plans = loadPlans([
  // Running now: 04:28-05:28 UTC.
  file('schedules/early.yaml', plan('early', 'dev-a.t1', 'trus: 6\ncron: "28 4 * * *"\ntimezone: UTC\nduration: 1h')),
  file('schedules/nightly.yaml', plan('nightly', 'dev-a.t1', 'trus: 8\ncron: "0 23 * * 1-5"\ntimezone: America/New_York\nduration: 3h')),
  // Beyond the 7-day range: its next start still shows.
  file('schedules/monthly.yaml', plan('monthly', 'dev-b.t1', 'trus: 2\ncron: "0 9 1 * *"\ntimezone: Europe/Berlin\nduration: 1h')),
  file('schedules/held.yaml', plan('held', 'dev-b.t1', 'trus: 4\ncron: "0 12 * * *"\ntimezone: UTC\nduration: 1h\npaused: true')),
  file('schedules/gone.yaml', plan('gone', 'dev-b.t1', 'trus: 4\nat: "2026-12-01T10:00"\ntimezone: UTC\nduration: 1h')),
  file('schedules/forever.yaml', plan('forever', 'dev-b.t1', 'trus: 2\nat: "2026-12-04T10:00"\ntimezone: UTC')),
]).plans;

function input(over: Partial<PresentInput> = {}): PresentInput {
  return {
    nowMs: NOW,
    installation: 'dev',
    plans,
    live: [
      {
        namespace: 'dev-a.t1',
        effective: { mode: 'provisioned', trus: 6 },
        windows: [{ ...parseWindowId('capsched.dev.early-2026-12-03T04:28:00Z/r1'), trus: 6, endMs: Date.parse('2026-12-03T05:28:00Z') }],
        capacity: { namespace: 'dev-a.t1', mode: 'provisioned', currentTrus: 6, resourceVersion: 'v1', latestRequest: { state: 'completed' } },
      },
      { namespace: 'dev-b.t1', effective: { mode: 'onDemand' }, windows: [], capacity: { namespace: 'dev-b.t1', mode: 'onDemand', resourceVersion: 'v1' } },
    ],
    applied: {},
    recordSinceMs: NOW - 3_600_000,
    source: { describe: 'folder schedules/', appliedRevision: 'abcdef0123456789', problems: [] },
    alerts: [],
    ...over,
  };
}

test('dev table: a running window shows "active until 05:28 (6 TRU)" from the present view, as capsched status does', () => {
  const view = buildPresent(input());
  const rows = rowsFromPresent(view);
  const early = rows.find((r) => r.plan === 'early')!;
  assert.equal(early.active, 'active until 05:28 (6 TRU)');
  assert.equal(early.capacity, '6 TRUs');
  assert.equal(early.scheduleId, 'capsched.dev.early');
  assert.equal(rows.find((r) => r.plan === 'nightly')!.active, undefined);
  // The same sentence the status text and the page are built from.
  assert.equal(
    activeSummary(
      view.namespaces.find((n) => n.namespace === 'dev-a.t1')!,
      'early',
    ),
    early.active,
  );
  assert.match(renderStatusText(view), /early \(schedules\/early\.yaml:1\): 6 TRU until 2026-12-03T05:28Z/);

  const text = renderView({ plansDir: '/plans', uiUrl: 'http://127.0.0.1:8233', pageUrl: 'http://127.0.0.1:7070/', at: new Date(NOW), rows, changes: 0 }, NOW);
  const lines = text.split('\n');
  assert.match(
    lines[0]!,
    /^capsched dev · plans \/plans · Temporal Web UI http:\/\/127\.0\.0\.1:8233 · page http:\/\/127\.0\.0\.1:7070\/ · updated 05:00:00Z$/,
  );
  assert.match(lines[1]!, /^PLAN\s+NAMESPACE\s+TRU\s+SCHEDULE\s+NEXT WINDOW\s+CAPACITY NOW \(simulated\)\s+WINDOW NOW$/);
  const earlyLine = lines.find((l) => l.startsWith('early '))!;
  assert.match(
    earlyLine,
    /^early\s+dev-a\.t1\s+6\s+capsched\.dev\.early\s+Fri 04 Dec 2026 04:28–05:28 UTC \(in 23h 28m\)\s+6 TRUs\s+active until 05:28 \(6 TRU\)$/,
  );
  assert.match(
    lines.find((l) => l.startsWith('nightly '))!,
    /Thu 03 Dec 2026 23:00 → Fri 04 Dec 02:00 America\/New_York .*6 TRUs$/,
  );

  // The week from Thu 05:00Z, each UTC hour at its highest TRUs (docs/billing.md). dev-a.t1: early holds 04 and 05Z daily
  // at 6, nightly 04–07Z (released at 07:00) at 8 after weeknights. Thu 05, 06, 07 → 8 (24; 21 × 360,000); Fri, Sat,
  // Tue, Wed 04–07 → 8 (32; 28 each); Sun, Mon 04, 05 → 6 (12; 10 each); Thu 12-10 04 → 8 (8; 7). 184 billed TRU-hours,
  // 160 × 360,000 = 57.6 M, $2,880. dev-b.t1: forever's 2 TRUs from Fri 10:00Z to the week's end Thu 05:00Z = 139
  // hours: 278, 139 × 360,000 = 50.04 M, $2,502.
  const week = weekFromPresent(view);
  assert.deepEqual(week, [
    'dev-a.t1: 184 billed TRU-hours · 57.6 M minimum Actions committed · worst case if unused $2,880.00',
    'dev-b.t1: 278 billed TRU-hours · 50.04 M minimum Actions committed · worst case if unused $2,502.00',
  ]);
  const withWeek = renderView({ plansDir: '/plans', uiUrl: undefined, at: new Date(NOW), rows, changes: 0, week }, NOW, { stable: true });
  assert.match(withWeek, /\nThis week \(each UTC hour billed at its highest TRUs; docs\/billing\.md\):\n {2}dev-a\.t1: 184 billed TRU-hours/);
});

test('dev table: rows for every plan at the applied commit, by namespace then name; next windows beyond 7 days, paused, past one-offs, permanent', () => {
  const rows = rowsFromPresent(buildPresent(input()));
  assert.deepEqual(
    rows.map((r) => `${r.namespace}/${r.plan}`),
    ['dev-a.t1/early', 'dev-a.t1/nightly', 'dev-b.t1/forever', 'dev-b.t1/gone', 'dev-b.t1/held', 'dev-b.t1/monthly'],
  );
  const text = renderView({ plansDir: '/plans', uiUrl: undefined, at: new Date(NOW), rows, changes: 0 }, NOW, { stable: true });
  const line = (plan: string): string => text.split('\n').find((l) => l.startsWith(`${plan} `))!;
  assert.match(line('monthly'), /Fri 01 Jan 2027 09:00–10:00 Europe\/Berlin \(in 29d 3h\)\s+on-demand$/);
  assert.match(line('held'), /Thu 03 Dec 2026 12:00–13:00 UTC \(in 7h\) \[paused\]/);
  assert.match(line('gone'), /\(one-off; already started\)/);
  assert.match(line('forever'), /Fri 04 Dec 2026 10:00 → \(permanent\) UTC/);
  assert.equal(rows.find((r) => r.plan === 'forever')!.permanent, true);
  // Capacity is what Cloud Ops reports; an unreadable reading says so.
  const unread = rowsFromPresent(buildPresent(input({ live: [{ namespace: 'dev-a.t1', capacityError: 'UNAVAILABLE', windows: [] }] })));
  assert.equal(unread.find((r) => r.plan === 'early')!.capacity, 'unknown (Cloud Ops unreadable)');
  assert.equal(unread.find((r) => r.plan === 'monthly')!.capacity, 'unknown');
});

test('dev table and page: a namespaces: plan is one row per namespace, with its own schedule id; its windows name the plan', async () => {
  const { planOfWorkflow } = await import('../../../src/core/present/model.js');
  const multi = loadPlans([
    file(
      'schedules/multi.yaml',
      'apiVersion: capsched/v1\nkind: CapacityPlan\nname: batch\nnamespaces: [dev-a.t1, dev-b.t1]\ntrus: 4\ncron: "0 6 * * *"\ntimezone: UTC\nduration: 1h\n',
    ),
  ]).plans;
  const rows = rowsFromPresent(buildPresent(input({ plans: multi })));
  assert.deepEqual(
    rows.map((r) => [r.namespace, r.plan, r.scheduleId]),
    [
      ['dev-a.t1', 'batch', 'capsched.dev.batch.dev-a.t1'],
      ['dev-b.t1', 'batch', 'capsched.dev.batch.dev-b.t1'],
    ],
  );
  assert.equal(planOfWorkflow('capsched.dev.batch.dev-a.t1-2026-12-03T06:00:00Z', 'dev'), 'batch');
  assert.equal(planOfWorkflow('capsched.dev.early-2026-12-03T04:28:00Z', 'dev'), 'early');
});
