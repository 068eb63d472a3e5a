/**
 * Cron for capacity plans: the subset Temporal's scheduler and everyone else read the same way.
 *
 * Five fields, minute hour day-of-month month day-of-week, each `*`, a number, a range `a-b`,
 * a step `*\/n`, `a-b/n` or `a/n` (a to the end, as Temporal reads it), or a comma list of those.
 * Month names JAN–DEC and weekday names SUN–SAT (7 is Sunday too). The macros @hourly, @daily,
 * @midnight, @weekly, @monthly, @yearly and @annually are expanded to five fields.
 *
 * Rejected because Temporal reads them differently from cron libraries (or not at all): `L`, `W`,
 * `#` (a comment to Temporal), `H`, `?`, a 6th or 7th field (Temporal: year/seconds; libraries:
 * seconds), day-of-month together with day-of-week (Temporal: both must match; Vixie cron:
 * either), `@every`, `CRON_TZ=`/`TZ=` prefixes, and the empty string (every minute to some libraries).
 */

export interface Cron {
  /** The five fields as the plan should be sent to Temporal (macros expanded). */
  expression: string;
  minutes: boolean[];
  hours: boolean[];
  /** Index 1–31. */
  daysOfMonth: boolean[];
  /** Index 1–12. */
  months: boolean[];
  /** Index 0–6, 0 = Sunday. */
  daysOfWeek: boolean[];
  dayOfMonthStar: boolean;
  dayOfWeekStar: boolean;
}

export type CronResult = { ok: true; cron: Cron } | { ok: false; code: string; message: string };

/** Cron macros Temporal accepts, as the five fields they stand for. */
export const CRON_MACROS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: string[];
  /** Value of the first name (1 for months, 0 for weekdays). */
  nameBase?: number;
}

const FIELDS: FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTH_NAMES, nameBase: 1 },
  { name: 'day-of-week', min: 0, max: 7, names: DAY_NAMES, nameBase: 0 },
];

function fail(code: string, message: string): CronResult {
  return { ok: false, code, message };
}

function parseValue(text: string, field: FieldSpec): number | string {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n < field.min || n > field.max) return `${field.name} value ${n} is out of range ${field.min}–${field.max}`;
    return n;
  }
  if (field.names !== undefined) {
    const index = field.names.indexOf(text.toUpperCase());
    if (index >= 0) return index + (field.nameBase ?? 0);
    return `"${text}" is not a ${field.name} (use ${field.min}–${field.max} or ${field.names[0]}–${field.names[field.names.length - 1]})`;
  }
  return `"${text}" is not a number in ${field.min}–${field.max} for ${field.name}`;
}

function parseField(text: string, field: FieldSpec): boolean[] | { code: string; message: string } {
  const bits = new Array<boolean>(field.max + 1).fill(false);
  for (const part of text.split(',')) {
    if (part === '') return { code: 'cron-invalid', message: `empty list item in ${field.name} "${text}"` };
    let rangeText = part;
    let step = 1;
    let hasStep = false;
    const slash = part.indexOf('/');
    if (slash >= 0) {
      rangeText = part.slice(0, slash);
      const stepText = part.slice(slash + 1);
      if (!/^\d+$/.test(stepText) || Number(stepText) < 1)
        return { code: 'cron-invalid', message: `step "${stepText}" in ${field.name} must be a whole number of at least 1` };
      step = Number(stepText);
      hasStep = true;
    }
    let start = field.min;
    let end = field.max;
    if (rangeText !== '*') {
      const dash = rangeText.indexOf('-');
      if (dash >= 0) {
        const a = parseValue(rangeText.slice(0, dash), field);
        const b = parseValue(rangeText.slice(dash + 1), field);
        if (typeof a === 'string') return { code: 'cron-out-of-range', message: a };
        if (typeof b === 'string') return { code: 'cron-out-of-range', message: b };
        if (b < a) return { code: 'cron-out-of-range', message: `range ${rangeText} in ${field.name} runs backwards; write ${b}-${a} or a list` };
        start = a;
        end = b;
      } else {
        const a = parseValue(rangeText, field);
        if (typeof a === 'string') return { code: 'cron-out-of-range', message: a };
        start = a;
        end = hasStep ? field.max : a;
      }
    }
    for (let v = start; v <= end; v += step) bits[v] = true;
  }
  return bits;
}

const parsedCache = new Map<string, CronResult>();

/** Parses a plan's cron expression; errors carry a stable code and a fix-it message (memoised). */
export function parseCron(input: string): CronResult {
  let result = parsedCache.get(input);
  if (result === undefined) {
    result = parseCronUncached(input);
    if (parsedCache.size > 10_000) parsedCache.clear();
    parsedCache.set(input, result);
  }
  return result;
}

