/**
 * The daemon's free checks: every interval (and at once on a webhook or a folder change) it reads
 * the plan source's head, lists the managed schedules and the running coordinators, and runs the
 * pass's own planning on them read-only (reconcileOnce in probe mode). Only when that finds
 * something a pass would do (core/pass-probe.ts) does it signal the reconciler for a pass, the
 * billed part. A check on the same commit with nothing to change spends no Action.
 */
import type { LiveStore, PlanSource, ScheduleStore } from '../core/ports.js';
import { probeNeedsPass, type LastCheck, type ProbeFinding } from '../core/pass-probe.js';
import { nextPassDelayMs, type ReconcilerState } from '../core/reconciler-contract.js';
import { isCapschedError } from '../core/errors.js';
import type { Logger } from '../log/index.js';
import { scrub } from '../log/index.js';
import { reconcileOnce, type ReconcileOptions } from '../reconcile/index.js';
import type { LiveReadMemo } from '../reconcile/index.js';

/** A check that finds a pass running looks again this soon (free: one describe). */
export const RECHECK_WHILE_PASS_RUNS_MS = 2_000;

export interface CheckOptions {
  installation: string;
  identity: string;
  source: PlanSource;
  store: ScheduleStore;
  live?: LiveStore;
  options: ReconcileOptions;
  /** The memo the passes of this daemon keep (read, never updated by a check). */
  liveMemo: LiveReadMemo;
  intervalMs: number;
  /** The installation's state and whether a pass is running now (free: a describe; a query only when the reconciler's history moved). */
  installationState: () => Promise<{ state: ReconcilerState | undefined; passRunning: boolean }>;
  /** Signals the reconciler for one pass. */
  trigger: (reason: string) => Promise<void>;
  logger: Logger;
  stopping: () => boolean;
  /** After each check (metrics); `sourceFailed` when it could not read the plan source. */
  onCheck?: (check: LastCheck, sourceFailed: boolean) => void;
}

export interface Checks {
  /** Checks now (coalesced with a check under way: one more after it). */
  checkNow(reason: string): Promise<void>;
  last(): LastCheck | undefined;
  count(): number;
  stop(): Promise<void>;
}

export function startChecks(o: CheckOptions): Checks {
  let last: LastCheck | undefined;
  let count = 0;
  let running: Promise<void> | undefined;
  let again = false;
  let timer: NodeJS.Timeout | undefined;
  let lastState: ReconcilerState | undefined;
  /** Checks in a row that could not read the source or the schedules: they back off like failed passes. */
  let failedChecks = 0;

  let recheck: NodeJS.Timeout | undefined;
  /** The pass this daemon asked for and has not seen finish yet: the state it was asked on. */
  let requested: { state: string; atMs: number } | undefined;
  const fingerprint = (state: ReconcilerState | undefined): string =>
    state === undefined ? 'unknown' : `${state.passes}:${state.lastPassAt ?? ''}:${state.consecutiveFailures}`;
  const once = async (why: string): Promise<void> => {
    const { state, passRunning } = await o.installationState();
    lastState = state;
    // A pass asked for and not finished yet (its activity not scheduled yet, or its state not read yet):
    // a check now would see the old state and ask again. Bounded, in case the signal was lost.
    if (requested !== undefined && (fingerprint(state) !== requested.state || Date.now() - requested.atMs > Math.max(60_000, 2 * o.intervalMs)))
      requested = undefined;
    if (passRunning || requested !== undefined) {
      // Its result is what this check must compare with: check again once it ended (or was timed
      // out: a daemon that died mid-pass leaves a pass the server times out, then a check retries it).
      o.logger.debug({ why }, 'check deferred: a pass is running');
      if (recheck === undefined && !o.stopping()) {
        recheck = setTimeout(
          () => {
            recheck = undefined;
            checkNow(why).catch(() => undefined);
          },
          Math.min(o.intervalMs, RECHECK_WHILE_PASS_RUNS_MS),
        );
        recheck.unref();
      }
      return;
    }
    const at = new Date();
    let finding: ProbeFinding;
    let revision: string | undefined;
    // What the installation's passes told the coordinators (any daemon), so a check does not ask for a pass to tell them again.
    if (state?.told !== undefined) o.liveMemo.told = new Map([...(o.liveMemo.told ?? []), ...Object.entries(state.told)]);
    try {
      const snapshot = await o.source.snapshot();
      revision = snapshot.revision;
      const result = await reconcileOnce({
        snapshot,
        store: o.store,
        ...(o.live === undefined ? {} : { live: o.live }),
        installation: o.installation,
        now: at.getTime(),
        options: { ...o.options, dryRun: false },
        liveMemo: o.liveMemo,
        probe: true,
      });
      const c = result.counts;
      finding =
        result.status === 'invalid'
          ? { kind: 'invalid', revision }
          : result.status === 'failed'
            ? { kind: 'failed', revision, message: result.errors.map((e) => `${e.code}: ${e.message}`).join('; ') }
            : {
                kind: 'planned',
                revision,
                changes: c.create + c.update + c.delete + c.pause + c.unpause,
                pruneBlocked: result.status === 'prune-blocked',
                liveSpends: result.liveSpends ?? [],
              };
    } catch (err) {
      finding =
        revision === undefined
          ? { kind: 'source-failed', code: isCapschedError(err) ? err.code : 'source-failed' }
          : { kind: 'failed', revision, message: scrub(err instanceof Error ? err.message : String(err)) };
    }
    const decision = probeNeedsPass(finding, { state, source: o.source.describe(), identity: o.identity });
    count++;
    last = {
      at: at.toISOString(),
      ...(revision === undefined ? {} : { revision }),
      passRequested: decision.pass,
      reason: decision.reason,
      converged: finding.kind === 'planned' && !decision.pass,
    };
    failedChecks = finding.kind === 'source-failed' || finding.kind === 'failed' ? failedChecks + 1 : 0;
    o.onCheck?.(last, finding.kind === 'source-failed');
    if (decision.pass) {
      o.logger.info({ why, revision, reason: decision.reason }, 'check: a pass is needed');
      try {
        await o.trigger(`check: ${decision.reason}`);
        requested = { state: fingerprint(state), atMs: Date.now() };
      } catch {
        // logged by the trigger; the next check asks again
      }
    } else {
      o.logger.debug({ why, revision, reason: decision.reason }, 'check: nothing to do');
    }
  };

  const checkNow = (why: string): Promise<void> => {
    if (o.stopping()) return Promise.resolve();
    if (running !== undefined) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          await once(why).catch((err: unknown) => o.logger.warn({ err }, 'check failed'));
        } while (again && !o.stopping());
      } finally {
        running = undefined;
      }
    })();
    return running;
  };

  const schedule = (): void => {
    if (o.stopping()) return;
    // Checks back off like passes did while passes fail (the state's consecutive failures), or while they fail themselves.
    const consecutiveFailures = Math.max(lastState?.consecutiveFailures ?? 0, failedChecks);
    const delay = nextPassDelayMs({ passes: 0, problems: {}, consecutiveFailures }, o.intervalMs, Math.random());
    timer = setTimeout(() => {
      void checkNow('interval').finally(schedule);
    }, delay);
    timer.unref();
  };
  schedule();

  return {
    checkNow,
    last: () => last,
    count: () => count,
    async stop() {
      if (timer !== undefined) clearTimeout(timer);
      if (recheck !== undefined) clearTimeout(recheck);
      await Promise.race([running ?? Promise.resolve(), new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
    },
  };
}
