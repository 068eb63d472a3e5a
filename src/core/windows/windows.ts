import type { CapacityPlan } from '../plan/schema.js';
import { parseDurationMs } from '../capacity/duration.js';
import { planSteps, timedSteps, trusAt, type RampStep, type TimedStep } from '../capacity/steps.js';
import { resolveDateTime } from '../plan/date-time.js';
import { formatLocalIso, formatUtcIso } from '../time/zone.js';
import { parseCron, type Cron } from './cron.js';
import { cronOccurrences } from './occurrences.js';
import { temporalOccurrences } from './temporal-calendar.js';
import { hasTransitionBetween } from '../time/zone.js';
import { HOUR, DAY, WEEK } from '../time/units.js';

/** A step of a window's ramp at its instant, with its local time when the window is formatted. */
export interface WindowStep extends TimedStep {
  /** In the plan's zone with its offset, e.g. "2026-11-01T01:00-05:00" (absent on the maths-only windows). */
  local?: string;
}

/**
 * One capacity window of one plan: provisioned `trus` from start to end (null = permanent). A
 * ramp's window has its `steps` (instants, the first at the start) and `trus` is their peak.
 */
export interface Window {
  plan: string;
  namespace: string;
  /** A flat window's TRUs; a ramp's peak. What the window asks for at an instant is windowTrusAt. */
  trus: number;
  /** A ramp: what the window asks for from each instant (absent for a flat window). */
  steps?: WindowStep[];
  startMs: number;
  /** null = permanent: the change is never reverted. */
  endMs: number | null;
  /** Start in the plan's zone with its offset, e.g. "2026-12-24T09:00-05:00". */
  localStart: string;
  localEnd?: string;
  /** The start's wall time is repeated that night (Temporal fires twice) or was skipped and moved. */
  dst?: 'skipped' | 'repeated';
}

/**
 * A window as previews show it (validation, the desired schedule, the dev table): the one
 * WindowPreview type, made from a Window by `previewOf`.
 */
export interface WindowPreview {
  /** ISO with the plan zone's offset, e.g. "2026-12-24T09:00-05:00". */
  start: string;
  /** null = permanent. */
  end: string | null;
  startUtc: string;
  endUtc: string | null;
  dst?: 'skipped' | 'repeated';
  /** A ramp: each step's local and UTC time (absent for a flat window). */
  steps?: StepPreview[];
}

/** One step of a previewed ramp window. */
export interface StepPreview {
  /** ISO with the plan zone's offset. */
  at: string;
  atUtc: string;
  trus: number;
}

export function previewOf(w: Window): WindowPreview {
  const p: WindowPreview = {
    start: w.localStart,
    end: w.localEnd ?? null,
    startUtc: formatUtcIso(w.startMs),
    endUtc: w.endMs === null ? null : formatUtcIso(w.endMs),
  };
  if (w.dst !== undefined) p.dst = w.dst;
  if (w.steps !== undefined) p.steps = w.steps.map((s) => ({ at: s.local ?? formatUtcIso(s.atMs), atUtc: formatUtcIso(s.atMs), trus: s.trus }));
  return p;
}

const stepsCache = new WeakMap<CapacityPlan, RampStep[]>();

/** A ramp plan's steps with their offsets in ms (parsed once per plan); undefined for a flat plan. */
export function planRamp(plan: CapacityPlan): RampStep[] | undefined {
  if (plan.steps === undefined) return undefined;
  let steps = stepsCache.get(plan);
  if (steps === undefined) stepsCache.set(plan, (steps = planSteps(plan)));
  return steps;
}

/** The steps of a plan's window that starts at `startMs` (undefined for a flat plan); with local times when `zone` is given. */
export function windowSteps(plan: CapacityPlan, startMs: number, zone?: string): WindowStep[] | undefined {
  const ramp = planRamp(plan);
  if (ramp === undefined) return undefined;
  return timedSteps(ramp, startMs).map((s) => (zone === undefined ? s : { ...s, local: formatLocalIso(zone, s.atMs) }));
}

/** What a window asks for at `atMs` (its current step for a ramp); 0 outside the window. */
export function windowTrusAt(w: Pick<Window, 'trus' | 'steps' | 'startMs' | 'endMs'>, atMs: number): number {
  if (atMs < w.startMs || (w.endMs !== null && atMs >= w.endMs)) return 0;
  return w.steps === undefined ? w.trus : trusAt(w.steps, atMs);
}

