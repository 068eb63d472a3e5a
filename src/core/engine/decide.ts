/**
 * The capacity engine: every decision the namespace coordinator makes, as one pure reducer
 * `decide(state, event, nowMs) → { state, commands }` (no clock, no SDK, no I/O). The coordinator
 * workflow only turns signals, timers and activity results into events and runs the commands.
 *
 * It is level-based: after every event it computes the capacity the namespace must have now
 * (the maximum over its windows' current asks and its plans' baselines; on-demand when nothing
 * asks) and, if the namespace is not verifiably there, takes the one step that gets it closer:
 * a change (a fresh operation id), or a verification. Failures are retried with backoff for as
 * long as the difference lasts — a raise as durably as a release — and alerted once, with a
 * "recovered" alert when it heals. Nothing is reported to a window before it is verified.
 */
import { describeSteps, nextStepMs, trusAt } from '../capacity/steps.js';
import { describeTarget, effectiveTarget, LATE_RELEASE_MS, sameTarget } from '../capacity/window.js';
import type { CapacityTarget } from '../ports.js';
import type {
  Baseline,
  DueWindows,
  Decision,
  EngineCommand,
  EngineEvent,
  EngineSettings,
  EngineState,
  HeldAsk,
  PendingRelease,
  Trouble,
  WindowAddress,
  WindowAsk,
  WindowReport,
} from './types.js';

/** How long a window due at an instant may take to join its coordinator after its schedule fires. */
export const DUE_JOIN_MS = 60_000;
/** A timer this late says the coordinator was not running (its workers were down). */
export const LATE_TICK_MS = 30_000;
/** An out-of-band change is alerted once; one that keeps coming back at most this often. */
export const DRIFT_REALERT_MS = 24 * 3_600_000;
/** A coordinator that lost its windows keeps what the namespace has this long by default (the windows' check interval and a minute). */
export const DEFAULT_REJOIN_HOLD_MS = 11 * 60_000;

/** Recently closed window ids remembered (a late duplicate open is refused). */
const CLOSED_MEMORY = 200;
/** Key of the baseline of a permanent change that names no plan (the newest such change replaces the previous one). */
export const UNNAMED_BASELINE = '(unnamed permanent change)';

/** Backoff of a step that failed: a raise retries sooner (its window is running), both back off to a cap. */
export function retryDelayMs(kind: Trouble['kind'], attempt: number): number {
  const n = Math.max(1, Math.floor(attempt));
  const [first, cap] = kind === 'release' ? [30_000, 600_000] : [15_000, 120_000];
  return Math.min(cap, first * 2 ** Math.min(n - 1, 20));
}

/** The grace of an ended window: its verify delay, capped (0 for a window whose end came from a cancellation). */
export function graceMs(w: { verifyDelayMs: number }): number {
  return Math.min(Math.max(0, w.verifyDelayMs), RELEASE_GRACE_MS);
}

/**
 * How long an ended window is held across its end (issue 21: no blind grace). When the pass said which windows are due on
 * the namespace around that end, only for one due within the grace either side of it (back to back: no dip between them);
 * none due: released at the end. When no pass said (no daemon, or its first push has not come): the grace.
 */
export function holdAcrossEndMs(dues: Record<string, DueWindows> | undefined, w: { verifyDelayMs: number; endMs?: number | undefined }): number {
  const grace = graceMs(w);
  const known = Object.values(dues ?? {});
  if (known.length === 0 || w.endMs === undefined || grace === 0) return grace;
  const endMs = w.endMs;
  let hold = 0;
  for (const due of known) {
    if (endMs - grace < due.fromMs || endMs + grace >= due.toMs) return grace;
    // Held until the due window has had a moment to join after its schedule fires (a grace at least).
    for (const t of due.startsMs) if (t >= endMs - grace && t <= endMs + grace) hold = Math.max(hold, grace, t - endMs + DUE_JOIN_MS);
  }
  return hold;
}
/**
 * How long an ended window is held for a window starting at that instant (a schedule's next run can start late): its verify
 * delay, at most 2 minutes. A release requested at 02:00 or at 02:02 bills the 02:00 hour either way (docs/billing.md):
 * the hold costs no billed hour of its own, a dip between back-to-back windows would cost capacity.
 */
export const RELEASE_GRACE_MS = 120_000;

/** `${workflowId}/${runId}` — the one window-id codec (a workflow id may contain '/', a run id never does). */
export function windowIdOf(workflowId: string, runId: string): string {
  return `${workflowId}/${runId}`;
}
export function parseWindowId(windowId: string): WindowAddress {
  const cut = windowId.lastIndexOf('/');
  return cut < 0 ? { windowId, workflowId: windowId, runId: '' } : { windowId, workflowId: windowId.slice(0, cut), runId: windowId.slice(cut + 1) };
}

export function initialState(namespace: string, opPrefix = namespace): EngineState {
  return {
    namespace,
    opPrefix,
    seq: 0,
    settings: {},
    windows: [],
    baselines: [],
    pendingEnds: {},
    closed: [],
    releases: [],
    needsVerify: true,
    runs: 0,
    recent: [],
    cancelling: false,
    wantsContinue: false,
    done: false,
  };
}

export function decide(previous: EngineState, event: EngineEvent, nowMs: number): Decision {
  const s = JSON.parse(JSON.stringify(previous)) as EngineState;
  const out: EngineCommand[] = [];
  if (!s.done) {
    // Anything arriving well after the timer the shell was asked for: the coordinator was not running (its workers were down).
    // The windows' own checks were held up as long and fire now too: a hold gives them a minute more to re-join.
    // (The shell keeps only the last decision's timer: `wakeMs` is that timer, or none.)
    const late = s.wakeMs !== undefined && nowMs - s.wakeMs > LATE_TICK_MS;
    s.wakeMs = undefined;
    if (late && s.holdUntilMs !== undefined) s.holdUntilMs = Math.max(s.holdUntilMs, nowMs + 2 * LATE_TICK_MS);
    receive(s, event, nowMs, out);
    // A fresh run starts with the signal that started it: nothing is decided before that signal is seen. A run continued
    // as new carries its windows: it picks up where the last one stopped (its timers did not carry over).
    if (event.kind !== 'start' || s.runs > 1) progress(s, nowMs, out);
  }
  return { state: s, commands: out };
}

