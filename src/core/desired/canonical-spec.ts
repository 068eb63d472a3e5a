/**
 * A canonical text for a Temporal ScheduleSpec, so the spec capsched wants and the spec the
 * server returns (cron strings compiled into structured calendars, ranges rewritten, defaults
 * filled in) compare equal when they fire at the same times. Each calendar field is expanded to
 * the set of values it matches; sets are printed as compact ranges; calendars are sorted.
 *
 * Used only to detect hand edits of a managed schedule's spec from list() output; changes to a
 * plan are detected by the spec hash, never by this text. When a spec uses a form this module
 * does not understand, `canonicalSpec` returns undefined and the caller skips the comparison.
 */

import { CRON_MACROS } from '../windows/cron.js';

export type RangeValue = number | string;
export interface PlainRange {
  start?: RangeValue;
  end?: RangeValue;
  step?: number;
}
export type LooseRange = RangeValue | PlainRange;
/** A value, a range, a list of them, or the string '*' (every value). */
export type CalendarFieldValue = LooseRange | LooseRange[];

/**
 * A CalendarSpec as the server describes it (plain data, loose: ranges, names, lists). What
 * capsched writes is the narrower PlainCalendarSpec of plan/schedule-spec.ts, which fits this.
 */
export interface CalendarSpecDescription {
  second?: CalendarFieldValue;
  minute?: CalendarFieldValue;
  hour?: CalendarFieldValue;
  dayOfMonth?: CalendarFieldValue;
  month?: CalendarFieldValue;
  year?: CalendarFieldValue;
  dayOfWeek?: CalendarFieldValue;
  comment?: string;
}

/**
 * A ScheduleSpec as the server describes it (plain data, no SDK types). The one spec type of
 * capsched's own schedules is PlainScheduleSpec (plan/schedule-spec.ts); it fits this shape.
 */
export interface ScheduleSpecDescription {
  calendars?: CalendarSpecDescription[];
  cronExpressions?: string[];
  intervals?: { every: number | string; offset?: number | string }[];
  skip?: CalendarSpecDescription[];
  startAt?: string | { toISOString(): string };
  endAt?: string | { toISOString(): string };
  jitter?: number | string;
  timezone?: string;
}

type FieldName = 'second' | 'minute' | 'hour' | 'dayOfMonth' | 'month' | 'year' | 'dayOfWeek';
interface FieldInfo {
  key: string;
  min: number;
  max: number;
  /** Value when the field is left out. */
  def: 'all' | number;
  names?: Record<string, number>;
}

const MONTHS = ['JANUARY', 'FEBRUARY', 'MARCH', 'APRIL', 'MAY', 'JUNE', 'JULY', 'AUGUST', 'SEPTEMBER', 'OCTOBER', 'NOVEMBER', 'DECEMBER'];
const DAYS = ['SUNDAY', 'MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY'];
function nameTable(names: string[], first: number): Record<string, number> {
  const table: Record<string, number> = {};
  names.forEach((name, i) => {
    table[name] = i + first;
    table[name.slice(0, 3)] = i + first;
  });
  return table;
}

const FIELDS: Record<FieldName, FieldInfo> = {
  second: { key: 's', min: 0, max: 59, def: 0 },
  minute: { key: 'm', min: 0, max: 59, def: 0 },
  hour: { key: 'h', min: 0, max: 23, def: 0 },
  dayOfMonth: { key: 'dom', min: 1, max: 31, def: 'all' },
  month: { key: 'mon', min: 1, max: 12, def: 'all', names: nameTable(MONTHS, 1) },
  year: { key: 'y', min: 1970, max: 2199, def: 'all' },
  dayOfWeek: { key: 'dow', min: 0, max: 6, def: 'all', names: nameTable(DAYS, 0) },
};
const ORDER: FieldName[] = ['second', 'minute', 'hour', 'dayOfMonth', 'month', 'year', 'dayOfWeek'];

class Unsupported extends Error {}

function toNumber(value: RangeValue, info: FieldInfo): number {
  if (typeof value === 'number') return value;
  const upper = value.trim().toUpperCase();
  if (/^\d+$/.test(upper)) return Number(upper);
  const named = info.names?.[upper];
  if (named === undefined) throw new Unsupported(`value ${value}`);
  return named;
}

function addRange(set: Set<number>, info: FieldInfo, start: number, end: number, step: number): void {
  if (!Number.isInteger(start) || !Number.isInteger(end) || !Number.isInteger(step)) throw new Unsupported('non-integer');
  const s = Math.max(1, step);
  const e = end < start ? start : end;
  if ((e - start) / s > 400) throw new Unsupported('range too large');
  for (let v = start; v <= e; v += s) set.add(info.key === 'dow' && v === 7 ? 0 : v);
}

function expandField(value: CalendarFieldValue | undefined, info: FieldInfo): Set<number> | 'all' {
  const set = new Set<number>();
  if (value === undefined || (Array.isArray(value) && value.length === 0)) {
    if (info.def === 'all') return 'all';
    set.add(info.def);
    return set;
  }
  if (value === '*') return 'all';
  for (const item of Array.isArray(value) ? value : [value]) {
    if (typeof item === 'number' || typeof item === 'string') {
      if (item === '*') return 'all';
      const n = toNumber(item, info);
      addRange(set, info, n, n, 1);
    } else {
      const start = item.start === undefined ? info.min : toNumber(item.start, info);
      const end = item.end === undefined ? start : toNumber(item.end, info);
      addRange(set, info, start, end, item.step ?? 1);
    }
  }
  return set;
}

