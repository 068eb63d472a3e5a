/**
 * Alerts: the sendAlert activity (only logged in dry-run), and how a window's end went, read
 * from its alert (the reverts counted on /metrics).
 */
import type { Alert, WindowRevertResult } from '../../core/ports.js';
import { workflowUrl, type ActivityRuntime } from './runtime.js';
import type { SendAlertRequest } from './types.js';

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

export function alertActivities(rt: ActivityRuntime) {
  const { context, settings, metrics, notifier } = rt;
  return {
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
  };
}
