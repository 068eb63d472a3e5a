import type { PlanFile } from '../ports.js';
import { loadPlans, type LoadedPlan } from './load.js';
import { compareIssues, formatMinutes, type Issue } from './issues.js';
import { previewPlan, type PlanSummary, type PlanTimingSummary, type PreviewedPlan } from './previews.js';
import { windowUnderHour } from './ramp-rules.js';
import { resolveDateTime } from './date-time.js';
import { formatLocalHuman, formatLocalIso, formatUtcIso, toLocal, transitionsBetween } from '../time/zone.js';
import { cronOccurrences, type SkippedStart } from '../windows/occurrences.js';
import { parseCron, type Cron } from '../windows/cron.js';
import { temporalOccurrences } from '../windows/temporal-calendar.js';
import {
  forEachOverlap,
  nextWindows,
  oneOffWindow,
  overlapOf,
  planCron,
  planIntervals,
  truHoursPerWeek,
  windowSteps,
  windowStepsBetween,
  type Interval,
  type Overlap,
  type Window,
} from '../windows/windows.js';
import { MINUTE, HOUR, DAY, WEEK } from '../time/units.js';
import { describeSteps } from '../capacity/steps.js';
import { actedWindow, fireCron } from '../capacity/timing.js';
import { DEFAULT_ACTIONS_PRICE_PER_MILLION, DEFAULT_TIMING, formatActions, formatUsd, worstCaseCost } from '../billing/bill.js';
import { actedPlanWindows, placementCost, planBillingReach, weekStart, weeklyBills } from '../billing/windows.js';
import { timingOptionCosts } from '../billing/timing-cost.js';
import { describeTiming, isDefaultTiming, planTiming, type WindowTiming } from '../capacity/timing.js';

/** Overlaps are looked for this far ahead unless told otherwise. */
export const DEFAULT_HORIZON_DAYS = 14;
/** DST surprises are looked for this far ahead. */
export const DST_LOOKAHEAD_DAYS = 366;

export type { WindowPreview } from '../windows/windows.js';
export type { PlanSummary } from './previews.js';

export interface NamespaceSummary {
  namespace: string;
  plans: string[];
  /** TRUs × hours held in the 7 days from `now` (overlaps counted once, at the maximum): not what is billed. */
  truHoursPerWeek: number;
  provisionedHoursPerWeek: number;
  peakTrus: number;
  /** Σ over the 168 UTC calendar hours from now's hour of the highest TRUs in force (docs/billing.md). */
  billedTruHoursPerWeek: number;
  /** Σ over those hours of (highest − 1) × 360,000: the Actions the plans commit the namespace to. */
  minimumActionsPerWeek: number;
  /** minimumActionsPerWeek at the Actions price (USD): what it costs if the namespace uses none of it. */
  worstCaseUsdPerWeek: number;
}

export interface ValidationReport {
  valid: boolean;
  /** The instant the time-based checks and previews are relative to (ISO UTC). */
  now: string;
  strict: boolean;
  horizonDays: number;
  files: number;
  plans: PlanSummary[];
  errors: Issue[];
  warnings: Issue[];
  namespaces: NamespaceSummary[];
  /** The Actions price the worst-case figures use, USD per million Actions. */
  actionsPricePerMillion: number;
}

export interface ValidateOptions {
  now: number;
  /** Warnings become errors. */
  strict?: boolean;
  /** How far ahead overlaps are looked for (default 14 days). */
  horizonDays?: number;
  plansPath?: string;
  /** USD per million Actions for the worst-case figures (default the list $50). */
  actionsPrice?: number;
}

/**
 * `capsched validate` as a pure function: loads and checks every plan (loadPlans), then adds
 * the time-based warnings relative to `now` — a one-off in the past, windows under an hour,
 * starts skipped or repeated by DST in the next 12 months, overlapping windows on one
 * namespace — and the previews (next 3 windows per plan, TRU-hours per namespace per week).
 */
export function validatePlans(files: PlanFile[], options: ValidateOptions): ValidationReport {
  return validateAndLoadPlans(files, options).report;
}

/** The report and the plans it was computed from (what loadPlans returns for the same files). */
export interface ValidatedPlans {
  report: ValidationReport;
  /** Plans without errors, as loaded (the same set as `loadPlans(files).plans`), each with the windows the report previewed. */
  plans: PreviewedPlan[];
}

