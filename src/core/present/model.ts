/**
 * The present-state view model: what every namespace has now, what is coming this week and what
 * happened in the last 24 hours, computed once from plain data and rendered three ways (the web
 * page, `capsched status` and the `capsched dev` table). Pure: the caller passes `nowMs`, the
 * plans at the applied commit and the live readings.
 */
import { planScheduleId } from '../desired/schedule-id.js';
import type { LoadedPlan } from '../plan/load.js';
import { describeLiveChange } from '../live/text.js';
import type { LiveChangeKind, LivePlan, LiveWindow } from '../live/types.js';
import type { CapacityTarget, NamespaceCapacity } from '../ports.js';
import { formatLocalIso, formatUtcIso, transitionsBetween } from '../time/zone.js';
import { HOUR, WEEK } from '../time/units.js';
import { DEFAULT_ACTIONS_PRICE_PER_MILLION, worstCaseCost } from '../billing/bill.js';
import { actedPlanWindows, planBillingReach, weekStart, weeklyBills } from '../billing/windows.js';
import { timingOptionCosts } from '../billing/timing-cost.js';
import { isDefaultTiming, planTiming } from '../capacity/timing.js';
import { effectiveTimeline, planIntervals, truHoursPerWeek, windowSteps, windowTrusAt, type Window } from '../windows/windows.js';

/** The page's past range: the last 24 hours. */
export const PAST_MS = 24 * HOUR;
/** The page's future range: the next 7 days. */
export const FUTURE_MS = WEEK;

/** One namespace as read now: Cloud Ops and its coordinator. Either reading may be missing. */
export interface LiveNamespace {
  namespace: string;
  /** Capacity as the Cloud Ops API reports it. */
  capacity?: NamespaceCapacity;
  /** Why capacity could not be read (already free of secrets). */
  capacityError?: string;
  /** The coordinator's effective target (on-demand when none runs); undefined when it could not be read. */
  effective?: CapacityTarget;
  /** The windows the coordinator holds (the LiveStore port's reading). */
  windows: LiveWindow[];
  /** Why the coordinator could not be read. */
  coordinatorError?: string;
}

/** An effective-TRUs reading of a namespace's coordinator at one instant (the record of what was applied). */
export interface AppliedSample {
  atMs: number;
  /** Effective provisioned TRUs; 0 = on-demand. */
  trus: number;
}

export interface SourceFacts {
  describe: string;
  appliedRevision?: string;
  appliedAt?: string;
  /** Commit subject, author and time when the source knows them. */
  subject?: string;
  author?: string;
  committedAt?: string;
  lastPassAt?: string;
  lastPassResult?: string;
  /** The daemon's last free check (head, schedules, running coordinators read; no Action) and whether it asked for a pass. */
  lastCheck?: { at: string; passRequested: boolean; reason: string };
  lastAttemptedRevision?: string;
  /** Refused commit: its revision and its errors, one "file:line:column field: message" per line. */
  refused?: { revision?: string; since: string; errors: string[] };
  /** Other standing problems (source unreachable, apply failed, prune blocked, config). */
  problems: { kind: string; since: string; message: string }[];
  /** Drift corrected (or only reported) by recent passes. */
  drift?: { corrected: number; reportedOnly: boolean; at?: string };
}

export interface AlertFact {
  at: string;
  severity: 'critical' | 'error' | 'info';
  title: string;
  namespace?: string;
}

export interface PresentInput {
  nowMs: number;
  installation: string;
  /** Plans at the applied commit; undefined before the first applied pass. */
  plans: LoadedPlan[] | undefined;
  live: LiveNamespace[];
  /** Per namespace, coordinator readings over time, oldest first. */
  applied: Record<string, AppliedSample[]>;
  /** Since when the record above is kept (older readings do not exist). */
  recordSinceMs: number;
  source: SourceFacts;
  alerts: AlertFact[];
  /** Base of the Temporal Web UI (no trailing slash) and capsched's Temporal namespace, for workflow links. */
  temporalUi?: { baseUrl: string; namespace: string };
  /** The last pass's live changes (held reductions, and what it applied or, in a dry run, would apply). */
  livePass?: { plan: LivePlan; dryRun: boolean; failed?: boolean };
  /** USD per million Actions for the worst-case figures (default the list $50). */
  actionsPrice?: number;
}

