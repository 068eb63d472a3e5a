import { affectedNamespaces, diffPlans, type LocatedPlan } from '../plan/plan-diff.js';
import type { CapacityPlan } from '../plan/schema.js';
import { formatLocalHuman, formatUtcIso, transitionsBetween } from '../time/zone.js';
import { effectiveTimeline, findOverlaps, planWindows, windowStepsBetween, type Overlap, type Window } from '../windows/windows.js';
import {
  PR_REPORT_FORMAT,
  type CapacityWarning,
  type DstTransition,
  type NamespaceImpact,
  type PrReport,
  type ReportIssue,
  type RevisionSummary,
  type SideCapacity,
  type ReportSegment,
} from './pr-model.js';
import { MINUTE, HOUR, DAY } from '../time/units.js';
import { desiredNow } from '../live/desired-now.js';
import { DEFAULT_ACTIONS_PRICE_PER_MILLION, DEFAULT_TIMING, worstCaseCost } from '../billing/bill.js';
import { actedPlanWindows, billWindows, planBillingReach } from '../billing/windows.js';
import { timingOptionCosts } from '../billing/timing-cost.js';
import { isDefaultTiming, planTiming } from '../capacity/timing.js';
import { planIntervals } from '../windows/windows.js';
import { liveFromDesired, liveRules } from '../live/rules.js';
import type { LivePlan } from '../live/types.js';

/** The installation name the "if merged now" comparison uses (any id works: both sides use it). */
const PR_INSTALLATION = 'pr';

/** Running windows if head is merged now, against base as if fully applied (same rules as the pass, reductions held). */
export function liveIfMerged(input: Pick<BuildPrReportInput, 'base' | 'head' | 'nowMs'>): LivePlan {
  const workflowIdOf = (plan: string, startMs: number): string => `capsched.${PR_INSTALLATION}.${plan}-${new Date(startMs).toISOString()}`;
  const base = desiredNow(input.base.plans, input.nowMs, input.base.commit);
  const head = desiredNow(input.head.valid && input.head.pathExists ? input.head.plans : input.base.plans, input.nowMs, input.head.commit);
  return liveRules(head, liveFromDesired(base, PR_INSTALLATION, workflowIdOf), {
    installation: PR_INSTALLATION,
    reductions: 'at-end',
    startWorkflowId: workflowIdOf,
  });
}

/**
 * Builds the pull-request report from two revisions' plans. Pure: the caller passes `nowMs`.
 *
 * Figures, all over the horizon [fromMs, toMs) = `days` whole UTC days from 00:00 UTC of now's
 * day (stable across pushes on one day):
 * - windows come from planWindows (exactly what Temporal will fire, DST included; `duration` is
 *   real elapsed time from the start instant; `until` is a wall time in the plan's zone);
 * - effective TRUs per namespace from effectiveTimeline (overlaps take the maximum, never the sum);
 * - TRU-hours held = Σ effective TRUs × segment hours; per week = TRU-hours × 7 / days;
 * - billed TRU-hours and minimum Actions per UTC calendar hour of the horizon (core/billing, each
 *   plan as capsched acts on it: raised `lead` before its start, released at its end or, with
 *   `release: early`, by it), per week × 7 / days; the worst
 *   case is the minimum Actions at the Actions price.
 * Permanent plans (no duration/until) count from their first start inside the horizon.
 */

export interface RevisionInput {
  ref: string;
  commit: string;
  /** False when the plans path does not exist at this revision. */
  pathExists: boolean;
  valid: boolean;
  /** The plans that loaded (shape-valid) at this revision, with where they are written. */
  plans: LocatedPlan[];
  errors: ReportIssue[];
  warnings: ReportIssue[];
}

export interface BuildPrReportInput {
  base: RevisionInput;
  head: RevisionInput;
  plansPath: string;
  nowMs: number;
  /** Horizon length in days (default 7). */
  days?: number;
  /** Namespaces whose capacity another tool also manages: exact ids, or a prefix ending in "*". */
  managedElsewhere?: readonly string[];
  /** USD per million Actions for the worst case (default the list $50). */
  actionsPrice?: number;
}

export function round2(n: number): number {
  const r = Math.round(n * 100) / 100;
  return Object.is(r, -0) ? 0 : r;
}

/** 00:00 UTC of the day containing `nowMs`. */
export function horizonStart(nowMs: number): number {
  return Math.floor(nowMs / DAY) * DAY;
}

