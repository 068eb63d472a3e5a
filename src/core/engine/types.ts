/**
 * The capacity engine's vocabulary: what it remembers of one namespace (EngineState), what can
 * happen to it (EngineEvent) and what it asks its shell to do (EngineCommand). Plain data only:
 * the state travels through continue-as-new, events and commands through the coordinator workflow.
 */
import type { AlertSeverity, CapacityTarget } from '../ports.js';
import type { TimedStep } from '../capacity/steps.js';
import type { DueWindows, NamespacePresent } from './present.js';

export type { DueWindows, NamespacePresent } from './present.js';

/** Where a window workflow listens for its reports. */
export interface WindowAddress {
  windowId: string;
  workflowId: string;
  runId: string;
}

/** A window as it announces itself to its namespace's coordinator. */
export interface WindowAsk extends WindowAddress {
  /** Flat TRUs (a ramp: its current step, recomputed from `steps`). */
  trus: number;
  /** A ramp: TRUs at instants (epoch ms, increasing, the first at the window's start). */
  steps?: TimedStep[] | undefined;
  /** Epoch ms; absent = permanent: a baseline of its plan. */
  endMs?: number | undefined;
  verifyDelayMs: number;
  /** The window's own worker mode: a coordinator binds to the mode of its first window. */
  dryRun?: boolean | undefined;
  /** The window re-announces itself: it had its raise from a coordinator that lost it. */
  rejoin?: boolean | undefined;
  plan?: string | undefined;
  commit?: string | undefined;
  installation?: string | undefined;
  startedLate?: boolean | undefined;
}

/** A window the engine holds. */
export interface HeldAsk extends WindowAsk {
  /** Its raise report went out (success, or the first failure while capsched keeps trying). */
  raiseReported: boolean;
  /** The API refused its value before accepting it (not offered, invalid): it asks nothing until its TRUs change. */
  refused?: string | undefined;
  /** The value refused. */
  refusedTrus?: number | undefined;
  /** A change for its ask was started (its end waits for that change to settle before the window is closed). */
  raiseStarted?: boolean | undefined;
  /** Its raise was reported refused (the window ended its run): it asks nothing until its end. */
  refusedAll?: boolean | undefined;
}

/** A permanent ask, one per plan; the pass's baselines event replaces the whole set (git is the truth). */
export interface Baseline {
  plan: string;
  trus: number;
  /** The window that announced it, if any (it gets its raise report). */
  window?: WindowAddress | undefined;
  raiseReported?: boolean | undefined;
  /** The API refused its value: it asks nothing until its plan asks another. */
  refused?: boolean | undefined;
  /** The installation whose plan it is (a pass drops only its own installation's baselines). */
  installation?: string | undefined;
}

/** A window that has ended or was cancelled, waiting for its release to be verified before it is told. */
export interface PendingRelease {
  window: WindowAddress;
  endMs?: number | undefined;
  /** When the release was due (its end plus grace; a cancellation: when it arrived). */
  dueMs: number;
  reason: 'ended' | 'cancelled';
  rejoined?: boolean | undefined;
  /** When the first change after it began (late-release reporting). */
  startedMs?: number | undefined;
  /** The window's verify delay (the release's change waits it before verifying). */
  verifyDelayMs?: number | undefined;
}

/** The one Cloud Ops step in flight (one change at a time per namespace). */
export type InFlight =
  | { kind: 'apply'; target: CapacityTarget; operationId: string; sinceMs: number; verifyDelayMs: number }
  | { kind: 'verify'; target: CapacityTarget; sinceMs: number; purpose: 'step' | 'reverify' | 'release' | 'read' };

/** A failing condition that was alerted and must be followed by a "recovered" alert. */
export interface Trouble {
  kind: 'raise' | 'release' | 'restore';
  sinceMs: number;
  attempts: number;
  errors: string[];
  alerted: boolean;
  /** Do not try again before this instant (backoff). */
  nextMs: number;
  /** The capacity it failed to reach. */
  target: CapacityTarget;
  alertedKey?: string | undefined;
  /** The coordinator sent the failing alert itself (a raise a window was told of is alerted by the window). */
  alertSent?: boolean | undefined;
  /** The capacity the alert said it failed to reach (the trouble's target may have moved on since). */
  alertedTarget?: CapacityTarget | undefined;
}

export interface EngineSettings {
  /** Re-read capacity this often while capacity is held (absent or 0: never). */
  reverifyIntervalMs?: number | undefined;
  /** Restore an out-of-band change (default) or only alert it. */
  selfHeal?: boolean | undefined;
  /** How long a coordinator that lost its windows keeps what the namespace has (until they re-join). */
  rejoinHoldMs?: number | undefined;
}