/** The highest a window asks for in [fromMs, toMs) (its peak over that stretch; a flat window: its TRUs). */
export function windowPeakBetween(w: Pick<Window, 'trus' | 'steps' | 'startMs' | 'endMs'>, fromMs: number, toMs: number): number {
  if (w.steps === undefined) return w.trus;
  const from = Math.max(fromMs, w.startMs);
  let peak = trusAt(w.steps, from);
  for (const s of w.steps) if (s.atMs > from && s.atMs < toMs) peak = Math.max(peak, s.trus);
  return peak;
}

/** The values a window asks for in [fromMs, toMs), in order ("4 → 8 → 12 TRUs" once described). */
export function windowStepsBetween(w: Pick<Window, 'trus' | 'steps' | 'startMs'>, fromMs: number, toMs: number): number[] {
  if (w.steps === undefined) return [w.trus];
  const from = Math.max(fromMs, w.startMs);
  const values = [trusAt(w.steps, from)];
  for (const s of w.steps) if (s.atMs > from && s.atMs < toMs && s.trus !== values[values.length - 1]) values.push(s.trus);
  return values;
}

/** Parsed cron of a plan (memoised); null when the plan has none or it is invalid. */
export function planCron(plan: CapacityPlan): Cron | null {
  if (plan.cron === undefined) return null;
  const parsed = parseCron(plan.cron);
  return parsed.ok ? parsed.cron : null;
}

const durationCache = new WeakMap<CapacityPlan, { text: string; ms: number | null }>();

/** Window length in ms for a cron plan or an `at` + `duration` plan (parsed once per plan); null = permanent. */
export function planDurationMs(plan: CapacityPlan): number | null {
  if (plan.duration === undefined) return null;
  const cached = durationCache.get(plan);
  if (cached !== undefined && cached.text === plan.duration) return cached.ms;
  const ms = parseDurationMs(plan.duration) ?? null;
  durationCache.set(plan, { text: plan.duration, ms });
  return ms;
}

const oneOffCache = new WeakMap<CapacityPlan, Window | null>();

/** The one window of a one-off (`at`) plan, or undefined when `at`/`until` do not resolve. */
export function oneOffWindow(plan: CapacityPlan): Window | undefined {
  const cached = oneOffCache.get(plan);
  if (cached !== undefined) return cached === null ? undefined : { ...cached };
  const w = computeOneOffWindow(plan);
  oneOffCache.set(plan, w ?? null);
  return w === undefined ? undefined : { ...w };
}

function computeOneOffWindow(plan: CapacityPlan): Window | undefined {
  if (plan.at === undefined) return undefined;
  const start = resolveDateTime(plan.at, plan.timezone);
  if (!start.ok) return undefined;
  let endMs: number | null = null;
  if (plan.until !== undefined) {
    const end = resolveDateTime(plan.until, plan.timezone);
    if (!end.ok) return undefined;
    endMs = end.ms;
  } else {
    const d = planDurationMs(plan);
    endMs = d === null ? null : start.ms + d;
  }
  return makeWindow(plan, start.ms, endMs, start.dst);
}

function makeWindow(plan: CapacityPlan, startMs: number, endMs: number | null, dst?: 'skipped' | 'repeated'): Window {
  const w: Window = { plan: plan.name, namespace: plan.namespace, trus: plan.trus, startMs, endMs, localStart: formatLocalIso(plan.timezone, startMs) };
  const steps = windowSteps(plan, startMs, plan.timezone);
  if (steps !== undefined) w.steps = steps;
  if (endMs !== null) w.localEnd = formatLocalIso(plan.timezone, endMs);
  if (dst !== undefined) w.dst = dst;
  return w;
}

/** A window without its formatted local times (what the maths needs). */
export interface Interval {
  startMs: number;
  endMs: number | null;
  dst?: 'skipped' | 'repeated';
}

/**
 * The starts Temporal fires for a cron in [fromMs, toMs). Away from DST changes that is every
 * instant whose wall time matches (fast); near one, Temporal's own arithmetic (see
 * temporal-calendar.ts). Starts on a DST night that are repeated or not named by the cron
 * carry dst: 'repeated'.
 */
export function cronStarts(cron: Cron, zone: string, fromMs: number, toMs: number, limit = 1_000_000): { startMs: number; dst?: 'repeated' }[] {
  if (!hasTransitionBetween(zone, fromMs - 2 * DAY, toMs + 2 * DAY)) return cronOccurrences(cron, zone, fromMs, toMs, limit);
  const wallTime = new Map(cronOccurrences(cron, zone, fromMs - DAY, toMs + DAY).map((o) => [o.startMs, o.dst]));
  return temporalOccurrences(cron, zone, fromMs, toMs, limit).map((startMs) => {
    const known = wallTime.has(startMs);
    return known && wallTime.get(startMs) === undefined ? { startMs } : { startMs, dst: 'repeated' as const };
  });
}

