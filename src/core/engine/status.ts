/**
 * What a coordinator shows of itself (its `status` query): one type, built from the engine's
 * state, read by windows checking they are known, the reconcile pass, the page and the CLI.
 */
import type { CapacityTarget } from '../ports.js';
import { desiredTarget } from './decide.js';
import type { DueWindows, EngineState } from './types.js';

export interface ActiveWindowStatus {
  windowId: string;
  trus: number;
  /** A ramp's steps (ISO instants); trus is the current one. */
  steps?: { at: string; trus: number }[];
  /** Absent: a permanent change (its plan's baseline). */
  endTime?: string;
  plan?: string;
  commit?: string;
  installation?: string;
  startedLate?: boolean;
}

export interface CoordinatorStatus {
  namespace: string;
  phase: 'idle' | 'applying' | 'verifying';
  effective: CapacityTarget;
  windows: ActiveWindowStatus[];
  /** Events received but not yet decided (always 0: the engine decides each at once). */
  queued: number;
  /** Capacity changes asked of Cloud Ops so far. */
  changes: number;
  /** Every window the coordinator holds or still releases (windows check they are known). */
  knows?: string[];
  /** Recently closed windows. */
  closed?: string[];
  dryRun?: boolean;
  /** Plans' permanent baselines the coordinator holds. */
  baselines?: { plan: string; trus: number }[];
  /** What the last pass told it (absent: no pass has): the commit, and the next window due after now on the namespace. */
  present?: { commit?: string; nextDue?: string; dueUntil: string };
}

export function engineStatus(s: EngineState, nowMs: number): CoordinatorStatus {
  const iso = (ms: number): string => new Date(ms).toISOString();
  return {
    namespace: s.namespace,
    // A read of what the namespace has (a fresh coordinator) is part of getting the change going, not its verification.
    // A change waiting out its verify delay (a durable timer) is being verified too: it is not idle.
    phase:
      s.inFlight === undefined
        ? s.verifyDue !== undefined
          ? 'verifying'
          : 'idle'
        : s.inFlight.kind === 'apply' || s.inFlight.purpose === 'read'
          ? 'applying'
          : 'verifying',
    effective: desiredTarget(s, nowMs),
    windows: [
      ...s.windows.map((w) => ({
        windowId: w.windowId,
        trus: w.steps !== undefined && w.steps.length > 0 ? currentStep(w.steps, nowMs) : w.trus,
        ...(w.steps === undefined ? {} : { steps: w.steps.map((st) => ({ at: iso(st.atMs), trus: st.trus })) }),
        ...(w.endMs === undefined ? {} : { endTime: iso(w.endMs) }),
        ...(w.plan === undefined ? {} : { plan: w.plan }),
        ...(w.commit === undefined ? {} : { commit: w.commit }),
        ...(w.installation === undefined ? {} : { installation: w.installation }),
        ...(w.startedLate === true ? { startedLate: true } : {}),
      })),
      ...s.baselines.flatMap((b) => (b.window === undefined ? [] : [{ windowId: b.window.windowId, trus: b.trus, plan: b.plan }])),
    ],
    queued: 0,
    changes: s.seq,
    knows: [
      ...s.windows.map((w) => w.windowId),
      ...s.baselines.flatMap((b) => (b.window === undefined ? [] : [b.window.windowId])),
      ...s.releases.map((r) => r.window.windowId),
    ],
    closed: [...s.closed],
    ...(s.dryRun !== undefined ? { dryRun: s.dryRun } : {}),
    baselines: s.baselines.map((b) => ({ plan: b.plan, trus: b.trus })),
    ...(s.due === undefined || Object.keys(s.due).length === 0 ? {} : { present: presentStatus(Object.values(s.due), s.presentCommit, nowMs) }),
  };
}

function presentStatus(dues: DueWindows[], commit: string | undefined, nowMs: number): NonNullable<CoordinatorStatus['present']> {
  const next = Math.min(...dues.flatMap((d) => d.startsMs.filter((t) => t > nowMs)));
  const until = Math.min(...dues.map((d) => d.toMs));
  return {
    ...(commit === undefined ? {} : { commit }),
    ...(Number.isFinite(next) ? { nextDue: new Date(next).toISOString() } : {}),
    dueUntil: new Date(until).toISOString(),
  };
}

function currentStep(steps: readonly { atMs: number; trus: number }[], nowMs: number): number {
  let trus = steps[0]?.trus ?? 0;
  for (const st of steps) if (st.atMs <= nowMs) trus = st.trus;
  return trus;
}
