import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkTimeZone, formatLocalIso, localToUtc, offsetAt, resolveLocal, toLocal, transitionsBetween } from '../../../src/core/time/zone.js';

const iso = (ms: number): string => new Date(ms).toISOString();
const at = (y: number, mo: number, d: number, h: number, mi: number) => ({ year: y, month: mo, day: d, hour: h, minute: mi, second: 0 });

test('New York: a wall time in the spring gap has no instant, one in the fall repeat has two', () => {
  assert.deepEqual(localToUtc('America/New_York', at(2027, 3, 14, 2, 30)), []);
  assert.deepEqual(localToUtc('America/New_York', at(2027, 3, 14, 3, 30)).map(iso), ['2027-03-14T07:30:00.000Z']);
  assert.deepEqual(localToUtc('America/New_York', at(2027, 11, 7, 1, 30)).map(iso), ['2027-11-07T05:30:00.000Z', '2027-11-07T06:30:00.000Z']);
  assert.deepEqual(localToUtc('America/New_York', at(2027, 11, 7, 2, 0)).map(iso), ['2027-11-07T07:00:00.000Z']);
  assert.deepEqual(resolveLocal('America/New_York', at(2027, 3, 14, 2, 30)), { ms: Date.parse('2027-03-14T07:30:00Z'), dst: 'skipped' });
  assert.deepEqual(resolveLocal('America/New_York', at(2027, 11, 7, 1, 30)), { ms: Date.parse('2027-11-07T05:30:00Z'), dst: 'repeated' });
});

test('transitions are found to the minute, including half-hour and southern-hemisphere zones', () => {
  assert.deepEqual(
    transitionsBetween('America/New_York', Date.parse('2027-01-01T00:00Z'), Date.parse('2028-01-01T00:00Z')).map((t) => [iso(t.atMs), t.before, t.after]),
    [
      ['2027-03-14T07:00:00.000Z', -300, -240],
      ['2027-11-07T06:00:00.000Z', -240, -300],
    ],
  );
  // Lord Howe Island moves its clocks by 30 minutes.
  const lordHowe = transitionsBetween('Australia/Lord_Howe', Date.parse('2027-01-01T00:00Z'), Date.parse('2028-01-01T00:00Z'));
  assert.deepEqual(
    lordHowe.map((t) => [t.before, t.after]),
    [
      [660, 630],
      [630, 660],
    ],
  );
  assert.equal(localToUtc('Australia/Lord_Howe', at(2027, 10, 3, 2, 15)).length, 0, '02:00–02:30 is skipped');
  assert.equal(localToUtc('Australia/Lord_Howe', at(2027, 4, 4, 1, 45)).length, 2, '01:30–02:00 repeats');
  // Sydney: clocks go back in April, forward in October.
  assert.equal(offsetAt('Australia/Sydney', Date.parse('2027-01-15T00:00Z')), 660);
  assert.equal(offsetAt('Australia/Sydney', Date.parse('2027-07-15T00:00Z')), 600);
  assert.deepEqual(transitionsBetween('UTC', Date.parse('2027-01-01T00:00Z'), Date.parse('2030-01-01T00:00Z')), []);
  assert.equal(offsetAt('Asia/Kolkata', Date.parse('2027-07-15T00:00Z')), 330);
});

test('local wall time and ISO formatting with the offset', () => {
  const l = toLocal('Europe/Berlin', Date.parse('2026-12-24T08:00:00Z'));
  assert.deepEqual([l.year, l.month, l.day, l.hour, l.minute, l.weekday, l.offsetMinutes], [2026, 12, 24, 9, 0, 4, 60]);
  assert.equal(formatLocalIso('America/New_York', Date.parse('2026-12-24T14:00:00Z')), '2026-12-24T09:00-05:00');
  assert.equal(formatLocalIso('UTC', Date.parse('2026-12-24T14:00:00Z')), '2026-12-24T14:00Z');
});

test('time zone names: IANA names and aliases Temporal knows; typos and wrong case get a suggestion', () => {
  for (const zone of ['UTC', 'Etc/UTC', 'America/New_York', 'Europe/Berlin', 'Asia/Kolkata', 'Asia/Calcutta', 'US/Eastern', 'Australia/Lord_Howe'])
    assert.deepEqual(checkTimeZone(zone), { ok: true }, zone);
  assert.deepEqual(checkTimeZone('America/New_Yrok'), { ok: false, suggestion: 'America/New_York' });
  assert.deepEqual(checkTimeZone('america/new_york'), { ok: false, suggestion: 'America/New_York' });
  assert.equal(checkTimeZone('Mars/Olympus_Mons').ok, false);
  assert.equal(checkTimeZone('+05:00').ok, false);
  assert.equal(checkTimeZone('EST5EDT').ok, true);
});