/** planWindows without the formatting: intervals intersecting [fromMs, toMs), in start order. */
export function planIntervals(plan: CapacityPlan, fromMs: number, toMs: number): Interval[] {
  if (plan.paused) return [];
  if (plan.at !== undefined) {
    const w = oneOffWindow(plan);
    if (w === undefined || w.startMs >= toMs || (w.endMs !== null && w.endMs <= fromMs)) return [];
    return [w.dst === undefined ? { startMs: w.startMs, endMs: w.endMs } : { startMs: w.startMs, endMs: w.endMs, dst: w.dst }];
  }
  const cron = planCron(plan);
  if (cron === null) return [];
  const durationMs = planDurationMs(plan);
  const out: Interval[] = [];
  for (const o of cronStarts(cron, plan.timezone, fromMs - (durationMs ?? 0), toMs)) {
    if (durationMs !== null && o.startMs + durationMs <= fromMs) continue;
    const endMs = durationMs === null ? null : o.startMs + durationMs;
    out.push(o.dst === undefined ? { startMs: o.startMs, endMs } : { startMs: o.startMs, endMs, dst: o.dst });
  }
  return out;
}

/**
 * The windows of a plan that intersect [fromMs, toMs), in start order, exactly as Temporal will
 * fire them (see cronOccurrences for DST). Paused plans have none. A permanent cron plan yields
 * its starts in the range (each has endMs null).
 */
export function planWindows(plan: CapacityPlan, fromMs: number, toMs: number): Window[] {
  return planIntervals(plan, fromMs, toMs).map((i) => makeWindow(plan, i.startMs, i.endMs, i.dst));
}

/** The next `count` windows starting at or after nowMs (paused plans: none). */
export function nextWindows(plan: CapacityPlan, nowMs: number, count: number): Window[] {
  if (plan.paused || count <= 0) return [];
  if (plan.at !== undefined) {
    const w = oneOffWindow(plan);
    return w !== undefined && w.startMs >= nowMs ? [w] : [];
  }
  const cron = planCron(plan);
  if (cron === null) return [];
  const durationMs = planDurationMs(plan);
  // Most crons fire within weeks; three 29 Februaries need up to twelve years.
  for (const days of [40, 400, 13 * 366]) {
    const starts = cronStarts(cron, plan.timezone, nowMs, nowMs + days * DAY, count);
    if (starts.length >= count || days > 400) {
      return starts.map((o) => makeWindow(plan, o.startMs, durationMs === null ? null : o.startMs + durationMs, o.dst));
    }
  }
  return [];
}

/** One segment of a namespace's effective capacity. */
export interface TimelineSegment {
  startMs: number;
  endMs: number;
  /** Effective provisioned TRUs (the maximum of the active windows); 0 = on-demand. */
  trus: number;
  /** Plans with a window active in this segment, sorted. */
  plans: string[];
}

/**
 * The effective capacity of ONE namespace over [fromMs, toMs): overlapping windows take the
 * maximum of their *current* TRUs (a ramp's step at that instant); gaps are on-demand (trus 0).
 * Segments cover the whole range, in order.
 */
export function effectiveTimeline(windows: Window[], fromMs: number, toMs: number): TimelineSegment[] {
  if (toMs <= fromMs) return [];
  const bounds = new Set<number>([fromMs, toMs]);
  const clipped = windows.map((w) => ({ w, s: Math.max(w.startMs, fromMs), e: Math.min(w.endMs ?? toMs, toMs) })).filter((c) => c.e > c.s);
  for (const c of clipped) {
    bounds.add(c.s);
    bounds.add(c.e);
    // A ramp changes value at each step: a segment boundary.
    for (const step of c.w.steps ?? []) if (step.atMs > c.s && step.atMs < c.e) bounds.add(step.atMs);
  }
  const points = [...bounds].sort((a, b) => a - b);
  const segments: TimelineSegment[] = [];
  // Sweep: windows sorted by start, active set maintained.
  clipped.sort((a, b) => a.s - b.s);
  let next = 0;
  let active: typeof clipped = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const s = points[i]!;
    const e = points[i + 1]!;
    active = active.filter((c) => c.e > s);
    while (next < clipped.length && clipped[next]!.s <= s) {
      if (clipped[next]!.e > s) active.push(clipped[next]!);
      next++;
    }
    let trus = 0;
    const plans = new Set<string>();
    for (const c of active) {
      trus = Math.max(trus, c.w.steps === undefined ? c.w.trus : trusAt(c.w.steps, s));
      plans.add(c.w.plan);
    }
    const planList = [...plans].sort();
    const last = segments[segments.length - 1];
    if (last !== undefined && last.endMs === s && last.trus === trus && last.plans.join('\n') === planList.join('\n')) last.endMs = e;
    else segments.push({ startMs: s, endMs: e, trus, plans: planList });
  }
  return segments;
}

