/** The `capsched dev` table: windows in the plan's zone, errors with file:line:column. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatWindow, relative, renderView, type DevRow } from '../../../src/dev/table.js';

/** A preview as core/windows makes it (the table reads the UTC instants). */
const win = (startUtc: string, endUtc: string | null) => ({ start: startUtc, end: endUtc, startUtc, endUtc });

const NOW = Date.parse('2026-11-29T12:00:00Z');

function row(patch: Partial<DevRow>): DevRow {
  return {
    plan: 'nightly-batch',
    file: 'schedules/nightly.yaml',
    namespace: 'payments.a1b2c',
    trus: '8',
    scheduleId: 'capsched.dev.nightly-batch',
    timezone: 'America/New_York',
    paused: false,
    expired: false,
    permanent: false,
    nextWindows: [win('2026-12-01T04:00:00Z', '2026-12-01T07:00:00Z')],
    capacity: 'on-demand',
    ...patch,
  };
}

test('windows are shown in the plan zone: across midnight, same day, permanent, paused, started one-off', () => {
  assert.equal(formatWindow(row({}), NOW), 'Mon 30 Nov 2026 23:00 → Tue 01 Dec 02:00 America/New_York (in 1d 16h)');
  assert.equal(
    formatWindow(row({ timezone: 'Europe/Berlin', nextWindows: [win('2026-11-30T07:00:00Z', '2026-11-30T17:00:00Z')] }), NOW),
    'Mon 30 Nov 2026 08:00–18:00 Europe/Berlin (in 19h)',
  );
  assert.equal(
    formatWindow(row({ permanent: true, nextWindows: [win('2027-01-04T09:00:00Z', null)], timezone: 'Europe/London' }), NOW),
    'Mon 04 Jan 2027 09:00 → (permanent) Europe/London (in 35d 21h)',
  );
  assert.match(formatWindow(row({ paused: true }), NOW), / \[paused\]$/);
  assert.equal(formatWindow(row({ expired: true, nextWindows: [] }), NOW), '(one-off; already started)');
  assert.equal(formatWindow(row({ nextWindows: [] }), NOW), '(no upcoming window)');
});

test('relative times', () => {
  assert.equal(relative(NOW, NOW - 1), 'now');
  assert.equal(relative(NOW, NOW + 5 * 60_000), 'in 5m');
  assert.equal(relative(NOW, NOW + 90 * 60_000), 'in 1h 30m');
  assert.equal(relative(NOW, NOW + 49 * 3_600_000), 'in 2d 1h');
});

test('an invalid edit lists every error under the last good rows', () => {
  const text = renderView(
    {
      plansDir: '/plans',
      uiUrl: 'http://127.0.0.1:8233',
      at: new Date(NOW),
      rows: [row({ capacity: '8 TRU (changing)' })],
      changes: 0,
      issues: [
        { file: 'schedules/nightly.yaml', line: 5, column: 7, field: 'trus', code: 'wrong-type', message: 'trus must be a number', severity: 'error' },
        { file: 'schedules/other.yaml', line: 1, column: 1, field: '', code: 'yaml-syntax', message: 'bad YAML', severity: 'error' },
      ],
    },
    NOW,
  );
  const lines = text.split('\n');
  assert.match(lines[0] as string, /^capsched dev · plans \/plans · Temporal Web UI http:\/\/127\.0\.0\.1:8233 · updated 12:00:00Z$/);
  assert.match(lines[1] as string, /^PLAN\s+NAMESPACE\s+TRU\s+SCHEDULE\s+NEXT WINDOW\s+CAPACITY NOW \(simulated\)\s+WINDOW NOW$/);
  assert.match(lines[2] as string, /^nightly-batch\s+payments\.a1b2c\s+8\s+capsched\.dev\.nightly-batch\s+Mon 30 Nov .* 8 TRU \(changing\)$/);
  assert.ok(text.includes('✗ plans invalid: 2 errors; nothing applied, the last good state above stays in force'));
  assert.ok(text.includes('  schedules/nightly.yaml:5:7 trus: trus must be a number [wrong-type]'));
  assert.ok(text.includes('  schedules/other.yaml:1:1: bad YAML [yaml-syntax]'));
  // The stable form (used to decide whether to reprint) has no clock line.
  assert.ok(!renderView({ plansDir: '/plans', uiUrl: undefined, at: new Date(NOW), rows: [], changes: 0 }, NOW, { stable: true }).includes('updated'));
});
