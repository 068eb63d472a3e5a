/**
 * Ports: the interfaces the edge implements. Core and workflow code speak these types;
 * adapters (src/adapters/*) map them to real systems.
 */

// ---------- Cloud Ops (namespace capacity) ----------

/** What capacity a namespace should have. */
export type CapacityTarget = { mode: 'onDemand' } | { mode: 'provisioned'; trus: number };

export type CapacityRequestState = 'completed' | 'inProgress' | 'failed' | 'unspecified';

/** A namespace's capacity as the Cloud Ops API reports it. */
export interface NamespaceCapacity {
  namespace: string;
  /** Observed mode; 'unknown' when the API reports neither (never inferred from absence). */
  mode: 'onDemand' | 'provisioned' | 'unknown';
  /** Current provisioned TRUs when mode is provisioned. */
  currentTrus?: number;
  latestRequest?: {
    state: CapacityRequestState;
    asyncOperationId?: string;
    target?: CapacityTarget;
    startTime?: string;
    endTime?: string;
  };
  resourceVersion: string;
}

/** A namespace's APS over the last 7 days (GetNamespaceCapacityInfo `stats.aps`). */
export interface ApsStats {
  mean: number;
  p90: number;
  p99: number;
}

export interface CapacityInfo {
  namespace: string;
  validTruValues: number[];
  maxAvailableTruValue?: number;
  hasLegacyLimits?: boolean;
  /** The APS limit the namespace would get on-demand now (`mode_options.on_demand.aps_limit`); absent when not reported. */
  onDemandApsLimit?: number;
  /** 7-day APS (`stats.aps`); absent when the API sent no stats. */
  apsStats?: ApsStats;
}

export type AsyncOperationState = 'pending' | 'inProgress' | 'failed' | 'cancelled' | 'fulfilled' | 'rejected' | 'unspecified';

export interface AsyncOperationStatus {
  id: string;
  state: AsyncOperationState;
  failureReason?: string;
  /** Server's recommended poll interval. */
  checkDurationMs?: number;
}

export interface SetCapacityResult {
  /** The operation id that was used (the caller's, stable across retries). */
  operationId: string;
  /** True when the namespace already had this capacity ("nothing to change"). */
  noop: boolean;
  operation?: AsyncOperationStatus;
  /** The namespace's capacity info read before a provisioned change (to check the value is offered), when it was read. */
  capacityInfo?: CapacityInfo;
}

/**
 * Temporal Cloud Ops API, capacity subset. Implementations throw CapschedError with a retry
 * class (transient for UNAVAILABLE/RESOURCE_EXHAUSTED/stale version, terminal otherwise).
 */
export interface CloudOps {
  getCapacity(namespace: string): Promise<NamespaceCapacity>;
  getCapacityInfo(namespace: string): Promise<CapacityInfo>;
  /** Read-modify-write of the full namespace spec with only capacity replaced. */
  setCapacity(namespace: string, target: CapacityTarget, operationId: string): Promise<SetCapacityResult>;
  /** Polls the async operation until it is terminal or the timeout passes. */
  waitForOperation(operationId: string, options?: { timeoutMs?: number; signal?: AbortSignal }): Promise<AsyncOperationStatus>;
}

// ---------- Metrics (counted where the event happens: the capacity worker's activities) ----------

/** How one capacity change went, as counted (the window workflow's own result is CapacityChangeResult, core/workflow-contract.ts). */
export type CapacityChangeOutcome = 'applied' | 'noop' | 'dry-run' | 'failed' | 'refused';
export type VerificationResult = 'ok' | 'mismatch' | 'error' | 'dry-run';
/** How a window's end (release) went: on time, late (the release began after the end), failed (not applied or not verified). */
export type WindowRevertResult = 'on-time' | 'late' | 'failed';

export interface CapacityMetrics {
  capacityChange(result: CapacityChangeOutcome): void;
  verification(result: VerificationResult): void;
  windowRevert(result: WindowRevertResult): void;
  /** A failed Cloud Ops call or operation, by its stable code (CLOUD_OPS_*). */
  cloudOpsError(code: string): void;
  /** An alert handed to the notifier: delivered or not. */
  alertSent(severity: AlertSeverity, delivered: boolean): void;
}

// ---------- Alerts ----------

export type AlertSeverity = 'critical' | 'error' | 'info';

export interface Alert {
  severity: AlertSeverity;
  /** Static summary, e.g. "Capacity change failed". */
  title: string;
  namespace?: string;
  plan?: string;
  trus?: number;
  window?: { start?: string; end?: string };
  /** Link to the workflow in the Temporal Web UI. */
  workflowUrl?: string;
  /** Extra human text (already free of secrets). */
  text?: string;
  /** Alerts with the same key are sent once (dedupe on transitions, not on every retry). */
  dedupeKey?: string;
}

/** Sends alerts; never throws and never blocks a capacity change for long. */
export interface Notifier {
  notify(alert: Alert): Promise<void>;
}

// ---------- Plan sources (git commit or local folder) ----------

/** One entry under the plans path, as the source found it. Symlinks and submodules are never followed. */
export interface PlanFile {
  /** Path relative to the source root (posix separators), e.g. "schedules/nightly.yaml". */
  path: string;
  kind: 'file' | 'symlink' | 'submodule' | 'other';
  /** Size in bytes as reported by the source (checked before reading). */
  size: number;
  /** Raw bytes; absent for symlinks, submodules and files over the size cap (never read). */
  bytes?: Uint8Array;
}