export interface EngineState {
  namespace: string;
  /** Prefix of this run's operation ids (the shell's workflow id and run id): unique across resets. */
  opPrefix: string;
  /** Operation ids issued so far in this prefix. */
  seq: number;
  /** Runs of this state so far (1: the first; more: continued as new). */
  runs: number;
  dryRun?: boolean | undefined;
  settings: EngineSettings;
  windows: HeldAsk[];
  baselines: Baseline[];
  /** New ends that arrived before their window. */
  pendingEnds: Record<string, number>;
  /** Recently closed windows (a late duplicate open is refused). */
  closed: string[];
  releases: PendingRelease[];
  /** What the namespace was last verified at (undefined: not known). */
  confirmed?: CapacityTarget | undefined;
  /** Last capacity the API reported (verified or not). */
  observed?:
    | {
        mode: 'onDemand' | 'provisioned' | 'unknown';
        trus?: number | undefined;
        /** A capacity request still in progress, and the TRUs it asks (it may be someone's raise under way). */
        pendingTrus?: number | undefined;
      }
    | undefined;
  /** A change the shell must verify (by then) before anything is reported or decided on top of it. */
  verifyDue?: { target: CapacityTarget; atMs: number; changed: boolean } | undefined;
  /** A verification is owed (a release or a rejoin): the next settled state is re-read first. */
  needsVerify: boolean;
  inFlight?: InFlight | undefined;
  trouble?: Trouble | undefined;
  /** An out-of-band change alerted (cleared when verified again). */
  drift?: { sinceMs: number; alerted: boolean; restoring?: { reason: string } | undefined } | undefined;
  /** Last verification (re-verify counts from here). */
  verifiedAtMs?: number | undefined;
  /** Until then the coordinator may not know every window (it lost them): it never lowers capacity. */
  holdUntilMs?: number | undefined;
  /** What the namespace had when the coordinator found out it may have lost windows (read first when unknown). */
  holdTrus?: number | undefined;
  /** A pass told this run the plans' baselines (a daemon runs). */
  passSeen?: boolean | undefined;
  /** The windows due on the namespace, as each installation's last pass said ('' for a pass that named none; absent: no pass said). */
  due?: Record<string, DueWindows> | undefined;
  /** When the shell was last asked to wake (a tick much later than this: the coordinator was not running). */
  wakeMs?: number | undefined;
  /** The commit of the last pass that told it (status only). */
  presentCommit?: string | undefined;
  /** Spans of recent changes (why a release began late). */
  recent: Array<{ startMs: number; endMs: number; what: string }>;
  /** The last change was made in dry-run (reports say so). */
  lastDryRun?: boolean | undefined;
  /** The step being verified changed the namespace (reports say so). */
  lastChanged?: boolean | undefined;
  /** A change of this run may have taken effect (accepted, or an unknown outcome). */
  mayHaveChanged?: boolean | undefined;
  cancelling: boolean;
  /** The shell asked to continue as new at the next quiet moment. */
  wantsContinue: boolean;
  done: boolean;
}

/** What happened. Results carry what the shell saw; the engine decides what it means. */
export type EngineEvent =
  | { kind: 'start'; opPrefix: string; dryRun?: boolean | undefined; settings?: EngineSettings | undefined }
  | { kind: 'open'; window: WindowAsk }
  | { kind: 'close'; windowId: string; reason: 'cancelled' | 'ended' }
  | { kind: 'set-end'; windowId: string; endMs: number }
  | { kind: 'set-trus'; windowId: string; trus: number; steps?: TimedStep[] | undefined }
  | ({ kind: 'baselines' } & NamespacePresent)
  | { kind: 'tick' }
  | { kind: 'applied'; operationId: string; result: ApplyResult }
  | { kind: 'verified'; result: VerifyResult }
  | { kind: 'cancel' }
  | { kind: 'history-long' };

/**
 * accepted: the operation finished (or there was nothing to change: `changed` false).
 * refused: the API refused the value before accepting it (invalid, not offered): nothing can take effect.
 * failed: the operation was accepted and ended failed/cancelled.
 * unknown: no answer that settles it (unavailable, throttled, a request in progress, a timeout, a
 * worker that refused it, bad credentials): it may or may not take effect; try again.
 */
export type ApplyResult = { outcome: 'accepted'; changed: boolean; dryRun: boolean } | { outcome: 'refused' | 'failed' | 'unknown'; error: string };

export type VerifyResult =
  | { outcome: 'ok'; dryRun: boolean; observed?: EngineState['observed'] }
  | { outcome: 'mismatch'; reason: string; observed?: EngineState['observed'] }
  /** `refused`: the read itself was refused (unknown namespace, bad key or role, this worker's lists): it will not answer on a retry. */
  | { outcome: 'error'; error: string; refused?: boolean | undefined };

export interface WindowReport {
  windowId: string;
  step: 'raise' | 'release';
  applied: boolean;
  verified: boolean;
  target: CapacityTarget;
  heldBy: string[];
  changed: boolean;
  errors: string[];
  dryRun: boolean;
  /** The raise is not settled yet: capsched keeps trying until the window ends. */
  retrying?: boolean;
  lateByMs?: number;
  lateCause?: 'busy' | 'outage' | 'rejoined';
  heldUpBy?: string;
}

export type { AlertSeverity };

export type EngineCommand =
  | { kind: 'apply'; target: CapacityTarget; operationId: string; dryRun?: boolean | undefined }
  /** `read`: only to learn what the namespace has (a coordinator that may have lost windows), not a verification of a change. */
  | { kind: 'verify'; target: CapacityTarget; dryRun?: boolean | undefined; read?: boolean | undefined }
  | { kind: 'wait'; untilMs: number }
  | { kind: 'alert'; severity: AlertSeverity; title: string; text: string; dedupeKey: string }
  /** `undelivered`: the alert to send when the window cannot be reached (it would not alert itself). */
  | { kind: 'report'; to: WindowAddress; report: WindowReport; undelivered?: { title: string; text: string } | undefined }
  | { kind: 'continue-as-new' }
  | { kind: 'complete' };

export interface Decision {
  state: EngineState;
  commands: EngineCommand[];
}
