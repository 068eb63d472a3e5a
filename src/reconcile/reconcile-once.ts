/**
 * One reconcile pass: snapshot → validate → desired → list actual → diff → apply.
 *
 * Safe to run from a CLI, the daemon or a Temporal activity: it takes everything it needs as
 * arguments (the snapshot, a ScheduleStore, the installation id, `now`) and returns plain data.
 * `diff` and `apply --dry-run` run the same pass with dryRun, so they show exactly what apply does.
 *
 * Guarantees: an invalid snapshot (plans path missing, any validation error) makes no Temporal
 * call at all; a prune-guard refusal writes nothing; a no-op pass costs one list call per 1000
 * managed schedules and no describe; with a LiveStore, plus one list of running coordinators and one
 * status query per coordinator (the present, src/reconcile/live.ts).
 */
import { CapschedError, isCapschedError, type RetryClass } from '../core/errors.js';
import type { Issue } from '../core/plan/issues.js';
import type { PassOutcome } from '../core/reconciler-contract.js';
import type { Logger } from '../log/index.js';
import type { LiveStore, ScheduleStore, SourceSnapshot } from '../core/ports.js';
import type { LivePlan, LiveReductions } from '../core/live/types.js';
import { reconcileLive, type LiveApplied, type LiveReadMemo } from './live.js';
import { validateAndLoadPlans, type ValidationReport } from '../core/plan/validate.js';
import { desiredSchedules } from '../core/desired/build.js';
import { checkInstallationId } from '../core/desired/schedule-id.js';
import type { DesiredSchedule } from '../core/desired/types.js';
import { diffSchedules, isOwnedBy, schedulesNeedingDetail } from '../core/diff/diff.js';
import { countChanges, type ActualSchedule, type ChangeSet } from '../core/diff/types.js';
import { applyChangeSet, pool, type AppliedAction, type ApplyProgress } from '../apply/index.js';

export interface ReconcileOptions {
  /** Task queue of the capacity-change worker (default DEFAULT_TASK_QUEUE). */
  taskQueue?: string;
  /** Restore hand edits (default true); false: report drift only. */
  selfHeal?: boolean;
  allowPruneAll?: boolean;
  /** Default 0.5. */
  maxPruneShare?: number;
  /** Compute and report; write nothing. */
  dryRun?: boolean;
  /** Cancel running windows of deleted or paused plans (they revert now); live reductions apply now too. */
  force?: boolean;
  /** Reductions of running windows: at the window's end (default) or now (`run --live-reductions now`; `--force` implies now). */
  liveReductions?: LiveReductions;
  /** Validation warnings fail the pass. */
  strict?: boolean;
  /** The plans folder inside the source, for messages (e.g. "schedules"). */
  plansPath?: string;
  /** Describe every managed schedule to find hand edits list() cannot show (action, policies). */
  deepDriftCheck?: boolean;
  /** Parallel describes and writes (≤ 5). */
  concurrency?: number;
  /** Upcoming windows shown per plan (default 3). */
  previewCount?: number;
  /** First backoff for transient errors (default 1 s). */
  retryBaseDelayMs?: number;
}

export interface ReconcileInput {
  snapshot: SourceSnapshot;
  store: ScheduleStore;
  /** The coordinators and running windows (the present); without it the pass reconciles schedules only. */
  live?: LiveStore;
  installation: string;
  /** The pass's clock (ms since epoch): expired one-offs and window previews are relative to it. */
  now: number;
  options?: ReconcileOptions;
  /** The pass's logger, already bound with passLogger() (reconcileOnce binds nothing itself). */
  logger?: Logger;
  /** Correlates log lines of one pass (default: derived from `now`). */
  reconcileId?: string;
  /** Called as each schedule change is made or fails (`capsched apply` prints it). */
  onProgress?: (event: ApplyProgress) => void;
  /** The daemon's last full read of the coordinators: a pass on the same commit with the same running runs reuses it (no queries). */
  liveMemo?: LiveReadMemo;
  /**
   * The daemon's free check (core/pass-probe.ts): this pass's own planning, with free reads only.
   * Nothing is written; a LiveStore call that would be billed (a status query, a signal, a start, a
   * cancel) is not sent but recorded in `liveSpends`; the memo is read, never updated. Status:
   * `planned` when the pass would change something, `unchanged` when it would not.
   */
  probe?: boolean;
}

/** The one place a pass's log fields are bound: component, installation, reconcileId, revision. */
export function passLogger(root: Logger, fields: { installation: string; reconcileId: string; revision?: string }): Logger {
  return root.child({
    component: 'reconcile',
    installation: fields.installation,
    reconcileId: fields.reconcileId,
    ...(fields.revision === undefined ? {} : { revision: fields.revision }),
  });
}