function parseCronUncached(input: string): CronResult {
  const text = input.trim();
  if (text === '')
    return fail('cron-empty', 'cron is empty; write five fields, e.g. "0 23 * * 1-5" (to some cron libraries an empty string means every minute)');
  if (/^(CRON_)?TZ=/i.test(text)) return fail('cron-unsupported', 'a CRON_TZ=/TZ= prefix is not allowed; put the zone in the `timezone` field');
  if (text.startsWith('@every')) return fail('cron-unsupported', '@every intervals are not supported; write a five-field cron expression');
  let expression = text;
  if (text.startsWith('@')) {
    const macro = CRON_MACROS[text.toLowerCase()];
    if (macro === undefined) return fail('cron-invalid', `unknown macro "${text}"; use @hourly, @daily, @weekly, @monthly or @yearly, or five fields`);
    expression = macro;
  }
  const features: [RegExp, string][] = [
    [/#/, '"#" (nth weekday) is not supported: Temporal reads "#" as the start of a comment and would fire every such weekday'],
    [/L/i, '"L" (last day) is not supported by Temporal\'s scheduler; list the days instead'],
    [/W/i, '"W" (nearest weekday) is not supported by Temporal\'s scheduler; list the days instead'],
    [/H/i, '"H" (hashed value) is not supported by Temporal\'s scheduler; pick a fixed value'],
    [/\?/, '"?" is not supported; use "*" for the field you do not restrict'],
  ];
  // Names (WED, JUL, THURSDAY…) contain these letters; look only at tokens that are not words,
  // plus the bare L, W, LW and H tokens.
  const special = expression
    .split(/[\s,/-]+/)
    .filter((token) => !/^[A-Za-z]{2,}$/.test(token) || /^(?:LW|L|W|H)$/i.test(token))
    .join(' ');
  for (const [re, message] of features) if (re.test(special)) return fail('cron-unsupported', message);
  const fields = expression.split(/\s+/);
  if (fields.length !== 5) {
    const extra = fields.length > 5 ? ' (Temporal reads a 6th field as the year and cron libraries as seconds, so it is ambiguous)' : '';
    return fail('cron-field-count', `cron needs exactly 5 fields (minute hour day-of-month month day-of-week), found ${fields.length}${extra}`);
  }
  const parsed: boolean[][] = [];
  for (let i = 0; i < 5; i++) {
    const field = FIELDS[i]!;
    const result = parseField(fields[i]!, field);
    if (!Array.isArray(result)) return fail(result.code, result.message);
    parsed.push(result);
  }
  const [minutes, hours, daysOfMonth, months, dowRaw] = parsed as [boolean[], boolean[], boolean[], boolean[], boolean[]];
  const daysOfWeek = dowRaw.slice(0, 7);
  if (dowRaw[7] === true) daysOfWeek[0] = true;
  const dayOfMonthStar = fields[2] === '*';
  const dayOfWeekStar = fields[4] === '*';
  if (!dayOfMonthStar && !dayOfWeekStar) {
    return fail(
      'cron-dom-and-dow',
      'day-of-month and day-of-week are both set: Temporal fires only when both match, cron libraries when either matches; use "*" in one of them (or two plans)',
    );
  }
  // Day-of-month values that never exist in the chosen months (e.g. 30 February).
  if (!dayOfMonthStar) {
    const maxDays = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let possible = false;
    for (let m = 1; m <= 12 && !possible; m++) {
      if (!months[m]) continue;
      for (let d = 1; d <= maxDays[m]!; d++) if (daysOfMonth[d]) possible = true;
    }
    if (!possible) return fail('cron-never-fires', `"${text}" never fires: no chosen month has that day`);
  }
  return { ok: true, cron: { expression: fields.join(' '), minutes, hours, daysOfMonth, months, daysOfWeek, dayOfMonthStar, dayOfWeekStar } };
}

function isLeap(y: number): boolean {
  return y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
}

/**
 * Days in a month (1-12) of a year: the one calendar helper (cron matching, plan dates and the
 * port of Temporal's scheduler). Month 13 answers 30, as Go's does, which that scheduler can ask for.
 */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeap(year) ? 29 : 28;
  return 30 + ((0b1010110101010 >> month) & 1);
}

/** Whether the cron matches a local calendar date (weekday 0 = Sunday). */
export function cronMatchesDate(cron: Cron, month: number, day: number, weekday: number): boolean {
  return cron.months[month] === true && cron.daysOfMonth[day] === true && cron.daysOfWeek[weekday] === true;
}

const timesCache = new WeakMap<Cron, [number, number][]>();

/** The matching local times of day, as [hour, minute] pairs, ascending (do not mutate). */
export function cronTimesOfDay(cron: Cron): [number, number][] {
  const cached = timesCache.get(cron);
  if (cached !== undefined) return cached;
  const out: [number, number][] = [];
  timesCache.set(cron, out);
  for (let h = 0; h < 24; h++) {
    if (!cron.hours[h]) continue;
    for (let m = 0; m < 60; m++) if (cron.minutes[m]) out.push([h, m]);
  }
  return out;
}

/**
 * The shortest time between two consecutive starts, in minutes of wall-clock time (no DST),
 * over two calendar years including a leap year — so it never depends on today's date.
 * Infinity when the cron fires at most once in that span.
 */
const gapCache = new WeakMap<Cron, number>();

export function minStartGapMinutes(cron: Cron): number {
  let gap = gapCache.get(cron);
  if (gap === undefined) {
    gap = computeMinStartGap(cron);
    gapCache.set(cron, gap);
  }
  return gap;
}

function computeMinStartGap(cron: Cron): number {
  const times = cronTimesOfDay(cron).map(([h, m]) => h * 60 + m);
  if (times.length === 0) return Infinity;
  let gap = Infinity;
  for (let i = 1; i < times.length; i++) gap = Math.min(gap, times[i]! - times[i - 1]!);
  const first = times[0]!;
  const last = times[times.length - 1]!;
  // Consecutive matching days from 2027-01-01 (a Friday) through 2029-01-07.
  let weekday = 5;
  let dayIndex = 0;
  let previous = -1;
  for (let year = 2027; year <= 2029; year++) {
    for (let month = 1; month <= 12; month++) {
      const days = daysInMonth(year, month);
      for (let day = 1; day <= days; day++) {
        if (year === 2029 && (month > 1 || day > 7)) return gap;
        if (cronMatchesDate(cron, month, day, weekday)) {
          if (previous >= 0) gap = Math.min(gap, (dayIndex - previous) * 1440 - last + first);
          previous = dayIndex;
        }
        weekday = (weekday + 1) % 7;
        dayIndex++;
      }
    }
  }
  return gap;
}