export function matchesNamespace(namespace: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => (p.endsWith('*') ? namespace.startsWith(p.slice(0, -1)) : namespace === p));
}

function groupPlans(plans: readonly LocatedPlan[]): Map<string, CapacityPlan[]> {
  const out = new Map<string, CapacityPlan[]>();
  const seen = new Set<string>();
  for (const { plan } of plans) {
    // Duplicate names are a validation error; count the first. A `namespaces:` plan is one plan per namespace.
    const key = `${plan.name}\n${plan.namespace}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const list = out.get(plan.namespace);
    if (list === undefined) out.set(plan.namespace, [plan]);
    else list.push(plan);
  }
  return out;
}

/** A window starts on a skipped/repeated wall time, or the zone offset changes inside it or at its end (its wall-clock end moves). */
function dstAffected(w: Window, zone: string, toMs: number): boolean {
  if (w.dst !== undefined) return true;
  return zone !== 'UTC' && transitionsBetween(zone, w.startMs + 1, (w.endMs ?? toMs) + 1).length > 0;
}

interface SideWork {
  capacity: SideCapacity;
  windows: Window[];
  dstWindows: Window[];
}

function sideCapacity(plans: readonly CapacityPlan[], fromMs: number, toMs: number, days: number): SideWork {
  const zones = new Map(plans.map((p) => [p.name, p.timezone]));
  const windows = plans.flatMap((p) => planWindows(p, fromMs, toMs));
  // The bill reaches a little outside the horizon: a window ending at its first hour bills that hour,
  // one starting up to a lead after it too. Each plan as capsched acts on it (its lead and release).
  const reach = planBillingReach(fromMs, toMs);
  const bill = billWindows(
    plans.flatMap((p) => actedPlanWindows(p, planIntervals(p, reach.fromMs, reach.toMs))),
    fromMs,
    toMs,
    DEFAULT_TIMING,
  );
  const dstWindows = windows.filter((w) => dstAffected(w, zones.get(w.plan) ?? 'UTC', toMs));
  const segments: ReportSegment[] = [];
  let truHours = 0;
  let provisionedHours = 0;
  let peakTrus = 0;
  for (const seg of effectiveTimeline(windows, fromMs, toMs)) {
    if (seg.trus <= 0) continue;
    const hours = (seg.endMs - seg.startMs) / HOUR;
    truHours += seg.trus * hours;
    provisionedHours += hours;
    peakTrus = Math.max(peakTrus, seg.trus);
    const dst = dstWindows.some((w) => w.startMs < seg.endMs && (w.endMs ?? toMs) > seg.startMs);
    segments.push({
      startMs: seg.startMs,
      endMs: seg.endMs,
      start: formatUtcIso(seg.startMs),
      end: formatUtcIso(seg.endMs),
      trus: seg.trus,
      plans: seg.plans,
      overlap: seg.plans.length > 1,
      dst,
    });
  }
  return {
    capacity: {
      plans: plans.map((p) => p.name).sort(),
      truHours: round2(truHours),
      truHoursPerWeek: round2((truHours * 7) / days),
      billedTruHours: bill.billedTruHours,
      billedTruHoursPerWeek: round2((bill.billedTruHours * 7) / days),
      minimumActions: bill.minimumActions,
      minimumActionsPerWeek: Math.round((bill.minimumActions * 7) / days),
      peakTrus,
      provisionedHours: round2(provisionedHours),
      segments,
    },
    windows,
    dstWindows,
  };
}

/** "Thu 2026-10-29 01:00 → 01:45 America/New_York (05:00Z → 05:45Z)"; the end's date only when it differs. */
export function when(zone: string, startMs: number, endMs: number | null): string {
  const start = formatLocalHuman(zone, startMs);
  const sameDay = (a: string, b: string): boolean => a.slice(0, 14) === b.slice(0, 14);
  let end = 'permanent';
  if (endMs !== null) {
    const full = formatLocalHuman(zone, endMs);
    end = sameDay(start, full) ? full.slice(15) : full;
  }
  if (zone === 'UTC') return `${start} → ${end} UTC`;
  const utcStart = formatUtcIso(startMs);
  let utcEnd = 'permanent';
  if (endMs !== null) {
    const full = formatUtcIso(endMs);
    utcEnd = full.slice(0, 10) === utcStart.slice(0, 10) ? full.slice(11) : full;
  }
  return `${start} → ${end} ${zone} (${utcStart} → ${utcEnd})`;
}

function hoursText(ms: number): string {
  const minutes = Math.round(ms / MINUTE);
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `${h > 0 ? `${h}h` : ''}${m > 0 || h === 0 ? `${m}m` : ''}`;
}

/** The values a window asks for during an overlap: one for a flat window, a ramp's steps in the overlap in order. */
function duringOverlap(o: Overlap, w: Window): number[] {
  return windowStepsBetween(w, o.startMs, o.endMs ?? Number.POSITIVE_INFINITY);
}

/** A ramp changes value during the overlap (the maximum then holds only for part of it). */
function ramped(o: Overlap): boolean {
  return duringOverlap(o, o.first).length > 1 || duringOverlap(o, o.second).length > 1;
}

function times(n: number): string {
  return n === 1 ? 'once' : `${n} times`;
}

/** Warnings of one revision for one namespace, aggregated per plan or plan pair. */
function namespaceWarnings(namespace: string, plans: readonly CapacityPlan[], work: SideWork, toMs: number, days: number, price: number): CapacityWarning[] {
  const zoneOf = new Map(plans.map((p) => [p.name, p.timezone]));
  const out: CapacityWarning[] = [];

  // What each timing option a plan asks for costs (the plan alone): over the horizon's windows for a
  // 7-day horizon (a week), else for its first window in it.
  for (const plan of plans) {
    const timing = planTiming(plan);
    if (isDefaultTiming(timing)) continue;
    const mine = work.windows.filter((w) => w.plan === plan.name && w.endMs !== null);
    if (mine.length === 0) continue;
    const costs = timingOptionCosts(days === 7 ? mine : mine.slice(0, 1), timing, days === 7 ? 'week' : 'window', price);
    out.push({
      kind: 'timing',
      namespace,
      plans: [plan.name],
      trus: plan.trus,
      message: `${plan.name} on ${namespace}: ${costs.map((c) => c.text).join('; ')}.`,
      introduced: true,
    });
  }

  const pairs = new Map<string, ReturnType<typeof findOverlaps>>();
  for (const o of findOverlaps(work.windows)) {
    const key = [o.first.plan, o.second.plan].sort().join('\n');
    pairs.set(key, [...(pairs.get(key) ?? []), o]);
  }
  for (const [key, list] of pairs) {
    const first = list[0]!;
    const names = key.split('\n');
    const zone = zoneOf.get(first.first.plan) ?? 'UTC';
    out.push({
      kind: 'overlap',
      namespace,
      plans: names,
      startMs: first.startMs,
      endMs: first.endMs ?? toMs,
      trus: first.effectiveTrus,
      message: `${namespace}: windows of ${names.join(' and ')} overlap ${times(list.length)} in this period, first ${when(zone, first.startMs, first.endMs)}; while both are open the namespace gets ${ramped(first) ? 'up to ' : ''}${first.effectiveTrus} TRUs, the maximum of ${first.first.plan} (${duringOverlap(first, first.first).join(' → ')}) and ${first.second.plan} (${duringOverlap(first, first.second).join(' → ')}), not the sum.`,
      introduced: true,
    });
  }

  const byPlan = <T extends Window>(list: T[]): Map<string, T[]> => {
    const m = new Map<string, T[]>();
    for (const w of list) m.set(w.plan, [...(m.get(w.plan) ?? []), w]);
    return m;
  };
  for (const [plan, list] of byPlan(work.windows.filter((w) => w.endMs !== null && w.endMs - w.startMs < HOUR))) {
    const w = list[0]!;
    const zone = zoneOf.get(plan) ?? 'UTC';
    out.push({
      kind: 'short-window',
      namespace,
      plans: [plan],
      startMs: w.startMs,
      endMs: w.endMs ?? toMs,
      trus: w.trus,
      message: `${plan} on ${namespace}: its ${hoursText((w.endMs ?? toMs) - w.startMs)} window is shorter than an hour (${times(list.length)} in this period, first ${when(zone, w.startMs, w.endMs)}); Temporal Cloud adjusts capacity hourly and bills each hour at its highest TRUs.`,
      introduced: true,
    });
  }

  for (const [plan, list] of byPlan(work.dstWindows)) {
    const w = list[0]!;
    const zone = zoneOf.get(plan) ?? 'UTC';
    const how =
      w.dst === 'repeated'
        ? 'its start time happens twice that night, so Temporal starts it twice'
        : w.dst === 'skipped'
          ? 'its start time does not exist that night'
          : `the clocks change during it: it lasts ${hoursText((w.endMs ?? toMs) - w.startMs)} of real time but its wall-clock end is ${w.endMs === null ? 'never' : formatLocalHuman(zone, w.endMs).slice(-5)}`;
    out.push({
      kind: 'dst-night',
      namespace,
      plans: [plan],
      startMs: w.startMs,
      endMs: w.endMs ?? toMs,
      trus: w.trus,
      message: `${plan} on ${namespace}: DST night — window ${when(zone, w.startMs, w.endMs)}; ${how}.`,
      introduced: true,
    });
  }
  return out;
}

function warningKey(w: CapacityWarning): string {
  // A timing warning is new when what it costs changed (a lead of 3m → 5m).
  return `${w.kind}|${w.namespace ?? ''}|${w.plans.join(',')}${w.kind === 'timing' ? `|${w.message}` : ''}`;
}

function issueCount(r: RevisionInput): RevisionSummary {
  const names = new Set(r.plans.map((p) => p.plan.name));
  return {
    ref: r.ref,
    commit: r.commit,
    pathExists: r.pathExists,
    valid: r.valid && r.pathExists,
    planCount: names.size,
    errorCount: r.errors.length,
    warningCount: r.warnings.length,
  };
}

export function buildPrReport(input: BuildPrReportInput): PrReport {
  const days = input.days ?? 7;
  const price = input.actionsPrice ?? DEFAULT_ACTIONS_PRICE_PER_MILLION;
  if (!Number.isInteger(days) || days < 1 || days > 31) throw new RangeError('days must be an integer from 1 to 31');
  const fromMs = horizonStart(input.nowMs);
  const toMs = fromMs + days * DAY;
  const managed = input.managedElsewhere ?? [];

  const headFilesWithErrors = new Set(input.head.errors.map((e) => e.file));
  const diff = diffPlans(input.base.plans, input.head.plans, { headFilesWithErrors });
  const basePlans = groupPlans(input.base.plans);
  const headPlans = groupPlans(input.head.plans);

  const work = { base: new Map<string, SideWork>(), head: new Map<string, SideWork>() };
  for (const [side, plans] of [
    ['base', basePlans],
    ['head', headPlans],
  ] as const) {
    for (const [ns, list] of plans) work[side].set(ns, sideCapacity(list, fromMs, toMs, days));
  }
  const empty = sideCapacity([], fromMs, toMs, days);

  const total = (m: Map<string, SideWork>, figure: 'truHoursPerWeek' | 'billedTruHoursPerWeek' | 'minimumActionsPerWeek'): number =>
    round2([...m.values()].reduce((sum, w) => sum + w.capacity[figure], 0));
  const totals = {
    namespacesBase: basePlans.size,
    namespacesHead: headPlans.size,
    baseTruHoursPerWeek: total(work.base, 'truHoursPerWeek'),
    headTruHoursPerWeek: total(work.head, 'truHoursPerWeek'),
    deltaTruHoursPerWeek: 0,
    baseBilledTruHoursPerWeek: total(work.base, 'billedTruHoursPerWeek'),
    headBilledTruHoursPerWeek: total(work.head, 'billedTruHoursPerWeek'),
    deltaBilledTruHoursPerWeek: 0,
    baseMinimumActionsPerWeek: total(work.base, 'minimumActionsPerWeek'),
    headMinimumActionsPerWeek: total(work.head, 'minimumActionsPerWeek'),
    deltaMinimumActionsPerWeek: 0,
  };
  totals.deltaTruHoursPerWeek = round2(totals.headTruHoursPerWeek - totals.baseTruHoursPerWeek);
  totals.deltaBilledTruHoursPerWeek = round2(totals.headBilledTruHoursPerWeek - totals.baseBilledTruHoursPerWeek);
  totals.deltaMinimumActionsPerWeek = totals.headMinimumActionsPerWeek - totals.baseMinimumActionsPerWeek;

  const changedBy = new Map<string, Set<string>>();
  for (const c of diff.changes) {
    for (const ns of c.namespaces) {
      const set = changedBy.get(ns) ?? new Set<string>();
      set.add(c.name);
      changedBy.set(ns, set);
    }
  }

  const namespaces: NamespaceImpact[] = affectedNamespaces(diff).map((namespace) => {
    const base = work.base.get(namespace) ?? empty;
    const head = work.head.get(namespace) ?? empty;
    const plans = [...(headPlans.get(namespace) ?? []), ...(basePlans.get(namespace) ?? [])];
    const zones = [...new Set(plans.map((p) => p.timezone))].sort();
    const dstTransitions: DstTransition[] = zones
      .filter((z) => z !== 'UTC')
      .flatMap((zone) =>
        transitionsBetween(zone, fromMs, toMs).map((t) => ({ zone, atMs: t.atMs, at: formatUtcIso(t.atMs), beforeOffset: t.before, afterOffset: t.after })),
      )
      .sort((a, b) => a.atMs - b.atMs);
    return {
      namespace,
      zone: zones.length === 1 ? zones[0]! : 'UTC',
      changedPlans: [...(changedBy.get(namespace) ?? [])].sort(),
      base: base.capacity,
      head: head.capacity,
      deltaTruHoursPerWeek: round2(head.capacity.truHoursPerWeek - base.capacity.truHoursPerWeek),
      deltaBilledTruHoursPerWeek: round2(head.capacity.billedTruHoursPerWeek - base.capacity.billedTruHoursPerWeek),
      deltaMinimumActionsPerWeek: head.capacity.minimumActionsPerWeek - base.capacity.minimumActionsPerWeek,
      managedElsewhere: matchesNamespace(namespace, managed),
      dstTransitions,
    };
  });
  namespaces.sort(
    (a, b) =>
      Math.abs(b.deltaMinimumActionsPerWeek) - Math.abs(a.deltaMinimumActionsPerWeek) ||
      Math.abs(b.deltaTruHoursPerWeek) - Math.abs(a.deltaTruHoursPerWeek) ||
      (a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : 0),
  );

  // Warnings for the namespaces this change touches (the others cannot change; `validation`
  // still lists everything), marked introduced when base did not have the same kind of warning
  // for the same plans.
  const baseKeys = new Set<string>();
  const warnings: CapacityWarning[] = [];
  for (const { namespace: ns } of [...namespaces].sort((a, b) => (a.namespace < b.namespace ? -1 : 1))) {
    const before = work.base.get(ns);
    if (before !== undefined)
      for (const warning of namespaceWarnings(ns, basePlans.get(ns) ?? [], before, toMs, days, price)) baseKeys.add(warningKey(warning));
    const after = work.head.get(ns);
    if (after !== undefined)
      for (const warning of namespaceWarnings(ns, headPlans.get(ns) ?? [], after, toMs, days, price))
        warnings.push({ ...warning, introduced: !baseKeys.has(warningKey(warning)) });
  }
  for (const n of namespaces) {
    if (!n.managedElsewhere) continue;
    warnings.push({
      kind: 'managed-elsewhere',
      namespace: n.namespace,
      plans: n.changedPlans,
      message: `${n.namespace}: its capacity is also managed by another tool (for example Terraform). Changes there and here will undo each other; exclude capacity from the other tool (Terraform: lifecycle ignore_changes) before merging.`,
      introduced: n.base.plans.length === 0,
    });
  }
  if (!input.base.pathExists) {
    warnings.push({
      kind: 'base-path-missing',
      plans: [],
      message: `The plans path ${input.plansPath} does not exist at base ${input.base.ref}; every plan at head is new.`,
      introduced: true,
    });
  }
  if (!input.head.pathExists) {
    warnings.push({
      kind: 'head-path-missing',
      plans: [],
      message: `The plans path ${input.plansPath} does not exist at head ${input.head.ref}; capsched refuses to apply a missing path.`,
      introduced: true,
    });
  }

  const report: PrReport = {
    format: PR_REPORT_FORMAT,
    plansPath: input.plansPath,
    now: formatUtcIso(input.nowMs),
    horizon: { fromMs, toMs, from: formatUtcIso(fromMs), to: formatUtcIso(toMs), days },
    base: issueCount(input.base),
    head: issueCount(input.head),
    validation: { valid: input.head.valid && input.head.pathExists, errors: input.head.errors, warnings: input.head.warnings },
    changes: diff.changes,
    counts: diff.counts,
    namespaces,
    totals,
    warnings,
    live: liveIfMerged(input),
    cost: {
      currency: 'USD',
      actionsPricePerMillion: price,
      basePerWeek: worstCaseCost(totals.baseMinimumActionsPerWeek, price),
      headPerWeek: worstCaseCost(totals.headMinimumActionsPerWeek, price),
      deltaPerWeek: worstCaseCost(totals.deltaMinimumActionsPerWeek, price),
      deltaPer30Days: worstCaseCost((totals.deltaMinimumActionsPerWeek * 30) / 7, price),
    },
  };
  return report;
}
