/** The checklist's shape (pure): one line per check with the fix on it; warnings never fail the exit code. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { doctorExitCode, doctorReport, formatDoctorLine, formatDoctorText } from '../../../src/core/doctor/checks.js';

test('✓/✗/! lines carry the fix on the same line; exit 0 with warnings only, 1 with any ✗', () => {
  const ok = { id: 'a', status: 'ok' as const, title: 'Temporal', detail: 'reachable', fix: 'never shown when ok' };
  const warn = { id: 'b', status: 'warn' as const, title: 'Slack', detail: 'SLACK_WEBHOOK_URL is not set', fix: 'set SLACK_WEBHOOK_URL' };
  const fail = { id: 'c', status: 'fail' as const, title: 'Capacity workers', detail: 'none polling', fix: 'start `capsched worker`' };
  assert.equal(formatDoctorLine(ok), '✓ Temporal: reachable');
  assert.equal(formatDoctorLine(warn), '! Slack: SLACK_WEBHOOK_URL is not set → set SLACK_WEBHOOK_URL');
  assert.equal(formatDoctorLine(fail), '✗ Capacity workers: none polling → start `capsched worker`');
  const ready = doctorReport([ok, warn]);
  assert.equal(doctorExitCode(ready), 0);
  assert.match(formatDoctorText(ready), /capsched doctor: ready \(1 ✓, 1 !\)\n$/);
  const broken = doctorReport([ok, warn, fail]);
  assert.equal(doctorExitCode(broken), 1);
  assert.match(formatDoctorText(broken), /capsched doctor: 1 problem \(✗\) to fix, 1 warning \(!\), 1 ✓\n$/);
});
