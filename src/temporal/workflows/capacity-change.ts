/**
 * The capacity-change workflow a schedule (or `capsched change`) starts for one window:
 * guard → raise (through the namespace's coordinator) → verify → wait for the end → release
 * (back to on-demand, or down to what overlapping windows still ask for) → verify for real.
 * Sandboxed: no Node built-ins, time only through the workflow API.
 */
import { SearchAttributeType, defineSearchAttributeKey } from '@temporalio/common';
import {
  allHandlersFinished,
  CancellationScope,
  condition,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { formatDurationMs, parseDuration, parseDurationMs } from '../../core/capacity/duration.js';
import {
  DEFAULT_COORDINATOR_CHECK_MS,
  DEFAULT_VERIFY_DELAY_MS,
  coordinatorWorkflowId,
  nextCoordinatorCheckMs,
  parseInstant,
  resolveWindowEnd,
} from '../../core/capacity/window.js';
import { describeSteps, readRamp, type TimedStep } from '../../core/capacity/steps.js';
import { checkAction, raiseOutcome, rejoinedAlert, releaseOutcome, strandedAlert, windowIdOf } from '../../core/engine/index.js';
import { failureMessage, failureType } from './failures.js';
import type { Alert, AlertSeverity } from '../../core/ports.js';
import type { CapacityChangeInput, CapacityChangeResult } from '../../core/workflow-contract.js';
import { alerts, coordination } from './activities.js';
import {
  capacityStatusQuery,
  closeWindowSignal,
  coordinatorReportSignal,
  setEndTimeSignal,
  setEndTimeUpdate,
  setWindowEndSignal,
  type CapacityChangeStatus,
  type CoordinatorReport,
  type WindowPhase,
  type WindowRequest,
} from './definitions.js';

/** Nominal start of a schedule-started run (set by the server, absent otherwise). */
export const SCHEDULED_START_TIME = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

/** A stuck coordinator is confirmed by a second check this long after the first (or one check interval, if shorter). */
const STUCK_CONFIRM_MS = 60_000;

export async function scheduledCapacityChange(input: CapacityChangeInput): Promise<CapacityChangeResult> {
  const info = workflowInfo();
  const windowId = windowIdOf(info.workflowId, info.runId);
  /** The coordinator the window joined (joinCoordinator says which: dry-run windows have their own). */
  let coordinatorId = coordinatorWorkflowId(input.namespace);
  let checkEveryMs = DEFAULT_COORDINATOR_CHECK_MS;
  const result: CapacityChangeResult = {
    namespace: input.namespace,
    initialChangeSuccess: false,
    verificationSuccess: false,
    revertedToOnDemand: false,
    revertVerificationSuccess: false,
    errors: [],
  };
  let phase: WindowPhase = 'starting';
  let endMs: number | undefined;
  let startMs: number | undefined;
  let raise: CoordinatorReport | undefined;
  let release: CoordinatorReport | undefined;
  let effective: CapacityChangeStatus['effective'];
  /** A ramp's steps at instants (set by the guard when the input has steps). */
  let steps: TimedStep[] | undefined;
  /** What the window asks for, in words: "8 TRUs", or a ramp's "4 → 8 → 12 → 6 TRUs". */
  const asked = (): string => (steps === undefined ? `${input.desiredTrus} TRUs` : describeSteps(steps));

  const status = (): CapacityChangeStatus => ({
    namespace: input.namespace,
    phase,
    desiredTrus: input.desiredTrus,
    ...(steps === undefined ? {} : { steps: steps.map((s) => ({ at: new Date(s.atMs).toISOString(), trus: s.trus })) }),
    effective,
    endTime: endMs === undefined ? undefined : new Date(endMs).toISOString(),
    errors: [...result.errors],
    result: { ...result, errors: [...result.errors] },
  });

  const alert = async (severity: AlertSeverity, title: string, text: string, step: string): Promise<void> => {
    const a: Alert = {
      severity,
      title,
      // The audit trail of a window a reconcile pass started late (alert text only: nothing replayed depends on it).
      text:
        input.startedLate === true
          ? `${text} (This window was started late by a reconcile pass, for the rest of its occurrence, from commit ${typeof input.commit === 'string' ? input.commit.slice(0, 12) : 'unknown'}.)`
          : text,
      namespace: input.namespace,
      plan: input.plan,
      trus: input.desiredTrus,
      window: {
        start: startMs === undefined ? undefined : new Date(startMs).toISOString(),
        end: endMs === undefined ? undefined : new Date(endMs).toISOString(),
      },
      dedupeKey: `${info.workflowId}:${info.runId}:${step}:${severity}`,
    };
    try {
      await alerts.sendAlert({ alert: a });
    } catch (err) {
      // Alerting is best effort: a Slack problem never fails or blocks the capacity change.
      log.warn('alert could not be sent', { title, error: failureMessage(err) });
    }
  };

  setHandler(capacityStatusQuery, status);
  setHandler(coordinatorReportSignal, (report) => {
    if (report.windowId !== windowId) return;
    if (report.step === 'raise') raise ??= report;
    else release ??= report;
    effective = report.target;
  });

  let sentEndMs: number | undefined;
  let joined = false;
  const forwardEnd = async (): Promise<void> => {
    if (!joined || endMs === undefined || endMs === sentEndMs) return;
    const ms = endMs;
    try {
      await getExternalWorkflowHandle(coordinatorId).signal(setWindowEndSignal, { windowId, endMs: ms });
      sentEndMs = ms;
    } catch (err) {
      log.warn('could not forward the new end to the coordinator', { error: failureMessage(err) });
    }
  };
  const validateEnd = (endTime: string): number => {
    if (phase !== 'raising' && phase !== 'active') throw new Error(`the window is ${phase}; its end can no longer change`);
    if (endMs === undefined) throw new Error('this change has no end (permanent); start a new change with an end instead');
    if (endMs <= Date.now())
      throw new Error(
        `the window ended at ${new Date(endMs).toISOString()}; its release is under way, so its end can no longer change (start a new window instead)`,
      );
    const ms = typeof endTime === 'string' ? parseInstant(endTime) : undefined;
    if (ms === undefined) throw new Error(`endTime ${JSON.stringify(endTime)} is not an ISO 8601 date-time with a zone (e.g. 2026-03-01T04:00:00Z)`);
    return ms;
  };
  const moveEnd = async (requested: number): Promise<void> => {
    // An end in the past means "end now".
    const ms = Math.max(requested, Date.now());
    log.info('window end moved', { from: endMs === undefined ? undefined : new Date(endMs).toISOString(), to: new Date(ms).toISOString() });
    endMs = ms;
    await forwardEnd();
  };

  setHandler(setEndTimeSignal, async (req) => {
    let ms: number;
    try {
      ms = validateEnd(req?.endTime);
    } catch (err) {
      log.warn('setEndTime signal ignored', { reason: failureMessage(err) });
      return;
    }
    await moveEnd(ms);
  });
  setHandler(
    setEndTimeUpdate,
    async (req) => {
      await moveEnd(validateEnd(req.endTime));
      return status();
    },
    { validator: (req) => void validateEnd(req?.endTime) },
  );

  const finish = async (): Promise<CapacityChangeResult> => {
    await condition(allHandlersFinished);
    return result;
  };

  // ---- guard: input ----
  const problems: string[] = [];
  if (typeof input.namespace !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(input.namespace))
    problems.push(`namespace ${JSON.stringify(input.namespace)} is not a Temporal Cloud namespace id`);
  if (typeof input.desiredTrus !== 'number' || !Number.isFinite(input.desiredTrus) || input.desiredTrus <= 0)
    problems.push(`desiredTrus ${JSON.stringify(input.desiredTrus)} must be a positive number`);
  // Durations the old grammar accepted read as before; Go-only spellings (1.5h, 1m1h, 300us) are
  // new behaviour, taken only by runs that recorded the patch.
  const readDuration = (text: string): number | undefined => parseDurationMs(text);
  const verifyDelayMs = input.verifyDelay === undefined ? DEFAULT_VERIFY_DELAY_MS : readDuration(input.verifyDelay);
  if (verifyDelayMs === undefined) {
    const parsed = parseDuration(input.verifyDelay ?? '');
    problems.push(`verifyDelay ${parsed.ok ? `"${input.verifyDelay}" is not accepted by this run` : parsed.message}`);
  }
  const scheduledStart = info.typedSearchAttributes.get(SCHEDULED_START_TIME);
  startMs = scheduledStart?.getTime() ?? info.runStartTime.getTime();
  const end = resolveWindowEnd(input, { scheduledStartMs: scheduledStart?.getTime(), runStartMs: info.runStartTime.getTime() }, readDuration);
  if (!end.ok) problems.push(end.error);
  else endMs = end.endMs;
  if (input.steps !== undefined) {
    // Offsets count from the occurrence's start: a late-started run carries it (startTime).
    const base = input.startTime === undefined ? startMs : parseInstant(input.startTime);
    if (input.startTime !== undefined && base === undefined)
      problems.push(`startTime ${JSON.stringify(input.startTime)} is not an ISO 8601 date-time with a zone (e.g. 2026-03-01T04:00:00Z)`);
    const ramp = readRamp(input.steps, base ?? startMs, endMs, readDuration);
    if (typeof ramp === 'string') problems.push(ramp);
    else steps = ramp;
  }
  if (problems.length > 0 || verifyDelayMs === undefined) {
    phase = 'failed';
    result.errors.push(...problems.map((p) => `invalid input: ${p}`));
    await alert('critical', 'Capacity change not started: invalid input', problems.join('; '), 'input');
    return finish();
  }

  // ---- guard: a late start (schedule catch-up, worker down) whose window already ended ----
  const now = Date.now();
  if (endMs !== undefined && endMs <= now) {
    phase = 'skipped';
    const msg = `the window ended at ${new Date(endMs).toISOString()}, before this run started at ${new Date(now).toISOString()} (late start, e.g. schedule catch-up): capacity was not changed`;
    result.errors.push(msg);
    log.warn('late start after the window ended; nothing changed', { endTime: new Date(endMs).toISOString() });
    await alert('error', 'Capacity window missed', msg, 'late-start');
    return finish();
  }
  if (scheduledStart !== undefined && now - scheduledStart.getTime() > 60_000) {
    log.warn('run started late', { lateBy: formatDurationMs(now - scheduledStart.getTime()) });
  }

  // ---- raise ----
  phase = 'raising';
  sentEndMs = endMs;
  const request = (rejoin: boolean, end: number | undefined): WindowRequest => ({
    windowId,
    workflowId: info.workflowId,
    runId: info.runId,
    trus: input.desiredTrus,
    ...(steps === undefined ? {} : { steps }),
    endMs: end,
    verifyDelayMs,
    ...auditOf(input),
    ...(rejoin ? { rejoin } : {}),
  });
  /** Hands the window to its coordinator (again, when it re-announces itself to one that lost it). */
  const join = async (rejoin: boolean, replace?: { coordinatorId: string; runId: string; reason: string }): Promise<void> => {
    // The end as sent: an end moved while the join runs is forwarded after it (issue #20 defect 6).
    const sent = endMs;
    const joinedAs = await CancellationScope.nonCancellable(() =>
      coordination.joinCoordinator({
        namespace: input.namespace,
        taskQueue: info.taskQueue,
        window: request(rejoin, sent),
        ...(replace !== undefined ? { replace } : {}),
      }),
    );
    // Older workers returned nothing: the namespace's one coordinator.
    if (joinedAs !== undefined && joinedAs !== null) {
      coordinatorId = joinedAs.coordinatorId;
      checkEveryMs = joinedAs.checkEveryMs;
    }
    sentEndMs = sent;
  };
  try {
    await join(false);
    joined = true;
  } catch (err) {
    phase = 'failed';
    const refused = failureType(err) === 'NAMESPACE_REFUSED';
    const msg = refused
      ? `refused by this worker's namespace rules: ${failureMessage(err)}`
      : `could not reach the namespace coordinator: ${failureMessage(err)}`;
    result.errors.push(`capacity change failed: ${msg}`);
    await alert('critical', 'Capacity change failed', msg, 'raise');
    return finish();
  }
  await forwardEnd();

  /**
   * Waits until `done`, checking on the coordinator meanwhile (every few minutes and just after its end; a coordinator that is gone or lost the window is re-joined, one stuck on a task queue no worker polls is replaced).
   * `stage` release: the window already had its raise, and checks again just after its end.
   */
  const awaitCoordinator = async (done: () => boolean, stage: 'raise' | 'release'): Promise<void> => {
    let stuckSince: number | undefined;
    for (;;) {
      const checkAt =
        stuckSince !== undefined
          ? Date.now() + Math.min(STUCK_CONFIRM_MS, checkEveryMs)
          : nextCoordinatorCheckMs(Date.now(), checkEveryMs, stage === 'release' ? endMs : undefined);
      if (await condition(done, Math.max(1, checkAt - Date.now()))) return;
      let check: Awaited<ReturnType<typeof coordination.checkCoordinator>>;
      try {
        check = await coordination.checkCoordinator({ coordinatorId, windowId });
      } catch (err) {
        log.warn('could not check on the coordinator', { coordinator: coordinatorId, error: failureMessage(err) });
        continue;
      }
      if (done()) return;
      const action = checkAction(check, stuckSince !== undefined);
      if (action === 'confirm') {
        stuckSince = Date.now();
        log.warn('coordinator looks stuck; confirming', { coordinator: coordinatorId, taskQueue: check.taskQueue });
        continue;
      }
      stuckSince = undefined;
      if (action === 'replace') {
        const reason = `capsched: no worker polls task queue ${check.taskQueue ?? '?'}; replaced by window ${windowId} on task queue ${info.taskQueue}`;
        log.error('coordinator stuck on a task queue no worker polls; replacing it', {
          coordinator: coordinatorId,
          taskQueue: check.taskQueue,
          windowTaskQueue: info.taskQueue,
        });
        const a = strandedAlert(coordinatorId, check, info.taskQueue);
        await alert(a.severity, a.title, a.text, a.step);
        try {
          // A replacement coordinator knows nothing of the namespace's other windows: re-joining it (never a plain open) keeps their capacity until they re-join (defect 5).
          await join(true, { coordinatorId, runId: check.runId ?? '', reason });
        } catch (err) {
          log.error('could not replace the stuck coordinator', { coordinator: coordinatorId, error: failureMessage(err) });
        }
        continue;
      }
      if (action === 'wait') continue;
      // Terminated, cancelled, reset, or a fresh coordinator that never heard of this window.
      log.warn('coordinator lost the window; re-joining', { coordinator: coordinatorId, state: check.state, detail: check.detail });
      try {
        await join(true);
        const a = rejoinedAlert(coordinatorId, check, asked(), endMs, stage);
        await alert(a.severity, a.title, a.text, a.step);
      } catch (err) {
        log.error('could not re-join the coordinator', { coordinator: coordinatorId, error: failureMessage(err) });
      }
    }
  };

  let releaseHandled = false;
  const releaseReported = async (r: CoordinatorReport): Promise<void> => {
    if (releaseHandled) return;
    releaseHandled = true;
    const o = releaseOutcome(r, endMs);
    result.dryRun ||= o.result.dryRun || undefined;
    result.revertedToOnDemand = o.result.revertedToOnDemand;
    result.revertVerificationSuccess = o.result.revertVerificationSuccess;
    result.errors.push(...o.result.errors);
    phase = o.phase;
    if (o.late !== undefined) log.warn('window released late', { lateBy: o.late.lateBy, endTime: new Date(endMs ?? 0).toISOString(), cause: o.late.cause });
    await alert(o.alert.severity, o.alert.title, o.alert.text, o.alert.step);
  };

  try {
    await awaitCoordinator(() => raise !== undefined, 'raise');
    const o = raiseOutcome(raise as unknown as CoordinatorReport, asked());
    result.dryRun ||= o.result.dryRun || undefined;
    result.initialChangeSuccess = o.result.initialChangeSuccess;
    result.verificationSuccess = o.result.verificationSuccess;
    result.errors.push(...o.result.errors);
    if (o.ended) phase = 'failed';
    if (o.alert !== undefined) await alert(o.alert.severity, o.alert.title, o.alert.text, o.alert.step);
    if (o.ended) return finish();
    if (endMs === undefined) {
      phase = 'done';
      return finish();
    }
    phase = 'active';
    await awaitCoordinator(() => release !== undefined, 'release');
    phase = 'releasing';
    await releaseReported(release as unknown as CoordinatorReport);
    return finish();
  } catch (err) {
    if (!isCancellation(err)) throw err;
    if (releaseHandled) throw err;
    // Cancelling the run ends the window now: release capacity, verify, alert, then report the cancellation.
    await CancellationScope.nonCancellable(async () => {
      phase = 'releasing';
      log.info('cancelled: releasing the window');
      try {
        await getExternalWorkflowHandle(coordinatorId).signal(closeWindowSignal, { windowId, reason: 'cancelled' });
      } catch (signalErr) {
        log.warn('could not tell the coordinator about the cancellation', { error: failureMessage(signalErr) });
      }
      // The window ends now: a coordinator re-joined from here on releases it at once. Wait as long
      // as the coordinator lives (a slow raise before the release is no reason to cry "not confirmed").
      if (endMs !== undefined && endMs > Date.now()) endMs = Date.now();
      await awaitCoordinator(() => release !== undefined, 'release');
      await releaseReported(release as unknown as CoordinatorReport);
    });
    throw err;
  }
}

/** What the coordinator shows of a window's audit trail (its status query): plan, commit, installation, started late. */
function auditOf(input: CapacityChangeInput): Pick<WindowRequest, 'plan' | 'commit' | 'installation' | 'startedLate'> {
  return {
    ...(typeof input.plan === 'string' ? { plan: input.plan } : {}),
    ...(typeof input.commit === 'string' ? { commit: input.commit } : {}),
    ...(typeof input.installation === 'string' ? { installation: input.installation } : {}),
    ...(input.startedLate === true ? { startedLate: true } : {}),
  };
}
