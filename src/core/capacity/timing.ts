/**
 * A plan's timing (`lead:`, `release:`, docs/plan-format.md): when capsched really asks for a
 * window's capacity and gives it back, as instants. Pure: windows and offsets are passed in.
 *
 * - `lead: 3m`: the schedule fires 3 minutes before the window's start, so the raise is requested
 *   then and the capacity is ready at the start. A ramp's steps up are requested `lead` early too;
 *   its steps down stay at their instants (the capacity a window asks for is never cut short).
 * - `release: early`: the window's end as sent to the coordinator is RELEASE_LEAD_MS before the
 *   plan's end, so the release (which Temporal aims to provision within two minutes) has
 *   completed by the plan's end.
 *
 * The window as acted on (actedWindow) is what the schedule fires and the window workflow holds:
 * the schedule spec (fireCron), the window workflow's input (inputDurationMs, actedStepOffsets),
 * desired-now (which occurrence a running window is) and the billing model all read it from here.
 */
import { MINUTE } from '../time/units.js';
import { formatDurationMs, parseDurationMs } from './duration.js';
import type { RampStep, TimedStep } from './steps.js';
import type { Cron } from '../windows/cron.js';

/**
 * How long before a window's end `release: early` requests the release: Temporal Cloud "aims to
 * provision the additional capacity within two minutes" (capacity-modes docs), so a release
 * requested this early has completed by the end.
 */
export const RELEASE_LEAD_MS = 2 * MINUTE;
/** The longest `lead:` a plan may ask for. */
export const MAX_LEAD_MS = 30 * MINUTE;

/** When a window's capacity is requested and released (the billing model's BillingTiming has this shape). */
export interface WindowTiming {
  /** The raise is requested this long before the window's start (0: at it). */
  leadMs: number;
  /** 'at-end': the release is requested at the end; 'early': RELEASE_LEAD_MS before, complete by the end. */
  release: 'at-end' | 'early';
}

/** Raise at the start, release at the end: a plan that says neither `lead` nor `release`. */
export const PLAN_DEFAULT_TIMING: WindowTiming = { leadMs: 0, release: 'at-end' };

/** A plan's timing from its (valid) `lead` and `release` fields. */
export function planTiming(plan: { lead?: string | undefined; release?: 'at-end' | 'early' | undefined }): WindowTiming {
  const leadMs = plan.lead === undefined ? 0 : (parseDurationMs(plan.lead) ?? 0);
  return { leadMs, release: plan.release ?? 'at-end' };
}

/** True when the timing is the default (raise at the start, release at the end). */
export function isDefaultTiming(t: WindowTiming): boolean {
  return t.leadMs === 0 && t.release === 'at-end';
}

/** "lead 3m, release early" (empty for the default timing). */
export function describeTiming(t: WindowTiming): string {
  const parts: string[] = [];
  if (t.leadMs > 0) parts.push(`lead ${formatDurationMs(t.leadMs)}`);
  if (t.release === 'early') parts.push('release early');
  return parts.join(', ');
}

/** The end as sent to the coordinator (null: permanent). */
export function actedEndMs(endMs: number | null, t: WindowTiming): number | null {
  if (endMs === null) return null;
  return t.release === 'early' ? endMs - RELEASE_LEAD_MS : endMs;
}

/** The window's length as the window workflow reads it (its `duration` input), from the fire time to the end as sent. */
export function inputDurationMs(lengthMs: number, t: WindowTiming): number {
  return lengthMs + t.leadMs - (t.release === 'early' ? RELEASE_LEAD_MS : 0);
}

/**
 * A ramp's steps as the window acts on them, offsets from the fire time (start − lead): at each
 * moment the higher of what the plan asks for now and what it asks for `lead` later, so each step
 * up is requested `lead` early and each step down stays at its instant. Steps at or after
 * `untilMs` (the end as sent, an offset from the fire time; a step the early release would cut)
 * are left out. The first step is at 0.
 */
export function actedStepOffsets(steps: readonly RampStep[], t: WindowTiming, untilMs?: number): RampStep[] {
  const lead = t.leadMs;
  if (steps.length === 0) return [];
  const planAt = (offset: number): number => {
    // offset from the plan's start; before the start nothing is asked for.
    if (offset < 0) return 0;
    let v = 0;
    for (const s of steps) if (s.afterMs <= offset) v = s.trus;
    return v;
  };
  const held = (u: number): number => Math.max(planAt(u - lead), planAt(u));
  const points = [...new Set([0, ...steps.map((s) => s.afterMs), ...steps.map((s) => s.afterMs + lead)])].sort((a, b) => a - b);
  const out: RampStep[] = [];
  for (const u of points) {
    if (untilMs !== undefined && u >= untilMs && u > 0) break;
    const v = held(u);
    if (out.length > 0 && out[out.length - 1]!.trus === v) continue;
    out.push({ afterMs: u, trus: v });
  }
  return out;
}

/** A window as planned (start, end, a ramp's steps at instants) and as acted on. */
export interface TimedWindow {
  startMs: number;
  endMs: number | null;
  trus: number;
  steps?: TimedStep[];
}

/**
 * The window as capsched acts on it: from the fire time (start − lead) to the end as sent, a
 * ramp's steps as actedStepOffsets says. The default timing returns the window unchanged.
 */
