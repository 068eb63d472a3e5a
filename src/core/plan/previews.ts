/**
 * Previews: what validation shows of each plan (a summary with its next windows). The windows are
 * computed once here and handed on with the plan (PreviewedPlan), so the desired build reuses them.
 */
import { windowSteps, nextWindows, previewOf, type Window, type WindowPreview } from '../windows/windows.js';
import type { PlanStep } from '../capacity/steps.js';
import type { LoadedPlan } from './load.js';
import type { CapacityPlan } from './schema.js';
import type { TimingOptionCost } from '../billing/timing-cost.js';

/** A plan's timing options (`lead`, `release: early`) and what each costs (core/billing/timing-cost.ts). */
export interface PlanTimingSummary {
  lead?: string;
  release?: 'early';
  costs: TimingOptionCost[];
}

/** How many upcoming windows validation previews (and the desired build reuses). */
export const PREVIEW_COUNT = 3;

/** Windows starting (or still open) from `fromMs`: at most `count`, as core/windows computes them. */
export interface UpcomingWindows {
  fromMs: number;
  count: number;
  windows: Window[];
}

/** A loaded plan with the next windows validation computed for it. */
export interface PreviewedPlan extends LoadedPlan {
  upcoming: UpcomingWindows;
}

export interface PlanSummary {
  name: string;
  file: string;
  line: number;
  namespace: string;
  /** A flat plan's TRUs; a ramp's peak. */
  trus: number;
  /** A ramp's steps as written (offsets from each window's start); absent for a flat plan. */
  steps?: PlanStep[];
  timezone: string;
  /** The cron expression or the one-off start as written. */
  schedule: string;
  recurring: boolean;
  /** "3h", "until 2026-12-24T17:00", or "permanent". */
  length: string;
  paused: boolean;
  /** The plan's `lead` and `release: early`, with what each costs; absent when it asks for neither. */
  timing?: PlanTimingSummary;
  description?: string;
  /** The next 3 windows from `now` (none for a paused plan or a past one-off). */
  nextWindows: WindowPreview[];
}

/**
 * A plan's summary and its next windows from `now`. Plans sharing a cron, zone and length share
 * the instants (`shared`): each is stamped with its own plan's name and TRUs.
 */
export function previewPlan(
  lp: LoadedPlan,
  now: number,
  shared?: { key: string; cache: Map<string, Window[]> },
): { summary: PlanSummary; plan: PreviewedPlan } {
  let windows = shared?.cache.get(shared.key);
  if (windows === undefined) {
    windows = nextWindows(lp.plan, now, PREVIEW_COUNT);
    shared?.cache.set(shared.key, windows);
  }
  const upcoming: UpcomingWindows = { fromMs: now, count: PREVIEW_COUNT, windows: windows.map((w) => withPlan(w, lp.plan)) };
  const plan: CapacityPlan = lp.plan;
  const summary: PlanSummary = {
    name: plan.name,
    file: lp.file,
    line: lp.line,
    namespace: plan.namespace,
    trus: plan.trus,
    timezone: plan.timezone,
    schedule: plan.cron ?? plan.at ?? '',
    recurring: plan.cron !== undefined,
    length: plan.duration ?? (plan.until !== undefined ? `until ${plan.until}` : 'permanent'),
    paused: plan.paused,
    nextWindows: upcoming.windows.map(previewOf),
  };
  if (plan.steps !== undefined) summary.steps = plan.steps.map((step) => ({ ...step }));
  if (plan.description !== undefined) summary.description = plan.description;
  return { summary, plan: { ...lp, upcoming } };
}

/** A window computed for another plan with the same cron, zone and length, stamped with this plan's name, namespace, TRUs and steps. */
function withPlan(w: Window, plan: CapacityPlan): Window {
  const out: Window = { ...w, plan: plan.name, namespace: plan.namespace, trus: plan.trus };
  delete out.steps;
  const steps = windowSteps(plan, w.startMs, plan.timezone);
  if (steps !== undefined) out.steps = steps;
  return out;
}