// ---------------------------------------------------------------- asks

/** The TRUs a held window asks for now: a ramp's latest step reached (frozen at its end), 0 when refused. */
function askOf(w: HeldAsk, nowMs: number): number {
  if (w.refusedAll === true) return 0;
  const at = w.endMs !== undefined ? Math.min(nowMs, w.endMs - 1) : nowMs;
  if (w.steps === undefined || w.steps.length === 0) return w.refusedTrus === w.trus ? 0 : w.trus;
  // A ramp step the API refused is not asked again: the window keeps the latest step before it that was not refused.
  let trus = 0;
  for (const st of w.steps) if (st.atMs <= at && st.trus !== w.refusedTrus) trus = st.trus;
  if (trus === 0 && w.steps[0] !== undefined && w.steps[0].trus !== w.refusedTrus && at < w.steps[0].atMs) trus = w.steps[0].trus;
  return trus;
}

/** The capacity every held window and baseline asks for together. */
/** What the windows and baselines ask, without a lost coordinator's hold. */
function asksTarget(s: EngineState, nowMs: number): CapacityTarget {
  return effectiveTarget([
    ...s.windows.map((w) => ({ windowId: w.windowId, trus: askOf(w, nowMs) })),
    ...s.baselines.map((b) => ({ windowId: b.plan, trus: b.refused === true ? 0 : b.trus })),
  ]);
}

export function desiredTarget(s: EngineState, nowMs: number): CapacityTarget {
  const asks = [
    ...s.windows.map((w) => ({ windowId: w.windowId, trus: askOf(w, nowMs) })),
    ...s.baselines.map((b) => ({ windowId: b.plan, trus: b.refused === true ? 0 : b.trus })),
  ];
  const wanted = effectiveTarget(asks);
  // A coordinator that lost its windows never lowers what the namespace has until they had time to re-join.
  // It holds what the namespace had when it found out (holdTrus), not what it set itself since.
  if (s.holdUntilMs !== undefined && s.holdTrus !== undefined && s.holdTrus > 0) {
    if (wanted.mode === 'onDemand' || wanted.trus < s.holdTrus) return { mode: 'provisioned', trus: s.holdTrus };
  }
  return wanted;
}

/** Windows (and plans) holding the effective capacity. */
function holders(s: EngineState, target: CapacityTarget, nowMs: number): string[] {
  if (target.mode === 'onDemand') return [];
  return [
    ...s.windows.filter((w) => askOf(w, nowMs) === target.trus).map((w) => w.windowId),
    ...s.baselines.filter((b) => b.trus === target.trus).map((b) => b.plan),
  ];
}

function remember(s: EngineState, windowId: string): void {
  s.closed.push(windowId);
  if (s.closed.length > CLOSED_MEMORY) s.closed.splice(0, s.closed.length - CLOSED_MEMORY);
}

function cutVerifyDelay(s: EngineState, nowMs: number): void {
  if (s.verifyDue !== undefined && s.verifyDue.atMs > nowMs) s.verifyDue.atMs = nowMs;
}

function report(
  s: EngineState,
  out: EngineCommand[],
  to: WindowAddress,
  r: Omit<WindowReport, 'windowId' | 'heldBy' | 'dryRun'> & { heldBy?: string[] },
  nowMs: number,
): void {
  const full: WindowReport = { ...r, windowId: to.windowId, heldBy: r.heldBy ?? holders(s, r.target, nowMs), dryRun: s.dryRun === true };
  const failed = !full.applied || !full.verified;
  out.push({
    kind: 'report',
    to: { windowId: to.windowId, workflowId: to.workflowId, runId: to.runId },
    report: full,
    // A window that cannot hear a failure would not alert it: the coordinator does.
    undelivered: failed
      ? {
          title: full.step === 'raise' ? 'Capacity change failed' : 'Revert to on-demand failed',
          text: `Window ${to.windowId} of ${s.namespace}: ${full.errors.join('; ') || 'not verified'}`,
        }
      : undefined,
  });
}

function alert(s: EngineState, out: EngineCommand[], severity: 'info' | 'error' | 'critical', title: string, text: string, key: string): void {
  out.push({ kind: 'alert', severity, title, text, dedupeKey: `${s.opPrefix.split(':')[0] ?? s.namespace}:${key}` });
}

// ---------------------------------------------------------------- events