export interface NamespaceCapacitySummary {
  namespace: string;
  /** Provisioned TRU-hours in the week from `fromMs` (overlaps counted once, at the maximum). */
  truHours: number;
  /** Highest effective TRUs in that week. */
  peakTrus: number;
  /** Hours with provisioned capacity in that week. */
  provisionedHours: number;
}

/** Per namespace, provisioned TRU-hours in the 7 days from fromMs, sorted by namespace. */
export function truHoursPerWeek(windows: Window[], fromMs: number): NamespaceCapacitySummary[] {
  const byNamespace = groupByNamespace(windows);
  const out: NamespaceCapacitySummary[] = [];
  for (const [namespace, list] of byNamespace) {
    let truHours = 0;
    let peakTrus = 0;
    let provisionedHours = 0;
    for (const seg of effectiveTimeline(list, fromMs, fromMs + WEEK)) {
      const hours = (seg.endMs - seg.startMs) / HOUR;
      truHours += seg.trus * hours;
      if (seg.trus > 0) provisionedHours += hours;
      peakTrus = Math.max(peakTrus, seg.trus);
    }
    out.push({ namespace, truHours: Math.round(truHours * 100) / 100, peakTrus, provisionedHours: Math.round(provisionedHours * 100) / 100 });
  }
  return out.sort((a, b) => (a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : 0));
}

function groupByNamespace(windows: Window[]): Map<string, Window[]> {
  const byNamespace = new Map<string, Window[]>();
  for (const w of windows) {
    const list = byNamespace.get(w.namespace);
    if (list === undefined) byNamespace.set(w.namespace, [w]);
    else list.push(w);
  }
  return byNamespace;
}

/** Two windows of different plans on one namespace that are active at the same time. */
export interface Overlap {
  namespace: string;
  /** The earlier-starting window first. */
  first: Window;
  second: Window;
  startMs: number;
  /** null when both are permanent. */
  endMs: number | null;
  /** What the namespace should have during the overlap: the maximum (of a ramp's steps in the overlap). */
  effectiveTrus: number;
}

/** Where two overlapping windows are both active, and the most the namespace gets then. */
export function overlapOf(namespace: string, first: Window, second: Window): Overlap {
  const endMs = first.endMs === null ? second.endMs : second.endMs === null ? first.endMs : Math.min(first.endMs, second.endMs);
  const startMs = second.startMs;
  const to = endMs ?? Number.POSITIVE_INFINITY;
  const effectiveTrus = Math.max(windowPeakBetween(first, startMs, to), windowPeakBetween(second, startMs, to));
  return { namespace, first, second, startMs, endMs, effectiveTrus };
}

/**
 * Calls `onPair(earlier, later)` for every pair of windows of different plans on the same
 * namespace that are active at the same time (no allocation per pair).
 */
export function forEachOverlap(windows: Window[], onPair: (first: Window, second: Window) => void): void {
  for (const list of groupByNamespace(windows).values()) {
    list.sort((a, b) => a.startMs - b.startMs);
    const active: Window[] = [];
    for (const w of list) {
      // Drop ended windows, and an older start of a permanent plan that this one supersedes.
      let kept = 0;
      for (const a of active) {
        const ended = a.endMs !== null && a.endMs <= w.startMs;
        const superseded = w.endMs === null && a.endMs === null && a.plan === w.plan;
        if (!ended && !superseded) active[kept++] = a;
      }
      active.length = kept;
      for (const a of active) if (a.plan !== w.plan) onPair(a, w);
      active.push(w);
    }
  }
}

/** Every overlapping pair of windows from different plans on the same namespace, by start. */
export function findOverlaps(windows: Window[]): Overlap[] {
  const out: Overlap[] = [];
  forEachOverlap(windows, (a, w) => out.push(overlapOf(w.namespace, a, w)));
  return out.sort((x, y) => x.startMs - y.startMs || (x.namespace < y.namespace ? -1 : 1));
}
