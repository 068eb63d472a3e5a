/**
 * A namespace's present as the pass pushes it to the namespace's coordinator: the permanent plans in
 * force (its baselines: git is the truth), the permanent plans whose start is still ahead, and the
 * windows due soon (so an ended window is held across its end only for a window really due then).
 * Pure: the caller passes the plans at the applied commit and now. A push is a signal, a billed
 * Action: `presentKey` leaves out the clock, so the pass pushes only when the key or the
 * coordinator's run changes (at most once per PRESENT_STEP_MS per namespace while nothing changes).
 */
import type { NamespacePresent } from '../engine/types.js';
import type { LoadedPlan } from '../plan/load.js';
import { planIntervals } from '../windows/windows.js';
import { planTiming } from '../capacity/timing.js';
import { desiredNow } from './desired-now.js';

/** The due list is re-anchored this often (its range moves in steps, so an unchanged plan set pushes twice a day at most). */
export const PRESENT_STEP_MS = 12 * 3_600_000;
/** How far ahead of its anchor the due list reaches (one step more than a day: a push is never the last word for long). */
export const PRESENT_REACH_MS = 36 * 3_600_000;

export function presentOf(
  plans: readonly Pick<LoadedPlan, 'plan' | 'file'>[],
  namespace: string,
  nowMs: number,
  commit: string,
  installation?: string,
): NamespacePresent {
  const fromMs = Math.floor(nowMs / PRESENT_STEP_MS) * PRESENT_STEP_MS;
  const toMs = fromMs + PRESENT_REACH_MS;
  const inForce: Record<string, number> = {};
  for (const n of desiredNow(plans, nowMs, commit).namespaces) {
    if (n.namespace !== namespace) continue;
    // A permanent cron plan sets its baseline when it fires: the push never raises for it, it only keeps what it announced.
    for (const w of n.windows) if (w.endMs === null && w.needsLive !== true) inForce[w.plan] = Math.max(inForce[w.plan] ?? 0, w.trus);
  }
  const later = new Set<string>();
  const starts = new Set<number>();
  for (const { plan } of plans) {
    if (plan.namespace !== namespace || plan.paused) continue;
    if (plan.cron !== undefined && plan.duration === undefined && !(plan.name in inForce)) later.add(plan.name);
    // A window joins its coordinator when its schedule fires: its start less the plan's lead.
    const leadMs = planTiming(plan).leadMs;
    for (const i of planIntervals(plan, fromMs, toMs + leadMs)) {
      const firesMs = i.startMs - leadMs;
      if (firesMs >= fromMs && firesMs < toMs) starts.add(firesMs);
      if (i.endMs === null && i.startMs > nowMs && !(plan.name in inForce)) later.add(plan.name);
    }
  }
  return {
    plans: inForce,
    ...(later.size > 0 ? { later: [...later].sort() } : {}),
    due: { fromMs, toMs, startsMs: [...starts].sort((a, b) => a - b) },
    commit,
    ...(installation === undefined ? {} : { installation }),
  };
}

/** What a push says, without the commit: equal keys need no second push to the same coordinator run. */
export function presentKey(p: NamespacePresent): string {
  return JSON.stringify([Object.entries(p.plans).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)), p.later ?? [], p.due ?? null]);
}

/**
 * The namespaces whose running coordinator must be told its present (pure): a coordinator run that was never told, or was
 * told something else. `coordinators`: namespace → run id of its running coordinator; `told`: namespace → what its run was told.
 */
export function presentPushes(
  coordinators: ReadonlyMap<string, string>,
  presents: ReadonlyMap<string, NamespacePresent>,
  told: ReadonlyMap<string, { runId: string; key: string }>,
): string[] {
  const out: string[] = [];
  for (const [namespace, runId] of coordinators) {
    const present = presents.get(namespace);
    if (present === undefined) continue;
    const last = told.get(namespace);
    if (last === undefined || last.runId !== runId || last.key !== presentKey(present)) out.push(namespace);
  }
  return out.sort();
}