function receive(s: EngineState, e: EngineEvent, nowMs: number, out: EngineCommand[]): void {
  switch (e.kind) {
    case 'start':
      // A fresh run cannot know the windows of a run it replaces (terminated, reset): it keeps what the namespace has until they re-join.
      s.runs = (s.runs ?? 0) + 1;
      if (s.runs === 1) s.holdUntilMs = nowMs + (e.settings?.rejoinHoldMs ?? s.settings.rejoinHoldMs ?? DEFAULT_REJOIN_HOLD_MS);
      s.opPrefix = e.opPrefix;
      if (s.inFlight !== undefined) {
        // A new run has no activity in flight: a change that may have been under way is read again, never assumed.
        if (s.inFlight.kind === 'apply') s.mayHaveChanged = true;
        s.inFlight = undefined;
        s.confirmed = undefined;
        s.needsVerify = true;
      }
      s.dryRun ??= e.dryRun;
      if (e.settings !== undefined) s.settings = { ...s.settings, ...e.settings };
      return;
    case 'open':
      open(s, e.window, nowMs, out);
      cutVerifyDelay(s, nowMs);
      return;
    case 'close':
      close(s, e.windowId, e.reason, nowMs, out);
      cutVerifyDelay(s, nowMs);
      return;
    case 'set-end': {
      const held = s.windows.find((w) => w.windowId === e.windowId);
      if (held !== undefined) held.endMs = e.endMs;
      else if (!s.closed.includes(e.windowId)) s.pendingEnds[e.windowId] = e.endMs;
      cutVerifyDelay(s, nowMs);
      return;
    }
    case 'set-trus': {
      if (!Number.isFinite(e.trus) || e.trus <= 0) return;
      const held = s.windows.find((w) => w.windowId === e.windowId);
      if (held !== undefined) {
        if (e.steps !== undefined && e.steps.length > 0) held.steps = e.steps;
        else delete held.steps;
        if (held.refusedAll !== true && (held.trus !== e.trus || e.steps !== undefined)) {
          held.refused = undefined;
          held.refusedTrus = undefined;
        }
        held.trus = e.trus;
      }
      const base = s.baselines.find((b) => b.window?.windowId === e.windowId);
      if (base !== undefined) base.trus = e.trus;
      cutVerifyDelay(s, nowMs);
      return;
    }
    case 'baselines': {
      s.passSeen = true;
      if (e.due !== undefined) s.due = { ...s.due, [e.installation ?? '']: { fromMs: e.due.fromMs, toMs: e.due.toMs, startsMs: [...e.due.startsMs] } };
      if (e.commit !== undefined) s.presentCommit = e.commit;
      const plans = e.plans;
      // A plan in git whose start is still ahead keeps a baseline its window already announced (this push may predate it).
      // It speaks for its own installation's plans only.
      const mine = (b: Baseline): boolean => e.installation === undefined || b.installation === undefined || b.installation === e.installation;
      const kept = (b: Baseline): boolean => !mine(b) || b.plan in plans || b.plan === UNNAMED_BASELINE || (e.later ?? []).includes(b.plan);
      for (const b of s.baselines) {
        if (kept(b) || b.window === undefined || b.raiseReported === true) continue;
        // Its plan left git before its raise was settled: the window is told, so it stops waiting (and never re-announces it).
        report(
          s,
          out,
          b.window,
          {
            step: 'raise',
            applied: false,
            verified: false,
            changed: false,
            target: desiredTarget(s, nowMs),
            errors: [`plan ${b.plan} is no longer in force at the latest commit`],
          },
          nowMs,
        );
      }
      const removed = s.baselines.some((b) => !kept(b));
      s.baselines = s.baselines.filter(kept);
      const before = JSON.stringify(s.baselines);
      for (const [plan, trus] of Object.entries(plans)) {
        if (!Number.isFinite(trus) || trus <= 0) continue;
        const b = s.baselines.find((x) => x.plan === plan && mine(x));
        if (b === undefined) s.baselines.push({ plan, trus, ...(e.installation === undefined ? {} : { installation: e.installation }) });
        else if (b.trus !== trus) {
          b.trus = trus;
          b.refused = undefined;
        }
      }
      // A push that changes no baseline needs no read of the namespace (a read is an activity: a billed Action).
      if (removed || JSON.stringify(s.baselines) !== before) s.needsVerify = true;
      return;
    }
    case 'tick':
      return;
    case 'applied':
      applied(s, e.operationId, e.result, nowMs, out);
      return;
    case 'verified':
      verified(s, e.result, nowMs, out);
      return;
    case 'cancel':
      s.cancelling = true;
      for (const w of [...s.windows]) if (w.endMs !== undefined && w.endMs <= nowMs) close(s, w.windowId, 'ended', nowMs, out);
      s.needsVerify = true;
      return;
    case 'history-long':
      s.wantsContinue = true;
      return;
  }
}

function open(s: EngineState, w: WindowAsk, nowMs: number, out: EngineCommand[]): void {
  const known = s.windows.find((x) => x.windowId === w.windowId);
  if (known !== undefined) {
    // A duplicate, or the window re-announcing itself: its end is the window's own.
    if (w.rejoin === true && w.endMs !== undefined) known.endMs = w.endMs;
    return;
  }
  const refuse = (error: string): void =>
    report(s, out, w, { step: 'raise', applied: false, verified: false, changed: false, target: desiredTarget(s, nowMs), errors: [error] }, nowMs);
  if (w.dryRun !== undefined && s.dryRun !== undefined && w.dryRun !== s.dryRun) {
    refuse(`refused: a ${w.dryRun ? 'dry-run' : 'real'} window cannot join the namespace's ${s.dryRun ? 'dry-run' : 'real'} coordinator`);
    return;
  }
  s.dryRun ??= w.dryRun;
  if (s.releases.some((r) => r.window.windowId === w.windowId)) return; // its release report is on its way
  if (w.rejoin !== true && s.closed.includes(w.windowId)) {
    refuse('the window was closed before it opened');
    return;
  }
  const pendingEnd = s.pendingEnds[w.windowId];
  const ask: HeldAsk = { ...w, raiseReported: false, ...(pendingEnd !== undefined ? { endMs: pendingEnd } : {}) };
  delete s.pendingEnds[w.windowId];
  if (w.rejoin === true) {
    // The coordinator lost this window (terminated, reset, replaced): it may have lost others. Keep what the namespace has meanwhile.
    s.holdUntilMs = Math.max(s.holdUntilMs ?? 0, nowMs + (s.settings.rejoinHoldMs ?? DEFAULT_REJOIN_HOLD_MS));
    s.holdTrus = s.observed === undefined ? s.holdTrus : Math.max(s.holdTrus ?? 0, heldByNamespace(s.observed));
    s.needsVerify = true;
    if (s.closed.includes(w.windowId) || (ask.endMs !== undefined && ask.endMs <= nowMs)) {
      s.releases.push({ window: addr(w), endMs: ask.endMs, dueMs: nowMs, reason: 'ended', rejoined: true });
      remember(s, w.windowId);
      return;
    }
  } else if (ask.endMs !== undefined && ask.endMs <= nowMs) {
    remember(s, w.windowId);
    refuse(
      `the window ended at ${new Date(ask.endMs).toISOString()} before its raise could start (another capacity step of the namespace was still running): capacity was not changed for it`,
    );
    return;
  }
  if (ask.endMs === undefined) {
    // A permanent change is its plan's baseline: the newest change of a plan replaces that plan's, other plans keep theirs.
    const plan = w.plan ?? UNNAMED_BASELINE;
    const base: Baseline = {
      plan,
      trus: w.steps !== undefined && w.steps.length > 0 ? trusAt(w.steps, nowMs) : w.trus,
      window: addr(w),
      raiseReported: false,
      ...(w.installation === undefined ? {} : { installation: w.installation }),
    };
    s.baselines = [...s.baselines.filter((b) => !(b.plan === plan && (b.installation === undefined || b.installation === w.installation))), base];
    s.needsVerify = true;
    return;
  }
  s.windows.push(ask);
  s.needsVerify = true;
}

