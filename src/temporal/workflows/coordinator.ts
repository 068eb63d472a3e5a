/**
 * One coordinator per namespace (workflow id `capsched-capacity-<namespace>`), started with
 * signalWithStart by each window. It holds the active windows and applies their maximum, so
 * overlapping windows never drop capacity below what an active window asks for: a higher window
 * ending lowers capacity to the next maximum; the last one ending reverts to on-demand. Every
 * change is one step with a stable async operation id, verified, and reported back to the
 * windows it concerns. Steps run one at a time (Cloud Ops refuses a change while another is in
 * progress); opens go before closes, so back-to-back windows never dip to on-demand in between.
 */
import {
  allHandlersFinished,
  CancellationScope,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  patched,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import {
  DRIFT_REALERT_MS,
  LATE_RELEASE_MS,
  MAX_RELEASE_GRACE_MS,
  describeTarget,
  dueWindows,
  effectiveTarget,
  holders,
  nextEndMs,
  releaseGraceUntil,
  releaseRetryDelayMs,
  sameTarget,
} from '../../core/capacity/window.js';
import { describeSteps, nextStepMs, trusAt } from '../../core/capacity/steps.js';
import type { AlertSeverity, CapacityTarget } from '../../core/ports.js';
import { alerts, applyCapacity, verifyCapacity } from './activities.js';
import { failureMessage, failureType } from './capacity-change.js';
import {
  closeWindowSignal,
  coordinatorReportSignal,
  coordinatorStatusQuery,
  openWindowSignal,
  setWindowEndSignal,
  setWindowTrusSignal,
  type CloseWindowRequest,
  type CoordinatorReport,
  type CoordinatorStatus,
  type WindowRequest,
} from './definitions.js';

type CoordinatorEvent = { kind: 'open'; window: WindowRequest } | { kind: 'close'; close: CloseWindowRequest };

/** State carried across continue-as-new. */
export interface CoordinatorState {
  windows: WindowRequest[];
  queue: CoordinatorEvent[];
  /** New ends that arrived before their window's open. */
  pendingEnds: Record<string, number>;
  /** Recently closed windows (a late duplicate open is refused). */
  closed: string[];
  /** Capacity last set successfully (status only; every step re-applies through the API). */
  applied?: CapacityTarget;
  /** Steps taken so far (part of each step's operation id). */
  steps: number;
  /** A release that has not yet been verified: retried until the namespace is at the effective capacity. */
  unsettled?: UnsettledRelease;
  /** Dry-run or real: fixed by the coordinator's input (or its first window); windows of the other mode are refused. */
  dryRun?: boolean;
  /** Last time the namespace was verifiably at the effective capacity (re-verify counts from here). */
  verifiedAtMs?: number;
  /** An out-of-band change found by the re-read, alerted once until the namespace is back at the effective capacity. */
  drift?: { sinceMs: number; alerted: boolean };
  /** A held window's TRUs changed (a reconcile pass): the effective capacity is re-applied. */
  retarget?: boolean;
}

/** Closed windows waiting for their release to be verified, and the retry bookkeeping. */
export interface UnsettledRelease {
  windows: Array<{ window: WindowRequest; lateByMs?: number | undefined; lateCause?: CoordinatorReport['lateCause']; heldUpBy?: string }>;
  attempts: number;
  sinceMs: number;
  errors: string[];
  /** The "still provisioned" alert went out (once); recovery is then announced too. */
  alerted: boolean;
}

export interface CoordinatorInput {
  namespace: string;
  state?: CoordinatorState;
  /** Continue-as-new once history has this many events (default: when the server suggests it). */
  continueAsNewAfterEvents?: number;
  /** Set by joinCoordinator from the starting worker: this coordinator's windows are dry-run (its id says so too). */
  dryRun?: boolean;
  /** Re-read capacity this often while a window is active (`--reverify-interval`); absent: never (older starters). */
  reverifyIntervalMs?: number;
  /** Restore the effective capacity after an out-of-band change (default) or only alert (false). */
  reverifySelfHeal?: boolean;
}

export interface CoordinatorSummary {
  namespace: string;
  steps: number;
  final: CapacityTarget | undefined;
}

const CLOSED_MEMORY = 200;

/** Failed raises keep their window (0 TRUs) until its end, so a late-completing change is reverted. */
const KEEP_FAILED_WINDOW_PATCH = 'capsched-keep-failed-window';
/** A failed or unverified release is retried (bounded backoff, capped interval) until verified. */
const RELEASE_UNTIL_VERIFIED_PATCH = 'capsched-release-until-verified';
/** A window's end waits a short grace for a window opening right then (back-to-back windows never dip). */
const RELEASE_GRACE_PATCH = 'capsched-release-grace';
/** A raise refused before any change was accepted (bad TRUs, key, role, allow-list) holds nothing to release. */
const DROP_NEVER_APPLIED_PATCH = 'capsched-drop-never-applied';
/** An open whose window already ended while another step ran is not raised (it would be reverted at once). */
const SKIP_ENDED_OPEN_PATCH = 'capsched-skip-ended-open';
/** A window of the other mode (dry-run vs real) than the coordinator's is refused; steps carry the mode to the activity. */
const BIND_MODE_PATCH = 'capsched-bind-window-mode';
/** A window re-announcing itself (its coordinator lost it) is held again; an end already passed is released at once. */
const REJOIN_PATCH = 'capsched-window-rejoin';
/** Cancelling the coordinator releases to what its remaining windows ask (on-demand if nothing) before it ends. */
const CANCEL_RELEASE_PATCH = 'capsched-coordinator-cancel-release';
/** A late release says whether another step held it up (busy) or nothing could run (outage). */
const LATE_CAUSE_PATCH = 'capsched-late-release-cause';
/** Re-read capacity every reverifyIntervalMs inside active windows; restore (or alert) an out-of-band change once. */
const REVERIFY_PATCH = 'capsched-reverify';
/** A reconcile pass set a held window's TRUs (git is the truth for the present): re-apply the effective capacity. */
const LIVE_TRUS_PATCH = 'capsched-live-window-trus';
/** A step's verify delay no longer holds other windows: an event of another window cuts it short (issue #12 scenario 6). */
const INTERRUPTIBLE_VERIFY_DELAY_PATCH = 'capsched-interruptible-verify-delay';

/** A ramp window (steps): its TRUs follow its steps; each step that changes the effective capacity is one verified change (issue #14). */
const RAMP_PATCH = 'capsched-ramp-steps';

/** Failure types of a change the API (or the worker) refused before accepting it. */
const NEVER_APPLIED = new Set([
  'NAMESPACE_REFUSED',
  'WORKER_MODE_MISMATCH',
  'CLOUD_OPS_INVALID_ARGUMENT',
  'CLOUD_OPS_TRUS_NOT_OFFERED',
  'CLOUD_OPS_UNAUTHENTICATED',
  'CLOUD_OPS_PERMISSION_DENIED',
  'CLOUD_OPS_NOT_FOUND',
  'CLOUD_OPS_CONFIG',
]);

interface StepOutcome {
  applied: boolean;
  verified: boolean;
  changed: boolean;
  errors: string[];
  dryRun: boolean;
  /** The change was refused before the API accepted it (nothing can take effect later). */
  neverApplied?: boolean;
}

export async function capacityCoordinator(input: CoordinatorInput): Promise<CoordinatorSummary> {
  const info = workflowInfo();
  const namespace = input.namespace;
  const state: CoordinatorState = input.state ?? { windows: [], queue: [], pendingEnds: {}, closed: [], steps: 0 };
  let phase: CoordinatorStatus['phase'] = 'idle';
  /** Set when a window's end moved, so the idle wait re-computes its timer. */
  let endsMoved = false;
  /** Ends moved so far in this run (a verify delay in progress is cut short when one moves). */
  let endMoves = 0;

  setHandler(openWindowSignal, (window) => {
    state.queue.push({ kind: 'open', window });
  });
  setHandler(closeWindowSignal, (close) => {
    state.queue.push({ kind: 'close', close });
  });
  setHandler(setWindowEndSignal, ({ windowId, endMs }) => {
    const active = state.windows.find((w) => w.windowId === windowId);
    const queued = state.queue.find((e): e is Extract<CoordinatorEvent, { kind: 'open' }> => e.kind === 'open' && e.window.windowId === windowId);
    if (active !== undefined) active.endMs = endMs;
    else if (queued !== undefined) queued.window.endMs = endMs;
    else if (!state.closed.includes(windowId)) state.pendingEnds[windowId] = endMs;
    endsMoved = true;
    endMoves += 1;
    log.info('window end moved', { windowId, endTime: new Date(endMs).toISOString() });
  });
  setHandler(setWindowTrusSignal, ({ windowId, trus, commit, steps }) => {
    if (typeof trus !== 'number' || !Number.isFinite(trus) || trus <= 0) {
      log.warn('window TRUs ignored: not a positive number', { windowId });
      return;
    }
    const active = state.windows.find((w) => w.windowId === windowId);
    const queued = state.queue.find((e): e is Extract<CoordinatorEvent, { kind: 'open' }> => e.kind === 'open' && e.window.windowId === windowId);
    // A ramp (or a window that was one) takes the pass's steps: the steps are the plan, trus follows them.
    const reshape = steps !== undefined || active?.steps !== undefined || queued?.window.steps !== undefined;
    if (reshape) {
      const target = active ?? queued?.window;
      if (target !== undefined) {
        if (Array.isArray(steps) && steps.length > 0) target.steps = steps;
        else delete target.steps;
        target.trus = target.steps === undefined ? trus : trusAt(target.steps, Date.now());
        if (active !== undefined) state.retarget = true;
      }
    } else if (active !== undefined && active.trus !== trus) {
      active.trus = trus;
      state.retarget = true;
    } else if (queued !== undefined) queued.window.trus = trus;
    log.info('window TRUs set', { windowId, trus, commit, held: active !== undefined, ...(steps === undefined ? {} : { steps: describeSteps(steps) }) });
  });
  setHandler(coordinatorStatusQuery, () => ({
    namespace,
    phase,
    effective: effectiveTarget(state.windows),
    windows: state.windows.map((w) => ({
      windowId: w.windowId,
      trus: w.trus,
      ...(w.steps === undefined ? {} : { steps: w.steps.map((st) => ({ at: new Date(st.atMs).toISOString(), trus: st.trus })) }),
      endTime: w.endMs === undefined ? undefined : new Date(w.endMs).toISOString(),
      ...(w.plan === undefined ? {} : { plan: w.plan }),
      ...(w.commit === undefined ? {} : { commit: w.commit }),
      ...(w.installation === undefined ? {} : { installation: w.installation }),
      ...(w.startedLate === true ? { startedLate: true } : {}),
    })),
    queued: state.queue.length,
    changes: state.steps,
    knows: [
      ...state.windows.map((w) => w.windowId),
      ...state.queue.map((e) => (e.kind === 'open' ? e.window.windowId : e.close.windowId)),
      ...(state.unsettled?.windows.map((w) => w.window.windowId) ?? []),
    ],
    closed: [...state.closed],
    ...(state.dryRun !== undefined ? { dryRun: state.dryRun } : {}),
  }));
  state.dryRun ??= input.dryRun;
  /** Spans of recent steps (why a release began late); not carried across continue-as-new. */
  const recentSteps: Array<{ startMs: number; endMs: number; what: string }> = [];

  /** Ramp windows take the TRUs of the latest step reached; true when one changed. Windows without steps are untouched. */
  const advanceRamps = (nowMs: number): boolean => {
    let changed = false;
    for (const w of state.windows) {
      // A window whose end has come is released next; a step it missed meanwhile is not applied first.
      if (w.steps === undefined || w.steps.length === 0 || (w.endMs !== undefined && w.endMs <= nowMs) || !patched(RAMP_PATCH)) continue;
      const trus = trusAt(w.steps, nowMs);
      // A failed raise holds its window at 0 until its end (KEEP_FAILED_WINDOW_PATCH): a ramp does not revive it.
      if (w.trus !== trus && w.trus !== 0) {
        w.trus = trus;
        changed = true;
      }
    }
    return changed;
  };
  /** The next instant the coordinator must act by itself: a window's end or a ramp's next step. */
  const nextWakeMs = (nowMs: number): number | undefined => {
    let next = nextEndMs(state.windows);
    for (const w of state.windows) {
      if (w.steps === undefined || w.trus === 0) continue;
      const at = nextStepMs(w.steps, nowMs);
      if (at !== undefined && (next === undefined || at < next)) next = at;
    }
    return next;
  };

  /** Sets the target through the API (a no-op when already there), waits, verifies. */
  const step = async (target: CapacityTarget, verifyDelayMs: number): Promise<StepOutcome> => {
    const errors: string[] = [];
    state.steps += 1;
    const operationId = `${info.workflowId}:${info.firstExecutionRunId}:${state.steps}`;
    const verb = target.mode === 'onDemand' ? 'revert to on-demand' : `set ${target.trus} TRUs`;
    phase = 'applying';
    let changed = false;
    let dryRun = false;
    const span = { startMs: Date.now(), endMs: Date.now(), what: `${verb} (step ${state.steps})` };
    recentSteps.push(span);
    if (recentSteps.length > 20) recentSteps.shift();
    try {
      const applied = await applyCapacity({ namespace, target, operationId, ...(state.dryRun !== undefined ? { dryRun: state.dryRun } : {}) });
      changed = !applied.noop;
      dryRun = applied.dryRun;
      state.applied = target;
    } catch (err) {
      phase = 'idle';
      span.endMs = Date.now();
      errors.push(`${verb} failed: ${failureMessage(err)}`);
      log.error('capacity step failed', { target: describeTarget(target), operationId, error: failureMessage(err) });
      return { applied: false, verified: false, changed: false, errors, dryRun, neverApplied: NEVER_APPLIED.has(failureType(err) ?? '') };
    }
    phase = 'verifying';
    if (changed && verifyDelayMs > 0) {
      span.what = `${verb} (step ${state.steps}), waiting its ${verifyDelayMs / 1000} s verify delay`;
      if (patched(INTERRUPTIBLE_VERIFY_DELAY_PATCH)) {
        // The delay is a wait, not part of the step: another window's open, close, due end, moved end or new TRUs cuts it
        // short, and the verification (which polls until the latest request completes) runs now.
        const until = Date.now() + verifyDelayMs;
        const nextEnd = nextWakeMs(Date.now());
        const wakeAt = nextEnd === undefined ? until : Math.min(until, Math.max(Date.now() + 1, nextEnd));
        const movesBefore = endMoves;
        const cut = await condition(() => state.queue.length > 0 || state.retarget === true || endMoves !== movesBefore, Math.max(1, wakeAt - Date.now()));
        if (cut || Date.now() < until)
          log.info('verify delay cut short: another window is waiting', { step: state.steps, waitedMs: verifyDelayMs - (until - Date.now()) });
      } else {
        await sleep(verifyDelayMs);
      }
    }
    try {
      const v = await verifyCapacity({ namespace, expected: target, ...(state.dryRun !== undefined ? { dryRun: state.dryRun } : {}) });
      dryRun ||= v.dryRun;
      if (!v.ok) errors.push(`verification of ${describeTarget(target)} failed: ${v.reason ?? 'mismatch'}`);
      else state.verifiedAtMs = Date.now();
      return { applied: true, verified: v.ok, changed, errors, dryRun };
    } catch (err) {
      errors.push(`verification of ${describeTarget(target)} failed: ${failureMessage(err)}`);
      return { applied: true, verified: false, changed, errors, dryRun };
    } finally {
      phase = 'idle';
      span.endMs = Date.now();
    }
  };

  const report = async (window: WindowRequest, r: Omit<CoordinatorReport, 'windowId'>): Promise<void> => {
    try {
      await getExternalWorkflowHandle(window.workflowId, window.runId).signal(coordinatorReportSignal, { ...r, windowId: window.windowId });
    } catch (err) {
      log.warn('window workflow unreachable; report dropped', { windowId: window.windowId, error: failureMessage(err) });
      if (!r.applied || !r.verified) {
        try {
          await alerts.sendAlert({
            alert: {
              severity: 'critical',
              title: r.step === 'raise' ? 'Capacity change failed' : 'Revert to on-demand failed',
              namespace,
              text: `Window ${window.windowId}: ${r.errors.join('; ')}`,
              dedupeKey: `${info.workflowId}:${window.windowId}:${r.step}`,
            },
          });
        } catch {
          // best effort
        }
      }
    }
  };

  /** Tells a window its open was not raised (nothing changed for it), with the namespace's capacity as it stands. */
  const refuseOpen = (window: WindowRequest, error: string, dryRun: boolean): Promise<void> =>
    report(window, {
      step: 'raise',
      applied: false,
      verified: false,
      changed: false,
      target: effectiveTarget(state.windows),
      heldBy: holders(state.windows),
      errors: [error],
      dryRun,
    });

  const remember = (windowId: string): void => {
    state.closed.push(windowId);
    if (state.closed.length > CLOSED_MEMORY) state.closed.splice(0, state.closed.length - CLOSED_MEMORY);
  };

  /** Critical alert from the coordinator itself (best effort, deduplicated by key). */
  const coordinatorAlert = async (severity: AlertSeverity, title: string, text: string, key: string): Promise<void> => {
    try {
      await alerts.sendAlert({ alert: { severity, title, namespace, text, dedupeKey: `${info.workflowId}:${key}` } });
    } catch (err) {
      log.warn('alert could not be sent', { title, error: failureMessage(err) });
    }
  };

  /** A verified step settles an unsettled release: its windows get their (late) confirmation. */
  const settle = async (outcome: StepOutcome, target: CapacityTarget): Promise<void> => {
    const pending = state.unsettled;
    if (pending === undefined || !outcome.applied || !outcome.verified) return;
    state.unsettled = undefined;
    log.info('release verified after retries', { attempts: pending.attempts, to: describeTarget(target) });
    if (pending.alerted) {
      await coordinatorAlert(
        'info',
        `Capacity release recovered: now ${describeTarget(target)}`,
        `After ${pending.attempts} attempts the namespace is verifiably at ${describeTarget(target)}.`,
        `release-recovered:${pending.sinceMs}`,
      );
    }
    for (const { window, ...late } of pending.windows) await report(window, { step: 'release', ...outcome, target, heldBy: holders(state.windows), ...late });
  };

  /** A release that failed or was not verified: keep it (and its windows' reports) until it is. */
  const unsettle = async (outcome: StepOutcome, target: CapacityTarget, windows: UnsettledRelease['windows']): Promise<void> => {
    const pending = state.unsettled ?? { windows: [], attempts: 0, sinceMs: Date.now(), errors: [], alerted: false };
    pending.windows.push(...windows);
    pending.attempts += 1;
    pending.errors = outcome.errors;
    state.unsettled = pending;
    log.warn('release not verified; retrying', { attempts: pending.attempts, to: describeTarget(target), errors: outcome.errors });
    if (!pending.alerted) {
      pending.alerted = true;
      await coordinatorAlert(
        'critical',
        'Capacity release failing; retrying',
        `Releasing to ${describeTarget(target)} failed; the namespace may still be provisioned. capsched keeps retrying (every ${releaseRetryDelayMs(1) / 1000} s, backing off to ${releaseRetryDelayMs(99) / 60_000} min) until it is verified, and says so on recovery: ${outcome.errors.join('; ')}`,
        `release-failing:${pending.sinceMs}`,
      );
    }
  };

  /** Cancelled: release what has ended or was closed down to what the remaining windows ask (on-demand if nothing); they re-join a fresh coordinator. */
  const releaseOnCancel = async (): Promise<void> => {
    const now = Date.now();
    const closeIds = new Set(state.queue.flatMap((e) => (e.kind === 'close' ? [e.close.windowId] : [])));
    const leaving = state.windows.filter((w) => closeIds.has(w.windowId) || (w.endMs !== undefined && w.endMs <= now));
    const remaining = state.windows.filter((w) => !leaving.includes(w));
    state.windows = remaining;
    const target = effectiveTarget(remaining);
    log.warn('coordinator cancelled; releasing to what its remaining windows ask', {
      leaving: leaving.map((w) => w.windowId),
      remaining: remaining.length,
      to: describeTarget(target),
    });
    const outcome = await step(target, Math.min(MAX_RELEASE_GRACE_MS, Math.max(0, ...leaving.map((w) => w.verifyDelayMs))));
    const { neverApplied: _n, ...released } = outcome;
    if (outcome.applied && outcome.verified) {
      // Windows not confirmed here re-join a fresh coordinator on their next check, which releases them durably.
      for (const w of leaving) await report(w, { step: 'release', ...released, target, heldBy: holders(remaining) });
      for (const { window, ...late } of state.unsettled?.windows ?? [])
        await report(window, { step: 'release', ...released, target, heldBy: holders(remaining), ...late });
    }
    await coordinatorAlert(
      outcome.applied && outcome.verified ? 'info' : 'critical',
      outcome.applied && outcome.verified
        ? `Namespace coordinator cancelled; capacity now ${describeTarget(target)}`
        : 'Namespace coordinator cancelled; its release failed',
      `The coordinator was cancelled. ${leaving.length} ended or cancelled window(s) released; ${remaining.length} running window(s) keep ${describeTarget(target)} and re-join a fresh coordinator on their next check.${outcome.errors.length > 0 ? ` ${outcome.errors.join('; ')}` : ''}`,
      `cancelled:${now}`,
    );
  };

  /** Re-reads capacity inside active windows; an out-of-band change is restored (self-heal) or only alerted, once. */
  const reverify = async (): Promise<void> => {
    const target = effectiveTarget(state.windows);
    let v: Awaited<ReturnType<typeof verifyCapacity>>;
    try {
      v = await verifyCapacity({ namespace, expected: target, ...(state.dryRun !== undefined ? { dryRun: state.dryRun } : {}) });
    } catch (err) {
      log.warn('re-verify read failed; trying again next interval', { error: failureMessage(err) });
      state.verifiedAtMs = Date.now();
      return;
    }
    state.verifiedAtMs = Date.now();
    if (v.ok) return;
    const now = Date.now();
    const alertDue = state.drift === undefined || !state.drift.alerted || now - state.drift.sinceMs >= DRIFT_REALERT_MS;
    if (state.drift === undefined || now - state.drift.sinceMs >= DRIFT_REALERT_MS) state.drift = { sinceMs: now, alerted: false };
    const drift = state.drift;
    const selfHeal = input.reverifySelfHeal !== false;
    log.warn('capacity changed out of band', { expected: describeTarget(target), reason: v.reason, selfHeal });
    if (!selfHeal) {
      if (alertDue) {
        drift.alerted = true;
        await coordinatorAlert(
          'error',
          'Capacity changed outside capsched',
          `Expected ${describeTarget(target)} for the active window(s) ${holders(state.windows).join(', ')}: ${v.reason ?? 'mismatch'}. Self-heal is off: capsched does not restore it (re-checked every ${input.reverifyIntervalMs ?? 0} ms; alerted once a day at most).`,
          `drift:${drift.sinceMs}`,
        );
      }
      return;
    }
    const outcome = await step(target, Math.max(0, ...state.windows.map((w) => w.verifyDelayMs)));
    if (alertDue) {
      drift.alerted = true;
      const ok = outcome.applied && outcome.verified;
      await coordinatorAlert(
        ok ? 'error' : 'critical',
        ok
          ? `Capacity changed outside capsched; restored to ${describeTarget(target)}`
          : `Capacity changed outside capsched; restoring ${describeTarget(target)} failed`,
        `The re-read found ${v.reason ?? 'a mismatch'} (UI, tcld or Terraform?). ${ok ? `capsched set ${describeTarget(target)} again and verified it` : `Restoring failed, retried on the next re-read: ${outcome.errors.join('; ')}`}. Further out-of-band changes are restored without another alert for a day.`,
        `drift:${drift.sinceMs}`,
      );
    }
  };

  try {
    for (;;) {
      // Opens first: a window starting at the instant another ends must not see an on-demand dip.
      const openIndex = state.queue.findIndex((e) => e.kind === 'open');
      if (openIndex >= 0) {
        const event = state.queue.splice(openIndex, 1)[0] as Extract<CoordinatorEvent, { kind: 'open' }>;
        const window = { ...event.window };
        const heldAlready = state.windows.find((w) => w.windowId === window.windowId);
        if (heldAlready !== undefined) {
          // Duplicate delivery, or a window re-announcing itself: its end is the window's own.
          if (window.rejoin === true && window.endMs !== undefined && patched(REJOIN_PATCH)) heldAlready.endMs = window.endMs;
          continue;
        }
        if (window.dryRun !== undefined && state.dryRun !== undefined && window.dryRun !== state.dryRun && patched(BIND_MODE_PATCH)) {
          const error = `refused: a ${window.dryRun ? 'dry-run' : 'real'} window cannot join the namespace's ${state.dryRun ? 'dry-run' : 'real'} coordinator ${info.workflowId}`;
          log.error('window of the other mode refused', { windowId: window.windowId, windowDryRun: window.dryRun, coordinatorDryRun: state.dryRun });
          await refuseOpen(window, error, state.dryRun);
          continue;
        }
        state.dryRun ??= window.dryRun;
        if (window.rejoin === true && state.closed.includes(window.windowId) && patched(REJOIN_PATCH)) {
          // Already released here; its confirmation was lost in a race: confirm again.
          await report(window, {
            step: 'release',
            applied: true,
            verified: true,
            changed: false,
            target: effectiveTarget(state.windows),
            heldBy: holders(state.windows),
            errors: [],
            dryRun: state.dryRun === true,
          });
          continue;
        }
        if (state.closed.includes(window.windowId)) {
          await refuseOpen(window, 'the window was closed before it opened', false);
          continue;
        }
        const pendingEnd = state.pendingEnds[window.windowId];
        if (pendingEnd !== undefined) {
          window.endMs = pendingEnd;
          delete state.pendingEnds[window.windowId];
        }
        if (window.rejoin === true && window.endMs !== undefined && window.endMs <= Date.now() && patched(REJOIN_PATCH)) {
          // A window the coordinator lost (terminated, reset, stranded) whose end passed meanwhile: held
          // again without a raise, so the release below sets what the others still need.
          log.warn('lost window re-joined after its end; releasing it', { windowId: window.windowId });
          state.windows.push(window);
          continue;
        }
        if (window.endMs !== undefined && window.endMs <= Date.now() && patched(SKIP_ENDED_OPEN_PATCH)) {
          remember(window.windowId);
          const error = `the window ended at ${new Date(window.endMs).toISOString()} while another capacity step of the namespace was still running: capacity was not changed for it`;
          log.warn('window ended before its raise could start; not raised', { windowId: window.windowId });
          await refuseOpen(window, error, false);
          continue;
        }
        // A permanent change replaces the previous permanent one (the baseline).
        if (window.endMs === undefined) state.windows = state.windows.filter((w) => w.endMs !== undefined);
        const before = effectiveTarget(state.windows);
        if (window.steps !== undefined && window.steps.length > 0 && patched(RAMP_PATCH)) window.trus = trusAt(window.steps, Date.now());
        state.windows.push(window);
        const target = effectiveTarget(state.windows);
        if (window.rejoin === true && target.mode === 'provisioned' && patched(REJOIN_PATCH)) {
          // A window re-announcing itself to a fresh coordinator: the namespace still has what the old one set. Never lower it
          // here (the other windows re-join on their own checks); raise only if it is below. Re-verify waits for them.
          state.verifiedAtMs = Date.now();
          try {
            const v = await verifyCapacity({ namespace, expected: target, ...(state.dryRun !== undefined ? { dryRun: state.dryRun } : {}) });
            if (v.ok || v.dryRun || (v.observed?.mode === 'provisioned' && (v.observed.trus ?? 0) >= target.trus)) {
              log.info('window re-joined; capacity already covers it', { windowId: window.windowId, trus: window.trus, observed: v.observed });
              continue;
            }
          } catch (err) {
            log.warn('capacity read failed for a re-joined window; setting the effective capacity', { error: failureMessage(err) });
          }
        }
        log.info('window opened', { windowId: window.windowId, trus: window.trus, from: describeTarget(before), to: describeTarget(target) });
        const outcome = await step(target, window.verifyDelayMs);
        // The window alerts "not verified" itself; the re-verify restores the same mismatch without a second alert.
        if (outcome.applied && !outcome.verified) state.drift ??= { sinceMs: Date.now(), alerted: true };
        if (!outcome.applied) {
          const dropped = outcome.neverApplied === true && patched(DROP_NEVER_APPLIED_PATCH);
          if (!dropped && window.endMs !== undefined && patched(KEEP_FAILED_WINDOW_PATCH)) {
            // The change may still take effect (e.g. the operation outlasted every attempt): keep the
            // window, asking for nothing, so its end still releases to what the others need.
            const held = state.windows.find((w) => w.windowId === window.windowId);
            if (held !== undefined) held.trus = 0;
          } else {
            state.windows = state.windows.filter((w) => w.windowId !== window.windowId);
            remember(window.windowId);
          }
        }
        const { neverApplied: _neverApplied, ...raised } = outcome;
        await report(window, { step: 'raise', ...raised, target: outcome.applied ? target : before, heldBy: holders(state.windows) });
        if (state.unsettled !== undefined) await settle(outcome, target);
        continue;
      }

      // A ramp reached its next step: apply the new maximum (one verified change), unless other windows already hold more.
      {
        const before = effectiveTarget(state.windows);
        if (advanceRamps(Date.now())) {
          const target = effectiveTarget(state.windows);
          const ramps = state.windows.filter((w) => w.steps !== undefined && w.trus > 0);
          log.info('ramp step reached', {
            windows: ramps.map((w) => `${w.plan ?? w.windowId}: ${w.trus}`),
            from: describeTarget(before),
            to: describeTarget(target),
          });
          if (sameTarget(before, target)) continue;
          const outcome = await step(target, Math.max(0, ...ramps.map((w) => w.verifyDelayMs)));
          if (!outcome.applied || !outcome.verified)
            await coordinatorAlert(
              'critical',
              `Ramp step to ${describeTarget(target)} ${outcome.applied ? 'not verified' : 'failed'}`,
              `The ramp of ${ramps.map((w) => `${w.plan ?? w.windowId} (${describeSteps(w.steps ?? [])})`).join(', ')} reached a step; setting ${describeTarget(target)} ${outcome.applied ? 'was not verified' : 'failed'}: ${outcome.errors.join('; ')}. The namespace may be below what the window asks; the re-verify retries it.`,
              `ramp:${state.steps}`,
            );
          if (outcome.applied && !outcome.verified) state.drift ??= { sinceMs: Date.now(), alerted: true };
          if (state.unsettled !== undefined) await settle(outcome, target);
          continue;
        }
      }

      // A held window's TRUs changed: apply the new maximum now (raise or lower).
      if (state.retarget === true && patched(LIVE_TRUS_PATCH)) {
        state.retarget = false;
        const target = effectiveTarget(state.windows);
        log.info('window TRUs changed; applying the effective capacity', { to: describeTarget(target) });
        const outcome = await step(target, Math.max(0, ...state.windows.map((w) => w.verifyDelayMs)));
        if (!outcome.applied || !outcome.verified)
          await coordinatorAlert(
            'critical',
            `Capacity change to ${describeTarget(target)} failed`,
            `A reconcile pass changed a running window's TRUs; setting ${describeTarget(target)} failed or was not verified: ${outcome.errors.join('; ')}`,
            `retarget:${state.steps}`,
          );
        if (state.unsettled !== undefined) await settle(outcome, target);
        continue;
      }

      // Grace: windows have ended, but one opening right now must not see a dip to on-demand.
      if (state.queue.length === 0 && dueWindows(state.windows, Date.now()).length > 0 && patched(RELEASE_GRACE_PATCH)) {
        const graceUntil = releaseGraceUntil(dueWindows(state.windows, Date.now())) ?? 0;
        if (Date.now() < graceUntil) {
          await condition(() => state.queue.length > 0, Math.max(1, graceUntil - Date.now()));
          if (state.queue.length > 0 || Date.now() < graceUntil) continue;
        }
      }

      // Closes: cancelled windows and windows whose end has come, released in one step.
      const closing: WindowRequest[] = [];
      for (const event of state.queue.splice(0)) {
        if (event.kind !== 'close') continue;
        const window = state.windows.find((w) => w.windowId === event.close.windowId);
        if (window === undefined) {
          // windowId is `${workflowId}/${runId}`; a workflow id may itself contain '/', a run id never does.
          const cut = event.close.windowId.lastIndexOf('/');
          const workflowId = event.close.windowId.slice(0, cut);
          const runId = event.close.windowId.slice(cut + 1);
          remember(event.close.windowId);
          // Not held (already released, or its open failed): confirm so the window stops waiting.
          await report(
            { windowId: event.close.windowId, workflowId, runId, trus: 0, verifyDelayMs: 0 },
            {
              step: 'release',
              applied: true,
              verified: true,
              changed: false,
              target: effectiveTarget(state.windows),
              heldBy: holders(state.windows),
              errors: [],
              dryRun: false,
            },
          );
          continue;
        }
        closing.push(window);
      }
      const releaseStartMs = Date.now();
      const due = dueWindows(state.windows, releaseStartMs);
      for (const window of due) if (!closing.includes(window)) closing.push(window);
      if (closing.length > 0) {
        const ids = new Set(closing.map((w) => w.windowId));
        state.windows = state.windows.filter((w) => !ids.has(w.windowId));
        for (const id of ids) remember(id);
        const target = effectiveTarget(state.windows);
        log.info('windows closed', { windows: [...ids], to: describeTarget(target) });
        const outcome = await step(target, Math.max(...closing.map((w) => w.verifyDelayMs)));
        const graced = patched(RELEASE_GRACE_PATCH);
        const reports: UnsettledRelease['windows'] = closing.map((window) => {
          // How late the release began after the window's end (a worker or server outage at the end), net of the grace.
          const graceMs = graced ? (releaseGraceUntil([window]) ?? 0) - (window.endMs ?? 0) : 0;
          const lateByMs = due.includes(window) && window.endMs !== undefined ? Math.max(0, releaseStartMs - window.endMs - graceMs) : undefined;
          if (lateByMs === undefined || lateByMs < LATE_RELEASE_MS || window.endMs === undefined || !patched(LATE_CAUSE_PATCH)) return { window, lateByMs };
          // Why late: steps of this namespace that ran between the release's due time and its start (one at a time), else an outage.
          const dueAt = window.endMs + graceMs;
          let busyMs = 0;
          let heldUpBy: string | undefined;
          for (const span of recentSteps) {
            const overlap = Math.min(span.endMs, releaseStartMs) - Math.max(span.startMs, dueAt);
            if (overlap <= 0) continue;
            busyMs += overlap;
            heldUpBy ??= span.what;
          }
          if (window.rejoin === true) return { window, lateByMs, lateCause: 'rejoined' as const };
          return busyMs * 2 >= lateByMs
            ? { window, lateByMs, lateCause: 'busy' as const, ...(heldUpBy !== undefined ? { heldUpBy } : {}) }
            : { window, lateByMs, lateCause: 'outage' as const };
        });
        if ((!outcome.applied || !outcome.verified) && patched(RELEASE_UNTIL_VERIFIED_PATCH)) {
          await unsettle(outcome, target, reports);
          continue;
        }
        for (const { window, ...late } of reports) await report(window, { step: 'release', ...outcome, target, heldBy: holders(state.windows), ...late });
        if (state.unsettled !== undefined) await settle(outcome, target);
        continue;
      }

      // Idle: finish when nothing is held, continue-as-new when history is long, else wait.
      if (state.windows.length === 0 && state.queue.length === 0 && state.unsettled === undefined) {
        await condition(allHandlersFinished);
        if (state.queue.length === 0) return { namespace, steps: state.steps, final: state.applied };
        continue;
      }
      const tooLong =
        input.continueAsNewAfterEvents !== undefined ? workflowInfo().historyLength >= input.continueAsNewAfterEvents : workflowInfo().continueAsNewSuggested;
      if (tooLong && workflowInfo().historyLength > 0) {
        await condition(allHandlersFinished);
        if (state.queue.length === 0) {
          log.info('continuing as new', { historyLength: workflowInfo().historyLength });
          await continueAsNew<typeof capacityCoordinator>({ ...input, state });
        }
        continue;
      }
      const next = nextWakeMs(Date.now());
      endsMoved = false;
      const pending = state.unsettled;
      if (pending !== undefined) {
        // Retry the release (bounded backoff, capped interval) for as long as it takes; events and ends still come first.
        const retryAt = Date.now() + releaseRetryDelayMs(pending.attempts);
        const wakeAt = next === undefined ? retryAt : Math.min(retryAt, next);
        const woke = await condition(() => state.queue.length > 0 || endsMoved || state.retarget === true, Math.max(1, wakeAt - Date.now()));
        if (woke || Date.now() < retryAt) continue;
        const target = effectiveTarget(state.windows);
        const outcome = await step(target, Math.max(0, ...pending.windows.map((w) => w.window.verifyDelayMs)));
        if (outcome.applied && outcome.verified) await settle(outcome, target);
        else await unsettle(outcome, target, []);
        continue;
      }
      const interval = input.reverifyIntervalMs;
      if (interval !== undefined && interval > 0 && state.windows.length > 0 && patched(REVERIFY_PATCH)) {
        state.verifiedAtMs ??= Date.now();
        const reverifyAt = state.verifiedAtMs + interval;
        const wakeAt = next === undefined ? reverifyAt : Math.min(next, reverifyAt);
        const woke = await condition(() => state.queue.length > 0 || endsMoved || state.retarget === true, Math.max(1, wakeAt - Date.now()));
        if (!woke && Date.now() >= reverifyAt) await reverify();
        continue;
      }
      await condition(() => state.queue.length > 0 || endsMoved || state.retarget === true, next === undefined ? undefined : Math.max(1, next - Date.now()));
    }
  } catch (err) {
    if (!isCancellation(err) || !patched(CANCEL_RELEASE_PATCH)) throw err;
    await CancellationScope.nonCancellable(releaseOnCancel);
    throw err;
  }
}
