/**
 * `capsched change` progress: turns what the workflows' status queries show (the window's phase
 * and result, the namespace coordinator's phase and held windows) into one line per step, in
 * order, each printed once: raise requested → applied → verified → waiting until HH:MM →
 * revert requested → reverted → verified. A step a poll missed is printed when a later one is
 * seen, so the lines never skip or reorder; the final result fills in the rest.
 */
import { describeTarget } from '../core/capacity/window.js';
import type { CapacityTarget } from '../core/ports.js';
import type { CapacityChangeResult } from '../core/workflow-contract.js';
import type { WindowPhase } from '../temporal/workflows/definitions.js';

/** One look at the run: the window's status query, and the coordinator's when it answered. */
export interface ProgressObservation {
  phase: WindowPhase;
  result: CapacityChangeResult;
  endTime?: string | undefined;
  effective?: CapacityTarget | undefined;
  coordinator?: { phase: 'idle' | 'applying' | 'verifying'; effective: CapacityTarget; windows: { windowId: string; trus: number }[] } | undefined;
}

type StepKey = 'raise' | 'applied' | 'verified' | 'waiting' | 'release' | 'released' | 'release-verified' | 'failed';

const ORDER: StepKey[] = ['raise', 'applied', 'verified', 'waiting', 'release', 'released', 'release-verified', 'failed'];
const AFTER_RAISE: WindowPhase[] = ['raising', 'active', 'releasing', 'done'];

export interface ChangeProgress {
  /** The lines this observation adds (possibly none). */
  observe: (o: ProgressObservation) => string[];
}

/**
 * @param windowId `${workflowId}/${runId}` of the run, to find it among the coordinator's windows.
 * @param clock formats an instant for "waiting until" (the caller's zone).
 */
export function changeProgress(input: { desiredTrus: number; windowId: string; hasEnd: boolean; clock: (iso: string) => string }): ChangeProgress {
  const done = new Set<StepKey>();
  let last = -1;
  // The coordinator queried is this run's (not, say, the dry-run coordinator of a dry-run worker) once it was seen holding the window.
  let seenHeld = false;
  return {
    observe(o) {
      const lines = new Map<StepKey, string>();
      const r = o.result;
      const held = o.coordinator?.windows.some((w) => w.windowId === input.windowId) === true;
      seenHeld ||= held;
      const raised = r.initialChangeSuccess || AFTER_RAISE.includes(o.phase) || (o.phase === 'failed' && r.errors.some((e) => !e.startsWith('invalid input')));
      if (raised) lines.set('raise', `raise requested: ${input.desiredTrus} TRUs`);
      const pastRaise = o.phase === 'active' || o.phase === 'releasing' || o.phase === 'done' || o.phase === 'failed';
      if (r.initialChangeSuccess || (o.phase === 'raising' && held && o.coordinator?.phase === 'verifying')) {
        lines.set('applied', `applied: ${describeTarget(o.effective ?? o.coordinator?.effective ?? { mode: 'provisioned', trus: input.desiredTrus })}`);
      }
      if (r.verificationSuccess)
        lines.set('verified', `verified: ${describeTarget(o.effective ?? { mode: 'provisioned', trus: input.desiredTrus })} provisioned`);
      else if (r.initialChangeSuccess && pastRaise)
        lines.set('verified', 'not verified: the API did not show the new capacity (the window continues and is still reverted)');
      if (
        input.hasEnd &&
        o.endTime !== undefined &&
        r.initialChangeSuccess &&
        (o.phase === 'active' || o.phase === 'releasing' || o.phase === 'done' || r.revertVerificationSuccess)
      ) {
        lines.set('waiting', `waiting until ${input.clock(o.endTime)} (${o.endTime})`);
      }
      const releasing =
        o.phase === 'releasing' || (input.hasEnd && r.initialChangeSuccess && (o.phase === 'done' || r.revertVerificationSuccess || r.revertedToOnDemand));
      if (releasing) lines.set('release', 'revert requested');
      if (r.revertedToOnDemand) lines.set('released', 'reverted to on-demand');
      else if (o.phase === 'releasing' && seenHeld && !held && o.coordinator?.phase === 'verifying')
        lines.set('released', `reverted: capacity set to ${describeTarget(o.coordinator.effective)}`);
      else if (input.hasEnd && r.revertVerificationSuccess) lines.set('released', `released: capacity stays ${describeTarget(o.effective)} for other windows`);
      if (r.revertVerificationSuccess) lines.set('release-verified', `verified: ${describeTarget(o.effective ?? { mode: 'onDemand' })}`);
      if (o.phase === 'failed' || o.phase === 'skipped')
        lines.set('failed', `${o.phase === 'skipped' ? 'skipped' : 'failed'}: ${r.errors.join('; ') || 'see the workflow'}`);

      // Print in order, once each; never go back to a step before the last one printed.
      const out: string[] = [];
      for (const [i, key] of ORDER.entries()) {
        const line = lines.get(key);
        if (line === undefined || done.has(key) || i < last) continue;
        done.add(key);
        last = i;
        out.push(line);
      }
      return out;
    },
  };
}

/** Queries are billed Temporal Cloud actions: poll fast only around steps, and sleep through the window. */
export const POLL_MIN_MS = 500;
export const POLL_MAX_MS = 10_000;
/** Longest sleep while a window is active (an end moved earlier with setEndTime is seen within this). */
export const POLL_ACTIVE_MAX_MS = 5 * 60_000;

/**
 * When to look again: right after a new step, slower (×1.5 up to 10 s) while nothing changes,
 * and while the window is active, at its end (at most 5 minutes ahead).
 */
export function nextPollDelayMs(o: ProgressObservation | undefined, printed: boolean, previousMs: number, nowMs: number): number {
  if (o?.phase === 'active' && o.endTime !== undefined) {
    const untilEnd = Date.parse(o.endTime) - nowMs;
    if (untilEnd > POLL_MIN_MS) return Math.min(untilEnd, POLL_ACTIVE_MAX_MS);
  }
  if (printed) return POLL_MIN_MS;
  return Math.min(Math.max(POLL_MIN_MS, Math.round(previousMs * 1.5)), POLL_MAX_MS);
}