function addr(w: WindowAddress): WindowAddress {
  return { windowId: w.windowId, workflowId: w.workflowId, runId: w.runId };
}

function close(s: EngineState, windowId: string, reason: 'cancelled' | 'ended', nowMs: number, out: EngineCommand[]): void {
  if (s.releases.some((r) => r.window.windowId === windowId)) return; // still releasing: reported when verified
  const held = s.windows.find((w) => w.windowId === windowId);
  const base = s.baselines.find((b) => b.window?.windowId === windowId);
  if (held !== undefined && held.refusedAll === true) {
    // Its raise was refused (nothing was asked for it) and the window ended its run: nothing to release or report.
    s.windows = s.windows.filter((w) => w !== held);
    remember(s, windowId);
    return;
  }
  if (held !== undefined) {
    s.windows = s.windows.filter((w) => w !== held);
    const ask = askOf(held, Math.min(nowMs, (held.endMs ?? nowMs) - 1));
    if (
      !held.raiseReported &&
      held.raiseStarted === true &&
      s.inFlight === undefined &&
      s.verifyDue === undefined &&
      s.confirmed !== undefined &&
      s.confirmed.mode === 'provisioned' &&
      s.confirmed.trus >= ask
    ) {
      // Its raise was made and just verified as its end came (a worker was down meanwhile): say so before the release.
      held.raiseReported = true;
      report(s, out, held, { step: 'raise', applied: true, verified: true, changed: true, target: s.confirmed, errors: [] }, nowMs);
    }
    if (!held.raiseReported) {
      // Its end (or cancellation) came before its raise was settled (another step held the namespace): it was not raised for nothing.
      held.raiseReported = true;
      const why =
        reason === 'cancelled'
          ? 'the window was cancelled before its raise completed'
          : `the window ended at ${new Date(held.endMs ?? nowMs).toISOString()} while another capacity step of the namespace was still running: capacity was not changed for it`;
      report(s, out, held, { step: 'raise', applied: false, verified: false, changed: false, target: desiredTarget(s, nowMs), errors: [why] }, nowMs);
    }
    const dueMs = reason === 'ended' && held.endMs !== undefined && held.endMs <= nowMs ? held.endMs + holdAcrossEndMs(s.due, held) : nowMs;
    s.releases.push({ window: addr(held), endMs: held.endMs, dueMs, reason, rejoined: held.rejoin, verifyDelayMs: held.verifyDelayMs });
  } else if (base !== undefined) {
    s.baselines = s.baselines.filter((b) => b !== base);
    s.releases.push({ window: addr(base.window as WindowAddress), dueMs: nowMs, reason });
  } else {
    // Not held (already released, or its open failed): confirmed with the next verification, never on trust.
    s.releases.push({ window: parseWindowId(windowId), dueMs: nowMs, reason });
  }
  remember(s, windowId);
  s.needsVerify = true;
}

function troubleKind(s: EngineState, target: CapacityTarget): Trouble['kind'] {
  if (s.drift?.restoring !== undefined) return 'restore';
  const observed =
    s.confirmed ?? (s.observed?.mode === 'provisioned' ? { mode: 'provisioned' as const, trus: s.observed.trus ?? 0 } : { mode: 'onDemand' as const });
  const lower = target.mode === 'onDemand' || (observed.mode === 'provisioned' && target.trus < observed.trus);
  return lower ? 'release' : 'raise';
}

