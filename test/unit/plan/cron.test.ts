import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCron } from '../../../src/core/windows/cron.js';
import { cronOccurrences, type SkippedStart } from '../../../src/core/windows/occurrences.js';

function ok(expr: string) {
  const r = parseCron(expr);
  assert.ok(r.ok, `${expr}: ${r.ok ? '' : r.message}`);
  return r.cron;
}
function code(expr: string): string {
  const r = parseCron(expr);
  return r.ok ? 'ok' : r.code;
}
const list = (bits: boolean[]): number[] => bits.flatMap((b, i) => (b ? [i] : []));

test('the Temporal-safe subset: numbers, ranges, steps (a/n runs to the end, as Temporal reads it), lists, names, macros', () => {
  assert.deepEqual(list(ok('0,30 9-17/4 * * *').hours), [9, 13, 17]);
  assert.deepEqual(list(ok('5/20 * * * *').minutes), [5, 25, 45]);
  assert.deepEqual(list(ok('0 0 * * MON-FRI').daysOfWeek), [1, 2, 3, 4, 5]);
  assert.deepEqual(list(ok('0 0 * * 7').daysOfWeek), [0], '7 is Sunday');
  assert.deepEqual(list(ok('0 0 * jan,Jul *').months), [1, 7]);
  assert.equal(ok('@daily').expression, '0 0 * * *');
  assert.equal(ok('  0   23 * *   1-5 ').expression, '0 23 * * 1-5');
});

test('rejects what Temporal reads differently from cron libraries, with distinct codes', () => {
  assert.equal(code(''), 'cron-empty');
  assert.equal(code('   '), 'cron-empty');
  for (const expr of [
    '0 0 L * *',
    '0 0 * * 5L',
    '0 0 15W * *',
    '0 0 * * 1#2',
    'H 0 * * *',
    '0 0 ? * 1',
    '@every 1h',
    'CRON_TZ=UTC 0 0 * * *',
    'TZ=UTC 0 0 * * *',
  ])
    assert.equal(code(expr), 'cron-unsupported', expr);
  assert.equal(code('0 0 0 * * *'), 'cron-field-count', 'a 6th field');
  assert.equal(code('0 0 0 * * * 2027'), 'cron-field-count');
  assert.equal(code('0 0 *'), 'cron-field-count');
  assert.equal(code('0 0 13 * 5'), 'cron-dom-and-dow');
  assert.equal(code('0 0 30 2 *'), 'cron-never-fires');
  assert.equal(code('0 0 31 4,6,9,11 *'), 'cron-never-fires');
  assert.equal(code('0 0 29 2 *'), 'ok', 'leap day exists');
  for (const expr of ['60 * * * *', '0 24 * * *', '0 0 0 * *', '0 0 32 * *', '0 0 * 13 *', '0 0 * * 8', '0 5-1 * * *', '0 0 * * FUNDAY'])
    assert.equal(code(expr), 'cron-out-of-range', expr);
  assert.equal(code('0 0 LW * *'), 'cron-unsupported');
  assert.equal(code('0 0 * * WEDNESDAY'), 'cron-out-of-range', 'a full name is an unknown name, not a W');
  assert.equal(code('0 0 * * THU,SAT'), 'ok');
  for (const expr of ['0 0 * * 1/0', '*/x * * * *', '0 0 * * 1,,2', '@fortnightly']) assert.equal(code(expr), 'cron-invalid', expr);
});

test('occurrences follow Temporal: local wall time, gaps skipped, repeats twice, sorted', () => {
  const starts = cronOccurrences(ok('0,30 1 * * *'), 'America/New_York', Date.parse('2027-11-07T00:00Z'), Date.parse('2027-11-08T00:00Z'));
  assert.deepEqual(
    starts.map((s) => [new Date(s.startMs).toISOString().slice(11, 16), s.dst ?? '']),
    [
      ['05:00', 'repeated'],
      ['05:30', 'repeated'],
      ['06:00', 'repeated'],
      ['06:30', 'repeated'],
    ],
  );
  const skipped: SkippedStart[] = [];
  const spring = cronOccurrences(ok('30 2 * * *'), 'America/New_York', Date.parse('2027-03-13T12:00Z'), Date.parse('2027-03-15T12:00Z'), Infinity, skipped);
  assert.deepEqual(
    spring.map((s) => new Date(s.startMs).toISOString()),
    ['2027-03-15T06:30:00.000Z'],
  );
  assert.equal(skipped.length, 1);
  assert.equal(cronOccurrences(ok('* * * * *'), 'UTC', 0, Date.parse('2027-01-01T00:00Z'), 5).length, 5, 'limit');
});