/** A pass that got a snapshot ends in any PassOutcome but source-failed. */
export type ReconcileStatus = Exclude<PassOutcome, 'source-failed'>;

export interface ReconcileError {
  code: string;
  message: string;
  retry: RetryClass;
  scheduleId?: string;
  plan?: string;
  /** SEARCH_ATTRIBUTES_MISSING: exactly which of capsched's search attributes the namespace lacks, when known. */
  missing?: string[];
}

export interface ReconcileCounts {
  plans: number;
  desired: number;
  managed: number;
  ignored: number;
  create: number;
  update: number;
  delete: number;
  pause: number;
  unpause: number;
  unchanged: number;
  expired: number;
  drift: number;
  driftCorrected: number;
  describes: number;
  writes: number;
  /** The present: coordinator status queries, live writes (signals, starts, cancels), live changes pending and held. */
  liveQueries: number;
  liveWrites: number;
  livePending: number;
  liveHeld: number;
}

export interface ReconcileResult {
  reconcileId: string;
  installation: string;
  revision: string;
  status: ReconcileStatus;
  dryRun: boolean;
  /** Absent only when the plans path does not exist. */
  validation?: ValidationReport;
  /** The validation errors that made the pass invalid, as found (file, line, column, field). */
  issues: Issue[];
  changeSet?: ChangeSet;
  applied: AppliedAction[];
  /** The present: live now → desired now per affected namespace, and what the pass did or holds. */
  live?: LivePlan;
  liveApplied?: LiveApplied[];
  /** Probe mode: the billed LiveStore calls the pass's live step would make (empty: none). */
  liveSpends?: string[];
  errors: ReconcileError[];
  counts: ReconcileCounts;
  durationMs: number;
}

function zeroCounts(): ReconcileCounts {
  return {
    plans: 0,
    desired: 0,
    managed: 0,
    ignored: 0,
    create: 0,
    update: 0,
    delete: 0,
    pause: 0,
    unpause: 0,
    unchanged: 0,
    expired: 0,
    drift: 0,
    driftCorrected: 0,
    describes: 0,
    writes: 0,
    liveQueries: 0,
    liveWrites: 0,
    livePending: 0,
    liveHeld: 0,
  };
}

function toError(err: unknown): ReconcileError {
  if (isCapschedError(err)) {
    const missing = err.details?.missing;
    return {
      code: err.code,
      message: err.message,
      retry: err.retry,
      ...(typeof err.details?.scheduleId === 'string' ? { scheduleId: err.details.scheduleId } : {}),
      ...(Array.isArray(missing) ? { missing: missing.filter((m): m is string => typeof m === 'string') } : {}),
    };
  }
  return { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err), retry: 'terminal' };
}

async function describeAll(store: ScheduleStore, ids: readonly string[], concurrency: number): Promise<Map<string, ActualSchedule | undefined>> {
  const out = new Map<string, ActualSchedule | undefined>();
  await pool(ids, concurrency, async (id) => {
    out.set(id, await store.describe(id));
  });
  return out;
}

/** LiveStore reads that are free on Temporal Cloud (visibility lists and describes): the probe sends these and nothing else. */
const FREE_LIVE_READS: ReadonlySet<string> = new Set(['coordinatorNamespaces', 'runningRuns', 'coordinatorsChangedSince', 'coordinatorRun', 'existingRuns']);
const PROBE_SPEND = 'PROBE_WOULD_SPEND';

/** The probe's LiveStore: free reads pass through; any other call (billed, or unknown) is recorded and refused. */
function probeLiveStore(live: LiveStore, spends: string[]): LiveStore {
  return new Proxy(live, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      if (typeof prop === 'string' && FREE_LIVE_READS.has(prop)) return (value as (...a: unknown[]) => unknown).bind(target);
      return () => {
        spends.push(String(prop));
        return Promise.reject(new CapschedError(PROBE_SPEND, `a check sends no ${String(prop)}`, { retry: 'terminal' }));
      };
    },
  });
}

/** The probe's copy of the daemon's memo: its fields, and a copy of each Map in it, so nothing the probe's live step records or forgets reaches the passes' memo. */
function memoCopy(memo: LiveReadMemo): LiveReadMemo {
  return Object.fromEntries(Object.entries(memo).map(([k, v]) => [k, v instanceof Map ? new Map(v as Map<unknown, unknown>) : v])) as LiveReadMemo;
}