/** A step failed or was not verified: back off, alert once, tell windows waiting for their raise. */
function fail(s: EngineState, target: CapacityTarget, errors: string[], nowMs: number, out: EngineCommand[], applied: boolean): void {
  s.confirmed = undefined;
  const kind = s.trouble !== undefined && sameTarget(s.trouble.target, target) ? s.trouble.kind : troubleKind(s, target);
  const t: Trouble =
    s.trouble !== undefined && sameTarget(s.trouble.target, target)
      ? s.trouble
      : {
          kind,
          target,
          sinceMs: s.trouble?.sinceMs ?? nowMs,
          attempts: 0,
          errors: [],
          alerted: s.trouble?.alerted ?? false,
          nextMs: nowMs,
          ...(s.trouble?.alerted === true ? { alertedKey: s.trouble.alertedKey, alertedTarget: s.trouble.alertedTarget, alertSent: s.trouble.alertSent } : {}),
        };
  t.attempts += 1;
  t.errors = errors;
  t.nextMs = nowMs + retryDelayMs(kind, t.attempts);
  s.trouble = t;
  // Windows waiting for their raise learn it failed (they alert it); capsched keeps trying until they end.
  let told = false;
  for (const w of s.windows) {
    if (w.raiseReported || askOf(w, nowMs) === 0) continue;
    w.raiseReported = true;
    told = true;
    report(s, out, w, { step: 'raise', applied, verified: false, changed: applied, target, errors, retrying: true }, nowMs);
  }
  for (const b of s.baselines) {
    if (b.window === undefined || b.raiseReported === true) continue;
    b.raiseReported = true;
    told = true;
    report(s, out, b.window, { step: 'raise', applied, verified: false, changed: applied, target, errors, retrying: true }, nowMs);
  }
  if (t.alerted) return;
  // A raise nothing asks for any more (its window ended, its plan left git while it ran) is not a failure to alert.
  const desired = desiredTarget(s, nowMs);
  if (kind === 'raise' && !sameTarget(desired, target) && (desired.mode === 'onDemand' || (target.mode === 'provisioned' && desired.trus < target.trus)))
    return;
  t.alerted = true;
  t.alertedKey = `${kind}-failing:${t.sinceMs}`;
  t.alertedTarget = target;
  if (told && kind === 'raise') return; // the window's own alert says it; the recovery is ours
  t.alertSent = true;
  const what = kind === 'release' ? 'release' : kind === 'restore' ? 'restore' : 'raise';
  const risk =
    kind === 'release'
      ? 'the namespace may still be provisioned above what its windows ask (it costs money)'
      : 'the namespace may be below what its windows ask';
  alert(
    s,
    out,
    'critical',
    `Capacity ${what} failing; retrying`,
    `Setting ${s.namespace} to ${describeTarget(target)} ${applied ? 'was not verified' : 'failed'}: ${errors.join('; ')}. ${risk[0]?.toUpperCase()}${risk.slice(1)}. capsched keeps retrying (backing off to ${retryDelayMs(kind, 99) / 60_000} min) and says so when it recovers.`,
    t.alertedKey,
  );
}

function applied(s: EngineState, operationId: string, r: Extract<EngineEvent, { kind: 'applied' }>['result'], nowMs: number, out: EngineCommand[]): void {
  const step = s.inFlight;
  if (step === undefined || step.kind !== 'apply' || step.operationId !== operationId) return; // a stale result
  s.inFlight = undefined;
  const what = `${step.target.mode === 'onDemand' ? 'revert to on-demand' : `set ${step.target.trus} TRUs`} (step ${operationId.split(':').pop() ?? s.seq})`;
  s.recent.push({ startMs: step.sinceMs, endMs: nowMs, what });
  if (s.recent.length > 20) s.recent.shift();
  if (r.outcome !== 'refused' && r.outcome !== 'failed') s.mayHaveChanged = true;
  if (r.outcome === 'refused' && step.target.mode === 'onDemand' && s.mayHaveChanged !== true) {
    // Every change capsched asked of this namespace was refused before acceptance: it is as capsched found it.
    s.confirmed = step.target;
    s.needsVerify = false;
    return;
  }
  if (r.outcome === 'accepted') {
    s.lastDryRun = r.dryRun;
    // The verify delay is a wait, not part of the step: a release waiting for it is not held up (it is verified now).
    const wait = r.changed ? step.verifyDelayMs : 0;
    s.verifyDue = { target: step.target, atMs: nowMs + wait, changed: r.changed };
    return;
  }
  const refusedTrus = step.target.mode === 'provisioned' ? step.target.trus : undefined;
  // An operation that ended FAILED (capacity unavailable, rejected) refuses a window's first raise like a refusal does; a
  // later step of a running window is retried (its value was accepted before).
  const firstRaise = s.windows.some((w) => !w.raiseReported && w.rejoin !== true && askOf(w, nowMs) === refusedTrus);
  if ((r.outcome === 'refused' || (r.outcome === 'failed' && firstRaise)) && refusedTrus !== undefined) {
    // The API refused this value before accepting it: the windows asking exactly it ask nothing until their TRUs change.
    const error = `set ${refusedTrus} TRUs failed: ${r.error}`;
    // A running ramp's later step refused: its window was raised long ago and hears no report; the coordinator alerts it.
    const ramps = s.windows.filter((w) => w.raiseReported && w.steps !== undefined && askOf(w, nowMs) === refusedTrus && r.outcome === 'refused');
    for (const w of s.windows) {
      if (askOf(w, nowMs) !== refusedTrus) continue;
      // A FAILED operation ends only a window's first raise; the others keep asking and it is retried for them.
      if (r.outcome === 'failed' && (w.raiseReported || w.rejoin === true)) continue;
      w.refused = error;
      w.refusedTrus = refusedTrus;
      if (!w.raiseReported) {
        // Told its raise was refused, the window ends its run: it asks nothing more until its end (a window re-joining had
        // its raise long ago: only this value is refused for it).
        if (w.rejoin !== true) w.refusedAll = true;
        w.raiseReported = true;
        report(
          s,
          out,
          w,
          { step: 'raise', applied: false, verified: false, changed: false, target: s.confirmed ?? { mode: 'onDemand' }, errors: [error] },
          nowMs,
        );
      }
    }
    if (ramps.length > 0)
      alert(
        s,
        out,
        'critical',
        `Ramp step to ${refusedTrus} TRUs failed`,
        `The ramp of ${ramps.map((w) => `${w.plan ?? w.windowId} (${describeSteps(w.steps ?? [])})`).join(', ')} reached a step; Cloud Ops refused it: ${r.error}. The window keeps its latest accepted step until its next one; its end still releases.`,
        `ramp-refused:${operationId}`,
      );
    // A plan's baseline is refused only for a value the API refuses (not offered, invalid); a FAILED operation is retried for it.
    const base = r.outcome === 'refused' ? s.baselines.filter((b) => b.trus === refusedTrus && b.refused !== true) : [];
    for (const b of base) {
      b.refused = true;
      const untold = b.raiseReported !== true;
      b.raiseReported = true;
      if (b.window !== undefined && untold) {
        report(
          s,
          out,
          b.window,
          { step: 'raise', applied: false, verified: false, changed: false, target: s.confirmed ?? { mode: 'onDemand' }, errors: [error] },
          nowMs,
        );
      }
    }
    // A refused baseline stays (asking nothing) so the next pass does not ask the same value again: it is tried again only
    // when its plan asks another value.
    s.baselines = s.baselines.filter((b) => !(b.refused === true && b.plan === UNNAMED_BASELINE)); // no plan will ask again
    if (r.outcome === 'failed' && desiredTarget(s, nowMs).mode === 'provisioned' && sameTarget(desiredTarget(s, nowMs), step.target)) {
      // Others still ask this value: retried with backoff like any failure.
      fail(s, step.target, [`${what} failed: ${r.error}`], nowMs, out, false);
      return;
    }
    if (s.trouble?.kind === 'raise' && sameTarget(s.trouble.target, step.target)) s.trouble = undefined; // concluded: refused
    if (base.length > 0)
      alert(
        s,
        out,
        'critical',
        'Permanent capacity change refused',
        `${error}; the plan's baseline asks nothing until the plan changes.`,
        `baseline-refused:${operationId}`,
      );
    // Where the namespace really is (an earlier attempt may have been accepted) is read, never assumed — unless nothing of
    // this run can have changed it since it was read.
    if (s.mayHaveChanged !== true) {
      // Nothing of this run can have changed the namespace: there is nothing of capsched's to undo or re-read (and what it
      // did not create it never touches). It stands as last read, or as capsched found it.
      const o = s.observed;
      const known = o !== undefined && o.mode !== 'unknown' && o.pendingTrus === undefined;
      const want = desiredTarget(s, nowMs);
      if (known || want.mode === 'onDemand') {
        s.confirmed = known ? (o.mode === 'provisioned' && o.trus !== undefined ? { mode: 'provisioned', trus: o.trus } : { mode: 'onDemand' }) : want;
        s.needsVerify = false;
        return;
      }
    }
    s.confirmed = undefined;
    s.needsVerify = true;
    return;
  }
  fail(s, step.target, [`${what} ${r.outcome === 'failed' ? 'failed' : 'did not complete'}: ${r.error}`], nowMs, out, false);
}

