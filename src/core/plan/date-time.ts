import { LOCAL_DATE_TIME_PATTERN } from './schema.js';
import { resolveLocal } from '../time/zone.js';
import { daysInMonth } from '../windows/cron.js';

export type ResolvedDateTime = { ok: true; ms: number; hasOffset: boolean; dst?: 'skipped' | 'repeated' } | { ok: false; message: string };

/**
 * Reads `at`/`until`: "YYYY-MM-DDTHH:MM[:SS]" in `zone`, or with an explicit offset ("Z",
 * "-05:00"), which then wins over the zone. A local time in a DST gap moves forward by the gap
 * (dst: 'skipped'); one in a DST repeat means the earlier instant (dst: 'repeated').
 */
export function resolveDateTime(text: string, zone: string): ResolvedDateTime {
  const m = LOCAL_DATE_TIME_PATTERN.exec(text);
  if (m === null) return { ok: false, message: `"${text}" is not a date-time; write "YYYY-MM-DDTHH:MM", optionally with an offset ("2026-12-24T09:00-05:00")` };
  const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number) as [number, number, number, number, number];
  const second = m[6] === undefined ? 0 : Number(m[6]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return { ok: false, message: `"${text}" is not a real calendar date` };
  if (year < 2000 || year > 2099) return { ok: false, message: `"${text}" is outside the years Temporal schedules fire in (2000–2099)` };
  if (hour > 23 || minute > 59 || second > 59) return { ok: false, message: `"${text}" is not a real time of day (00:00–23:59)` };
  const offsetText = m[7];
  if (offsetText !== undefined) {
    let offsetMinutes = 0;
    if (offsetText !== 'Z') {
      const sign = offsetText.startsWith('-') ? -1 : 1;
      const oh = Number(offsetText.slice(1, 3));
      const om = Number(offsetText.slice(4, 6));
      if (oh > 14 || om > 59) return { ok: false, message: `offset "${offsetText}" in "${text}" is out of range` };
      offsetMinutes = sign * (oh * 60 + om);
    }
    return { ok: true, ms: Date.UTC(year, month - 1, day, hour, minute, second) - offsetMinutes * 60_000, hasOffset: true };
  }
  const resolved = resolveLocal(zone, { year, month, day, hour, minute, second });
  return resolved.dst === undefined ? { ok: true, ms: resolved.ms, hasOffset: false } : { ok: true, ms: resolved.ms, hasOffset: false, dst: resolved.dst };
}