/**
 * validatePlans, also returning the loaded plans, so callers that go on to use the plans
 * (reconcile, the PR report) parse the YAML once. The plans are kept out of ValidationReport,
 * which is printed as JSON and carried in reconcile results.
 */
export function validateAndLoadPlans(files: PlanFile[], options: ValidateOptions): ValidatedPlans {
  const now = options.now;
  const strict = options.strict ?? false;
  const horizonDays = options.horizonDays ?? DEFAULT_HORIZON_DAYS;
  const loaded = options.plansPath === undefined ? loadPlans(files) : loadPlans(files, { plansPath: options.plansPath });
  const issues = [...loaded.issues];
  const warn = (lp: LoadedPlan, field: string, code: string, message: string): void => {
    const at = lp.positions?.[field] ?? { line: lp.line, column: 1 };
    issues.push({ file: lp.file, line: at.line, column: at.column, field, code, message, severity: 'warning' });
  };

  const horizonEnd = now + horizonDays * DAY;
  const price = options.actionsPrice ?? DEFAULT_ACTIONS_PRICE_PER_MILLION;
  const billFrom = weekStart(now);
  // Each plan is billed as capsched acts on it (its own lead and release): a window starting up to a lead after the week reaches it.
  const reach = planBillingReach(billFrom, billFrom + WEEK);
  const billIntervalCache = new Map<string, Interval[]>();
  const billWindows: Window[] = [];
  const dstCache = new Map<string, [string, string][]>();
  const intervalCache = new Map<string, Interval[]>();
  const previewCache = new Map<string, Window[]>();
  const allWindows: Window[] = [];
  const summaries: PlanSummary[] = [];
  const previewed: PreviewedPlan[] = [];
  for (const lp of loaded.plans) {
    const plan = lp.plan;
    planWarnings(lp, now, warn, dstCache);
    // Unformatted windows: the overlap and capacity maths only need the instants.
    // Plans with the same cron, zone and length share their windows' instants.
    const key = plan.cron === undefined || plan.paused ? undefined : `${plan.cron}\n${plan.timezone}\n${plan.duration ?? ''}`;
    let intervals = key === undefined ? undefined : intervalCache.get(key);
    if (intervals === undefined) {
      intervals = planIntervals(plan, now, Math.max(horizonEnd, now + 7 * DAY));
      if (key !== undefined) intervalCache.set(key, intervals);
    }
    for (const i of intervals) {
      const w: Window = { plan: plan.name, namespace: plan.namespace, trus: plan.trus, startMs: i.startMs, endMs: i.endMs, localStart: '' };
      const steps = windowSteps(plan, i.startMs);
      if (steps !== undefined) w.steps = steps;
      allWindows.push(w);
    }
    // The billing week: every window that can reach its UTC hours (one ending at its first hour bills it).
    let billIntervals = key === undefined ? undefined : billIntervalCache.get(key);
    if (billIntervals === undefined) {
      billIntervals = planIntervals(plan, reach.fromMs, reach.toMs);
      if (key !== undefined) billIntervalCache.set(key, billIntervals);
    }
    const planBillWindows: Window[] = [];
    for (const i of billIntervals) {
      const w: Window = { plan: plan.name, namespace: plan.namespace, trus: plan.trus, startMs: i.startMs, endMs: i.endMs, localStart: '' };
      const steps = windowSteps(plan, i.startMs);
      if (steps !== undefined) w.steps = steps;
      planBillWindows.push(w);
    }
    const timing = planTiming(plan);
    billWindows.push(...(isDefaultTiming(timing) ? planBillWindows : actedPlanWindows(plan, billIntervals).map((w) => ({ ...w, localStart: '' }))));
    const costs = placementWarning(lp, planBillWindows, now, billFrom, timing, price, warn);
    const preview = previewPlan(lp, now, key === undefined ? undefined : { key, cache: previewCache });
    if (costs !== undefined) preview.summary.timing = costs;
    summaries.push(preview.summary);
    previewed.push(preview.plan);
  }

  // Overlaps: one warning per pair of plans and namespace (the first overlap and a count), at the
  // later plan (two `namespaces:` plans can overlap on several namespaces: one warning each).
  const byPair = new Map<string, Map<string, { first: Overlap; count: number }>>();
  forEachOverlap(
    allWindows.filter((w) => w.startMs < horizonEnd),
    (a, w) => {
      const [x, y] = a.plan < w.plan ? [a.plan, w.plan] : [w.plan, a.plan];
      const outer = `${w.namespace}\n${x}`;
      let inner = byPair.get(outer);
      if (inner === undefined) byPair.set(outer, (inner = new Map()));
      const seen = inner.get(y);
      if (seen !== undefined) {
        seen.count++;
        return;
      }
      inner.set(y, { first: overlapOf(w.namespace, a, w), count: 1 });
    },
  );
  const byName = new Map(loaded.plans.map((lp) => [lp.plan.name, lp]));
  for (const inner of byPair.values()) {
    for (const { first: o, count } of inner.values()) {
      const a = byName.get(o.first.plan)!;
      const b = byName.get(o.second.plan)!;
      const [earlier, later] = compareIssues({ ...issueAt(a), code: '' }, { ...issueAt(b), code: '' }) <= 0 ? [a, b] : [b, a];
      const more = count > 1 ? ` (${count} overlapping windows in the next ${horizonDays} days; the first is shown)` : '';
      warn(
        later,
        later.plan.cron !== undefined ? 'cron' : 'at',
        'overlap',
        `windows of "${later.plan.name}" and "${earlier.plan.name}" (${earlier.file}:${earlier.line}) overlap on namespace ${o.namespace}: ${describeOverlap(o, byName)}${more}; the namespace gets the maximum, ${o.effectiveTrus} TRUs, while both are active — shift one window or merge the plans`,
      );
    }
  }

  const capacity = truHoursPerWeek(allWindows, now);
  const bills = new Map(weeklyBills(billWindows, now, DEFAULT_TIMING).map((b) => [b.namespace, b]));
  const plansByNamespace = new Map<string, string[]>();
  for (const lp of loaded.plans) {
    const list = plansByNamespace.get(lp.plan.namespace) ?? [];
    list.push(lp.plan.name);
    plansByNamespace.set(lp.plan.namespace, list);
  }
  const namespaces: NamespaceSummary[] = [...plansByNamespace.keys()].sort().map((namespace) => {
    const c = capacity.find((x) => x.namespace === namespace);
    return {
      namespace,
      plans: plansByNamespace.get(namespace)!.sort(),
      truHoursPerWeek: c?.truHours ?? 0,
      provisionedHoursPerWeek: c?.provisionedHours ?? 0,
      peakTrus: c?.peakTrus ?? 0,
      billedTruHoursPerWeek: bills.get(namespace)?.billedTruHours ?? 0,
      minimumActionsPerWeek: bills.get(namespace)?.minimumActions ?? 0,
      worstCaseUsdPerWeek: worstCaseCost(bills.get(namespace)?.minimumActions ?? 0, price),
    };
  });

  if (strict) for (const i of issues) i.severity = 'error';
  issues.sort(compareIssues);
  const errors = issues.filter((i) => i.severity === 'error');
  const warnings = issues.filter((i) => i.severity === 'warning');
  const report: ValidationReport = {
    valid: errors.length === 0,
    now: new Date(now).toISOString(),
    strict,
    horizonDays,
    files: files.length,
    plans: summaries.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : x.namespace < y.namespace ? -1 : x.namespace > y.namespace ? 1 : 0)),
    errors,
    warnings,
    namespaces,
    actionsPricePerMillion: price,
  };
  return { report, plans: previewed };
}