/** An atomic view of the plans: every file of one revision. */
export interface SourceSnapshot {
  /** Commit SHA for git; a content hash for a folder. */
  revision: string;
  /** False when the plans path does not exist at this revision (an error, never "no plans"). */
  pathExists: boolean;
  files: PlanFile[];
  /** Extra audit data (branch, commit subject, author) when the source knows it. */
  meta?: Record<string, string>;
}

export interface PlanSource {
  /** Human description without secrets, e.g. "git https://github.com/acme/plans (main) schedules/". */
  describe(): string;
  /** Fetches (git) and reads the current revision. Throws CapschedError (transient when unreachable). */
  snapshot(): Promise<SourceSnapshot>;
}

// ---------- Temporal Schedules (the reconciler's target) ----------

import type { DesiredSchedule } from './desired/types.js';
import type { ActualSchedule } from './diff/types.js';

/**
 * The schedules of one Temporal namespace, as the reconciler sees them. Implementations throw
 * CapschedError: SCHEDULE_EXISTS (create on an existing id), SCHEDULE_NOT_FOUND, and
 * transient codes for UNAVAILABLE / RESOURCE_EXHAUSTED so callers back off.
 */
export interface ScheduleStore {
  /** Schedules carrying capsched's marker and this installation's id (visibility: eventually consistent). */
  list(installation: string): Promise<ActualSchedule[]>;
  /** One schedule with its complete action and policies (`detail`); undefined when it does not exist. */
  describe(scheduleId: string): Promise<ActualSchedule | undefined>;
  create(desired: DesiredSchedule): Promise<void>;
  /** Replaces spec, action, policies, state and search attributes as a whole. */
  update(desired: DesiredSchedule): Promise<void>;
  delete(scheduleId: string): Promise<void>;
  /**
   * Workflow ids of open runs this schedule started (active windows). With overlap ALLOW_ALL the
   * server does not track them on the schedule, so this is a visibility query (eventually consistent).
   */
  runningWindows(scheduleId: string): Promise<string[]>;
  /** Cancels a running window's workflow (the workflow reverts on cancel). */
  cancelWorkflow(workflowId: string, reason: string): Promise<void>;
}

// ---------- The present: coordinators and running windows (git is the truth for the present) ----------

import type { LiveNamespaceState } from './live/types.js';
import type { TimedStep } from './capacity/steps.js';
import type { CapacityChangeInput } from './workflow-contract.js';
import type { NamespacePresent } from './engine/present.js';

/** A window a pass starts late (rule 2): the run the schedule would have started for this occurrence. */
export interface LiveStartRequest {
  /** The occurrence's run id (`<scheduleId>-<RFC 3339 start>`): an existing run is never started again. */
  workflowId: string;
  workflowType: string;
  taskQueue: string;
  input: CapacityChangeInput;
  memo: Record<string, unknown>;
  /** Keyword search attributes (the schedule action's audit trail). */
  searchAttributes: Partial<Record<string, string>>;
}

/**
 * The namespaces' coordinators and their windows, as a reconcile pass reads and changes them.
 * Reads are O(namespaces): one visibility list of running coordinators and one status query each.
 * Writes are absolute (set TRUs, set the end), so a retried or repeated write changes nothing more.
 */
export interface LiveStore {
  /** Namespaces whose coordinator is running (one visibility call per 1000). */
  coordinatorNamespaces(): Promise<string[]>;
  /**
   * The running coordinators and capacity-change windows (`runs`: workflowId/runId, sorted), and the
   * namespaces of the running coordinators: one visibility list (free; a query is a billed Action).
   * Lets a pass on an unchanged commit skip the status queries when no run started or ended (a change
   * inside a run that no pass made — an end moved by hand — is read within LIVE_READ_MAX_AGE_MS).
   */
  runningRuns?(): Promise<{ coordinators: string[]; runs: string[] }>;
  /**
   * The namespaces whose coordinator runs now or closed after `sinceMs` (one visibility list, free):
   * the others cannot have changed since. Lets a reader query only those (the page's record).
   */
  coordinatorsChangedSince?(sinceMs: number): Promise<string[]>;
  /**
   * What the namespace's coordinator status depends on: its run, history length and status (one
   * describe, free), null when it has none. A status query answer stays true while this stays.
   */
  coordinatorRun?(namespace: string): Promise<string | null>;
  /** One status query of the namespace's coordinator; `error` set when it cannot be read in time. */
  readNamespace(namespace: string): Promise<LiveNamespaceState>;
  /** Which of these workflow ids have a run, open or closed (one describe each). */
  existingRuns(workflowIds: readonly string[]): Promise<Set<string>>;
  /** Sets a held window's TRUs in its coordinator (it re-applies the effective capacity). */
  /** `steps`: a ramp's steps the window takes (absent: the window is flat at `trus`). */
  setWindowTrus(namespace: string, windowId: string, trus: number, commit: string, steps?: TimedStep[]): Promise<void>;
  /** Moves a running window's end (its setEndTime signal; the window tells its coordinator). */
  setWindowEnd(workflowId: string, runId: string, endMs: number): Promise<void>;
  /**
   * Tells a running coordinator its namespace's present (its plans' baselines and the windows due soon): one signal, a billed
   * Action, sent only when what it was told differs (src/core/live/present.ts).
   */
  pushPresent?(namespace: string, present: NamespacePresent): Promise<void>;
  /** Releases a held window (a baseline) in its coordinator, whose workflow has finished. */
  releaseWindow(namespace: string, windowId: string): Promise<void>;
  /** Cancels a running window (it releases its capacity and ends as cancelled). */
  cancelWindow(workflowId: string, runId: string, reason: string): Promise<void>;
  /** Starts a window; 'exists' when a run with this id exists already (another daemon, the schedule). */
  startWindow(request: LiveStartRequest): Promise<'started' | 'exists'>;
}