/** What a namespace holds as read: its TRUs, or more if a request still in progress asks more (a lost run's raise under way). */
function heldByNamespace(o: EngineState['observed']): number {
  if (o === undefined) return 0;
  return Math.max(o.mode === 'provisioned' ? (o.trus ?? 0) : 0, o.pendingTrus ?? 0);
}

function verified(s: EngineState, r: Extract<EngineEvent, { kind: 'verified' }>['result'], nowMs: number, out: EngineCommand[]): void {
  const step = s.inFlight;
  if (step === undefined || step.kind !== 'verify') return;
  s.inFlight = undefined;
  s.verifiedAtMs = nowMs;
  if (r.outcome === 'ok') {
    s.confirmed = step.target;
    if (r.observed !== undefined) s.observed = r.observed;
    else s.observed = step.target.mode === 'onDemand' ? { mode: 'onDemand' } : { mode: 'provisioned', trus: step.target.trus };
    s.lastDryRun ||= r.dryRun;
    s.needsVerify = false;
    // A read that saw nothing (a dry-run worker reads no namespace) holds nothing.
    if (step.purpose === 'read') s.holdTrus = r.observed === undefined ? 0 : heldByNamespace(r.observed);
    return;
  }
  if (r.outcome === 'mismatch' && r.observed !== undefined) s.observed = r.observed;
  if (step.purpose === 'read' && r.outcome !== 'error') s.holdTrus = heldByNamespace(s.observed);
  if (r.outcome === 'error' && r.refused === true) {
    // The namespace refuses to be read (unknown to Cloud Ops, no key or role for it): there is nothing to hold, and a release
    // of a run that changed nothing is settled; a change is still tried (its refusal says the rest).
    if (step.purpose === 'read') {
      s.holdTrus = 0;
      return;
    }
    if (step.target.mode === 'onDemand' && s.mayHaveChanged !== true) {
      s.confirmed = step.target;
      s.needsVerify = false;
      return;
    }
  }
  const reason = r.outcome === 'mismatch' ? r.reason : `capacity read failed: ${r.error}`;
  if (step.purpose === 'reverify') {
    if (r.outcome === 'error') return; // read again next interval
    drifted(s, step.target, reason, nowMs, out);
    return;
  }
  if (step.purpose === 'read' && r.outcome === 'mismatch') {
    s.confirmed = undefined;
    return;
  }
  fail(s, step.target, [`verification of ${describeTarget(step.target)} failed: ${reason}`], nowMs, out, true);
}

/** The re-read found capacity other than what capsched holds: restore it (self-heal) or only alert, once a day at most. */
function drifted(s: EngineState, target: CapacityTarget, reason: string, nowMs: number, out: EngineCommand[]): void {
  const fresh = s.drift === undefined || nowMs - s.drift.sinceMs >= DRIFT_REALERT_MS;
  if (fresh) s.drift = { sinceMs: nowMs, alerted: false };
  const drift = s.drift as NonNullable<EngineState['drift']>;
  if (s.settings.selfHeal !== false) {
    // Restored now; the alert says how it went once it has (a failing restore alerts on its own, whatever was alerted before).
    s.confirmed = undefined;
    drift.restoring = { reason };
    return;
  }
  if (drift.alerted) return;
  drift.alerted = true;
  alert(
    s,
    out,
    'error',
    'Capacity changed outside capsched',
    `Expected ${describeTarget(target)}: ${reason}. Self-heal is off: capsched does not restore it (alerted once a day at most).`,
    `drift:${drift.sinceMs}`,
  );
}