/**
 * `extra-billed-hour`: the plan's windows, as capsched acts on them (its lead and release), are
 * billed for more UTC calendar hours than the same windows moved by less than an hour would be (a
 * start or end off the UTC hour: a half-hour zone, a :30 end, a lead that crosses the hour). Says
 * what it costs in minimum Actions per week — for a lead that crosses the hour, what the lead
 * costs. Returns the cost of each timing option the plan asks for (undefined: it asks for none).
 */
function placementWarning(
  lp: LoadedPlan,
  windows: readonly Window[],
  now: number,
  billFrom: number,
  timing: WindowTiming,
  price: number,
  warn: (lp: LoadedPlan, field: string, code: string, message: string) => void,
): PlanTimingSummary | undefined {
  const plan = lp.plan;
  // A recurring plan: its windows starting in the billing week (per week), else its next window (per
  // window: a monthly cron); a one-off: its window if not over, whenever it is.
  let candidates: Window[];
  let perWeek = false;
  if (plan.at !== undefined) {
    const w = oneOffWindow(plan);
    candidates = w !== undefined && w.endMs !== null && w.endMs > now ? [w] : [];
  } else {
    candidates = windows.filter((w) => w.startMs >= billFrom && w.startMs < billFrom + WEEK);
    perWeek = candidates.length > 0;
    if (!perWeek) candidates = nextWindows(plan, now, 1);
  }
  const costs = isDefaultTiming(timing) ? undefined : timingOptionCosts(candidates, timing, perWeek ? 'week' : 'window', price);
  const summary: PlanTimingSummary | undefined = isDefaultTiming(timing)
    ? undefined
    : {
        ...(timing.leadMs > 0 ? { lead: plan.lead ?? '' } : {}),
        ...(timing.release === 'early' ? { release: 'early' as const } : {}),
        costs: costs ?? [],
      };
  const leadCost = costs?.find((c) => c.option === 'lead' && c.billedHours > 0);
  if (leadCost !== undefined) {
    warn(
      lp,
      'lead',
      'extra-billed-hour',
      `${leadCost.text} — Temporal Cloud bills every UTC hour capacity is held in at its highest TRUs; start the window ${plan.lead} later, or drop the lead if the first minutes can wait for the raise (docs/billing.md)`,
    );
    return summary;
  }
  let extraActions = 0;
  let extraHours = 0;
  let count = 0;
  let first: { w: Window; billed: number; best: number; shiftMs: number } | undefined;
  for (const w of candidates) {
    const cost = placementCost(actedWindow(w, timing), DEFAULT_TIMING);
    if (cost === undefined || cost.minimumActions <= cost.bestMinimumActions) continue;
    extraActions += cost.minimumActions - cost.bestMinimumActions;
    extraHours += cost.billedHours - cost.bestHours;
    count++;
    first ??= { w, billed: cost.billedHours, best: cost.bestHours, shiftMs: cost.shiftMs };
  }
  if (first === undefined) return summary;
  const zone = plan.timezone;
  const span = (from: number, to: number): string => `${formatUtcIso(from).slice(11, 16)}–${formatUtcIso(to).slice(11, 16)} UTC`;
  const local = zone === 'UTC' ? '' : ` (${formatLocalHuman(zone, first.w.startMs).slice(-5)}–${formatLocalHuman(zone, first.w.endMs!).slice(-5)} ${zone})`;
  const move = `${formatMinutes(Math.abs(first.shiftMs) / MINUTE)} ${first.shiftMs < 0 ? 'earlier' : 'later'}`;
  const timed = isDefaultTiming(timing) ? '' : ` (${describeTiming(timing)})`;
  const perWindow = count === 1 ? '' : ` (${count} windows)`;
  const period = perWeek ? ' a week' : ' a window';
  warn(
    lp,
    plan.at !== undefined ? 'at' : 'cron',
    'extra-billed-hour',
    `the window ${formatUtcIso(first.w.startMs).slice(0, 10)} ${span(first.w.startMs, first.w.endMs!)}${local}${timed} is billed for ${first.billed} UTC calendar hours; moved ${move} it would be billed for ${first.best}: ${extraHours} more billed hour${extraHours === 1 ? '' : 's'}${period}${perWindow}, ${formatActions(extraActions)} more minimum Actions${period} (worst case ${formatUsd(worstCaseCost(extraActions, price))} at $${price} per million) — Temporal Cloud bills every UTC hour a window touches at its highest TRUs (docs/billing.md)`,
  );
  return summary;
}

