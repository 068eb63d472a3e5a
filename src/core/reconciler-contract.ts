/**
 * The contract between the daemon and its reconciler workflow. Type-only for the workflow
 * sandbox; plain data, visible in the Temporal UI, so it never carries a secret or plan content.
 */
import type { Issue } from './plan/issues.js';

/** Workflow type of the per-installation reconciler. */
export const RECONCILER_WORKFLOW = 'capschedReconciler';
export const TRIGGER_SIGNAL = 'trigger';
export const STATE_QUERY = 'state';

/** One reconciler per installation: every daemon of the installation signals this id. */
export function reconcilerWorkflowId(installation: string): string {
  return `capsched-reconciler-${installation}`;
}

/** Task queue both daemons of an installation poll for reconcile passes. */
export function reconcilerTaskQueue(installation: string): string {
  return `capsched-reconciler-${installation}`;
}

/**
 * How one reconcile pass ended — the one vocabulary of reconcileOnce, the daemon's passes,
 * /status, metrics and `capsched apply --json`:
 * applied: every change written · unchanged: nothing to do · planned: dry run, changes computed,
 * none written · invalid: the commit does not validate (nothing read from or written to Temporal) ·
 * source-failed: the plan source could not be read · prune-blocked: the prune guard refused
 * (nothing written) · failed: listing failed or some change failed.
 */
export type PassOutcome = 'applied' | 'unchanged' | 'planned' | 'invalid' | 'source-failed' | 'prune-blocked' | 'failed';

/** A problem that is alerted once when it appears and once (info) when it clears. */
export interface Problem {
  /** Same key = same problem: no new alert. */
  key: string;
  since: string;
  message: string;
  revision?: string;
  /** Invalid plans: the errors themselves (file, line, column, field), at most MAX_PROBLEM_ISSUES. */
  issues?: Issue[];
}

/** Issues kept on a problem (state lives in workflow history: bounded). */
export const MAX_PROBLEM_ISSUES = 15;

export interface ReconcilerState {
  /** Passes completed by any daemon of this installation. */
  passes: number;
  lastPassAt?: string;
  lastPassResult?: PassOutcome;
  lastPassDurationMs?: number;
  /** Identity of the daemon that ran the last pass. */
  lastPassBy?: string;
  /** The source the last pass read (describe(), no secrets): daemons of one installation must agree. */
  lastSource?: string;
  /** The commit whose plans are in force (only advances when a whole commit applied). */
  lastAppliedRevision?: string;
  lastAppliedAt?: string;
  /** The newest commit seen, valid or not. */
  lastAttemptedRevision?: string;
  managedSchedules?: number;
  /** Consecutive failed passes (drives the backoff). */
  consecutiveFailures: number;
  problems: { source?: Problem; plans?: Problem; apply?: Problem; prune?: Problem; config?: Problem };
  /**
   * What each namespace's coordinator run was last told by a pass of any daemon (its present: src/core/live/present.ts):
   * another daemon, or this one restarted, does not tell it again (each tell is a billed signal).
   */
  told?: Record<string, { runId: string; key: string }>;
}

/** How long a pass may go without a heartbeat before another daemon takes over. */
export const DEFAULT_PASS_HEARTBEAT_TIMEOUT_MS = 30_000;

export interface TriggerRequest {
  reason: string;
  /** The sender's configured interval; the newest one wins. */
  intervalMs?: number;
  passHeartbeatTimeoutMs?: number;
}

export interface ReconcilerInput {
  installation: string;
  intervalMs: number;
  passHeartbeatTimeoutMs?: number;
  state?: ReconcilerState;
  /** Run a pass at once (start, or a trigger carried over continue-as-new). */
  pending?: boolean;
}

export interface ReconcilerActivities {
  /** One whole pass: source → plans → reconcile → alerts. Never throws for expected failures. */
  reconcilePass(previous: ReconcilerState): Promise<ReconcilerState>;
}

export function initialReconcilerState(): ReconcilerState {
  return { passes: 0, consecutiveFailures: 0, problems: {} };
}

/** Delay before the next scheduled pass: the interval, or an exponential backoff after failures. */
export function nextPassDelayMs(state: ReconcilerState, intervalMs: number, random: number): number {
  const cap = Math.max(intervalMs, Math.min(intervalMs * 10, 300_000));
  const base = state.consecutiveFailures === 0 ? intervalMs : Math.min(cap, intervalMs * 2 ** Math.min(state.consecutiveFailures, 20));
  // ±10 % jitter so daemons of many installations do not fetch in lockstep.
  return Math.max(1, Math.round(base * (0.9 + 0.2 * random)));
}
