/**
 * What a window makes of its coordinator's reports (pure): the window workflow is a shell that
 * announces itself, waits for these reports, and does what this says — its phase, its result
 * object (the seed's), and the one alert it sends. The wording of every window alert lives here.
 */
import type { AlertSeverity } from '../ports.js';
import { describeTarget, LATE_RELEASE_MS } from '../capacity/window.js';
import { formatDurationMs } from '../capacity/duration.js';
import type { WindowReport } from './types.js';

export interface WindowAlert {
  severity: AlertSeverity;
  title: string;
  text: string;
  /** The alert's step (its dedupe key: one per window run, step and severity). */
  step: string;
}

export interface RaiseOutcome {
  result: { initialChangeSuccess: boolean; verificationSuccess: boolean; errors: string[]; dryRun: boolean };
  /** The raise was refused for good: the window ends its run (nothing retries it). */
  ended: boolean;
  alert?: WindowAlert | undefined;
}

/** The window's raise report → its result, whether it ends now, and its alert. `asked`: what it asks, in words. */
export function raiseOutcome(r: WindowReport, asked: string): RaiseOutcome {
  const result = { initialChangeSuccess: r.applied, verificationSuccess: r.applied && r.verified, errors: [...r.errors], dryRun: r.dryRun };
  if (!r.applied && r.retrying !== true)
    return {
      result,
      ended: true,
      alert: { severity: 'critical', title: 'Capacity change failed', text: `Setting ${asked} failed: ${r.errors.join('; ')}`, step: 'raise' },
    };
  if (!r.applied)
    // Not settled yet (an outage, throttling, a request in progress): the coordinator keeps trying until the window ends and says when it recovers.
    return {
      result,
      ended: false,
      alert: {
        severity: 'critical',
        title: 'Capacity change failed',
        text: `Setting ${asked} failed: ${r.errors.join('; ')}. capsched keeps trying until the window ends and says so when it recovers.`,
        step: 'raise',
      },
    };
  if (!r.verified)
    return {
      result,
      ended: false,
      alert: {
        severity: 'error',
        title: 'Capacity change not verified',
        text: `The change to ${describeTarget(r.target)} was not verified; the window continues and will still be reverted: ${r.errors.join('; ')}`,
        step: 'verify',
      },
    };
  return { result, ended: false };
}

export interface ReleaseOutcome {
  phase: 'failed' | 'done';
  result: { revertedToOnDemand: boolean; revertVerificationSuccess: boolean; errors: string[]; dryRun: boolean };
  alert: WindowAlert;
  /** The release began late (logged by the shell). */
  late?: { lateBy: string; cause: NonNullable<WindowReport['lateCause']> | 'outage' } | undefined;
}