/** A live change of the last pass, as the page and `capsched status` show it. */
export interface LiveChangeView {
  kind: LiveChangeKind;
  plan: string;
  /** held: waits for the window's end; pending: the pass would apply it (dry run) or failed to; applied: the last pass applied it. */
  state: 'held' | 'pending' | 'applied';
  heldUntil?: TimeLabel;
  /** "held until 2026-11-27T14:00Z: lower to 4 TRUs (from 8) — …; the reduction applies at the window's end; --force applies it now". */
  text: string;
}

export interface TimeLabel {
  ms: number;
  /** In the plan's zone with its offset, e.g. "2026-12-24T09:00-05:00". */
  local: string;
  /** ISO UTC, minute precision. */
  utc: string;
}

export interface ActiveWindowView {
  workflowId: string;
  runId?: string;
  trus: number;
  /** Undefined end: permanent. */
  end?: TimeLabel;
  /** The plan whose schedule started it; undefined for a manual change (`capsched change`, a script). */
  plan?: string;
  file?: string;
  line?: number;
  zone: string;
  origin: 'plan' | 'manual';
  /** The commit the window runs from (its own, else the applied revision when its plan is in it). */
  commit?: string;
  /** A reconcile pass started it late, for the rest of its occurrence. */
  startedLate?: boolean;
  uiUrl?: string;
}

export interface BarView {
  plan: string;
  /** A flat window's TRUs; a ramp's peak. */
  trus: number;
  /** A ramp's values in order (absent for a flat window). */
  steps?: number[];
  start: TimeLabel;
  /** null = permanent (drawn to the end of the range). */
  end: TimeLabel | null;
  zone: string;
  /** 0-based row among the namespace's bars, so overlapping bars never cover each other. */
  lane: number;
  /** Overlaps a window of another plan on the namespace. */
  overlap: boolean;
  dst?: 'skipped' | 'repeated';
  /** The window covers now. */
  active: boolean;
}

/** One plan at the applied commit, as the `capsched dev` table lists it. */
export interface PlanView {
  name: string;
  file: string;
  line: number;
  /** A flat plan's TRUs; a ramp's peak. */
  trus: number;
  /** A ramp's values in order (absent for a flat plan). */
  steps?: number[];
  zone: string;
  scheduleId: string;
  paused: boolean;
  /** No duration and no until: the change is never reverted. */
  permanent: boolean;
  /** An `at` plan. */
  oneOff: boolean;
  /** The plan's next window to start after now (looked up to a year ahead; a paused plan's as if it ran). */
  next?: { start: TimeLabel; end: TimeLabel | null };
}

export interface SegmentView {
  startMs: number;
  endMs: number;
  trus: number;
  plans: string[];
}

export interface NamespaceView {
  namespace: string;
  /** "on-demand", "8 TRUs", "8 TRUs (changing)", "unknown". */
  capacityText: string;
  capacity?: NamespaceCapacity;
  capacityError?: string;
  /** The coordinator's effective TRUs (0 = on-demand); undefined when it could not be read. */
  effectiveTrus?: number;
  coordinatorError?: string;
  /** Effective TRUs the plans at the applied commit ask for now (max over covering windows). */
  plannedNowTrus: number;
  active: ActiveWindowView[];
  /** Live changes of the last pass on this namespace: held reductions, pending or applied changes to running windows. */
  liveChanges: LiveChangeView[];
  /** The next window to start (after now) of any plan on the namespace. */
  next?: { plan: string; trus: number; start: TimeLabel; end: TimeLabel | null; zone: string; steps?: number[] };
  plans: string[];
  /** The namespace's plans by name, with their next window. */
  planViews: PlanView[];
  bars: BarView[];
  lanes: number;
  /** Planned effective TRUs over [now, now+7d): the max-over-windows line. */
  planned: SegmentView[];
  /** Effective TRUs as applied over [now-24h, now], from the coordinator record; gaps = no record. */
  applied: SegmentView[];
  /** DST changes in the range in any zone of the namespace's plans. */
  dstChanges: { atMs: number; zone: string; label: string }[];
  /** Highest TRUs drawn (scale of the picture), at least 1. */
  maxTrus: number;
  /**
   * The week from now, the same figures as `capsched validate`: billed TRU-hours, minimum Actions
   * committed and the worst case if unused over the 168 UTC calendar hours from now's hour
   * (docs/billing.md); truHours is TRUs × hours held (not billed), over the 7 days from now.
   */
  week: { truHours: number; peakTrus: number; provisionedHours: number; billedTruHours: number; minimumActions: number; worstCaseUsd: number };
  /** What each plan's `lead` / `release: early` costs (its windows in the billing week, the plan alone): "nightly: lead 3m crosses 04:00 UTC: …". */
  timingCosts: string[];
}

