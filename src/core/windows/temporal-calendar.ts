/**
 * Temporal's own scheduler arithmetic, so previews show exactly what the server fires.
 *
 * A port of compiledCalendar.next() from temporalio/temporal service/worker/scheduler/calendar.go
 * (what the server runs for a cron or calendar spec), including Go's time.Date rules for local
 * times that do not exist or exist twice. Those rules make Temporal differ from "every instant
 * whose wall time matches" on some DST nights, for example:
 * - zones east of UTC fire a repeated wall time once (at the second copy), zones west of it twice;
 * - a cron at the hour before a repeated hour (Berlin 01:xx on the October night) also fires
 *   once at the repeated hour's start;
 * - when the clock jumps forward at midnight (Santiago, Havana), the day is checked as the
 *   previous weekday, so a weekday-restricted cron skips (or gains) that day.
 * The integration tests compare this with the dev server's ListScheduleMatchingTimes.
 */
import { offsetAt, toLocal } from '../time/zone.js';
import { daysInMonth, type Cron } from './cron.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
/** Temporal stops looking after this year (maxCalendarYear). */
const MAX_YEAR = 2100;

/** Go's time.Date(y, mo, d, h, m, s, 0, zone) as epoch ms (out-of-range fields normalise). */
export function goDate(zone: string, y: number, mo: number, d: number, h: number, m: number, s: number): number {
  const wall = Date.UTC(y, mo - 1, d, h, m, s);
  // Go looks up the offset in force at the wall time read as UTC, then re-checks at the result.
  const guess = offsetAt(zone, wall);
  if (guess === 0) return wall;
  return wall - offsetAt(zone, wall - guess * MINUTE) * MINUTE;
}

/**
 * The first instant strictly after `afterMs` (1-second resolution) that Temporal's scheduler
 * fires for this cron in `zone`, or null when none before 2101.
 */
export function temporalNext(cron: Cron, zone: string, afterMs: number): number | null {
  const ts = Math.floor(afterMs / SECOND) * SECOND;
  const local = toLocal(zone, ts);
  let y = local.year;
  let mo = local.month;
  let d = local.day;
  let h = local.hour;
  let m = local.minute;
  let s = local.second;
  // In the second copy of a repeated hour?
  let dstOffset = toLocal(zone, ts - HOUR).hour === h ? HOUR : 0;
  s++;
  outer: for (;;) {
    if (s >= 60) {
      m++;
      s = 0;
    }
    if (m >= 60) {
      const prev = goDate(zone, y, mo, d, h, 0, 0);
      h++;
      m = 0;
      const next = goDate(zone, y, mo, d, h, 0, 0);
      // Two hours later: a repeated hour was jumped over; try this hour again, offset by one.
      if (dstOffset === 0 && next - prev > HOUR) {
        h--;
        dstOffset = HOUR;
      } else dstOffset = 0;
    }
    if (h >= 24) {
      d++;
      h = 0;
    }
    if (d > daysInMonth(y, mo)) {
      mo++;
      d = 1;
    }
    if (mo > 12) {
      y++;
      mo = 1;
    }
    if (y > MAX_YEAR) break;
    while (!cron.months[mo]) {
      mo++;
      d = 1;
      h = m = s = 0;
      dstOffset = 0;
      if (mo > 12) continue outer;
    }
    while (!cron.daysOfMonth[d] || !cron.daysOfWeek[toLocal(zone, goDate(zone, y, mo, d, h, m, s)).weekday]) {
      d++;
      h = m = s = 0;
      dstOffset = 0;
      if (d > daysInMonth(y, mo)) continue outer;
    }
    while (!cron.hours[h]) {
      h++;
      m = s = 0;
      dstOffset = 0;
      if (h >= 24) continue outer;
    }
    while (!cron.minutes[m]) {
      m++;
      s = 0;
      if (m >= 60) continue outer;
    }
    // Five-field crons fire at second 0.
    while (s !== 0) {
      s++;
      if (s >= 60) continue outer;
    }
    const nextTs = goDate(zone, y, mo, d, h, m, s);
    // A wall time that does not exist normalises to another hour: not a match.
    if (toLocal(zone, nextTs).hour !== h) {
      h++;
      m = s = 0;
      continue outer;
    }
    return nextTs + dstOffset;
  }
  return null;
}

/** Every start Temporal fires in [fromMs, toMs), at most `limit`. */
export function temporalOccurrences(cron: Cron, zone: string, fromMs: number, toMs: number, limit = Infinity): number[] {
  const out: number[] = [];
  let t = temporalNext(cron, zone, Math.ceil(fromMs / SECOND) * SECOND - SECOND);
  while (t !== null && t < toMs && out.length < limit) {
    if (t >= fromMs) out.push(t);
    t = temporalNext(cron, zone, t);
  }
  return out;
}
