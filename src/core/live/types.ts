/**
 * The present, as data: what the plans at the applied commit ask for right now (desired-now),
 * what the namespaces' coordinators hold (live), and what a pass does to running windows (live
 * changes). Plain data: it travels in reconcile results, JSON output and the present view.
 */
import type { TimedStep } from '../capacity/steps.js';

/** One plan's occurrence that covers now, with its end computed exactly as the window workflow computes it. */
export interface DesiredNowWindow {
  plan: string;
  file: string;
  namespace: string;
  /** What the occurrence asks for now: a ramp's current step. */
  trus: number;
  /** A ramp's steps for this occurrence (instants); absent for a flat plan. */
  steps?: TimedStep[];
  /** The occurrence's nominal start (the schedule's fire time), epoch ms. */
  startMs: number;
  /** null = permanent (a baseline). */
  endMs: number | null;
  /**
   * A permanent cron plan: it applies once it has started (its baseline is live); edits and
   * removal then apply on the next pass. A pass never starts one before its first fire.
   */
  needsLive?: boolean;
}

export interface DesiredNow {
  nowMs: number;
  /** The applied commit the plans come from (audit trail of late starts). */
  commit: string;
  /** Per namespace, sorted by namespace then plan. */
  namespaces: { namespace: string; windows: DesiredNowWindow[] }[];
}

/** A window a namespace's coordinator holds right now. */
export interface LiveWindow {
  windowId: string;
  workflowId: string;
  runId: string;
  /** What the window asks for now (a ramp's current step, as its coordinator keeps it). */
  trus: number;
  /** A ramp's steps as the coordinator holds them; absent for a flat window. */
  steps?: TimedStep[];
  /** null = permanent (the namespace's baseline). */
  endMs: number | null;
  /** From the window itself (newer workflows) or its workflow id (`capsched.<installation>.<plan>-<start>`). */
  plan?: string;
  installation?: string;
  commit?: string;
  /** The occurrence's nominal start, when known (the schedule appends it to the workflow id). */
  startMs?: number;
  /** A pass started it late (rule 2), from `commit`. */
  startedLate?: boolean;
}

/** One namespace as its coordinator reports it; `error` when it could not be read (nothing is changed then). */
export interface LiveNamespaceState {
  namespace: string;
  /** Effective TRUs the coordinator applies (0 = on-demand). */
  effectiveTrus: number;
  /** What the coordinator is doing, when it answered (absent: no coordinator runs, or it could not be read). */
  phase?: 'idle' | 'applying' | 'verifying';
  windows: LiveWindow[];
  error?: string;
}

/** How reductions of running windows are applied: at the window's end (default) or now (`--force`, `--live-reductions now`). */
export type LiveReductions = 'at-end' | 'now';

export type LiveChangeKind = 'raise' | 'extend' | 'start' | 'lower' | 'shorten' | 'release';

/** What a pass does (or holds) for one running window or one covering occurrence. */
export interface LiveChange {
  kind: LiveChangeKind;
  namespace: string;
  plan: string;
  /** The running window concerned; absent for `start`. */
  window?: { windowId: string; workflowId: string; runId: string };
  /** The window is the namespace's baseline (a permanent plan). */
  permanent: boolean;
  fromTrus?: number;
  toTrus?: number;
  /** A ramp reshaped (or a window turned into or out of a ramp): the steps the window takes; toTrus is the current one. */
  toSteps?: TimedStep[];
  /** Ends, epoch ms (null = permanent). */
  fromEndMs?: number | null;
  toEndMs?: number | null;
  /** For `start`: the occurrence's nominal start. */
  startMs?: number;
  /**
   * Reductions of a running window wait for its end by default: held until this instant, and
   * nothing is written. Absent: the pass applies the change.
   */
  heldUntilMs?: number;
  /** Why, in one phrase (rule and cause), e.g. "plan deleted", "plan edited: 6 → 8 TRUs". */
  reason: string;
}

export interface LiveNamespacePlan {
  namespace: string;
  /** Effective TRUs the coordinator applies now (0 = on-demand); undefined when it could not be read. */
  liveTrus?: number;
  /** Effective TRUs the plans ask for now (max over covering occurrences and baselines). */
  desiredTrus: number;
  /** Effective TRUs once the pass's changes that are not held have taken effect. */
  afterTrus?: number;
  changes: LiveChange[];
  error?: string;
}

export interface LivePlan {
  nowMs: number;
  reductions: LiveReductions;
  /** Only namespaces with a change (held or not) or an error. */
  namespaces: LiveNamespacePlan[];
  /** Changes the pass applies (not held): what makes `diff` exit 2. */
  pending: number;
  held: number;
}
