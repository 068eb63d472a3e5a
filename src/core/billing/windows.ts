/**
 * Bills of plan windows: a namespace's capacity timeline from its windows (the maximum over
 * overlapping windows and permanent baselines, a ramp's step at each instant: effectiveTimeline),
 * billed per UTC calendar hour (bill.ts). Pure.
 */
import { HOUR, WEEK } from '../time/units.js';
import { effectiveTimeline, windowSteps, type Interval, type Window } from '../windows/windows.js';
import { actedWindow, MAX_LEAD_MS, planTiming } from '../capacity/timing.js';
import type { CapacityPlan } from '../plan/schema.js';
import { billOf, billPieces, hourlyPeaks, DEFAULT_TIMING, type Bill, type BillingTiming, type CapacityPiece } from './bill.js';

type BillableWindow = Pick<Window, 'trus' | 'steps' | 'startMs' | 'endMs'> & { plan: string; namespace?: string };

/** The TRUs in force over [fromMs, toMs) from one namespace's windows, as contiguous pieces (0 = on-demand). */
export function capacityPieces(windows: readonly BillableWindow[], fromMs: number, toMs: number): CapacityPiece[] {
  return effectiveTimeline(windows as Window[], fromMs, toMs).map((s) => ({ fromMs: s.startMs, toMs: s.endMs, trus: s.trus }));
}

/** The range of capacity that can reach the hours of [fromMs, toMs): one hour either side, plus the lead. */
export function billingReach(fromMs: number, toMs: number, timing: BillingTiming = DEFAULT_TIMING): { fromMs: number; toMs: number } {
  return { fromMs: Math.floor(fromMs / HOUR) * HOUR - HOUR, toMs: Math.ceil(toMs / HOUR) * HOUR + Math.max(0, timing.leadMs) + HOUR };
}

/**
 * The bill of ONE namespace's windows over the UTC hours of [fromMs, toMs). Pass every window
 * that intersects billingReach(fromMs, toMs, timing) (a window ending at fromMs bills fromMs's hour).
 */
export function billWindows(windows: readonly BillableWindow[], fromMs: number, toMs: number, timing: BillingTiming = DEFAULT_TIMING): Bill {
  const reach = billingReach(fromMs, toMs, timing);
  return billPieces(capacityPieces(windows, reach.fromMs, reach.toMs), fromMs, toMs, timing);
}

export interface NamespaceBill extends Bill {
  namespace: string;
}

/** The start of the billing week containing `nowMs`'s hour: 168 UTC calendar hours from it. */
export function weekStart(nowMs: number): number {
  return Math.floor(nowMs / HOUR) * HOUR;
}

/**
 * Per namespace, the bill of the 168 UTC calendar hours from now's hour (sorted by namespace).
 * `windows` must hold every window intersecting billingReach(weekStart(nowMs), weekStart + 1 week).
 */
export function weeklyBills(
  windows: readonly (BillableWindow & { namespace: string })[],
  nowMs: number,
  timing: BillingTiming = DEFAULT_TIMING,
): NamespaceBill[] {
  const from = weekStart(nowMs);
  const byNamespace = new Map<string, BillableWindow[]>();
  for (const w of windows) {
    const list = byNamespace.get(w.namespace);
    if (list === undefined) byNamespace.set(w.namespace, [w]);
    else list.push(w);
  }
  return [...byNamespace.entries()]
    .map(([namespace, list]) => ({ namespace, ...billWindows(list, from, from + WEEK, timing) }))
    .sort((a, b) => (a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : 0));
}

/** A window's bill alone, against the cheapest placement of the same window (same length and steps) on the UTC hours. */
export interface PlacementCost {
  /** UTC hours the window is billed for, alone. */
  billedHours: number;
  minimumActions: number;
  /** The fewest hours the same window can be billed for, moved by less than an hour. */
  bestHours: number;
  bestMinimumActions: number;
  /** How far (ms, signed) the cheapest placement moves the window. */
  shiftMs: number;
}

function billAlone(w: BillableWindow, shiftMs: number, timing: BillingTiming): Bill {
  const moved: BillableWindow = {
    plan: w.plan,
    trus: w.trus,
    startMs: w.startMs + shiftMs,
    endMs: w.endMs === null ? null : w.endMs + shiftMs,
    ...(w.steps === undefined ? {} : { steps: w.steps.map((s) => ({ atMs: s.atMs + shiftMs, trus: s.trus })) }),
  };
  const from = moved.startMs - Math.max(0, timing.leadMs) - HOUR;
  const to = (moved.endMs ?? moved.startMs) + HOUR;
  return billOf(hourlyPeaks(capacityPieces([moved], from - HOUR, to + HOUR), from, to, timing));
}

/**
 * What a window's place on the clock costs: its bill alone, and the bill of the same window moved
 * so that its held start (start − lead) or its end falls on a UTC hour, whichever is cheapest.
 * Undefined for a permanent window (it bills every hour from its start).
 */
export function placementCost(w: BillableWindow, timing: BillingTiming = DEFAULT_TIMING): PlacementCost | undefined {
  if (w.endMs === null) return undefined;
  const here = billAlone(w, 0, timing);
  const heldStart = w.startMs - Math.max(0, timing.leadMs);
  const candidates = new Set<number>([0]);
  for (const at of [heldStart, w.endMs]) {
    const off = ((at % HOUR) + HOUR) % HOUR;
    candidates.add(-off);
    candidates.add(HOUR - off);
  }
  let best = { bill: here, shiftMs: 0 };
  // The smallest move first: of two equally cheap places, the nearer one is named.
  for (const shift of [...candidates].sort((a, b) => Math.abs(a) - Math.abs(b))) {
    if (shift === 0 || Math.abs(shift) >= HOUR) continue;
    const bill = billAlone(w, shift, timing);
    if (bill.minimumActions < best.bill.minimumActions || (bill.minimumActions === best.bill.minimumActions && bill.billedHours < best.bill.billedHours))
      best = { bill, shiftMs: shift };
  }
  return {
    billedHours: here.billedHours,
    minimumActions: here.minimumActions,
    bestHours: best.bill.billedHours,
    bestMinimumActions: best.bill.minimumActions,
    shiftMs: best.shiftMs,
  };
}

/** The reach of a billing range that also holds every window whose lead can reach it (a plan's lead is at most MAX_LEAD_MS). */
export function planBillingReach(fromMs: number, toMs: number): { fromMs: number; toMs: number } {
  return billingReach(fromMs, toMs, { leadMs: MAX_LEAD_MS, release: 'at-end' });
}

/**
 * A plan's windows as capsched acts on them (its `lead` and `release`, core/capacity/timing.ts),
 * from `intervals` (planIntervals of the plan): billed with DEFAULT_TIMING, they give the hours
 * the plan really holds capacity in (a raise requested at start − lead, a release requested at
 * the end as sent). One bill per namespace then mixes plans of different timings correctly.
 */
export function actedPlanWindows(plan: CapacityPlan, intervals: readonly Interval[]): (BillableWindow & { namespace: string })[] {
  const timing = planTiming(plan);
  return intervals.map((i) => {
    const steps = windowSteps(plan, i.startMs);
    const w = actedWindow({ startMs: i.startMs, endMs: i.endMs, trus: plan.trus, ...(steps === undefined ? {} : { steps }) }, timing);
    return {
      plan: plan.name,
      namespace: plan.namespace,
      trus: w.trus,
      startMs: w.startMs,
      endMs: w.endMs,
      ...(w.steps === undefined ? {} : { steps: w.steps }),
    };
  });
}
