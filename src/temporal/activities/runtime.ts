/**
 * What the capacity activities share: the worker's collaborators (Cloud Ops counted by error
 * code), the activity's log, the namespace allow/deny and mode checks, and how an error leaves
 * an activity (ApplicationFailure with a scrubbed message, retry decided by CapschedError.retry).
 */
import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { isCapschedError } from '../../core/errors.js';
import { applyFailureType } from '../../core/engine/outcomes.js';
import type { CapacityMetrics, CloudOps, Notifier } from '../../core/ports.js';
import type { Logger } from '../../log/index.js';
import { scrub } from '../../log/secrets.js';
import { namespaceRefusal } from '../../core/capacity/namespace-rules.js';
import { NAMESPACE_REFUSED, WORKER_MODE_MISMATCH, type ActivityDeps, type ActivitySettings } from './types.js';

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

/** What every activity of one worker shares: its collaborators, its log, and the checks every step makes. */
export interface ActivityRuntime {
  client: () => Client;
  notifier: Notifier;
  settings: ActivitySettings;
  metrics: CapacityMetrics | undefined;
  cloudOps: CloudOps;
  context: () => { log: Logger; ctx: Context };
  refuse: (namespace: string, log: Logger) => void;
  sameMode: (dryRun: boolean | undefined, log: Logger) => void;
}

export function activityRuntime(deps: ActivityDeps): ActivityRuntime {
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

  return { client, notifier, settings, metrics, cloudOps, context, refuse, sameMode };
}

/** Link to a workflow in the Temporal Web UI. */
export function workflowUrl(base: string, temporalNamespace: string, workflowId: string): string {
  return `${base.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(temporalNamespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

export function failureText(err: unknown): string {
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

/** A refusal on a retry, or after the API accepted the operation, may hide an accepted change: its outcome is unknown (core/engine/outcomes). */
export function unknownIfRetried(err: unknown, attempt: number, accepted: boolean): unknown {
  if (!(err instanceof ApplicationFailure) || err.type === null || err.type === undefined) return err;
  const type = applyFailureType(err.type, { number: attempt, accepted });
  if (type === err.type) return err;
  return ApplicationFailure.create({
    message: `${err.message} (attempt ${attempt}${accepted ? ', after the API accepted the change' : ''}: an earlier attempt may have been applied)`,
    type,
    nonRetryable: true,
  });
}
