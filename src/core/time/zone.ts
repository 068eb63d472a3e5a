/**
 * IANA time-zone maths with Intl only: UTC instant → local wall time, local wall time → the UTC
 * instants that show it (none in a spring-forward gap, two in a fall-back repeat).
 *
 * Offsets come from a per-zone, per-year table of transitions found by sampling Intl once a day
 * and bisecting to the minute, so a lookup is a cheap scan instead of an Intl call.
 */
import { MINUTE, DAY } from './units.js';

export interface LocalDateTime {
  year: number;
  /** 1–12 */
  month: number;
  /** 1–31 */
  day: number;
  hour: number;
  minute: number;
  second: number;
}

export interface LocalInstant extends LocalDateTime {
  /** 0 = Sunday … 6 = Saturday */
  weekday: number;
  /** Offset from UTC in minutes (local = utc + offset). */
  offsetMinutes: number;
}

interface YearTable {
  /** Offset in minutes at the start of the year (UTC). */
  base: number;
  /** Instants (ms) where the offset changes and the offset after the change, ascending. */
  transitions: { atMs: number; offset: number }[];
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const tables = new Map<string, Map<number, YearTable>>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** Offset in minutes straight from Intl (slow; used to build the tables). */
function intlOffset(zone: string, ms: number): number {
  const parts = formatter(zone).formatToParts(ms);
  let year = 0;
  let month = 1;
  let day = 1;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let bc = false;
  for (const p of parts) {
    switch (p.type) {
      case 'year':
        year = Number(p.value);
        break;
      case 'month':
        month = Number(p.value);
        break;
      case 'day':
        day = Number(p.value);
        break;
      case 'hour':
        hour = Number(p.value);
        break;
      case 'minute':
        minute = Number(p.value);
        break;
      case 'second':
        second = Number(p.value);
        break;
      case 'era':
        bc = p.value === 'BC' || p.value === 'B';
        break;
      default:
        break;
    }
  }
  if (bc) year = 1 - year;
  const asUtc = Date.UTC(year, month - 1, day, hour, minute, second);
  const flooredMs = Math.floor(ms / 1000) * 1000;
  return Math.round((asUtc - flooredMs) / MINUTE);
}

function yearTable(zone: string, year: number): YearTable {
  let byYear = tables.get(zone);
  if (byYear === undefined) {
    byYear = new Map();
    tables.set(zone, byYear);
  }
  const cached = byYear.get(year);
  if (cached !== undefined) return cached;
  const start = Date.UTC(year, 0, 1);
  const end = Date.UTC(year + 1, 0, 1);
  const base = intlOffset(zone, start);
  const transitions: { atMs: number; offset: number }[] = [];
  let prevMs = start;
  let prevOffset = base;
  for (let t = start + DAY; t <= end; t += DAY) {
    const sample = Math.min(t, end);
    const offset = intlOffset(zone, sample);
    if (offset !== prevOffset) {
      // Bisect to the minute: the first instant showing the new offset.
      let lo = prevMs;
      let hi = sample;
      while (hi - lo > MINUTE) {
        const mid = lo + Math.floor((hi - lo) / 2 / MINUTE) * MINUTE;
        if (intlOffset(zone, mid) === prevOffset) lo = mid;
        else hi = mid;
      }
      if (hi < end) transitions.push({ atMs: hi, offset });
      prevOffset = offset;
    }
    prevMs = sample;
  }
  const table = { base, transitions };
  byYear.set(year, table);
  return table;
}

function utcYear(ms: number): number {
  return new Date(ms).getUTCFullYear();
}

/** Per zone, the last span of constant offset looked up (most lookups land in it again). */
const lastSpan = new Map<string, { from: number; to: number; offset: number }>();

/** Offset from UTC in minutes of `zone` at the instant `ms`. */
export function offsetAt(zone: string, ms: number): number {
  const span = lastSpan.get(zone);
  if (span !== undefined && ms >= span.from && ms < span.to) return span.offset;
  const year = utcYear(ms);
  const table = yearTable(zone, year);
  let offset = table.base;
  let from = Date.UTC(year, 0, 1);
  let to = Date.UTC(year + 1, 0, 1);
  for (const t of table.transitions) {
    if (t.atMs <= ms) {
      offset = t.offset;
      from = t.atMs;
    } else {
      to = t.atMs;
      break;
    }
  }
  lastSpan.set(zone, { from, to, offset });
  return offset;
}

/** Offset transitions of `zone` in [fromMs, toMs), ascending, with the offsets before and after. */
export function transitionsBetween(zone: string, fromMs: number, toMs: number): { atMs: number; before: number; after: number }[] {
  const out: { atMs: number; before: number; after: number }[] = [];
  for (let y = utcYear(fromMs); y <= utcYear(toMs); y++) {
    const table = yearTable(zone, y);
    let before = table.base;
    for (const t of table.transitions) {
      if (t.atMs >= fromMs && t.atMs < toMs) out.push({ atMs: t.atMs, before, after: t.offset });
      before = t.offset;
    }
  }
  return out;
}

/** Whether `zone` changes its offset in [fromMs, toMs) (no allocation). */
export function hasTransitionBetween(zone: string, fromMs: number, toMs: number): boolean {
  for (let y = utcYear(fromMs); y <= utcYear(toMs); y++) {
    for (const t of yearTable(zone, y).transitions) if (t.atMs >= fromMs && t.atMs < toMs) return true;
  }
  return false;
}

/** The local wall time of `ms` in `zone`. */
export function toLocal(zone: string, ms: number): LocalInstant {
  const offsetMinutes = offsetAt(zone, ms);
  const d = new Date(ms + offsetMinutes * MINUTE);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    weekday: d.getUTCDay(),
    offsetMinutes,
  };
}

