/**
 * Capacity-window maths: pure functions the workflows call (no clock: `now` is passed in).
 */
import type { CapacityTarget, NamespaceCapacity } from '../ports.js';
import { parseDuration, parseDurationMs } from './duration.js';

/** Default wait between a finished change and its verification (the seed's 2 minutes). */
export const DEFAULT_VERIFY_DELAY_MS = 120_000;

export type WindowEnd = { ok: true; endMs: number | undefined } | { ok: false; error: string };

/**
 * When a window ends. `endTime` (absolute, direct runs) wins; `duration` counts from the run's
 * scheduled start time (TemporalScheduledStartTime) or, for runs not started by a schedule, from
 * the run's start. Neither: a permanent change (undefined).
 */
export function resolveWindowEnd(
  input: { endTime?: string | undefined; duration?: string | undefined },
  times: { scheduledStartMs?: number | undefined; runStartMs: number },
  readDuration: (text: string) => number | undefined = parseDurationMs,
): WindowEnd {
  if (input.endTime !== undefined && input.duration !== undefined) {
    return { ok: false, error: 'give either endTime or duration, not both' };
  }
  if (input.endTime !== undefined) {
    const endMs = parseInstant(input.endTime);
    if (endMs === undefined)
      return { ok: false, error: `endTime "${input.endTime}" is not an ISO 8601 date-time with a time zone (e.g. 2026-03-01T04:00:00Z)` };
    return { ok: true, endMs };
  }
  if (input.duration !== undefined) {
    const ms = readDuration(input.duration);
    if (ms === undefined) {
      const parsed = parseDuration(input.duration);
      return { ok: false, error: `duration ${parsed.ok ? `"${input.duration}" is not accepted by this run` : parsed.message}` };
    }
    if (ms <= 0) return { ok: false, error: `duration "${input.duration}" must be positive, e.g. 45m, 3h or 1h30m` };
    return { ok: true, endMs: (times.scheduledStartMs ?? times.runStartMs) + ms };
  }
  return { ok: true, endMs: undefined };
}

/** Parses an ISO 8601 instant that carries a zone (Z or ±hh:mm); undefined otherwise. */
export function parseInstant(text: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/.test(text.trim())) return undefined;
  const ms = new Date(text.trim()).getTime();
  return Number.isNaN(ms) ? undefined : ms;
}

/** A window a namespace's coordinator holds: TRUs it asks for until endMs (undefined = permanent). */
export interface HeldWindow {
  windowId: string;
  trus: number;
  endMs?: number | undefined;
}

/** Effective capacity: the maximum TRUs over active windows; on-demand when none is active. */
export function effectiveTarget(windows: readonly HeldWindow[]): CapacityTarget {
  let max = 0;
  for (const w of windows) if (w.trus > max) max = w.trus;
  return max > 0 ? { mode: 'provisioned', trus: max } : { mode: 'onDemand' };
}

export function sameTarget(a: CapacityTarget | undefined, b: CapacityTarget | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  if (a.mode === 'onDemand' || b.mode === 'onDemand') return a.mode === b.mode;
  return a.trus === b.trus;
}

export function describeTarget(target: CapacityTarget | undefined): string {
  if (target === undefined) return 'unknown';
  return target.mode === 'onDemand' ? 'on-demand' : `${target.trus} TRUs`;
}

export type Verification = { ok: true } | { ok: false; reason: string };

/**
 * Does the namespace's capacity, as the API reports it, match the target? Both the current mode
 * and (for provisioned) the current TRUs must match, and the latest capacity request must be
 * COMPLETED — or FAILED while asking for something else: a refused raise leaves the namespace
 * where it was, and releasing it there is verified (else the release would retry forever, since
 * re-sending "on-demand" to an on-demand namespace makes no new request). On-demand is never
 * inferred from a missing value.
 */
export function capacityMatches(observed: NamespaceCapacity, expected: CapacityTarget): Verification {
  const request = observed.latestRequest;
  if (expected.mode === 'onDemand') {
    if (observed.mode !== 'onDemand') return { ok: false, reason: `expected on-demand, the API reports ${describeObserved(observed)}` };
  } else {
    if (observed.mode !== 'provisioned')
      return { ok: false, reason: `expected ${expected.trus} provisioned TRUs, the API reports ${describeObserved(observed)}` };
    if (observed.currentTrus !== expected.trus)
      return { ok: false, reason: `expected ${expected.trus} provisioned TRUs, the API reports ${observed.currentTrus ?? 'no'} TRUs` };
  }
  // A namespace that never had a capacity request has always been on-demand: nothing to wait for.
  if (request === undefined)
    return expected.mode === 'onDemand' ? { ok: true } : { ok: false, reason: 'the API reports no capacity request for the namespace' };
  const failedForAnother = request.state === 'failed' && request.target !== undefined && !sameTarget(request.target, expected);
  if (request.state !== 'completed' && !failedForAnother) return { ok: false, reason: `the latest capacity request is ${request.state}, not completed` };
  return { ok: true };
}

function describeObserved(observed: NamespaceCapacity): string {
  if (observed.mode === 'provisioned') return `${observed.currentTrus ?? '?'} provisioned TRUs`;
  if (observed.mode === 'onDemand') return 'on-demand';
  return 'an unknown capacity mode';
}

/**
 * The coordinator workflow id of a namespace: one per namespace, so windows never collide. Dry-run
 * windows have their own coordinator, so one coordinator never mixes dry-run and real windows.
 */
export function coordinatorWorkflowId(namespace: string): string {
  return `capsched-capacity-${namespace}`;
}

/**
 * The coordinator of a namespace for windows of one mode: dry-run windows join
 * `capsched-dryrun-capacity-<namespace>` (a prefix of its own, so listing the real coordinators by
 * their `capsched-capacity-` prefix never mistakes a dry-run one for a namespace).
 */
export function coordinatorWorkflowIdFor(namespace: string, dryRun: boolean): string {
  return dryRun ? `capsched-dryrun-capacity-${namespace}` : coordinatorWorkflowId(namespace);
}

/** How often a window waiting on its coordinator checks that the coordinator still runs and knows it (default). */
export const DEFAULT_COORDINATOR_CHECK_MS = 10 * 60_000;
/** After its end, a window waits this long for its release before checking on its coordinator. */
export const RELEASE_CHECK_SLACK_MS = 60_000;

/**
 * When a window waiting on its coordinator next checks on it: every `checkEveryMs`, and shortly
 * after its own end (the release is due then), whichever comes first.
 */
export function nextCoordinatorCheckMs(nowMs: number, checkEveryMs: number, endMs: number | undefined): number {
  const regular = nowMs + Math.max(1_000, checkEveryMs);
  if (endMs === undefined) return regular;
  const afterEnd = endMs + RELEASE_CHECK_SLACK_MS;
  return afterEnd > nowMs && afterEnd < regular ? afterEnd : regular;
}

/** Default re-read of capacity inside an active window (issue #11, "Keep verifying"). */
export const DEFAULT_REVERIFY_INTERVAL_MS = 15 * 60_000;

/** A release that began this long after the window's end (net of its grace) is reported as late: a worker or server outage. */
export const LATE_RELEASE_MS = 10_000;
