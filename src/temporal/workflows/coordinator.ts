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
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  log,
  patched,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import { describeTarget, dueWindows, effectiveTarget, holders, nextEndMs, releaseGraceUntil, releaseRetryDelayMs } from '../../core/capacity/window.js';
import type { CapacityTarget } from '../../core/ports.js';
import { alerts, applyCapacity, verifyCapacity } from './activities.js';
import { failureMessage } from './capacity-change.js';
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
  /** A held window's TRUs changed (a reconcile pass): the effective capacity is re-applied. */
  retarget?: boolean;
}

/** Closed windows waiting for their release to be verified, and the retry bookkeeping. */
export interface UnsettledRelease {
  windows: Array<{ window: WindowRequest; lateByMs?: number | undefined }>;
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
/** A reconcile pass set a held window's TRUs (git is the truth for the present): re-apply the effective capacity. */
const LIVE_TRUS_PATCH = 'capsched-live-window-trus';

/** Failure types of a change the API (or the worker) refused before accepting it. */
const NEVER_APPLIED = new Set(['NAMESPACE_REFUSED', 'CLOUD_OPS_INVALID_ARGUMENT', 'CLOUD_OPS_TRUS_NOT_OFFERED', 'CLOUD_OPS_UNAUTHENTICATED', 'CLOUD_OPS_PERMISSION_DENIED', 'CLOUD_OPS_NOT_FOUND', 'CLOUD_OPS_CONFIG']);

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
    log.info('window end moved', { windowId, endTime: new Date(endMs).toISOString() });
  });
  setHandler(setWindowTrusSignal, ({ windowId, trus, commit }) => {
    if (typeof trus !== 'number' || !Number.isFinite(trus) || trus <= 0) {
      log.warn('window TRUs ignored: not a positive number', { windowId });
      return;
    }
    const active = state.windows.find((w) => w.windowId === windowId);
    const queued = state.queue.find((e): e is Extract<CoordinatorEvent, { kind: 'open' }> => e.kind === 'open' && e.window.windowId === windowId);
    if (active !== undefined && active.trus !== trus) {
      active.trus = trus;
      state.retarget = true;
    } else if (queued !== undefined) queued.window.trus = trus;
    log.info('window TRUs set', { windowId, trus, commit, held: active !== undefined });
  });
  setHandler(coordinatorStatusQuery, () => ({
    namespace,
    phase,
    effective: effectiveTarget(state.windows),
    windows: state.windows.map((w) => ({
      windowId: w.windowId,
      trus: w.trus,
      endTime: w.endMs === undefined ? undefined : new Date(w.endMs).toISOString(),
      ...(w.plan === undefined ? {} : { plan: w.plan }),
      ...(w.commit === undefined ? {} : { commit: w.commit }),
      ...(w.installation === undefined ? {} : { installation: w.installation }),
      ...(w.startedLate === true ? { startedLate: true } : {}),
    })),
    queued: state.queue.length,
    changes: state.steps,
  }));

  /** Sets the target through the API (a no-op when already there), waits, verifies. */
  const step = async (target: CapacityTarget, verifyDelayMs: number): Promise<StepOutcome> => {
    const errors: string[] = [];
    state.steps += 1;
    const operationId = `${info.workflowId}:${info.firstExecutionRunId}:${state.steps}`;
    const verb = target.mode === 'onDemand' ? 'revert to on-demand' : `set ${target.trus} TRUs`;
    phase = 'applying';
    let changed = false;
    let dryRun = false;
    try {
      const applied = await applyCapacity({ namespace, target, operationId });
      changed = !applied.noop;
      dryRun = applied.dryRun;
      state.applied = target;
    } catch (err) {
      phase = 'idle';
      errors.push(`${verb} failed: ${failureMessage(err)}`);
      log.error('capacity step failed', { target: describeTarget(target), operationId, error: failureMessage(err) });
      return { applied: false, verified: false, changed: false, errors, dryRun, neverApplied: NEVER_APPLIED.has(failureType(err) ?? '') };
    }
    phase = 'verifying';
    if (changed && verifyDelayMs > 0) await sleep(verifyDelayMs);
    try {
      const v = await verifyCapacity({ namespace, expected: target });
      dryRun ||= v.dryRun;
      if (!v.ok) errors.push(`verification of ${describeTarget(target)} failed: ${v.reason ?? 'mismatch'}`);
      return { applied: true, verified: v.ok, changed, errors, dryRun };
    } catch (err) {
      errors.push(`verification of ${describeTarget(target)} failed: ${failureMessage(err)}`);
      return { applied: true, verified: false, changed, errors, dryRun };
    } finally {
      phase = 'idle';
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

  const remember = (windowId: string): void => {
    state.closed.push(windowId);
    if (state.closed.length > CLOSED_MEMORY) state.closed.splice(0, state.closed.length - CLOSED_MEMORY);
  };

  /** Critical alert from the coordinator itself (best effort, deduplicated by key). */
  const coordinatorAlert = async (severity: 'critical' | 'info', title: string, text: string, key: string): Promise<void> => {
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
      await coordinatorAlert('info', `Capacity release recovered: now ${describeTarget(target)}`, `After ${pending.attempts} attempts the namespace is verifiably at ${describeTarget(target)}.`, `release-recovered:${pending.sinceMs}`);
    }
    for (const { window, lateByMs } of pending.windows) await report(window, { step: 'release', ...outcome, target, heldBy: holders(state.windows), lateByMs });
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

  for (;;) {
    // Opens first: a window starting at the instant another ends must not see an on-demand dip.
    const openIndex = state.queue.findIndex((e) => e.kind === 'open');
    if (openIndex >= 0) {
      const event = state.queue.splice(openIndex, 1)[0] as Extract<CoordinatorEvent, { kind: 'open' }>;
      const window = { ...event.window };
      if (state.windows.some((w) => w.windowId === window.windowId)) continue; // duplicate delivery
      if (state.closed.includes(window.windowId)) {
        await report(window, { step: 'raise', applied: false, verified: false, changed: false, target: effectiveTarget(state.windows), heldBy: holders(state.windows), errors: ['the window was closed before it opened'], dryRun: false });
        continue;
      }
      const pendingEnd = state.pendingEnds[window.windowId];
      if (pendingEnd !== undefined) {
        window.endMs = pendingEnd;
        delete state.pendingEnds[window.windowId];
      }
      if (window.endMs !== undefined && window.endMs <= Date.now() && patched(SKIP_ENDED_OPEN_PATCH)) {
        remember(window.windowId);
        const error = `the window ended at ${new Date(window.endMs).toISOString()} while another capacity step of the namespace was still running: capacity was not changed for it`;
        log.warn('window ended before its raise could start; not raised', { windowId: window.windowId });
        await report(window, { step: 'raise', applied: false, verified: false, changed: false, target: effectiveTarget(state.windows), heldBy: holders(state.windows), errors: [error], dryRun: false });
        continue;
      }
      // A permanent change replaces the previous permanent one (the baseline).
      if (window.endMs === undefined) state.windows = state.windows.filter((w) => w.endMs !== undefined);
      const before = effectiveTarget(state.windows);
      state.windows.push(window);
      const target = effectiveTarget(state.windows);
      log.info('window opened', { windowId: window.windowId, trus: window.trus, from: describeTarget(before), to: describeTarget(target) });
      const outcome = await step(target, window.verifyDelayMs);
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

    // A held window's TRUs changed: apply the new maximum now (raise or lower).
    if (state.retarget === true && patched(LIVE_TRUS_PATCH)) {
      state.retarget = false;
      const target = effectiveTarget(state.windows);
      log.info('window TRUs changed; applying the effective capacity', { to: describeTarget(target) });
      const outcome = await step(target, Math.max(0, ...state.windows.map((w) => w.verifyDelayMs)));
      if (!outcome.applied || !outcome.verified) await coordinatorAlert('critical', `Capacity change to ${describeTarget(target)} failed`, `A reconcile pass changed a running window's TRUs; setting ${describeTarget(target)} failed or was not verified: ${outcome.errors.join('; ')}`, `retarget:${state.steps}`);
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
        await report({ windowId: event.close.windowId, workflowId, runId, trus: 0, verifyDelayMs: 0 }, { step: 'release', applied: true, verified: true, changed: false, target: effectiveTarget(state.windows), heldBy: holders(state.windows), errors: [], dryRun: false });
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
      const reports = closing.map((window) => {
        // How late the release began after the window's end (a worker or server outage at the end), net of the grace.
        const graceMs = graced ? (releaseGraceUntil([window]) ?? 0) - (window.endMs ?? 0) : 0;
        const lateByMs = due.includes(window) && window.endMs !== undefined ? Math.max(0, releaseStartMs - window.endMs - graceMs) : undefined;
        return { window, lateByMs };
      });
      if ((!outcome.applied || !outcome.verified) && patched(RELEASE_UNTIL_VERIFIED_PATCH)) {
        await unsettle(outcome, target, reports);
        continue;
      }
      for (const { window, lateByMs } of reports) await report(window, { step: 'release', ...outcome, target, heldBy: holders(state.windows), lateByMs });
      if (state.unsettled !== undefined) await settle(outcome, target);
      continue;
    }

    // Idle: finish when nothing is held, continue-as-new when history is long, else wait.
    if (state.windows.length === 0 && state.queue.length === 0 && state.unsettled === undefined) {
      await condition(allHandlersFinished);
      if (state.queue.length === 0) return { namespace, steps: state.steps, final: state.applied };
      continue;
    }
    const tooLong = input.continueAsNewAfterEvents !== undefined ? workflowInfo().historyLength >= input.continueAsNewAfterEvents : workflowInfo().continueAsNewSuggested;
    if (tooLong && workflowInfo().historyLength > 0) {
      await condition(allHandlersFinished);
      if (state.queue.length === 0) {
        log.info('continuing as new', { historyLength: workflowInfo().historyLength });
        await continueAsNew<typeof capacityCoordinator>({ ...input, state });
      }
      continue;
    }
    const next = nextEndMs(state.windows);
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
    await condition(() => state.queue.length > 0 || endsMoved || state.retarget === true, next === undefined ? undefined : Math.max(1, next - Date.now()));
  }
}

/** The type of the innermost application failure of an activity failure, if any. */
function failureType(err: unknown): string | undefined {
  let e: unknown = err;
  while (e instanceof ActivityFailure && e.cause !== undefined) e = e.cause;
  return e instanceof ApplicationFailure ? (e.type ?? undefined) : undefined;
}
