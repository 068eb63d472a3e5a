import { localToUtc, offsetAt, toLocal, transitionsBetween } from '../time/zone.js';
import { cronMatchesDate, cronTimesOfDay, daysInMonth, type Cron } from './cron.js';
import { DAY } from '../time/units.js';

export interface Occurrence {
  startMs: number;
  /** 'repeated' when this wall time happens twice that night (Temporal fires at both). */
  dst?: 'repeated';
}

export interface SkippedStart {
  /** The local wall time that does not exist that night (Temporal does not fire). */
  local: { year: number; month: number; day: number; hour: number; minute: number };
}

/**
 * The instants whose local wall time in `zone` matches the cron, with fromMs <= start < toMs:
 * what the cron names. A wall time in a spring-forward gap has no instant (collected in
 * `skipped`); one in a fall-back repeat has two (both marked 'repeated'). Away from DST changes
 * this is exactly what Temporal fires; near one, Temporal's arithmetic can differ, so previews
 * use cronStarts() (windows.ts), which switches to the port in temporal-calendar.ts.
 * Stops after `limit` starts.
 */
export function cronOccurrences(cron: Cron, zone: string, fromMs: number, toMs: number, limit = Infinity, skipped?: SkippedStart[]): Occurrence[] {
  const out: Occurrence[] = [];
  if (toMs <= fromMs) return out;
  const times = cronTimesOfDay(cron);
  if (times.length === 0) return out;
  // Walk local calendar dates from the day before `from` (zone offsets are under a day).
  const first = toLocal(zone, fromMs - DAY);
  let year = first.year;
  let month = first.month;
  let day = first.day;
  let weekday = first.weekday;
  const lastLocal = toLocal(zone, toMs + DAY);
  const lastKey = lastLocal.year * 10000 + lastLocal.month * 100 + lastLocal.day;
  // Fast path: away from an offset change the instant is wall time minus the steady offset.
  const transitions = transitionsBetween(zone, fromMs - 3 * DAY, toMs + 3 * DAY);
  let nextTransition = 0;
  const today: Occurrence[] = [];
  while (year * 10000 + month * 100 + day <= lastKey) {
    if (cronMatchesDate(cron, month, day, weekday)) {
      today.length = 0;
      const wallDay = Date.UTC(year, month - 1, day);
      while (nextTransition < transitions.length && transitions[nextTransition]!.atMs < wallDay - 2 * DAY) nextTransition++;
      const t = transitions[nextTransition];
      const steady = t === undefined || t.atMs > wallDay + 2 * DAY;
      if (steady) {
        // No offset change near this day: one instant per time, already in order.
        const base = wallDay - offsetAt(zone, wallDay) * 60_000;
        for (const [hour, minute] of times) {
          const startMs = base + (hour * 60 + minute) * 60_000;
          if (startMs >= fromMs && startMs < toMs) today.push({ startMs });
        }
      } else {
        for (const [hour, minute] of times) {
          const instants = localToUtc(zone, { year, month, day, hour, minute, second: 0 });
          if (instants.length === 0) {
            const approx = Date.UTC(year, month - 1, day, hour, minute);
            if (skipped !== undefined && approx >= fromMs - DAY && approx < toMs + DAY) skipped.push({ local: { year, month, day, hour, minute } });
            continue;
          }
          for (const startMs of instants) {
            if (startMs < fromMs || startMs >= toMs) continue;
            today.push(instants.length > 1 ? { startMs, dst: 'repeated' } : { startMs });
          }
        }
        // A repeated hour interleaves the two copies of each wall time; fire order is by instant.
        if (today.length > 1) today.sort((a, b) => a.startMs - b.startMs);
      }
      for (const occurrence of today) {
        out.push(occurrence);
        if (out.length >= limit) return out;
      }
    }
    // Next local date.
    weekday = (weekday + 1) % 7;
    day++;
    if (day > daysInMonth(year, month)) {
      day = 1;
      month++;
      if (month > 12) {
        month = 1;
        year++;
      }
    }
  }
  return out;
}
