/**
 * Desired-now: per namespace, each plan's occurrence that covers now (start <= now < end, the end
 * computed as the window workflow computes it: the occurrence's nominal start + the plan's
 * length), plus permanent plans. A plan with a `lead` or `release: early` is taken as the window
 * acts on it (core/capacity/timing.ts): from its fire time (the schedule's nominal start, which
 * names its run) to the end it sends, a ramp's steps moved as its input carries them. Pure: the caller passes the plans at the applied commit and now.
 */
import type { LoadedPlan } from '../plan/load.js';
import { scheduleIdFor } from '../desired/schedule-id.js';
import { trusAt } from '../capacity/steps.js';
import { planIntervals, windowSteps } from '../windows/windows.js';
import { actedWindow, planTiming } from '../capacity/timing.js';
import type { DesiredNow, DesiredNowWindow } from './types.js';

export function desiredNow(plans: readonly Pick<LoadedPlan, 'plan' | 'file'>[], nowMs: number, commit: string): DesiredNow {
  const by = new Map<string, DesiredNowWindow[]>();
  for (const lp of plans) {
    const plan = lp.plan;
    if (plan.paused) continue;
    const timing = planTiming(plan);
    for (const planned of planIntervals(plan, nowMs, nowMs + 1 + timing.leadMs)) {
      const steps = windowSteps(plan, planned.startMs);
      const i = actedWindow(
        {
          startMs: planned.startMs,
          endMs: planned.endMs,
          trus: plan.trus,
          ...(steps === undefined ? {} : { steps: steps.map((s) => ({ atMs: s.atMs, trus: s.trus })) }),
        },
        timing,
      );
      if (i.startMs > nowMs || (i.endMs !== null && i.endMs <= nowMs)) continue;
      const w: DesiredNowWindow = { plan: plan.name, file: lp.file, namespace: plan.namespace, trus: plan.trus, startMs: i.startMs, endMs: i.endMs };
      // A ramp asks for its current step now (plan.trus is its peak).
      if (i.steps !== undefined) {
        w.steps = i.steps;
        w.trus = trusAt(w.steps, nowMs);
      }
      if (i.endMs === null && plan.cron !== undefined) w.needsLive = true;
      const list = by.get(plan.namespace) ?? [];
      list.push(w);
      by.set(plan.namespace, list);
    }
    // A permanent cron plan has no interval covering now unless it fires this very millisecond:
    // it still applies (once its baseline is live), so edits and removal apply on the next pass.
    if (plan.cron !== undefined && plan.duration === undefined && !(by.get(plan.namespace) ?? []).some((w) => w.plan === plan.name)) {
      const list = by.get(plan.namespace) ?? [];
      list.push({ plan: plan.name, file: lp.file, namespace: plan.namespace, trus: plan.trus, startMs: nowMs, endMs: null, needsLive: true });
      by.set(plan.namespace, list);
    }
  }
  const namespaces = [...by.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([namespace, windows]) => ({ namespace, windows: windows.sort((a, b) => (a.plan < b.plan ? -1 : a.plan > b.plan ? 1 : a.startMs - b.startMs)) }));
  return { nowMs, commit, namespaces };
}

/**
 * The workflow id a schedule gives its run for an occurrence: `<scheduleId>-<RFC 3339 start>` (the
 * server's format). `namespaceOfList` for one namespace of a `namespaces:` plan (its own schedule id).
 */
export function occurrenceWorkflowId(installation: string, plan: string, startMs: number, namespaceOfList?: string): string {
  return occurrenceWorkflowIdOf(scheduleIdFor(installation, plan, namespaceOfList), startMs);
}

/** The run id a schedule's occurrence gets, from the schedule id. */
export function occurrenceWorkflowIdOf(scheduleId: string, startMs: number): string {
  return `${scheduleId}-${new Date(Math.floor(startMs / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')}`;
}

/**
 * `capsched.<installation>.<plan>[.<namespace>]-<RFC 3339 start>` → its parts (namespace only for
 * a `namespaces:` plan's schedule); undefined for anything else (a manual change).
 */
export function parseOccurrenceWorkflowId(workflowId: string): { installation: string; plan: string; namespace?: string; startMs: number } | undefined {
  const m =
    /^capsched\.([A-Za-z0-9][A-Za-z0-9_-]*)\.([a-z0-9][a-z0-9-]*?)(?:\.([A-Za-z0-9][A-Za-z0-9._-]*?))?-(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?Z)$/.exec(
      workflowId,
    );
  if (m === null) return undefined;
  const startMs = Date.parse(m[4]!);
  if (Number.isNaN(startMs)) return undefined;
  return { installation: m[1]!, plan: m[2]!, ...(m[3] === undefined ? {} : { namespace: m[3] }), startMs };
}