export async function reconcileOnce(input: ReconcileInput): Promise<ReconcileResult> {
  const started = performance.now();
  const options = input.options ?? {};
  const probe = input.probe === true;
  // A probe plans like a real pass (so the live step consults its memo) but never reaches a write.
  const dryRun = probe ? false : (options.dryRun ?? false);
  const liveSpends: string[] = [];
  const liveStore = input.live === undefined ? undefined : probe ? probeLiveStore(input.live, liveSpends) : input.live;
  const liveMemo = probe && input.liveMemo !== undefined ? memoCopy(input.liveMemo) : input.liveMemo;
  const installation = checkInstallationId(input.installation);
  const revision = input.snapshot.revision;
  const reconcileId = input.reconcileId ?? `${installation}-${input.now.toString(36)}`;
  const log = input.logger;
  const counts = zeroCounts();
  const result: ReconcileResult = {
    reconcileId,
    installation,
    revision,
    status: 'unchanged',
    dryRun,
    issues: [],
    applied: [],
    errors: [],
    counts,
    durationMs: 0,
  };
  const finish = (status: ReconcileStatus): ReconcileResult => {
    result.status = status;
    result.durationMs = Math.round(performance.now() - started);
    log?.info({ status, counts, durationMs: result.durationMs, errors: result.errors.length }, 'reconcile pass finished');
    return result;
  };

  // 1. The source: a missing plans path is an error, never "no plans" (it must not prune).
  if (!input.snapshot.pathExists) {
    result.errors.push({
      code: 'PLANS_PATH_MISSING',
      message: `the plans path${options.plansPath === undefined ? '' : ` "${options.plansPath}"`} does not exist at revision ${revision}; nothing was changed (a missing folder never deletes schedules)`,
      retry: 'terminal',
    });
    return finish('invalid');
  }

  // 2. Validate the whole snapshot; any error means nothing is applied.
  const { report: validation, plans: loadedPlans } = validateAndLoadPlans(input.snapshot.files, {
    now: input.now,
    strict: options.strict ?? false,
    ...(options.plansPath === undefined ? {} : { plansPath: options.plansPath }),
  });
  result.validation = validation;
  if (!validation.valid) {
    result.issues = validation.errors;
    log?.warn({ errors: validation.errors.length, issues: validation.errors.slice(0, 15) }, 'plans invalid; nothing applied');
    return finish('invalid');
  }
  counts.plans = loadedPlans.length;

  // 3. Desired state.
  let desired: DesiredSchedule[];
  try {
    desired = desiredSchedules(
      // The loaded plans carry the window length and upcoming windows validation computed once.
      loadedPlans,
      {
        installation,
        commit: revision,
        nowMs: input.now,
        ...(options.taskQueue === undefined ? {} : { taskQueue: options.taskQueue }),
        ...(options.previewCount === undefined ? {} : { previewCount: options.previewCount }),
      },
    );
  } catch (err) {
    result.errors.push(toError(err));
    return finish('invalid');
  }
  counts.desired = desired.length;

  // 4. Actual state: one visibility query, then describes only where needed.
  const concurrency = Math.max(1, Math.min(5, options.concurrency ?? 5));
  let actual: ActualSchedule[];
  try {
    actual = await input.store.list(installation);
    const wantedIds = new Set(desired.map((d) => d.scheduleId));
    const owned = actual.filter((a) => isOwnedBy(a, installation));
    const detailIds = new Set(schedulesNeedingDetail(desired, actual, installation));
    for (const a of owned) {
      if (!wantedIds.has(a.scheduleId))
        detailIds.add(a.scheduleId); // deletes: show what goes
      else if (options.deepDriftCheck === true) detailIds.add(a.scheduleId);
    }
    const described = await describeAll(input.store, [...detailIds].sort(), concurrency);
    counts.describes = described.size;
    actual = actual.flatMap((a) => {
      if (!described.has(a.scheduleId)) return [a];
      const d = described.get(a.scheduleId);
      // Gone since the list (eventual consistency): not there. Ownership is re-read from describe.
      return d === undefined ? [] : [d];
    });
  } catch (err) {
    result.errors.push(toError(err));
    log?.error({ err }, 'listing schedules failed');
    return finish('failed');
  }

  // 5. Diff.
  const changeSet = diffSchedules(desired, actual, {
    installation,
    revision,
    ...(options.selfHeal === undefined ? {} : { selfHeal: options.selfHeal }),
    ...(options.allowPruneAll === undefined ? {} : { allowPruneAll: options.allowPruneAll }),
    ...(options.maxPruneShare === undefined ? {} : { maxPruneShare: options.maxPruneShare }),
  });
  result.changeSet = changeSet;
  Object.assign(counts, countChanges(changeSet));
  counts.managed = changeSet.managed;
  counts.ignored = changeSet.ignored;
  counts.unchanged = changeSet.unchanged;
  counts.expired = changeSet.expired.length;
  counts.drift = changeSet.drift.length;
  for (const d of changeSet.drift)
    log?.warn({ scheduleId: d.scheduleId, plan: d.plan, what: d.what, corrected: d.corrected && !dryRun }, 'drift detected on a managed schedule');

  if (changeSet.blocked !== undefined) {
    result.errors.push({ code: changeSet.blocked.code, message: changeSet.blocked.message, retry: 'terminal' });
    log?.warn(
      { code: changeSet.blocked.code, deletes: changeSet.blocked.deletes, managed: changeSet.blocked.managed },
      'prune guard refused the pass; nothing applied',
    );
    return finish('prune-blocked');
  }
  const livePass = async (cancelled?: ReadonlySet<string>): Promise<boolean> => {
    if (liveStore === undefined) return true;
    try {
      const r = await reconcileLive({
        live: liveStore,
        plans: loadedPlans,
        desired,
        installation,
        commit: revision,
        nowMs: input.now,
        reductions: options.force === true ? 'now' : (options.liveReductions ?? 'at-end'),
        dryRun,
        concurrency,
        ...(cancelled === undefined ? {} : { cancelled }),
        ...(log === undefined ? {} : { logger: log }),
        ...(liveMemo === undefined ? {} : { memo: liveMemo }),
      });
      result.live = r.plan;
      result.liveApplied = r.applied;
      counts.liveQueries = r.calls.queries;
      counts.liveWrites = r.calls.writes;
      counts.livePending = r.plan.pending;
      counts.liveHeld = r.plan.held;
      for (const a of r.applied)
        if (a.outcome === 'failed')
          result.errors.push({
            code: 'LIVE_CHANGE_FAILED',
            message: `${a.kind} ${a.plan} on ${a.namespace}: ${a.error ?? 'failed'}`,
            retry: 'transient',
            plan: a.plan,
          });
      return !r.applied.some((a) => a.outcome === 'failed');
    } catch (err) {
      if (probe && liveSpends.length > 0) return true;
      result.errors.push(toError(err));
      log?.error({ err }, 'reading the coordinators failed; running windows left as they are');
      return false;
    }
  };

  if (probe) {
    // A schedule change means a pass anyway: the live step's reads are not needed to decide.
    if (changeSet.changes.length > 0) return finish('planned');
    const ok = await livePass();
    result.liveSpends = liveSpends;
    if (liveSpends.length > 0) {
      // Writes the live step tried were refused by the probe store: not errors of the check.
      result.errors = result.errors.filter((e) => e.code !== 'LIVE_CHANGE_FAILED');
      return finish('planned');
    }
    return finish(ok ? 'unchanged' : 'failed');
  }

  if (changeSet.changes.length === 0 || dryRun) {
    if (dryRun) {
      for (const change of changeSet.changes) {
        log?.info(
          {
            kind: change.kind,
            reason: change.reason,
            scheduleId: change.scheduleId,
            plan: change.plan,
            namespace: change.namespace,
            fields: change.fields.map((f) => f.field),
            dryRun,
          },
          'dry run: would change schedule',
        );
      }
    }
    const ok = await livePass();
    const livePending = result.live?.pending ?? 0;
    if (!ok) return finish('failed');
    if (dryRun) return finish(changeSet.changes.length > 0 || livePending > 0 ? 'planned' : 'unchanged');
    return finish(livePending > 0 ? 'applied' : 'unchanged');
  }

  // 6. Apply.
  const applied = await applyChangeSet(changeSet, input.store, {
    installation,
    concurrency,
    ...(options.force === undefined ? {} : { force: options.force }),
    ...(log === undefined ? {} : { logger: log }),
    ...(options.retryBaseDelayMs === undefined ? {} : { retryBaseDelayMs: options.retryBaseDelayMs }),
    ...(input.onProgress === undefined ? {} : { onProgress: input.onProgress }),
  });
  result.applied = applied.actions;
  counts.writes = applied.writes;
  counts.driftCorrected = changeSet.drift.filter((d) => d.corrected && applied.actions.some((a) => a.scheduleId === d.scheduleId)).length;
  for (const e of applied.errors) result.errors.push({ code: e.code, message: e.message, retry: e.retry, scheduleId: e.scheduleId, plan: e.plan });
  const liveOk = await livePass(new Set(applied.actions.flatMap((a) => a.cancelledWindows ?? [])));
  return finish(applied.errors.length > 0 || !liveOk ? 'failed' : 'applied');
}

/** The result without the desired/actual bodies: small enough for a Temporal activity result or a status file. */
export function compactResult(result: ReconcileResult): ReconcileResult {
  if (result.changeSet === undefined) return result;
  const { desired: _desired, ...changeSet } = result.changeSet;
  return {
    ...result,
    ...(result.validation === undefined ? {} : { validation: { ...result.validation, plans: [] } }),
    changeSet: {
      ...changeSet,
      desired: [],
      changes: changeSet.changes.map(({ desired: _d, actual: _a, ...rest }) => rest),
    },
  };
}