// ---------------------------------------------------------------- progress

function progress(s: EngineState, nowMs: number, out: EngineCommand[]): void {
  // Windows whose end (and grace) has come are released.
  // A window whose raise is under way (a change or its verification in flight) is closed once it settles, so its raise is
  // reported for what it did, then released.
  const raising = s.inFlight !== undefined || s.verifyDue !== undefined;
  for (const w of [...s.windows])
    if (w.endMs !== undefined && nowMs >= w.endMs + holdAcrossEndMs(s.due, w) && !(raising && w.raiseStarted === true && !w.raiseReported)) {
      close(s, w.windowId, 'ended', nowMs, out);
      cutVerifyDelay(s, nowMs);
    }
  // The hold ends once the windows had time to re-join and the pass told this run the plans' baselines; with no pass heard
  // (no daemon: `capsched change` alone), twice as long.
  if (s.holdUntilMs !== undefined && nowMs >= s.holdUntilMs + (s.passSeen === true ? 0 : (s.settings.rejoinHoldMs ?? DEFAULT_REJOIN_HOLD_MS))) {
    s.holdUntilMs = undefined;
    s.holdTrus = undefined;
  }
  const desired = desiredTarget(s, nowMs);
  const wake: number[] = [];
  for (const w of s.windows) {
    if (w.endMs !== undefined) wake.push(w.endMs + holdAcrossEndMs(s.due, w));
    if (w.steps !== undefined) {
      const at = nextStepMs(w.steps, nowMs);
      if (at !== undefined && (w.endMs === undefined || at < w.endMs)) wake.push(at);
    }
  }
  if (s.holdUntilMs !== undefined) wake.push(s.holdUntilMs + (s.passSeen === true ? 0 : (s.settings.rejoinHoldMs ?? DEFAULT_REJOIN_HOLD_MS)));
  const waitFor = (extra: number[] = []): void => {
    const all = [...wake, ...extra].filter((t) => t > nowMs);
    if (all.length > 0) s.wakeMs = Math.min(...all);
    if (all.length > 0) out.push({ kind: 'wait', untilMs: Math.min(...all) });
  };

  if (s.inFlight !== undefined) {
    waitFor();
    return;
  }
  if (s.verifyDue !== undefined) {
    if (nowMs >= s.verifyDue.atMs) {
      s.lastChanged = s.verifyDue.changed;
      s.inFlight = { kind: 'verify', target: s.verifyDue.target, sinceMs: nowMs, purpose: 'step' };
      out.push({ kind: 'verify', target: s.verifyDue.target, dryRun: s.dryRun });
      s.verifyDue = undefined;
      waitFor();
    } else waitFor([s.verifyDue.atMs]);
    return;
  }
  const settled = s.confirmed !== undefined && sameTarget(s.confirmed, desired) && !s.needsVerify;
  if (!settled) {
    // Back off after a failure of this same target; a new target is tried at once.
    if (s.trouble !== undefined && sameTarget(s.trouble.target, desired) && nowMs < s.trouble.nextMs) {
      waitFor([s.trouble.nextMs]);
      return;
    }
    for (const r of s.releases) r.startedMs ??= nowMs;
    if (s.holdUntilMs !== undefined && s.holdTrus === undefined) {
      // A coordinator that lost its windows reads what the namespace has before it changes anything.
      s.inFlight = { kind: 'verify', target: desired, sinceMs: nowMs, purpose: 'read' };
      out.push({ kind: 'verify', target: desired, dryRun: s.dryRun, read: true });
    } else if (s.confirmed !== undefined && sameTarget(s.confirmed, desired)) {
      s.inFlight = { kind: 'verify', target: desired, sinceMs: nowMs, purpose: 'release' };
      s.lastChanged = false;
      out.push({ kind: 'verify', target: desired, dryRun: s.dryRun });
    } else {
      s.seq += 1;
      const operationId = `${s.opPrefix}:${s.seq}`;
      const delays = [...s.windows.map((w) => w.verifyDelayMs), ...s.releases.map((r) => r.verifyDelayMs ?? 0)];
      s.inFlight = { kind: 'apply', target: desired, operationId, sinceMs: nowMs, verifyDelayMs: Math.min(MAX_VERIFY_DELAY_MS, Math.max(0, ...delays)) };
      for (const w of s.windows) if (askOf(w, nowMs) > 0) w.raiseStarted = true;
      out.push({ kind: 'apply', target: desired, operationId, dryRun: s.dryRun });
    }
    waitFor();
    return;
  }
  settle(s, desired, nowMs, out);
  if (s.done || out.some((c) => c.kind === 'continue-as-new')) return;
  // Re-read while capacity is held.
  const interval = s.settings.reverifyIntervalMs ?? 0;
  if (interval > 0 && desired.mode === 'provisioned') {
    const at = (s.verifiedAtMs ?? nowMs) + interval;
    if (nowMs >= at) {
      s.inFlight = { kind: 'verify', target: desired, sinceMs: nowMs, purpose: 'reverify' };
      out.push({ kind: 'verify', target: desired, dryRun: s.dryRun });
      waitFor();
      return;
    }
    wake.push(at);
  }
  waitFor();
}

const MAX_VERIFY_DELAY_MS = 10 * 60_000;