/**
 * Every UTC instant whose wall time in `zone` is exactly this local time: [] in a DST gap,
 * two instants (earlier first) in a DST repeat, otherwise one.
 */
export function localToUtc(zone: string, local: LocalDateTime): number[] {
  const wall = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second);
  // Fast path: no offset change within a day either side, so exactly one instant.
  if (!hasTransitionBetween(zone, wall - DAY, wall + DAY)) return [wall - offsetAt(zone, wall) * MINUTE];
  // Candidate offsets: those in force within a day either side of the wall time.
  const candidates = new Set<number>([offsetAt(zone, wall - DAY), offsetAt(zone, wall + DAY)]);
  for (const t of transitionsBetween(zone, wall - DAY, wall + DAY)) {
    candidates.add(t.before);
    candidates.add(t.after);
  }
  const out: number[] = [];
  for (const offset of candidates) {
    const instant = wall - offset * MINUTE;
    if (offsetAt(zone, instant) === offset && !out.includes(instant)) out.push(instant);
  }
  return out.sort((a, b) => a - b);
}

/**
 * One instant for a local time, the way people usually mean it: the earlier one in a repeat,
 * and in a gap the wall time moved forward by the gap's length (02:30 → 03:30 when clocks
 * jump from 02:00 to 03:00).
 */
export function resolveLocal(zone: string, local: LocalDateTime): { ms: number; dst?: 'skipped' | 'repeated' } {
  const instants = localToUtc(zone, local);
  if (instants.length === 1) return { ms: instants[0]! };
  if (instants.length > 1) return { ms: instants[0]!, dst: 'repeated' };
  const wall = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second);
  const before = offsetAt(zone, wall - DAY);
  return { ms: wall - before * MINUTE, dst: 'skipped' };
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

export function formatOffset(offsetMinutes: number): string {
  if (offsetMinutes === 0) return 'Z';
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** "2026-12-24T09:00-05:00" (seconds only when not zero). */
export function formatLocalIso(zone: string, ms: number): string {
  const l = toLocal(zone, ms);
  const seconds = l.second === 0 ? '' : `:${pad(l.second)}`;
  return `${l.year}-${pad(l.month)}-${pad(l.day)}T${pad(l.hour)}:${pad(l.minute)}${seconds}${formatOffset(l.offsetMinutes)}`;
}

/** "2026-12-24T14:00Z" */
export function formatUtcIso(ms: number): string {
  return formatLocalIso('UTC', ms);
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** "Thu 2026-12-24 09:00" for human output. */
export function formatLocalHuman(zone: string, ms: number): string {
  const l = toLocal(zone, ms);
  return `${WEEKDAYS[l.weekday]} ${l.year}-${pad(l.month)}-${pad(l.day)} ${pad(l.hour)}:${pad(l.minute)}`;
}

// ---------- zone names ----------

let supported: Set<string> | undefined;
let supportedLower: Map<string, string> | undefined;

/** Names every Temporal server knows although ICU lists only the canonical ones. */
const EXTRA_ZONES = ['UTC', 'Etc/UTC', 'GMT', 'Etc/GMT', 'Asia/Kolkata', 'Europe/Kyiv', 'America/Nuuk', 'Asia/Yangon', 'Pacific/Kanton'];
const ALIAS_SHAPE = /^[A-Z][A-Za-z0-9_+-]*(?:\/[A-Z0-9][A-Za-z0-9_+-]*)*$/;

function zoneSets(): { exact: Set<string>; lower: Map<string, string> } {
  if (supported === undefined || supportedLower === undefined) {
    supported = new Set([...Intl.supportedValuesOf('timeZone'), ...EXTRA_ZONES]);
    supportedLower = new Map([...supported].map((z) => [z.toLowerCase(), z]));
  }
  return { exact: supported, lower: supportedLower };
}

function intlAccepts(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * Checks an IANA zone name the way Temporal's server (Go's time.LoadLocation, case-sensitive)
 * would accept it: a name Intl lists, or a correctly spelt alias such as "US/Eastern".
 */
export function checkTimeZone(zone: string): { ok: true } | { ok: false; suggestion?: string } {
  const { exact, lower } = zoneSets();
  if (exact.has(zone)) return { ok: true };
  const caseFix = lower.get(zone.toLowerCase());
  if (caseFix !== undefined) return { ok: false, suggestion: caseFix };
  if (ALIAS_SHAPE.test(zone) && intlAccepts(zone)) return { ok: true };
  const suggestion = closest(zone, [...exact]);
  return suggestion === undefined ? { ok: false } : { ok: false, suggestion };
}

/** Levenshtein distance, capped for speed. */
export function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  if (Math.abs(m - n) > 8) return 99;
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  for (let i = 1; i <= m; i++) {
    const cur = [i];
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
    }
    prev = cur;
  }
  return prev[n]!;
}

/** The closest candidate within a small edit distance (case-insensitive), if any. */
export function closest(input: string, candidates: readonly string[]): string | undefined {
  const lowerInput = input.toLowerCase();
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(input.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(lowerInput, c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}