function issueAt(lp: LoadedPlan): Omit<Issue, 'code'> {
  return { file: lp.file, line: lp.line, column: 1, field: '', message: '', severity: 'warning' };
}

function describeOverlap(o: Overlap, byName: Map<string, LoadedPlan>): string {
  const zones = [...new Set([byName.get(o.second.plan)?.plan.timezone ?? 'UTC', byName.get(o.first.plan)?.plan.timezone ?? 'UTC'])];
  const endLocal = (zone: string): string => (o.endMs === null ? '…' : formatLocalHuman(zone, o.endMs).slice(-5));
  const local = zones.map((zone) => `${formatLocalHuman(zone, o.startMs)}–${endLocal(zone)} ${zone}`).join(' = ');
  const utc = `${formatUtcIso(o.startMs)}–${o.endMs === null ? '…' : formatUtcIso(o.endMs)}`;
  const permanent = o.endMs === null ? ' (a permanent change keeps overlapping)' : '';
  // A ramp is described by the values it steps through during the overlap.
  const to = o.endMs ?? Number.POSITIVE_INFINITY;
  const trus = (w: Window): string => describeSteps(windowStepsBetween(w, o.startMs, to).map((t) => ({ trus: t })));
  return `first ${local} (${utc})${permanent}, "${o.first.plan}" ${trus(o.first)} and "${o.second.plan}" ${trus(o.second)}`;
}

