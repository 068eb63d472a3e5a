/**
 * What the capacity activities take and return, and the worker-side settings they run with
 * (dry-run, allow/deny lists, UI URL): never in workflow inputs.
 */
import { type Client } from '@temporalio/client';
import type { Alert, CapacityMetrics, CapacityTarget, CloudOps, Notifier } from '../../core/ports.js';
import type { Logger } from '../../log/index.js';
import { type WindowRequest } from '../workflows/definitions.js';

export interface ActivitySettings {
  dryRun: boolean;
  namespaceAllowlist: string[];
  namespaceDenylist: string[];
  /** Base of workflow links in alerts, e.g. http://localhost:8233. */
  temporalUiUrl: string;
  /** Longest wait for one Cloud Ops async operation (default 10 minutes). */
  operationTimeoutMs?: number;
  /** Heartbeat period while waiting for an operation (default 5 s). */
  heartbeatMs?: number;
  /** How often a waiting window checks that its coordinator runs and knows it (default 10 min). */
  coordinatorCheckMs?: number;
  /** Longest wait for the coordinator's answer to a status query before asking whether any worker polls its queue (default 5 s). */
  coordinatorQueryTimeoutMs?: number;
  /** Re-read of capacity inside an active window (`--reverify-interval`, default 15 min); passed to the coordinators this worker starts. */
  reverifyIntervalMs?: number;
  /** An out-of-band change found by the re-read is restored (default) or only alerted (false). */
  reverifySelfHeal?: boolean;
  /** Re-read period while a verification waits for the latest capacity request to complete (default 2 s). */
  settlePollMs?: number;
  /**
   * Caps how long a verification waits for the latest capacity request (the workflow asks for 60 s).
   * Unset: no cap. Tests on the time-skipping server set it, since activity time is real time there.
   */
  settleWaitCapMs?: number;
}

export interface ActivityDeps {
  cloudOps: CloudOps;
  notifier: Notifier;
  logger: Logger;
  settings: ActivitySettings;
  /**
   * Temporal client of the worker's namespace (starts/signals the per-namespace coordinator).
   * Absent: the worker's own client, from the activity's context (the same connection and namespace).
   */
  client?: Client;
  /** Counts changes, verifications, reverts and Cloud Ops errors (the daemon's /metrics); omitted: not counted. */
  metrics?: CapacityMetrics;
}

export interface ApplyCapacityRequest {
  namespace: string;
  target: CapacityTarget;
  /** Stable per step: a retried activity reuses it, so the change is never applied twice. */
  operationId: string;
  /** The mode the coordinator's windows asked in: a worker of the other mode refuses (absent: old coordinators). */
  dryRun?: boolean | undefined;
}

export interface ApplyCapacityResult {
  operationId: string;
  /** The namespace already had this capacity. */
  noop: boolean;
  dryRun: boolean;
}

export interface VerifyCapacityRequest {
  namespace: string;
  expected: CapacityTarget;
  dryRun?: boolean | undefined;
  /**
   * Poll while the namespace's latest capacity request is still IN_PROGRESS (capacity can still be
   * changing after the async operation reported FULFILLED), for at most this long, then verify.
   * Absent or 0: one read (histories recorded before capsched-verify-settled).
   */
  settleWithinMs?: number;
  /** Only a read of what the namespace has (no verification of a change): not counted in the verification metrics. */
  read?: boolean | undefined;
}

export interface VerifyCapacityResult {
  ok: boolean;
  reason?: string;
  observed?: { mode: string; trus?: number; requestState?: string; requestTrus?: number };
  dryRun: boolean;
}

export interface SendAlertRequest {
  alert: Alert;
  /** The sender's mode (a coordinator's): a real coordinator's alert is sent even from a dry-run worker. Absent: the worker's. */
  dryRun?: boolean | undefined;
  /** Workflow the alert links to (default: the calling workflow). */
  workflowId?: string;
}

export interface JoinCoordinatorRequest {
  namespace: string;
  taskQueue: string;
  window: WindowRequest;
  /** A coordinator run confirmed stuck (no worker polls its task queue): terminated before the window starts a fresh one. */
  replace?: { coordinatorId: string; runId: string; reason: string } | undefined;
}

export interface JoinCoordinatorResult {
  /** The coordinator the window joined (dry-run windows have their own). */
  coordinatorId: string;
  dryRun: boolean;
  /** How often the window checks on its coordinator while it waits. */
  checkEveryMs: number;
}

export interface CheckCoordinatorRequest {
  coordinatorId: string;
  windowId: string;
}

export interface CheckCoordinatorResult {
  /**
   * known: running and holding (or queueing) the window; closed: running, the window already closed
   * (its report is on its way); unknown: running but it does not know the window (a fresh coordinator
   * after a terminate/reset); gone: not running; stuck: running, unanswered, and no worker polls its
   * task queue; unanswered: no answer, but workers poll (busy): wait.
   */
  state: 'known' | 'closed' | 'unknown' | 'gone' | 'stuck' | 'unanswered';
  runId?: string | undefined;
  taskQueue?: string | undefined;
  detail?: string | undefined;
}

/** Error type of a step sent to a worker whose dry-run setting differs from the windows' own. */
export const WORKER_MODE_MISMATCH = 'WORKER_MODE_MISMATCH';

/** Error type of a namespace refused by NAMESPACE_ALLOWLIST / NAMESPACE_DENYLIST. */
export const NAMESPACE_REFUSED = 'NAMESPACE_REFUSED';