export interface PresentView {
  generatedAt: string;
  nowMs: number;
  installation: string;
  range: { fromMs: number; nowMs: number; toMs: number };
  recordSinceMs: number;
  namespaces: NamespaceView[];
  source: SourceFacts;
  alerts: AlertFact[];
  totals: {
    plans: number;
    namespaces: number;
    truHoursPerWeek: number;
    billedTruHoursPerWeek: number;
    minimumActionsPerWeek: number;
    worstCaseUsdPerWeek: number;
    activeWindows: number;
  };
  /** USD per million Actions of the worst-case figures. */
  actionsPricePerMillion: number;
}

/** Looked ahead for a plan's next start beyond the 7-day range (a monthly cron, a one-off weeks away). */
const NEXT_LOOKAHEAD_MS = 366 * 24 * HOUR;

function label(zone: string, ms: number): TimeLabel {
  return { ms, local: formatLocalIso(zone, ms), utc: `${formatUtcIso(ms).slice(0, 16)}Z` };
}

/** "capsched.<installation>.<plan>[.<namespace>]-<start>" → plan, when it is one of this installation's schedules. */
export function planOfWorkflow(workflowId: string, installation: string): string | undefined {
  const prefix = `capsched.${installation}.`;
  if (!workflowId.startsWith(prefix)) return undefined;
  const rest = workflowId.slice(prefix.length);
  // The schedule appends "-<RFC 3339 start>" to its workflow id; a `namespaces:` plan's id has ".<namespace>" after the plan.
  const m = /^([a-z0-9][a-z0-9-]*?)(?:\.[A-Za-z0-9][A-Za-z0-9._-]*?)?-\d{4}-\d{2}-\d{2}T/.exec(rest);
  return m?.[1] ?? undefined;
}

export function describeCapacity(capacity: NamespaceCapacity | undefined): string {
  if (capacity === undefined) return 'unknown';
  const base = capacity.mode === 'provisioned' ? `${capacity.currentTrus ?? '?'} TRUs` : capacity.mode === 'onDemand' ? 'on-demand' : 'unknown';
  return capacity.latestRequest?.state === 'inProgress' ? `${base} (changing)` : base;
}

