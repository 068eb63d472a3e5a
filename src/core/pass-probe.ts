/**
 * Does this check need a pass? A pass is billed (the reconciler's signal and activity, and what the
 * pass itself sends), a check is not: the daemon reads the plan source's head, lists the managed
 * schedules and the running coordinators (visibility reads and describes are free), and runs the
 * pass's own planning on them read-only (reconcileOnce in probe mode). This is the rule that turns
 * that probe and the installation's state (the reconciler's) into "signal the reconciler" or
 * "nothing to do". Pure: no clock, no I/O.
 *
 * The rule errs towards a pass: whatever the pass would write, read with a billed call, alert or
 * clear is a reason; only a probe that proves all of it unchanged spends nothing.
 */
import type { ReconcilerState } from './reconciler-contract.js';

/** What the read-only probe found. */
export type ProbeFinding =
  /** The plan source could not be read. */
  | { kind: 'source-failed'; code: string }
  /** The head does not validate (nothing of it would be applied). */
  | { kind: 'invalid'; revision: string }
  /** The probe's own free reads failed (schedule list): only a pass can tell and record it. */
  | { kind: 'failed'; revision: string; message: string }
  | {
      kind: 'planned';
      revision: string;
      /** Schedule changes the pass would make (create, update, delete, pause, unpause). */
      changes: number;
      /** The prune guard would refuse the pass. */
      pruneBlocked: boolean;
      /**
       * What the pass's live step would spend: billed reads (coordinator status queries) and writes
       * (signals, starts, cancels); empty when it would reuse its last read and change nothing.
       */
      liveSpends: readonly string[];
    };

export interface ProbeContext {
  /** The installation's state (the reconciler's), or undefined when this daemon does not know it. */
  state: ReconcilerState | undefined;
  /** This daemon's plan source (describe()), and its identity. */
  source: string;
  identity: string;
}

export interface ProbeDecision {
  pass: boolean;
  /** Why (logged, shown as the last check's reason). */
  reason: string;
}

const run = (reason: string): ProbeDecision => ({ pass: true, reason });
const idle = (reason: string): ProbeDecision => ({ pass: false, reason });

export function probeNeedsPass(finding: ProbeFinding, ctx: ProbeContext): ProbeDecision {
  const state = ctx.state;
  if (state === undefined || state.passes === 0) return run('the last pass is not known to this daemon');

  // Source trouble is recorded and alerted once by a pass; while it lasts, checks retry for free.
  if (finding.kind === 'source-failed')
    return state.problems.source === undefined ? run(`the plan source failed (${finding.code})`) : idle(`the plan source still fails (${finding.code})`);
  if (state.problems.source !== undefined) return run('the plan source answers again');

  // Daemons reading different sources: one pass records and alerts it; two agreeing daemons clear it.
  if (state.lastSource !== undefined && state.lastSource !== ctx.source) {
    if (state.problems.config === undefined) return run('the last pass read another plan source');
  } else if (state.problems.config !== undefined && state.lastSource === ctx.source && state.lastPassBy !== ctx.identity) {
    return run('daemons agree on the plan source again');
  }

  if (finding.kind === 'invalid')
    return state.problems.plans?.key === finding.revision && state.lastAttemptedRevision === finding.revision
      ? idle(`commit ${finding.revision.slice(0, 12)} is invalid and already reported`)
      : run(`commit ${finding.revision.slice(0, 12)} is invalid`);
  if (finding.revision !== state.lastAttemptedRevision) return run(`new commit ${finding.revision.slice(0, 12)}`);
  if (state.problems.plans !== undefined) return run('the plans are valid again');
  // A failed pass is retried (the daemon's checks back off while passes fail).
  if (state.lastPassResult === 'failed' || state.problems.apply !== undefined || state.consecutiveFailures > 0) return run('the last pass failed');
  if (finding.kind === 'failed') return run(`the check could not read the schedules: ${finding.message}`);
  if (finding.pruneBlocked)
    return state.problems.prune?.key === finding.revision
      ? idle('the prune guard still refuses this commit (already reported)')
      : run('the prune guard refuses');
  if (state.problems.prune !== undefined) return run('the prune guard no longer refuses');
  if (finding.changes > 0) return run(`${finding.changes} schedule change${finding.changes === 1 ? '' : 's'}`);
  if (finding.liveSpends.length > 0) return run(`the live step would ${[...new Set(finding.liveSpends)].sort().join(', ')}`);
  return idle('same commit, nothing to change');
}

/** The last free check, as /status and the page show it beside the last pass. */
export interface LastCheck {
  at: string;
  /** The head the check read (absent when the source failed). */
  revision?: string;
  /** Whether it signalled the reconciler for a pass, and why (or why not). */
  passRequested: boolean;
  reason: string;
  /** It read the source and the schedules and found nothing to do: the commit in force is the head (what an unchanged pass used to prove). */
  converged: boolean;
}
