/**
 * Activities of the capacity workflows, built from their collaborators so tests can pass real
 * servers or plain objects. Worker-side settings (dry-run, allow/deny lists, UI URL) live here,
 * never in workflow inputs. Errors leave as ApplicationFailure with a scrubbed message and a
 * retry decision taken from CapschedError.retry (terminal = non-retryable).
 */
import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import protoPackage from '@temporalio/proto';
import {
  DEFAULT_COORDINATOR_CHECK_MS,
  DEFAULT_REVERIFY_INTERVAL_MS,
  capacityMatches,
  describeTarget,
  coordinatorWorkflowIdFor,
} from '../../core/capacity/window.js';
import { isCapschedError } from '../../core/errors.js';
import type { Alert, CapacityMetrics, CapacityTarget, CloudOps, Notifier, WindowRevertResult } from '../../core/ports.js';
import type { Logger } from '../../log/index.js';
import { scrub } from '../../log/secrets.js';
import { namespaceRefusal } from '../../core/capacity/namespace-rules.js';
import { CAPACITY_COORDINATOR_WORKFLOW, coordinatorStatusQuery, openWindowSignal, type WindowRequest } from '../workflows/definitions.js';

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
}

export interface VerifyCapacityResult {
  ok: boolean;
  reason?: string;
  observed?: { mode: string; trus?: number; requestState?: string };
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

const { temporal } = protoPackage;
/**
 * How a window's end went, read from the alert the capacity-change workflow sends for it (its
 * dedupe key ends in `:release:<severity>`: info = on time, error = late, critical = failed), or
 * the coordinator's own alert when the window workflow is gone (`…:release`, critical).
 */
export function windowRevertOf(alert: Alert): WindowRevertResult | undefined {
  const parts = alert.dedupeKey?.split(':') ?? [];
  if (parts.length >= 2 && parts[parts.length - 2] === 'release') return alert.severity === 'info' ? 'on-time' : alert.severity === 'error' ? 'late' : 'failed';
  if (parts[parts.length - 1] === 'release' && alert.severity === 'critical') return 'failed';
  return undefined;
}

/** The Cloud Ops port with every failed call counted by its code. */
function countingCloudOps(cloudOps: CloudOps, metrics: CapacityMetrics): CloudOps {
  const count = <T>(call: () => Promise<T>): Promise<T> =>
    call().catch((err: unknown) => {
      if (!(err instanceof Error && err.name === 'AbortError')) metrics.cloudOpsError(isCapschedError(err) ? err.code : 'UNEXPECTED');
      throw err;
    });
  return {
    getCapacity: (namespace) => count(() => cloudOps.getCapacity(namespace)),
    getCapacityInfo: (namespace) => count(() => cloudOps.getCapacityInfo(namespace)),
    setCapacity: (namespace, target, operationId) => count(() => cloudOps.setCapacity(namespace, target, operationId)),
    waitForOperation: (operationId, options) => count(() => cloudOps.waitForOperation(operationId, options)),
  };
}

export function createActivities(deps: ActivityDeps) {
  const client = (): Client => deps.client ?? Context.current().client;
  const { notifier, settings } = deps;
  const metrics = deps.metrics;
  const cloudOps = metrics === undefined ? deps.cloudOps : countingCloudOps(deps.cloudOps, metrics);
  const baseLog = deps.logger.child({ component: 'capacity-activities' });

  function context(): { log: Logger; ctx: Context } {
    const ctx = Context.current();
    const log = baseLog.child({ activity: ctx.info.activityType, workflowId: ctx.info.workflowExecution?.workflowId, attempt: ctx.info.attempt });
    return { log, ctx };
  }

  function refuse(namespace: string, log: Logger): void {
    const why = namespaceRefusal(namespace, settings);
    if (why === undefined) return;
    log.error({ namespace }, 'namespace refused by the worker allow/deny lists');
    throw ApplicationFailure.create({ message: why, type: NAMESPACE_REFUSED, nonRetryable: true });
  }

  /** A step asked in one mode never runs on a worker of the other (a dry-run window never changes real capacity, a real one never silently does nothing). */
  function sameMode(dryRun: boolean | undefined, log: Logger): void {
    if (dryRun === undefined || dryRun === settings.dryRun) return;
    log.error(
      { asked: dryRun ? 'dry-run' : 'real', worker: settings.dryRun ? 'dry-run' : 'real' },
      'capacity step refused: worker mode differs from the windows',
    );
    const message = dryRun
      ? 'refused: the coordinator holds dry-run windows but this worker is not in dry-run mode (a dry-run window never changes real capacity)'
      : 'refused: the coordinator holds real windows but this worker is in dry-run mode (it would change nothing and report success)';
    throw ApplicationFailure.create({ message, type: WORKER_MODE_MISMATCH, nonRetryable: true });
  }

  return {
    /** Sets the namespace's capacity and waits (polling, with heartbeats) until the operation finishes. */
    async applyCapacity(req: ApplyCapacityRequest): Promise<ApplyCapacityResult> {
      const { log, ctx } = context();
      const fields = { namespace: req.namespace, target: describeTarget(req.target), operationId: req.operationId, dryRun: settings.dryRun };
      try {
        refuse(req.namespace, log);
        sameMode(req.dryRun, log);
      } catch (err) {
        metrics?.capacityChange('refused');
        throw err;
      }
      if (settings.dryRun) {
        metrics?.capacityChange('dry-run');
        let current: string | undefined;
        try {
          const observed = await cloudOps.getCapacity(req.namespace);
          current = observed.mode === 'provisioned' ? `${observed.currentTrus} TRUs` : observed.mode;
        } catch (err) {
          current = `unknown (${failureText(err)})`;
        }
        log.info({ ...fields, current }, 'dry run: would set capacity');
        return { operationId: req.operationId, noop: false, dryRun: true };
      }
      log.info(fields, 'setting capacity');
      // Heartbeat from the start: the read-modify-write calls can take a while too.
      const heartbeat = setInterval(() => ctx.heartbeat({ operationId: req.operationId }), settings.heartbeatMs ?? 5_000);
      try {
        ctx.heartbeat({ operationId: req.operationId });
        const set = await cloudOps.setCapacity(req.namespace, req.target, req.operationId);
        if (set.noop) {
          metrics?.capacityChange('noop');
          log.info(fields, 'capacity already as requested (nothing to change)');
          return { operationId: set.operationId, noop: true, dryRun: false };
        }
        const op = await cloudOps.waitForOperation(set.operationId, { timeoutMs: settings.operationTimeoutMs ?? 600_000, signal: ctx.cancellationSignal });
        if (op.state !== 'fulfilled') {
          metrics?.cloudOpsError(`CLOUD_OPS_OPERATION_${op.state.toUpperCase()}`);
          const reason = op.failureReason !== undefined ? `: ${scrub(op.failureReason)}` : '';
          throw ApplicationFailure.create({
            message: `Cloud Ops operation ${op.id} ended ${op.state}${reason}`,
            type: `CLOUD_OPS_OPERATION_${op.state.toUpperCase()}`,
            nonRetryable: true,
          });
        }
        log.info(fields, 'capacity change finished');
        metrics?.capacityChange('applied');
        return { operationId: set.operationId, noop: false, dryRun: false };
      } catch (err) {
        metrics?.capacityChange('failed');
        log.warn({ ...fields, err }, 'capacity change failed');
        throw toFailure(err);
      } finally {
        clearInterval(heartbeat);
      }
    },

    /** Reads the namespace's capacity from the API (until its latest request completes, within settleWithinMs) and checks mode, TRUs and the latest request. */
    async verifyCapacity(req: VerifyCapacityRequest): Promise<VerifyCapacityResult> {
      const { log, ctx } = context();
      const fields = { namespace: req.namespace, expected: describeTarget(req.expected) };
      refuse(req.namespace, log);
      sameMode(req.dryRun, log);
      if (settings.dryRun) {
        metrics?.verification('dry-run');
        log.info(fields, 'dry run: would verify capacity');
        return { ok: true, reason: 'dry run: not verified', dryRun: true };
      }
      try {
        const settleWithinMs = Math.max(0, Math.min(req.settleWithinMs ?? 0, settings.settleWaitCapMs ?? Number.POSITIVE_INFINITY));
        const started = Date.now();
        let observed = await cloudOps.getCapacity(req.namespace);
        let reads = 1;
        // The operation FULFILLED does not mean the capacity is in place: wait (bounded) for the latest request to complete.
        while (observed.latestRequest?.state === 'inProgress' && Date.now() - started < settleWithinMs) {
          ctx.heartbeat({ reads });
          await ctx.sleep(Math.min(settings.settlePollMs ?? 2_000, Math.max(1, settleWithinMs - (Date.now() - started))));
          observed = await cloudOps.getCapacity(req.namespace);
          reads += 1;
        }
        const check = capacityMatches(observed, req.expected);
        const stillChanging = observed.latestRequest?.state === 'inProgress' && settleWithinMs > 0;
        const waited = settleWithinMs >= 1000 ? `${Math.round(settleWithinMs / 1000)}s` : `${settleWithinMs}ms`;
        const reason = check.ok
          ? undefined
          : stillChanging
            ? `the latest capacity request is still in progress after waiting ${waited} for it to complete (${check.reason})`
            : check.reason;
        const summary = { mode: observed.mode, trus: observed.currentTrus, requestState: observed.latestRequest?.state };
        metrics?.verification(check.ok ? 'ok' : 'mismatch');
        if (check.ok) log.info({ ...fields, observed: summary, reads, waitedMs: Date.now() - started }, 'capacity verified');
        else log.warn({ ...fields, observed: summary, reason, reads, waitedMs: Date.now() - started }, 'capacity verification failed');
        return { ok: check.ok, reason, observed: summary, dryRun: false };
      } catch (err) {
        metrics?.verification('error');
        log.warn({ ...fields, err }, 'capacity read failed');
        throw toFailure(err);
      }
    },

    /** Sends an alert; in dry-run it is only logged. Delivery problems never fail the caller for long. */
    async sendAlert(req: SendAlertRequest): Promise<void> {
      const { log, ctx } = context();
      const workflowId = req.workflowId ?? ctx.info.workflowExecution?.workflowId;
      const temporalNamespace = ctx.info.workflowNamespace ?? ctx.info.namespace;
      const alert: Alert = {
        ...req.alert,
        workflowUrl: req.alert.workflowUrl ?? (workflowId === undefined ? undefined : workflowUrl(settings.temporalUiUrl, temporalNamespace, workflowId)),
      };
      // The sender's mode decides (a real coordinator's alert that runs on a dry-run worker is still sent); absent: this worker's.
      if (req.dryRun ?? settings.dryRun) {
        log.info({ severity: alert.severity, title: alert.title, namespace: alert.namespace, text: alert.text }, 'dry run: alert not sent');
        return;
      }
      // Counted once per alert (a retried delivery is the same window end).
      const revert = windowRevertOf(alert);
      if (revert !== undefined && ctx.info.attempt === 1) metrics?.windowRevert(revert);
      await notifier.notify(alert);
    },

    /**
     * Hands a window to its namespace's coordinator, starting the coordinator when none runs. The
     * window's own worker settings bind its ask: a namespace its allow/deny lists refuse is refused
     * here, and a dry-run worker's windows join the namespace's dry-run coordinator.
     */
    async joinCoordinator(req: JoinCoordinatorRequest): Promise<JoinCoordinatorResult> {
      const { log } = context();
      refuse(req.namespace, log);
      const workflowId = coordinatorWorkflowIdFor(req.namespace, settings.dryRun);
      try {
        if (req.replace !== undefined && req.replace.coordinatorId === workflowId) {
          try {
            await client().workflow.getHandle(workflowId, req.replace.runId).terminate(req.replace.reason);
            log.warn({ namespace: req.namespace, coordinator: workflowId, runId: req.replace.runId }, 'stuck coordinator terminated');
          } catch (err) {
            if (!(err instanceof WorkflowNotFoundError)) throw err;
          }
        }
        await client().workflow.signalWithStart(CAPACITY_COORDINATOR_WORKFLOW, {
          workflowId,
          taskQueue: req.taskQueue,
          args: [
            {
              namespace: req.namespace,
              dryRun: settings.dryRun,
              reverifyIntervalMs: settings.reverifyIntervalMs ?? DEFAULT_REVERIFY_INTERVAL_MS,
              reverifySelfHeal: settings.reverifySelfHeal ?? true,
            },
          ],
          signal: openWindowSignal,
          signalArgs: [{ ...req.window, dryRun: settings.dryRun }],
        });
        log.info(
          { namespace: req.namespace, coordinator: workflowId, windowId: req.window.windowId, trus: req.window.trus, rejoin: req.window.rejoin === true },
          'window handed to the namespace coordinator',
        );
        return { coordinatorId: workflowId, dryRun: settings.dryRun, checkEveryMs: settings.coordinatorCheckMs ?? DEFAULT_COORDINATOR_CHECK_MS };
      } catch (err) {
        throw toFailure(err);
      }
    },

    /** Is the window's coordinator running, answering, and does it know the window? (Never changes anything.) */
    async checkCoordinator(req: CheckCoordinatorRequest): Promise<CheckCoordinatorResult> {
      const { log } = context();
      const handle = client().workflow.getHandle(req.coordinatorId);
      let runId: string | undefined;
      let taskQueue: string | undefined;
      try {
        const d = await handle.describe();
        runId = d.runId;
        taskQueue = d.taskQueue;
        if (d.status.name !== 'RUNNING') return { state: 'gone', runId, taskQueue, detail: `the coordinator's last run is ${d.status.name}` };
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return { state: 'gone', detail: 'no coordinator workflow' };
        throw toFailure(err);
      }
      try {
        const timeoutMs = settings.coordinatorQueryTimeoutMs ?? 5_000;
        const status = await client().withDeadline(Date.now() + timeoutMs, () => handle.query(coordinatorStatusQuery));
        if (status.knows === undefined) return { state: 'known', runId, taskQueue };
        if (status.knows.includes(req.windowId)) return { state: 'known', runId, taskQueue };
        if ((status.closed ?? []).includes(req.windowId)) return { state: 'closed', runId, taskQueue };
        return { state: 'unknown', runId, taskQueue, detail: 'the running coordinator does not know the window' };
      } catch (err) {
        const detail = `the coordinator did not answer a status query: ${failureText(err)}`;
        let pollers: number | undefined;
        try {
          const tq = await client().workflowService.describeTaskQueue({
            namespace: client().options.namespace,
            taskQueue: { name: taskQueue ?? '', kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
            taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
          });
          pollers = tq.pollers?.length ?? 0;
        } catch (tqErr) {
          log.warn({ coordinator: req.coordinatorId, err: tqErr }, 'task queue of the coordinator could not be described');
        }
        if (pollers === 0) {
          log.warn({ coordinator: req.coordinatorId, runId, taskQueue }, 'coordinator stuck: no worker polls its task queue');
          return { state: 'stuck', runId, taskQueue, detail: `${detail}; no worker polls its task queue ${taskQueue ?? '?'}` };
        }
        log.warn({ coordinator: req.coordinatorId, runId, taskQueue, pollers }, 'coordinator did not answer; workers poll its queue, waiting');
        return { state: 'unanswered', runId, taskQueue, detail };
      }
    },
  };
}

export type CapacityActivities = ReturnType<typeof createActivities>;

/** Link to a workflow in the Temporal Web UI. */
export function workflowUrl(base: string, temporalNamespace: string, workflowId: string): string {
  return `${base.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(temporalNamespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

function failureText(err: unknown): string {
  return scrub(err instanceof Error ? err.message : String(err));
}

/** Maps any error to what Temporal should see: retry decided by the error's class, message scrubbed, no cause chain. */
export function toFailure(err: unknown): Error {
  if (err instanceof ApplicationFailure || err instanceof CancelledFailure) return err;
  if (isCapschedError(err)) {
    const retryAfterMs = err.details?.retryAfterMs;
    return ApplicationFailure.create({
      message: scrub(err.message),
      type: err.code,
      nonRetryable: err.retry === 'terminal',
      nextRetryDelay: err.retry === 'waiting' && typeof retryAfterMs === 'number' ? retryAfterMs : undefined,
    });
  }
  return ApplicationFailure.create({ message: failureText(err), type: 'UNEXPECTED', nonRetryable: false });
}