function workflowUrl(ui: PresentInput['temporalUi'], workflowId: string, runId: string | undefined): string | undefined {
  if (ui === undefined) return undefined;
  const path = `/namespaces/${encodeURIComponent(ui.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return `${ui.baseUrl}${path}${runId === undefined ? '' : `/${encodeURIComponent(runId)}`}/history`;
}

/** Greedy lanes: each bar takes the first lane whose last bar ended before it starts. */
function assignLanes(bars: Omit<BarView, 'lane' | 'overlap'>[], toMs: number): { lanes: number; placed: BarView[] } {
  const laneEnds: number[] = [];
  const placed: BarView[] = [];
  const sorted = [...bars].sort((a, b) => a.start.ms - b.start.ms || (a.plan < b.plan ? -1 : 1));
  for (const b of sorted) {
    const end = b.end?.ms ?? toMs;
    let lane = laneEnds.findIndex((e) => e <= b.start.ms);
    if (lane === -1) {
      lane = laneEnds.length;
      laneEnds.push(end);
    } else laneEnds[lane] = end;
    placed.push({ ...b, lane, overlap: false });
  }
  // Overlap with another plan's bar (sweep over start order).
  const open: BarView[] = [];
  for (const b of placed) {
    for (let i = open.length - 1; i >= 0; i--) if ((open[i]!.end?.ms ?? toMs) <= b.start.ms) open.splice(i, 1);
    for (const o of open) {
      if (o.plan !== b.plan) {
        o.overlap = true;
        b.overlap = true;
      }
    }
    open.push(b);
  }
  return { lanes: laneEnds.length, placed };
}

/** Applied record → segments over [fromMs, nowMs]: each reading holds until the next one. */
function appliedSegments(samples: readonly AppliedSample[], fromMs: number, nowMs: number): SegmentView[] {
  const out: SegmentView[] = [];
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i]!;
    const startMs = Math.max(s.atMs, fromMs);
    const endMs = Math.min(samples[i + 1]?.atMs ?? nowMs, nowMs);
    if (endMs <= startMs) continue;
    const last = out[out.length - 1];
    if (last !== undefined && last.endMs === startMs && last.trus === s.trus) last.endMs = endMs;
    else out.push({ startMs, endMs, trus: s.trus, plans: [] });
  }
  return out;
}

export function buildPresent(input: PresentInput): PresentView {
  const { nowMs } = input;
  const fromMs = nowMs - PAST_MS;
  const toMs = nowMs + FUTURE_MS;
  const plans = input.plans ?? [];
  const byNamespace = new Map<string, LoadedPlan[]>();
  for (const lp of plans) {
    const list = byNamespace.get(lp.plan.namespace);
    if (list === undefined) byNamespace.set(lp.plan.namespace, [lp]);
    else list.push(lp);
  }
  const liveBy = new Map(input.live.map((l) => [l.namespace, l]));
  const planByName = new Map(plans.map((lp) => [lp.plan.name, lp]));
  const names = [...new Set([...byNamespace.keys(), ...liveBy.keys()])].sort();

  // Windows once per plan over [now, now+7d): bars, planned line and the week's figures.
  const windowsByNamespace = new Map<string, Window[]>();
  const intervalCache = new Map<string, ReturnType<typeof planIntervals>>();
  const nextByPlan = new Map<string, ReturnType<typeof planIntervals>[number] | undefined>();
  for (const lp of plans) {
    const plan = lp.plan;
    const key = plan.cron === undefined || plan.paused ? undefined : `${plan.cron}\n${plan.timezone}\n${plan.duration ?? ''}`;
    let intervals = key === undefined ? undefined : intervalCache.get(key);
    if (intervals === undefined) {
      intervals = planIntervals(plan, nowMs, toMs);
      if (key !== undefined) intervalCache.set(key, intervals);
    }
    nextByPlan.set(
      plan.name,
      intervals.find((i) => i.startMs > nowMs),
    );
    const list = windowsByNamespace.get(plan.namespace) ?? [];
    for (const i of intervals) {
      const steps = windowSteps(plan, i.startMs);
      list.push({
        plan: plan.name,
        namespace: plan.namespace,
        trus: plan.trus,
        startMs: i.startMs,
        endMs: i.endMs,
        localStart: '',
        ...(i.dst === undefined ? {} : { dst: i.dst }),
        ...(steps === undefined ? {} : { steps }),
      });
    }
    windowsByNamespace.set(plan.namespace, list);
  }
  const allWindows = [...windowsByNamespace.values()].flat();
  const week = new Map(truHoursPerWeek(allWindows, nowMs).map((s) => [s.namespace, s]));
  // The billing week: every window that can reach its UTC hours (one that ended at its first hour bills it).
  const price = input.actionsPrice ?? DEFAULT_ACTIONS_PRICE_PER_MILLION;
  const billFrom = weekStart(nowMs);
  // Each plan as capsched acts on it (its lead and release: core/capacity/timing.ts); a window starting up to a lead after the week reaches it.
  const reach = planBillingReach(billFrom, billFrom + WEEK);
  const billIntervals = new Map<string, ReturnType<typeof planIntervals>>();
  const billWindows: Window[] = [];
  const timingCosts = new Map<string, string[]>();
  for (const lp of plans) {
    const plan = lp.plan;
    const key = plan.cron === undefined || plan.paused ? undefined : `${plan.cron}\n${plan.timezone}\n${plan.duration ?? ''}`;
    let intervals = key === undefined ? undefined : billIntervals.get(key);
    if (intervals === undefined) {
      intervals = planIntervals(plan, reach.fromMs, reach.toMs);
      if (key !== undefined) billIntervals.set(key, intervals);
    }
    for (const w of actedPlanWindows(plan, intervals)) billWindows.push({ ...w, localStart: '' });
    // What the plan's timing options cost: its windows starting in the billing week, as planned.
    const timing = planTiming(plan);
    if (!isDefaultTiming(timing)) {
      const planned = intervals
        .filter((i) => i.endMs !== null && i.startMs >= billFrom && i.startMs < billFrom + WEEK)
        .map((i) => {
          const steps = windowSteps(plan, i.startMs);
          return { startMs: i.startMs, endMs: i.endMs, trus: plan.trus, ...(steps === undefined ? {} : { steps }) };
        });
      const texts = timingOptionCosts(planned, timing, 'week', price).map((c) => `${plan.name}: ${c.text}`);
      timingCosts.set(plan.namespace, [...(timingCosts.get(plan.namespace) ?? []), ...texts]);
    }
  }
  const bills = new Map(weeklyBills(billWindows, nowMs).map((b) => [b.namespace, b]));

  let activeWindows = 0;
  const namespaces: NamespaceView[] = names.map((namespace) => {
    const live = liveBy.get(namespace);
    const nsPlans = byNamespace.get(namespace) ?? [];
    const windows = windowsByNamespace.get(namespace) ?? [];
    const zoneOf = (plan: string): string => planByName.get(plan)?.plan.timezone ?? 'UTC';

    const rawBars = windows.map((w) => {
      const zone = zoneOf(w.plan);
      return {
        plan: w.plan,
        trus: w.trus,
        start: label(zone, w.startMs),
        end: w.endMs === null ? null : label(zone, w.endMs),
        zone,
        active: w.startMs <= nowMs && (w.endMs === null || w.endMs > nowMs),
        ...(w.dst === undefined ? {} : { dst: w.dst }),
        ...(w.steps === undefined ? {} : { steps: w.steps.map((step) => step.trus) }),
      };
    });
    const { lanes, placed } = assignLanes(rawBars, toMs);
    const planned = effectiveTimeline(windows, nowMs, toMs).map((s) => ({ startMs: s.startMs, endMs: s.endMs, trus: s.trus, plans: s.plans }));
    const plannedNowTrus = windows.reduce((max, w) => Math.max(max, windowTrusAt(w, nowMs)), 0);

    const active: ActiveWindowView[] = (live?.windows ?? []).map((w) => {
      const plan =
        w.plan !== undefined && w.workflowId.startsWith(`capsched.${input.installation}.`) ? w.plan : planOfWorkflow(w.workflowId, input.installation);
      const lp = plan === undefined ? undefined : planByName.get(plan);
      const zone = lp?.plan.timezone ?? 'UTC';
      const url = workflowUrl(input.temporalUi, w.workflowId, w.runId === '' ? undefined : w.runId);
      return {
        workflowId: w.workflowId,
        trus: w.trus,
        zone,
        origin: plan === undefined ? 'manual' : 'plan',
        ...(w.runId === '' ? {} : { runId: w.runId }),
        ...(w.endMs === null ? {} : { end: label(zone, w.endMs) }),
        ...(plan === undefined ? {} : { plan }),
        ...(lp === undefined
          ? {}
          : { file: lp.file, line: lp.line, ...(input.source.appliedRevision === undefined ? {} : { commit: input.source.appliedRevision }) }),
        ...(w.commit === undefined || plan === undefined ? {} : { commit: w.commit }),
        ...(w.startedLate === true ? { startedLate: true } : {}),
        ...(url === undefined ? {} : { uiUrl: url }),
      };
    });
    const liveChanges: LiveChangeView[] = (input.livePass?.plan.namespaces.find((n) => n.namespace === namespace)?.changes ?? []).map((c) => {
      const zone = zoneOf(c.plan);
      const state: LiveChangeView['state'] =
        c.heldUntilMs !== undefined ? 'held' : input.livePass?.dryRun === true || input.livePass?.failed === true ? 'pending' : 'applied';
      return {
        kind: c.kind,
        plan: c.plan,
        state,
        text: describeLiveChange(c),
        ...(c.heldUntilMs === undefined ? {} : { heldUntil: label(zone, c.heldUntilMs) }),
      };
    });
    activeWindows += active.length;

    let next: NamespaceView['next'];
    for (const w of windows) {
      if (w.startMs > nowMs && (next === undefined || w.startMs < next.start.ms)) {
        const zone = zoneOf(w.plan);
        next = {
          plan: w.plan,
          trus: w.trus,
          start: label(zone, w.startMs),
          end: w.endMs === null ? null : label(zone, w.endMs),
          zone,
          ...(w.steps === undefined ? {} : { steps: w.steps.map((step) => step.trus) }),
        };
      }
    }

    const planViews: PlanView[] = [...nsPlans]
      .sort((a, b) => (a.plan.name < b.plan.name ? -1 : 1))
      .map((lp) => {
        const p = lp.plan;
        let n = nextByPlan.get(p.name);
        // Beyond the range, or paused (the table still says when it would run): look further once.
        if (n === undefined) n = planIntervals({ ...p, paused: false }, nowMs, nowMs + NEXT_LOOKAHEAD_MS).find((i) => i.startMs > nowMs);
        return {
          name: p.name,
          file: lp.file,
          line: lp.line,
          trus: p.trus,
          ...(p.steps === undefined ? {} : { steps: p.steps.map((step) => step.trus) }),
          zone: p.timezone,
          scheduleId: planScheduleId(input.installation, p),
          paused: p.paused,
          permanent: p.duration === undefined && p.until === undefined,
          oneOff: p.at !== undefined,
          ...(n === undefined ? {} : { next: { start: label(p.timezone, n.startMs), end: n.endMs === null ? null : label(p.timezone, n.endMs) } }),
        };
      });
    const applied = appliedSegments(input.applied[namespace] ?? [], Math.max(fromMs, input.recordSinceMs), nowMs);
    const zones = [...new Set(nsPlans.map((lp) => lp.plan.timezone))].sort();
    const dstChanges = zones.flatMap((zone) =>
      transitionsBetween(zone, fromMs, toMs).map((t) => ({
        atMs: t.atMs,
        zone,
        label: `DST ${t.after > t.before ? 'starts' : 'ends'} in ${zone} at ${formatLocalIso(zone, t.atMs)}`,
      })),
    );
    const effectiveTrus =
      live?.effective === undefined
        ? live?.coordinatorError === undefined && live !== undefined
          ? 0
          : undefined
        : live.effective.mode === 'provisioned'
          ? live.effective.trus
          : 0;
    const maxTrus = Math.max(1, ...planned.map((s) => s.trus), ...applied.map((s) => s.trus), ...placed.map((b) => b.trus), effectiveTrus ?? 0);
    const w = week.get(namespace);
    return {
      namespace,
      capacityText: live?.capacityError !== undefined ? 'unknown (Cloud Ops unreadable)' : describeCapacity(live?.capacity),
      ...(live?.capacity === undefined ? {} : { capacity: live.capacity }),
      ...(live?.capacityError === undefined ? {} : { capacityError: live.capacityError }),
      ...(effectiveTrus === undefined ? {} : { effectiveTrus }),
      ...(live?.coordinatorError === undefined ? {} : { coordinatorError: live.coordinatorError }),
      plannedNowTrus,
      active,
      liveChanges,
      ...(next === undefined ? {} : { next }),
      plans: nsPlans.map((lp) => lp.plan.name).sort(),
      planViews,
      bars: placed,
      lanes,
      planned,
      applied,
      dstChanges,
      maxTrus,
      week: {
        truHours: w?.truHours ?? 0,
        peakTrus: w?.peakTrus ?? 0,
        provisionedHours: w?.provisionedHours ?? 0,
        billedTruHours: bills.get(namespace)?.billedTruHours ?? 0,
        minimumActions: bills.get(namespace)?.minimumActions ?? 0,
        worstCaseUsd: worstCaseCost(bills.get(namespace)?.minimumActions ?? 0, price),
      },
      timingCosts: timingCosts.get(namespace) ?? [],
    };
  });

  return {
    generatedAt: new Date(nowMs).toISOString(),
    nowMs,
    installation: input.installation,
    range: { fromMs, nowMs, toMs },
    recordSinceMs: input.recordSinceMs,
    namespaces,
    source: input.source,
    alerts: input.alerts,
    totals: {
      plans: plans.length,
      namespaces: namespaces.length,
      truHoursPerWeek: Math.round(namespaces.reduce((sum, n) => sum + n.week.truHours, 0) * 100) / 100,
      billedTruHoursPerWeek: namespaces.reduce((sum, n) => sum + n.week.billedTruHours, 0),
      minimumActionsPerWeek: namespaces.reduce((sum, n) => sum + n.week.minimumActions, 0),
      worstCaseUsdPerWeek: worstCaseCost(
        namespaces.reduce((sum, n) => sum + n.week.minimumActions, 0),
        price,
      ),
      activeWindows,
    },
    actionsPricePerMillion: price,
  };
}
