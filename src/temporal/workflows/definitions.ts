/**
 * Signals, queries and updates of the capacity workflows, and the data they carry. Plain data
 * only; importable from workflow code, activities and clients alike.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { CapacityTarget } from '../../core/ports.js';
import type { CapacityChangeResult } from '../../core/workflow-contract.js';
import type { TimedStep } from '../../core/capacity/steps.js';

/** Workflow type of the per-namespace coordinator. */
export const CAPACITY_COORDINATOR_WORKFLOW = 'capacityCoordinator';

// ---------- window workflow (scheduledCapacityChange) ----------

export type WindowPhase =
  | 'starting'
  /** waiting for the coordinator to raise capacity and verify it */
  | 'raising'
  /** capacity raised; waiting for the window's end */
  | 'active'
  /** the end arrived (or the run was cancelled); capacity is being released */
  | 'releasing'
  | 'done'
  /** a late start after the window's end: nothing was changed */
  | 'skipped'
  | 'failed';

export interface CapacityChangeStatus {
  namespace: string;
  phase: WindowPhase;
  desiredTrus: number;
  /** A ramp's steps at instants (ISO), when the window is a ramp. */
  steps?: { at: string; trus: number }[];
  /** What the namespace was last set to for this window (after coordination with overlapping windows). */
  effective?: CapacityTarget;
  /** ISO end of the window; absent for a permanent change. */
  endTime?: string;
  errors: string[];
  result: CapacityChangeResult;
}

export interface SetEndTimeRequest {
  /** New end, ISO 8601 with a zone. A time in the past ends the window now. */
  endTime: string;
}

/** Live status of a capacity change. */
export const capacityStatusQuery = defineQuery<CapacityChangeStatus>('status');
/** Moves the window's end (extend or shorten); invalid values are logged and ignored. */
export const setEndTimeSignal = defineSignal<[SetEndTimeRequest]>('setEndTime');
/** Same as the signal, but validated: the caller gets an error for an invalid end, or the new status. */
export const setEndTimeUpdate = defineUpdate<CapacityChangeStatus, [SetEndTimeRequest]>('setEndTime');

// ---------- coordinator ----------

/** A window asking the coordinator for capacity. */
export interface WindowRequest {
  /** `${workflowId}/${runId}` of the window workflow. */
  windowId: string;
  workflowId: string;
  runId: string;
  trus: number;
  /**
   * A ramp (issue #14): the TRUs the window asks for step through these values at these instants
   * (epoch ms, increasing; the first at the window's start). The coordinator keeps `trus` at the
   * latest step reached. Absent: a flat window (older windows never have steps).
   */
  steps?: TimedStep[];
  /** Epoch ms; absent = permanent (a baseline that a newer permanent change replaces). */
  endMs?: number;
  verifyDelayMs: number;
  /** Set by the window's own worker: dry-run windows join the dry-run coordinator only. Absent: an older window. */
  dryRun?: boolean;
  /**
   * The window re-announces itself to a coordinator that lost it (terminated, cancelled, reset,
   * replaced): it already had its raise; an end already passed is released at once.
   */
  rejoin?: boolean;
  /** Audit trail from the window's input (shown by the status query; absent from older windows). */
  plan?: string;
  commit?: string;
  installation?: string;
  /** A reconcile pass started the window late, for the rest of its occurrence (docs/reconcile.md). */
  startedLate?: boolean;
}

export interface CloseWindowRequest {
  windowId: string;
  reason: 'cancelled' | 'ended';
}

export interface SetWindowEndRequest {
  windowId: string;
  endMs: number;
}

/** A reconcile pass sets a held window's TRUs (a running window's plan edited, a permanent plan edited). Absolute: applying it twice is applying it once. */
export interface SetWindowTrusRequest {
  windowId: string;
  trus: number;
  /**
   * The window's ramp at the commit (a running ramp's plan edited, or a flat plan edited into a
   * ramp): replaces the window's steps, and `trus` follows them. Absent: the window becomes flat at `trus`.
   */
  steps?: TimedStep[];
  /** The commit the new value comes from (logs only). */
  commit?: string;
}

/** What the coordinator did for a window's step; sent back to the window workflow. */
export interface CoordinatorReport {
  windowId: string;
  step: 'raise' | 'release';
  /** The capacity change was accepted and finished (or was not needed). */
  applied: boolean;
  /** The API showed the expected mode and TRUs afterwards. */
  verified: boolean;
  /** The namespace's effective capacity after the step. */
  target: CapacityTarget;
  /** Windows holding that capacity (empty for on-demand). */
  heldBy: string[];
  /** Whether a Cloud Ops change was made (false: the namespace already had it). */
  changed: boolean;
  errors: string[];
  dryRun: boolean;
  /**
   * Release of a window whose end had passed: how long after the end the release began (the
   * worker or Temporal was unavailable at the end). Absent for cancellations and raises.
   */
  lateByMs?: number;
  /**
   * Why the release began late: `busy` = another capacity step of the namespace was still running
   * at the end (`heldUpBy` says which); `outage` = no worker or Temporal server could act;
   * `rejoined` = the coordinator had lost the window (terminated, reset, stranded) until it re-joined.
   */
  lateCause?: 'busy' | 'outage' | 'rejoined';
  heldUpBy?: string;
}

export interface ActiveWindowStatus {
  windowId: string;
  trus: number;
  /** A ramp's steps (ISO instants); trus is the current one. */
  steps?: { at: string; trus: number }[];
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
  queued: number;
  changes: number;
  /** Every window the coordinator holds, queues or still releases (windows check they are known). */
  knows?: string[];
  /** Recently closed windows. */
  closed?: string[];
  dryRun?: boolean;
}

export const openWindowSignal = defineSignal<[WindowRequest]>('capschedOpenWindow');
export const closeWindowSignal = defineSignal<[CloseWindowRequest]>('capschedCloseWindow');
export const setWindowEndSignal = defineSignal<[SetWindowEndRequest]>('capschedSetWindowEnd');
export const setWindowTrusSignal = defineSignal<[SetWindowTrusRequest]>('capschedSetWindowTrus');
export const coordinatorReportSignal = defineSignal<[CoordinatorReport]>('capschedCoordinatorReport');
export const coordinatorStatusQuery = defineQuery<CoordinatorStatus>('status');