export function actedWindow<W extends TimedWindow>(w: W, t: WindowTiming): W {
  if (isDefaultTiming(t)) return w;
  const startMs = w.startMs - t.leadMs;
  const endMs = actedEndMs(w.endMs, t);
  const out: W = { ...w, startMs, endMs };
  if (w.steps !== undefined) {
    const offsets = w.steps.map((s) => ({ afterMs: s.atMs - w.startMs, trus: s.trus }));
    out.steps = actedStepOffsets(offsets, t, endMs === null ? undefined : endMs - startMs).map((s) => ({ atMs: startMs + s.afterMs, trus: s.trus }));
  }
  return out;
}

export type FireCron = { ok: true; expression: string } | { ok: false; message: string };

/** "0-4,9,30-31"-style list of the set values of a cron field (indices min..max). */
function listOf(values: boolean[], min: number, max: number): string {
  const on: number[] = [];
  for (let i = min; i <= max; i++) if (values[i] === true) on.push(i);
  if (on.length === max - min + 1) return '*';
  const parts: string[] = [];
  for (let i = 0; i < on.length; i++) {
    let j = i;
    while (j + 1 < on.length && on[j + 1] === on[j]! + 1) j++;
    parts.push(j === i ? String(on[i]) : j === i + 1 ? `${on[i]},${on[j]}` : `${on[i]}-${on[j]}`);
    i = j;
  }
  return parts.join(',');
}

/**
 * The cron that fires `leadMs` (whole minutes, under an hour) before every start of `cron`, in the
 * same zone, as one expression. Each start moves back in wall time; one that moves into the
 * previous hour moves its hour back, one at 00:xx into the previous day. Not every cron can say
 * that in one expression (then the reason): starts on both sides of the hour's `lead` minutes, a
 * midnight start together with other hours on chosen days, or on the first day of a month.
 * Wall time: on a DST night a start within `lead` of the clock change can fire an hour off, or
 * not at all (validate warns: `dst-lead`).
 */
export function fireCron(cron: Cron, leadMs: number): FireCron {
  if (leadMs <= 0) return { ok: true, expression: cron.expression };
  const lead = Math.round(leadMs / MINUTE);
  const [, , domText, monthText] = cron.expression.split(/\s+/);
  const minutes: number[] = [];
  for (let m = 0; m < 60; m++) if (cron.minutes[m] === true) minutes.push(m);
  const wraps = minutes.filter((m) => m < lead);
  if (wraps.length > 0 && wraps.length < minutes.length)
    return {
      ok: false,
      message: `some starts of cron "${cron.expression}" are in the first ${lead} minutes of the hour and some are not: a ${lead}m lead cannot fire them from one cron — split the plan in two, or drop the lead`,
    };
  const newMinutes = Array<boolean>(60).fill(false);
  for (const m of minutes) newMinutes[(m - lead + 60) % 60] = true;
  const minuteField = listOf(newMinutes, 0, 59);
  if (wraps.length === 0) {
    const rest = cron.expression.split(/\s+/).slice(1).join(' ');
    return { ok: true, expression: `${minuteField} ${rest}` };
  }
  // Every start moves into the previous hour.
  const hours: number[] = [];
  for (let h = 0; h < 24; h++) if (cron.hours[h] === true) hours.push(h);
  const newHours = Array<boolean>(24).fill(false);
  for (const h of hours) newHours[(h + 23) % 24] = true;
  const hourField = listOf(newHours, 0, 23);
  const everyMonth = cron.months.slice(1, 13).every((m) => m);
  const everyDay = cron.dayOfMonthStar && cron.dayOfWeekStar && everyMonth;
  const [, , , , dowText] = cron.expression.split(/\s+/);
  if (!hours.includes(0) || everyDay) return { ok: true, expression: `${minuteField} ${hourField} ${domText} ${monthText} ${dowText}` };
  // A start at 00:xx fires the day before: in the previous month on a 1st, so only for every month.
  if (!everyMonth)
    return {
      ok: false,
      message: `cron "${cron.expression}" starts at midnight in chosen months: a ${lead}m lead fires on the day before, in the previous month on a 1st, which one cron cannot say — start the window a few minutes after midnight, or drop the lead`,
    };
  if (hours.length > 1)
    return {
      ok: false,
      message: `cron "${cron.expression}" starts at midnight and at other hours on chosen days: a ${lead}m lead moves only the midnight starts to the day before, which one cron cannot say — split the plan in two, or drop the lead`,
    };
  if (!cron.dayOfWeekStar) {
    const days = Array<boolean>(7).fill(false);
    for (let d = 0; d < 7; d++) if (cron.daysOfWeek[d] === true) days[(d + 6) % 7] = true;
    return { ok: true, expression: `${minuteField} ${hourField} ${domText} ${monthText} ${listOf(days, 0, 6)}` };
  }
  // Days of the month: the day before each, unless that is in the previous month.
  // The day before the 1st is in another month; the day before the 29th–31st is also the last day of
  // a shorter month, where the plan does not start.
  if ([1, 29, 30, 31].some((d) => cron.daysOfMonth[d] === true))
    return {
      ok: false,
      message: `cron "${cron.expression}" starts at midnight on chosen days of the month: a ${lead}m lead fires on the day before, which one cron cannot say for the 1st or the 29th–31st of a month — start the window a few minutes after midnight, or drop the lead`,
    };
  const doms = Array<boolean>(32).fill(false);
  for (let d = 2; d <= 31; d++) if (cron.daysOfMonth[d] === true) doms[d - 1] = true;
  return { ok: true, expression: `${minuteField} ${hourField} ${listOf(doms, 1, 31)} ${monthText} ${dowText}` };
}
