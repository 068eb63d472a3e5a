/**
 * Signals, queries and updates of the capacity workflows, and the data they carry. Plain data
 * only; importable from workflow code, activities and clients alike.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { CapacityTarget } from '../../core/ports.js';
import type { CapacityChangeResult } from '../../core/workflow-contract.js';
import type { TimedStep } from '../../core/capacity/steps.js';
import type { ActiveWindowStatus, CoordinatorStatus, NamespacePresent, WindowAsk, WindowReport } from '../../core/engine/index.js';

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
// The coordinator's data is the engine's (src/core/engine): one type for each, shared by the workflows, the activities,
// the live store and the page.

/** A window asking the coordinator for capacity (`windowId` is `${workflowId}/${runId}`: see windowIdOf). */
export type WindowRequest = WindowAsk;
/** What the coordinator did for a window's raise or release; sent back to the window workflow. */
export type CoordinatorReport = WindowReport;
export type { ActiveWindowStatus, CoordinatorStatus };

export interface CloseWindowRequest {
  windowId: string;
  reason: 'cancelled' | 'ended';
}

export interface SetWindowEndRequest {
  windowId: string;
  endMs: number;
}

/** A reconcile pass sets a held window's TRUs (a running window's plan edited). Absolute: applying it twice is applying it once. */
export interface SetWindowTrusRequest {
  windowId: string;
  trus: number;
  /** The window's ramp at the commit: replaces the window's steps, and `trus` follows them. Absent: the window becomes flat at `trus`. */
  steps?: TimedStep[];
  /** The commit the new value comes from (logs only). */
  commit?: string;
}

/** A reconcile pass tells the coordinator its namespace's present: the permanent plans in force (git is the truth) and the windows due soon. */
export type SetBaselinesRequest = NamespacePresent;

export const openWindowSignal = defineSignal<[WindowRequest]>('capschedOpenWindow');
export const closeWindowSignal = defineSignal<[CloseWindowRequest]>('capschedCloseWindow');
export const setWindowEndSignal = defineSignal<[SetWindowEndRequest]>('capschedSetWindowEnd');
export const setWindowTrusSignal = defineSignal<[SetWindowTrusRequest]>('capschedSetWindowTrus');
export const setBaselinesSignal = defineSignal<[SetBaselinesRequest]>('capschedSetBaselines');
export const coordinatorReportSignal = defineSignal<[CoordinatorReport]>('capschedCoordinatorReport');
export const coordinatorStatusQuery = defineQuery<CoordinatorStatus>('status');