/** The window's release report → its phase, its result, and its alert. `endMs`: the window's end, if it has one. */
export function releaseOutcome(r: WindowReport, endMs: number | undefined): ReleaseOutcome {
  const result = {
    revertedToOnDemand: r.applied && r.target.mode === 'onDemand',
    revertVerificationSuccess: r.applied && r.verified,
    errors: r.errors.map((e) => `release: ${e}`),
    dryRun: r.dryRun,
  };
  const to = describeTarget(r.target);
  const held = r.heldBy.length > 0 ? ` (still held by ${r.heldBy.join(', ')})` : '';
  if (!r.applied)
    return {
      phase: 'failed',
      result,
      alert: {
        severity: 'critical',
        title: 'Revert to on-demand failed',
        text: `Releasing the window failed; the namespace may still be provisioned: ${r.errors.join('; ')}`,
        step: 'release',
      },
    };
  if (!r.verified)
    return {
      phase: 'failed',
      result,
      alert: {
        severity: 'critical',
        title: 'Revert not verified',
        text: `Capacity was set to ${to}${held}, but verification failed: ${r.errors.join('; ')}`,
        step: 'release',
      },
    };
  if (r.lateByMs !== undefined && r.lateByMs >= LATE_RELEASE_MS && endMs !== undefined) {
    // The end passed while no worker (or no Temporal server) could act, or while another step ran: say how late, and why.
    const late = formatDurationMs(Math.round(r.lateByMs / 1000) * 1000);
    const why =
      r.lateCause === 'busy'
        ? `another capacity step of the namespace was still running at the end${r.heldUpBy === undefined ? '' : ` (${r.heldUpBy})`}; steps of one namespace run one at a time`
        : r.lateCause === 'rejoined'
          ? 'the namespace coordinator had lost the window (terminated, cancelled, reset or stranded) until the window re-joined it'
          : 'no worker or Temporal server was available at the end';
    return {
      phase: 'done',
      result,
      late: { lateBy: late, cause: r.lateCause ?? 'outage' },
      alert: {
        severity: 'error',
        title: r.target.mode === 'onDemand' ? 'Capacity reverted late' : `Window ended late; capacity now ${to}`,
        text: `The window ended at ${new Date(endMs).toISOString()}, but the release began late by ${late} (${why}); capacity stayed provisioned meanwhile. Now verified ${to}${held}.`,
        step: 'release',
      },
    };
  }
  return {
    phase: 'done',
    result,
    alert: {
      severity: 'info',
      title: r.target.mode === 'onDemand' ? 'Capacity reverted to on-demand' : `Window ended; capacity now ${to}`,
      text: r.target.mode === 'onDemand' ? 'Revert verified: the API reports on-demand and the latest request completed.' : `Verified ${to}${held}.`,
      step: 'release',
    },
  };
}

/** What a window's check on its coordinator found (the checkCoordinator activity's answer, plain data). */
export interface CoordinatorCheck {
  state: 'known' | 'closed' | 'unknown' | 'gone' | 'stuck' | 'unanswered';
  runId?: string | undefined;
  taskQueue?: string | undefined;
  detail?: string | undefined;
}

/**
 * What a waiting window does after a check (pure): wait on; confirm a coordinator that looks stuck (no worker polls its
 * task queue) by checking again shortly; replace it once confirmed (a re-join, never a plain open: defect 5); re-join
 * one that is gone or does not know the window.
 */
export function checkAction(check: CoordinatorCheck, confirming: boolean): 'wait' | 'confirm' | 'replace' | 'rejoin' {
  if (check.state === 'stuck' && check.runId !== undefined) return confirming ? 'replace' : 'confirm';
  return check.state === 'gone' || check.state === 'unknown' ? 'rejoin' : 'wait';
}

/** The alert of a coordinator replaced because no worker polls its task queue. */
export function strandedAlert(coordinatorId: string, check: CoordinatorCheck, windowTaskQueue: string): WindowAlert {
  return {
    severity: 'critical',
    title: 'Namespace coordinator stranded; replaced',
    text: `The coordinator ${coordinatorId} lives on task queue ${check.taskQueue ?? '?'}, which no worker polls (${check.detail ?? 'no answer'}). It was terminated and a fresh one started on ${windowTaskQueue}; its other windows re-join it on their next check. Check the workers' --task-queue.`,
    step: 'stranded',
  };
}

/** The alert of a window that re-announced itself to a coordinator that had lost it. */
export function rejoinedAlert(
  coordinatorId: string,
  check: CoordinatorCheck,
  asked: string,
  endMs: number | undefined,
  stage: 'raise' | 'release',
): WindowAlert {
  return {
    severity: 'info',
    title: 'Window re-joined its namespace coordinator',
    text: `The coordinator ${coordinatorId} ${check.state === 'gone' ? 'was not running' : 'did not know this window'} (${check.detail ?? check.state}); the window re-announced itself (${asked}${endMs === undefined ? '' : ` until ${new Date(endMs).toISOString()}`}).`,
    step: `rejoin-${stage}`,
  };
}