/** The namespace is verifiably where it must be: say so to everyone waiting, then finish or wait. */
function settle(s: EngineState, target: CapacityTarget, nowMs: number, out: EngineCommand[]): void {
  const changed = s.lastChanged === true;
  const troubled = s.trouble?.alerted === true;
  if (s.trouble !== undefined) {
    const t = s.trouble;
    s.trouble = undefined;
    // The recovery answers the alert that went out (its key), whatever the target became since.
    // A raise that never got there before its window ended did not recover: the window's release report says what happened.
    // A raise alerted as failing that ends below what it failed to reach (its windows ended, its plan left git) did not
    // recover: its alert is closed as no longer needed.
    const alertedKind = t.alertedKey?.split('-failing:')[0] ?? t.kind;
    const failedTo = t.alertedTarget ?? t.target;
    const moot = alertedKind === 'raise' && failedTo.mode === 'provisioned' && (target.mode === 'onDemand' || target.trus < failedTo.trus);
    if (t.alerted && t.alertedKey !== undefined && !moot) {
      const kind = t.alertedKey.split('-failing:')[0] ?? t.kind;
      alert(
        s,
        out,
        'info',
        `Capacity ${kind} recovered: now ${describeTarget(target)}`,
        `After ${t.attempts} failed attempt(s) since ${new Date(t.sinceMs).toISOString()}, ${s.namespace} is verifiably at ${describeTarget(target)}.`,
        t.alertedKey.replace('-failing:', '-recovered:'),
      );
    } else if (t.alerted && t.alertSent === true && t.alertedKey !== undefined) {
      // The failing raise is no longer asked for: the coordinator's own alert is closed all the same (an alert left open is
      // not true). One the window alerted is closed by the window's release report.
      alert(
        s,
        out,
        'info',
        `Capacity raise no longer needed: now ${describeTarget(target)}`,
        `The raise to ${describeTarget(failedTo)} that failed ${t.attempts} time(s) since ${new Date(t.sinceMs).toISOString()} is no longer asked for (its windows ended or its plan left git); ${s.namespace} is verifiably at ${describeTarget(target)}.`,
        t.alertedKey.replace('-failing:', '-recovered:'),
      );
    }
  }
  const drift = s.drift;
  if (drift?.restoring !== undefined) {
    // Restored (an out-of-band change is alerted once a day; its failing restore was alerted and recovered above).
    if (!drift.alerted && !troubled)
      alert(
        s,
        out,
        'error',
        `Capacity changed outside capsched; restored to ${describeTarget(target)}`,
        `The re-read found ${drift.restoring.reason} (UI, tcld or Terraform?). capsched set ${describeTarget(target)} again and verified it. Further out-of-band changes are restored without another alert for a day.`,
        `drift:${drift.sinceMs}`,
      );
    drift.alerted = true;
    drift.restoring = undefined;
  }
  for (const w of s.windows) {
    if (w.raiseReported || (w.refused !== undefined && askOf(w, nowMs) === 0)) continue;
    const ask = askOf(w, nowMs);
    if (target.mode === 'provisioned' ? ask > target.trus : ask > 0) continue;
    w.raiseReported = true;
    report(s, out, w, { step: 'raise', applied: true, verified: true, changed, target, errors: [] }, nowMs);
  }
  for (const b of s.baselines) {
    if (b.window === undefined || b.raiseReported === true) continue;
    b.raiseReported = true;
    report(s, out, b.window, { step: 'raise', applied: true, verified: true, changed, target, errors: [] }, nowMs);
  }
  // A release is final only when nothing holds more than the asks: a lost coordinator's hold is no window's, and a window told
  // "released" would not re-announce itself if this run lost its state again.
  const holding = !sameTarget(target, asksTarget(s, nowMs));
  if (!holding)
    for (const r of s.releases.splice(0)) {
      // Released by a step already under way when it ended (its verification settled it): the release began now.
      r.startedMs ??= nowMs;
      report(s, out, r.window, { step: 'release', applied: true, verified: true, changed, target, errors: [], ...late(s, r) }, nowMs);
    }
  s.lastChanged = false;
  if (s.cancelling) {
    alert(
      s,
      out,
      'info',
      `Namespace coordinator cancelled; capacity now ${describeTarget(target)}`,
      `The coordinator was cancelled; ${s.windows.length + s.baselines.length} running window(s) keep ${describeTarget(target)} and re-join a fresh coordinator on their next check.`,
      `cancelled:${nowMs}`,
    );
    s.done = true;
    out.push({ kind: 'complete' });
    return;
  }
  if (s.windows.length === 0 && s.baselines.length === 0 && s.releases.length === 0 && target.mode === 'onDemand') {
    s.done = true;
    out.push({ kind: 'complete' });
    return;
  }
  if (s.wantsContinue) {
    s.wantsContinue = false;
    out.push({ kind: 'continue-as-new' });
  }
}

function late(s: EngineState, r: PendingRelease): Pick<WindowReport, 'lateByMs' | 'lateCause' | 'heldUpBy'> {
  if (r.reason !== 'ended' || r.endMs === undefined || r.startedMs === undefined) return {};
  const lateByMs = Math.max(0, r.startedMs - r.dueMs);
  if (lateByMs < LATE_RELEASE_MS) return { lateByMs };
  if (r.rejoined === true) return { lateByMs, lateCause: 'rejoined' };
  let busyMs = 0;
  let heldUpBy: string | undefined;
  for (const span of s.recent) {
    const overlap = Math.min(span.endMs, r.startedMs) - Math.max(span.startMs, r.dueMs);
    if (overlap <= 0) continue;
    busyMs += overlap;
    heldUpBy ??= span.what;
  }
  return busyMs * 2 >= lateByMs ? { lateByMs, lateCause: 'busy', ...(heldUpBy !== undefined ? { heldUpBy } : {}) } : { lateByMs, lateCause: 'outage' };
}

export type { EngineSettings };