function planWarnings(
  lp: LoadedPlan,
  now: number,
  warn: (lp: LoadedPlan, field: string, code: string, message: string) => void,
  dstCache: Map<string, [string, string][]>,
): void {
  const plan = lp.plan;
  const zone = plan.timezone;
  // Window length under an hour (the length the loader computed once; null = permanent).
  const underHour = windowUnderHour(lp.lengthMs);
  if (underHour !== undefined) warn(lp, plan.duration !== undefined ? 'duration' : 'until', 'window-under-hour', underHour);
  if (plan.at !== undefined) {
    const w = oneOffWindow(plan);
    if (w === undefined) return;
    // An active one-off (or a permanent one already in force) is not in the past: the pass starts
    // it for the rest of its window when it is not running (docs/reconcile.md, running windows).
    if (w.endMs !== null && w.endMs <= now) {
      warn(
        lp,
        'at',
        'one-off-in-past',
        `at ${plan.at} (${formatUtcIso(w.startMs)}) is in the past: the window ended at ${formatUtcIso(w.endMs)} — remove the plan or move it into the future`,
      );
    }
    const at = resolveDateTime(plan.at, zone);
    if (at.ok && at.dst === 'skipped') {
      warn(
        lp,
        'at',
        'dst-skipped',
        `at ${plan.at} does not exist in ${zone} (clocks jump forward that night); the window starts at ${formatLocalIso(zone, at.ms)} (${formatUtcIso(at.ms)}) — write a time outside the gap`,
      );
    } else if (at.ok && at.dst === 'repeated') {
      warn(
        lp,
        'at',
        'dst-repeated',
        `at ${plan.at} happens twice in ${zone} (clocks fall back that night); capsched starts once, at the first: ${formatLocalIso(zone, at.ms)} (${formatUtcIso(at.ms)}) — add an offset to pick one`,
      );
    }
    return;
  }
  const cron = planCron(plan);
  if (cron === null) return;
  // DST: plans sharing a cron and a zone share the answer.
  const key = `${cron.expression}\n${zone}`;
  let dst = dstCache.get(key);
  if (dst === undefined) {
    dst = dstSurprises(cron, zone, now);
    dstCache.set(key, dst);
  }
  for (const [code, message] of dst) warn(lp, 'cron', code, message);
  // A lead: the schedule fires at the wall time less the lead, which on a DST night can be an hour off.
  const { leadMs } = planTiming(plan);
  if (leadMs > 0) {
    const leadKey = `${key}\n${leadMs}`;
    let lead = dstCache.get(leadKey);
    if (lead === undefined) {
      lead = dstLeadSurprise(cron, zone, leadMs, now);
      dstCache.set(leadKey, lead);
    }
    for (const [code, message] of lead) warn(lp, 'lead', code, message);
  }
}

/**
 * `dst-lead`: over the next 12 months, a night where the schedule (the cron moved back by the lead,
 * fireCron) does not fire exactly `leadMs` before a start Temporal fires for the plan's own cron.
 */
function dstLeadSurprise(cron: Cron, zone: string, leadMs: number, now: number): [string, string][] {
  const fire = fireCron(cron, leadMs);
  if (!fire.ok) return [];
  const parsed = parseCron(fire.expression);
  if (!parsed.ok) return [];
  const off: { startMs: number; firedMs: number | undefined }[] = [];
  for (const t of transitionsBetween(zone, now, now + DST_LOOKAHEAD_DAYS * DAY)) {
    const from = Math.max(now, t.atMs - DAY);
    const to = t.atMs + DAY;
    const starts = temporalOccurrences(cron, zone, from, to, 10_000);
    const fires = temporalOccurrences(parsed.cron, zone, from - leadMs - HOUR, to - leadMs + HOUR, 10_000);
    const fired = new Set(fires);
    for (const s of starts) {
      if (fired.has(s - leadMs)) continue;
      // The fire Temporal does make for this start: the one nearest to start − lead, within two hours, that is no other start's.
      let near: number | undefined;
      for (const f of fires)
        if (
          !starts.includes(f + leadMs) &&
          Math.abs(f - (s - leadMs)) <= 2 * HOUR &&
          (near === undefined || Math.abs(f - (s - leadMs)) < Math.abs(near - (s - leadMs)))
        )
          near = f;
      off.push({ startMs: s, firedMs: near });
    }
  }
  if (off.length === 0) return [];
  const first = off[0]!;
  const at = (ms: number): string => `${formatLocalIso(zone, ms)} (${formatUtcIso(ms)})`;
  const what =
    first.firedMs === undefined
      ? 'does not fire for it: the window does not run that day'
      : `fires at ${at(first.firedMs)}${first.firedMs >= first.startMs ? ', after the start' : ''}`;
  const more = off.length > 1 ? ` (${off.length} such starts in the next 12 months)` : '';
  const warning = { code: 'dst-lead' } as const;
  return [
    [
      warning.code,
      `the window starting ${at(first.startMs)} should be raised ${formatMinutes(leadMs / MINUTE)} before it, but the clocks change in ${zone} that night and the schedule ${what}${more} — move the start away from the DST change, or drop the lead`,
    ],
  ];
}

