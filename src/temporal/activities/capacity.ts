/**
 * The capacity steps: apply a target through Cloud Ops (waiting for its operation) and verify
 * the namespace reached it.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { capacityMatches, describeTarget } from '../../core/capacity/window.js';
import { compareWithOnDemand, rightSize } from '../../core/capacity/throughput.js';
import type { CapacityInfo } from '../../core/ports.js';
import type { Logger } from '../../log/index.js';
import { scrub } from '../../log/secrets.js';
import { failureText, toFailure, unknownIfRetried, type ActivityRuntime } from './runtime.js';
import type { ApplyCapacityRequest, ApplyCapacityResult, VerifyCapacityRequest, VerifyCapacityResult } from './types.js';

export function capacityActivities(rt: ActivityRuntime) {
  const { context, refuse, sameMode, settings, metrics, cloudOps, notifier } = rt;

  /**
   * A raise that really raises: the capacity info the client read before the change (no second
   * read) against the TRUs asked. One log line; a ⚠️ alert when the raise buys no more APS than
   * on-demand gives the namespace now (once per operation: a retried step reuses its id).
   */
  function reportThroughput(namespace: string, trus: number, info: CapacityInfo, operationId: string, log: Logger): void {
    const comparison = compareWithOnDemand(trus, info);
    const hint = rightSize(info);
    const fields = { namespace, trus, aps: comparison.aps, onDemandApsLimit: comparison.onDemandApsLimit, p99: hint?.p99, verdict: comparison.verdict };
    if (comparison.verdict !== 'lowers' && comparison.verdict !== 'same') {
      log.info(fields, 'raise compared with on-demand');
      return;
    }
    log.warn({ ...fields, hint: hint?.message }, 'raise lowers throughput below on-demand');
    void notifier.notify({
      severity: 'error',
      title: 'Provisioned capacity below on-demand',
      namespace,
      trus,
      text: `${comparison.message}${hint === undefined ? '' : `; ${hint.message}`}.`,
      dedupeKey: `throughput:${namespace}:${trus}:${operationId}`,
    });
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
        throw unknownIfRetried(err, ctx.info.attempt, false);
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
      let accepted = false;
      // Heartbeat from the start: the read-modify-write calls can take a while too.
      const heartbeat = setInterval(() => ctx.heartbeat({ operationId: req.operationId }), settings.heartbeatMs ?? 5_000);
      try {
        ctx.heartbeat({ operationId: req.operationId });
        const set = await cloudOps.setCapacity(req.namespace, req.target, req.operationId);
        accepted = true;
        if (set.noop) {
          metrics?.capacityChange('noop');
          log.info(fields, 'capacity already as requested (nothing to change)');
          return { operationId: set.operationId, noop: true, dryRun: false };
        }
        if (req.target.mode === 'provisioned' && set.capacityInfo !== undefined)
          reportThroughput(req.namespace, req.target.trus, set.capacityInfo, set.operationId, log);
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
        throw unknownIfRetried(toFailure(err), ctx.info.attempt, accepted);
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
        const asked = observed.latestRequest?.target;
        const summary = {
          mode: observed.mode,
          trus: observed.currentTrus,
          requestState: observed.latestRequest?.state,
          ...(asked?.mode === 'provisioned' ? { requestTrus: asked.trus } : {}),
        };
        // A read (a coordinator learning what the namespace has) is no verification: not counted, not a warning.
        if (req.read === true) {
          log.info({ ...fields, observed: summary, reads }, 'capacity read');
          return { ok: check.ok, reason, observed: summary, dryRun: false };
        }
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
  };
}
