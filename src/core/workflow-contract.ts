/**
 * The contract between schedules (written by the reconciler), the `change` command and the
 * capacity-change workflow. Plain data only: it travels through Temporal payloads and is
 * visible in the Web UI, so it never carries a secret.
 */
import type { PlanStep } from './capacity/steps.js';

/** Task queue of the capacity-change worker (as in the seed). */
export const DEFAULT_TASK_QUEUE = 'capacity-management';

/** Workflow type name schedules start. */
export const CAPACITY_CHANGE_WORKFLOW = 'scheduledCapacityChange';

/** Workflow type of the per-namespace coordinator (as registered; never renamed). */
export const COORDINATOR_WORKFLOW = 'capacityCoordinator';

/** Names of the coordinator's and the window's signals and queries a reconcile pass uses (see temporal/workflows/definitions.ts). */
export const LIVE_WIRE = {
  coordinatorStatusQuery: 'status',
  setWindowTrusSignal: 'capschedSetWindowTrus',
  closeWindowSignal: 'capschedCloseWindow',
  setBaselinesSignal: 'capschedSetBaselines',
  setEndTimeSignal: 'setEndTime',
} as const;

/** Memo key of a window a pass started late: `{ startedLate: true, commit, occurrenceStart }`. */
export const LIVE_MEMO_KEY = 'capschedLive';

/** Ownership marker value on everything capsched creates. */
export const MANAGED_BY = 'capsched';

export interface CapacityChangeInput {
  /** Temporal Cloud namespace id. */
  namespace: string;
  /** Provisioned TRUs during the window (for a ramp: its peak, what a worker that knows no ramps holds). */
  desiredTrus: number;
  /**
   * A ramp (issue #14): the TRUs step through these values, offsets from the window's start in the
   * plan's duration syntax, the first at "0h". The window's start is `startTime`, else the run's
   * scheduled start time, else the run's start. Absent: flat at desiredTrus.
   */
  steps?: PlanStep[];
  /**
   * The occurrence's nominal start (ISO 8601) for a run a reconcile pass started late: a ramp's
   * offsets count from it, not from the late run's start.
   */
  startTime?: string;
  /** Absolute end (ISO 8601) for direct runs (`capsched change`, API users). */
  endTime?: string;
  /**
   * Window length in the plan format ("3h", "1h30m") for schedule-started runs: the end is
   * the run's own scheduled start time (TemporalScheduledStartTime) plus this duration.
   */
  duration?: string;
  /** Audit trail: plan name, file, commit SHA, installation id. */
  plan?: string;
  file?: string;
  commit?: string;
  installation?: string;
  /** Delay before verifying a change (default "2m" as in the seed). */
  verifyDelay?: string;
  /**
   * Set by a reconcile pass that started this window late, for the rest of its occurrence (the plan
   * was merged, edited or unpaused while its window covered now); `commit` says from which commit.
   */
  startedLate?: boolean;
}

export interface CapacityChangeResult {
  namespace: string;
  initialChangeSuccess: boolean;
  verificationSuccess: boolean;
  revertedToOnDemand: boolean;
  revertVerificationSuccess: boolean;
  errors: string[];
  /** True when the worker ran in dry-run mode: decisions were logged, nothing was changed. */
  dryRun?: boolean;
}