function localDate(zone: string, ms: number): string {
  const l = toLocal(zone, ms);
  return `${l.year}-${String(l.month).padStart(2, '0')}-${String(l.day).padStart(2, '0')}`;
}

/**
 * The DST warnings (code, message) for a cron in a zone over the next 12 months from now:
 * what Temporal fires around each offset change, compared with the wall times the cron names.
 */
function dstSurprises(cron: Cron, zone: string, now: number): [string, string][] {
  const skippedTimes: string[] = [];
  const notFired: number[] = [];
  const repeated: { date: string; fired: number[] }[] = [];
  const extra: number[] = [];
  for (const t of transitionsBetween(zone, now, now + DST_LOOKAHEAD_DAYS * DAY)) {
    const from = Math.max(now, t.atMs - DAY);
    const to = t.atMs + DAY;
    const gaps: SkippedStart[] = [];
    const named = cronOccurrences(cron, zone, from, to, 10_000, gaps);
    const fired = new Set(temporalOccurrences(cron, zone, from, to, 10_000));
    for (const g of gaps) {
      const l = g.local;
      skippedTimes.push(
        `${String(l.hour).padStart(2, '0')}:${String(l.minute).padStart(2, '0')} on ${l.year}-${String(l.month).padStart(2, '0')}-${String(l.day).padStart(2, '0')}`,
      );
    }
    const namedSet = new Set(named.map((o) => o.startMs));
    for (const o of named) if (o.dst === undefined && !fired.has(o.startMs)) notFired.push(o.startMs);
    const twice = named.filter((o) => o.dst === 'repeated');
    if (twice.length > 0) repeated.push({ date: localDate(zone, twice[0]!.startMs), fired: twice.map((o) => o.startMs).filter((ms) => fired.has(ms)) });
    for (const ms of fired) if (!namedSet.has(ms)) extra.push(ms);
  }
  const out: [string, string][] = [];
  const at = (ms: number): string => `${formatLocalIso(zone, ms)} (${formatUtcIso(ms)})`;
  const unique = [...new Set(skippedTimes)];
  if (unique.length > 0) {
    const more = unique.length > 1 ? ` (${unique.length} skipped starts in the next 12 months)` : '';
    out.push([
      'dst-skipped',
      `local start ${unique[0]} does not exist in ${zone} (clocks jump forward): Temporal will not start this window that day${more} — move the start out of the DST gap`,
    ]);
  }
  if (notFired.length > 0) {
    out.push([
      'dst-skipped',
      `Temporal will not start the window at ${at(notFired[0]!)}: the clocks change in ${zone} that night and its scheduler skips the day${notFired.length > 1 ? ` (${notFired.length} such starts in the next 12 months)` : ''} — move the start away from the DST change`,
    ]);
  }
  if (repeated.length > 0) {
    const r = repeated[0]!;
    const what =
      r.fired.length === 0
        ? 'Temporal starts neither copy'
        : r.fired.length === 1
          ? `Temporal starts the window once, at ${at(r.fired[0]!)}`
          : `Temporal starts the window ${r.fired.length} times: ${r.fired.map(at).join(', ')}`;
    out.push(['dst-repeated', `local start happens twice on ${r.date} in ${zone} (clocks fall back): ${what} — move the start out of the repeated hour`]);
  }
  if (extra.length > 0) {
    out.push([
      'dst-repeated',
      `Temporal also starts the window at ${at(extra[0]!)}, a time the cron does not name: the clocks change in ${zone} that night${extra.length > 1 ? ` (${extra.length} such starts in the next 12 months)` : ''} — move the start away from the DST change`,
    ]);
  }
  return out;
}