function printSet(set: Set<number> | 'all', info: FieldInfo): string {
  if (set === 'all') return '*';
  const values = [...set].sort((a, b) => a - b);
  if (info.key !== 'y' && values.length === info.max - info.min + 1 && values[0] === info.min) return '*';
  const parts: string[] = [];
  for (let i = 0; i < values.length;) {
    let j = i;
    while (j + 1 < values.length && values[j + 1] === values[j]! + 1) j++;
    parts.push(i === j ? String(values[i]) : `${values[i]}-${values[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

function canonicalCalendar(calendar: CalendarSpecDescription): string {
  return ORDER.map((name) => `${FIELDS[name].key}=${printSet(expandField(calendar[name], FIELDS[name]), FIELDS[name])}`).join(' ');
}

/** Parses one cron field ("*", "1-5", "*\/15", "MON,WED", "3/2") into a calendar field value. */
function cronField(text: string, info: FieldInfo): PlainRange[] | '*' {
  if (text === '*' || text === '?') return '*';
  const out: PlainRange[] = [];
  for (const part of text.split(',')) {
    const [rangeText, stepText] = part.split('/');
    if (rangeText === undefined || rangeText === '') throw new Unsupported(`cron field ${text}`);
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new Unsupported(`cron step ${text}`);
    if (rangeText === '*' || rangeText === '?') {
      out.push({ start: info.min, end: info.max, step });
      continue;
    }
    const [a, b] = rangeText.split('-');
    if (a === undefined) throw new Unsupported(`cron field ${text}`);
    const start = toNumber(a, info);
    const end = b !== undefined ? toNumber(b, info) : stepText !== undefined ? info.max : start;
    out.push({ start, end, step });
  }
  return out;
}

/** Compiles a 5-field (or 6 with year) cron expression the way Temporal does: day-of-month AND day-of-week must match. */
export function cronToCalendar(expression: string): CalendarSpecDescription {
  const text = expression.split('#')[0]!.trim();
  if (/^(CRON_TZ|TZ)=/.test(text)) throw new Unsupported('cron time zone prefix');
  const fields = (CRON_MACROS[text.toLowerCase()] ?? text).split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) throw new Unsupported(`cron ${expression}`);
  const [minute, hour, dom, month, dow, year] = fields as [string, string, string, string, string, string | undefined];
  const dowValue = cronField(dow, { ...FIELDS.dayOfWeek, max: 7 });
  return {
    second: 0,
    minute: cronField(minute, FIELDS.minute),
    hour: cronField(hour, FIELDS.hour),
    dayOfMonth: cronField(dom, FIELDS.dayOfMonth),
    month: cronField(month, FIELDS.month),
    dayOfWeek: dowValue === '*' ? '*' : dowValue,
    ...(year === undefined ? {} : { year: cronField(year, FIELDS.year) }),
  };
}

function isoOf(value: string | { toISOString(): string } | undefined): string {
  if (value === undefined) return '';
  return typeof value === 'string' ? new Date(value).toISOString() : value.toISOString();
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
function durationMs(value: number | string | undefined): number {
  if (value === undefined) return 0;
  if (typeof value === 'number') return value;
  let total = 0;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;
  let matched = '';
  for (const m of value.replace(/\s+/g, '').matchAll(re)) {
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    matched += m[0];
  }
  if (matched !== value.replace(/\s+/g, '')) throw new Unsupported(`duration ${value}`);
  return total;
}

/**
 * Canonical text of a spec, or undefined when it uses something this module cannot compile
 * (then no spec-drift comparison is made). `maxCalendars` limits the calendars compared, because
 * list() returns at most 10 per field.
 */
export function canonicalSpec(spec: ScheduleSpecDescription, options: { maxCalendars?: number } = {}): string | undefined {
  try {
    const calendars = [...(spec.calendars ?? []), ...(spec.cronExpressions ?? []).map(cronToCalendar)].map(canonicalCalendar);
    const unique = [...new Set(calendars)].sort();
    const limited = options.maxCalendars === undefined ? unique : unique.slice(0, options.maxCalendars);
    const skip = [...new Set((spec.skip ?? []).map(canonicalCalendar))].sort();
    const intervals = (spec.intervals ?? []).map((i) => `${durationMs(i.every)}+${durationMs(i.offset)}`).sort();
    const parts = [`tz=${spec.timezone === undefined || spec.timezone === '' ? 'UTC' : spec.timezone}`, `cal=[${limited.join(' | ')}]`];
    if (intervals.length > 0) parts.push(`every=[${intervals.join(',')}]`);
    if (skip.length > 0) parts.push(`skip=[${skip.join(' | ')}]`);
    if (spec.startAt !== undefined) parts.push(`from=${isoOf(spec.startAt)}`);
    if (spec.endAt !== undefined) parts.push(`to=${isoOf(spec.endAt)}`);
    const jitter = durationMs(spec.jitter);
    if (jitter > 0) parts.push(`jitter=${jitter}`);
    return parts.join(' ');
  } catch (err) {
    if (err instanceof Unsupported || err instanceof RangeError) return undefined;
    throw err;
  }
}

/** Number of calendars a spec compiles to (list() truncates at 10). */
export function calendarCount(spec: ScheduleSpecDescription): number {
  return (spec.calendars?.length ?? 0) + (spec.cronExpressions?.length ?? 0);
}
