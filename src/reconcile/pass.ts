/**
 * One whole reconcile pass, as the daemon (through the reconciler workflow) and `capsched dev`
 * run it: source → plans → reconcileOnce (desired → diff → apply) → status and alerts.
 * The state it returns is the installation's (it lives in the reconciler workflow), so alerts
 * fire on transitions only, whichever daemon runs the pass.
 */
import { randomUUID } from 'node:crypto';
import { CapschedError, isCapschedError } from '../core/errors.js';
import type { Alert, LiveStore, Notifier, PlanSource, ScheduleStore, SourceSnapshot } from '../core/ports.js';
import type { Issue } from '../core/plan/issues.js';
import { MAX_PROBLEM_ISSUES, type PassOutcome, type Problem, type ReconcilerState } from '../core/reconciler-contract.js';
import { scrub, type Logger } from '../log/index.js';
import type { LiveReadMemo } from './live.js';
import { passLogger, reconcileOnce, type ReconcileError, type ReconcileOptions, type ReconcileResult } from './reconcile-once.js';

/** What one pass tells the metrics. */
export interface PassMetrics {
  result: PassOutcome;
  durationSeconds: number;
  driftCorrected: number;
  pruneBlocked: boolean;
  sourceFetchFailed: boolean;
  error: boolean;
}

export interface PassDeps {
  installation: string;
  source: PlanSource;
  /** Where the schedules live, and how reconcileOnce runs (dryRun computes and writes nothing). */
  store: ScheduleStore;
  /** The coordinators and running windows: the pass converges the present too (docs/reconcile.md). */
  live?: LiveStore;
  options: ReconcileOptions;
  /** Sees every reconcileOnce result (the `capsched dev` table); its failure does not fail the pass. */
  onResult?: (result: ReconcileResult) => Promise<void>;
  notifier: Notifier;
  /** The root logger: the pass binds its fields once (passLogger). */
  logger: Logger;
  metrics: { recordPass(pass: PassMetrics): void };
  /** This daemon (host/pid), recorded as lastPassBy. */
  identity: string;
  now?: () => Date;
  /** Every pass this daemon ran (status, tests). */
  onPass?: (record: PassRecord) => void;
  /** This daemon's last full read of the coordinators (src/reconcile/live.ts): same commit, same running runs → no status queries. */
  liveMemo?: LiveReadMemo;
}

export interface PassRecord {
  reconcileId: string;
  startedAt: number;
  finishedAt: number;
  result: PassOutcome;
  revision?: string;
  changes: number;
}

const MAX_ISSUES_IN_ALERT = 15;

function short(revision: string | undefined): string {
  return revision === undefined ? 'none' : revision.slice(0, 12);
}

/** "abc123… stays in force" or, before the first apply, that nothing was applied yet. */
function inForce(revision: string | undefined): string {
  return revision === undefined ? 'no revision has been applied yet' : `${short(revision)} stays in force`;
}

/** The alert and /status text of an invalid commit: each issue at its file:line:column, then errors that have no position. */
function formatInvalid(issues: Issue[], errors: ReconcileError[]): string {
  const lines = issues.slice(0, MAX_ISSUES_IN_ALERT).map((i) => `${i.file}:${i.line}:${i.column}${i.field === '' ? '' : ` ${i.field}`}: ${i.message}`);
  if (issues.length > MAX_ISSUES_IN_ALERT) lines.push(`… and ${issues.length - MAX_ISSUES_IN_ALERT} more`);
  for (const e of errors) lines.push(`${e.code}: ${e.message}`);
  return lines.join('\n');
}

/** What the pass takes from reconcileOnce's result. */
interface Reconciled {
  status: ReconcileResult['status'];
  issues: Issue[];
  errors: ReconcileError[];
  changes: number;
  /** Managed schedules after the pass; undefined when the pass did not list them (invalid, list failed). */
  managed?: number;
  driftCorrected: number;
  /** Why it failed or why the prune guard refused. */
  message?: string;
}

function reconciled(result: ReconcileResult): Reconciled {
  const c = result.counts;
  const changes = c.create + c.update + c.delete + c.pause + c.unpause;
  const base = {
    status: result.status,
    issues: result.issues,
    errors: result.errors,
    changes,
    managed: result.changeSet === undefined ? undefined : c.managed,
    driftCorrected: c.driftCorrected,
  };
  switch (result.status) {
    case 'applied':
      return { ...base, managed: c.managed + c.create - c.delete };
    case 'failed':
      return {
        ...base,
        message: result.errors
          .slice(0, 5)
          .map((e) => `${e.scheduleId === undefined ? '' : `${e.scheduleId}: `}${e.code}: ${e.message}`)
          .join('; '),
      };
    case 'prune-blocked':
      return { ...base, message: result.errors.map((e) => e.message).join('; ') };
    default:
      return base;
  }
}

export async function runPass(deps: PassDeps, previous: ReconcilerState): Promise<ReconcilerState> {
  const now = deps.now ?? (() => new Date());
  const started = now();
  const reconcileId = randomUUID().slice(0, 8);
  let log = passLogger(deps.logger, { installation: deps.installation, reconcileId });
  const alerts: Alert[] = [];
  const problems = { ...previous.problems };
  const at = started.toISOString();
  const alert = (severity: Alert['severity'], title: string, kind: string, problem: Problem | undefined, text: string): void => {
    alerts.push({ severity, title, text, dedupeKey: `${deps.installation}:${kind}:${problem?.since ?? at}:${severity}` });
  };
  const source = deps.source.describe();
  const next: ReconcilerState = { ...previous, passes: previous.passes + 1, lastPassAt: at, lastPassBy: deps.identity, lastSource: source, problems };
  let result: PassOutcome = 'failed';
  let changes = 0;
  let driftCorrected = 0;
  /** Coordinator status queries the live step sent (each one is a billed Action on Temporal Cloud). */
  let liveQueries = 0;

  // Daemons of one installation share passes; if they read different sources, plans would flap.
  if (previous.lastSource !== undefined && previous.lastSource !== source && previous.lastPassBy !== deps.identity) {
    const key = [previous.lastSource, source].sort().join(' | ');
    log.warn({ source, otherSource: previous.lastSource, otherDaemon: previous.lastPassBy }, 'daemons of this installation read different sources');
    if (previous.problems.config?.key !== key) {
      problems.config = {
        key,
        since: at,
        message: `${previous.lastPassBy ?? 'another daemon'} reads ${previous.lastSource}; ${deps.identity} reads ${source}`,
      };
      alert(
        'error',
        'Daemons of one installation disagree on the plan source',
        'config',
        problems.config,
        `${problems.config.message}\nGive every daemon of installation ${deps.installation} the same --source, --branch and --path.`,
      );
    }
  } else if (previous.problems.config !== undefined && previous.lastSource === source && previous.lastPassBy !== deps.identity) {
    // Two different daemons in a row read the same source: they agree again.
    delete problems.config;
    alert('info', 'Daemons agree on the plan source again', 'config', previous.problems.config, `Every recent pass read ${source}.`);
  }

  log.info({ source: deps.source.describe() }, 'daemon pass started');
  let snapshot: SourceSnapshot | undefined;
  try {
    snapshot = await deps.source.snapshot();
  } catch (err) {
    const error = isCapschedError(err)
      ? err
      : new CapschedError('source-failed', scrub(err instanceof Error ? err.message : String(err)), { retry: 'transient' });
    result = 'source-failed';
    next.consecutiveFailures = previous.consecutiveFailures + 1;
    problems.source = { key: 'source', since: previous.problems.source?.since ?? at, message: `${error.code}: ${error.message}` };
    log.warn(
      { code: error.code, retry: error.retry, consecutiveFailures: next.consecutiveFailures, lastAppliedRevision: previous.lastAppliedRevision },
      'plan source failed; keeping the last applied state',
    );
    if (previous.problems.source === undefined) {
      alert(
        error.retry === 'terminal' ? 'critical' : 'error',
        // The source answered but refused the commit's content (e.g. too many plan files): not an outage.
        error.code === 'source-too-many-files'
          ? 'Plan source refused the commit: keeping the last applied plans'
          : 'Plan source unreachable: keeping the last applied plans',
        'source',
        problems.source,
        `${deps.source.describe()}\n${error.code}: ${error.message}\nLast applied revision: ${inForce(previous.lastAppliedRevision)}; retrying with backoff.`,
      );
    }
  }

  if (snapshot !== undefined) {
    const revision = snapshot.revision;
    log = passLogger(deps.logger, { installation: deps.installation, reconcileId, revision });
    if (snapshot.meta?.nonFastForward === 'true')
      log.warn({ previousRevision: snapshot.meta.previousRevision }, 'non-fast-forward: the branch history was rewritten');
    if (previous.problems.source !== undefined) {
      delete problems.source;
      alert('info', 'Plan source reachable again', 'source', previous.problems.source, `${deps.source.describe()} answers again at ${short(revision)}.`);
    }
    next.lastAttemptedRevision = revision;
    let outcome: Reconciled;
    // What the installation's passes told the coordinators (any daemon): the newest word wins over this daemon's memory.
    if (deps.liveMemo !== undefined) deps.liveMemo.told = new Map([...(deps.liveMemo.told ?? []), ...Object.entries(previous.told ?? {})]);
    try {
      const full = await reconcileOnce({
        snapshot,
        store: deps.store,
        ...(deps.live === undefined ? {} : { live: deps.live }),
        installation: deps.installation,
        now: started.getTime(),
        options: deps.options,
        logger: log,
        reconcileId,
        ...(deps.liveMemo === undefined ? {} : { liveMemo: deps.liveMemo }),
      });
      await deps.onResult?.(full).catch((err: unknown) => log.warn({ err }, 'pass result observer failed'));
      liveQueries = full.counts.liveQueries;
      outcome = reconciled(full);
    } catch (err) {
      const error = isCapschedError(err)
        ? err
        : new CapschedError('reconcile-failed', scrub(err instanceof Error ? err.message : String(err)), { retry: 'transient' });
      outcome = { status: 'failed', issues: [], errors: [], changes: 0, driftCorrected: 0, message: `${error.code}: ${error.message}` };
    }
    changes = outcome.changes;
    driftCorrected = outcome.driftCorrected;
    if (deps.liveMemo?.told !== undefined) next.told = Object.fromEntries(deps.liveMemo.told);
    next.managedSchedules = outcome.managed ?? previous.managedSchedules;
    const subject = snapshot.meta?.subject === undefined || snapshot.meta.subject === '' ? '' : ` "${snapshot.meta.subject}"`;

    if (outcome.status === 'invalid') {
      result = 'invalid';
      next.consecutiveFailures = 0;
      const issues = outcome.issues;
      problems.plans = {
        key: revision,
        since: previous.problems.plans?.key === revision ? previous.problems.plans.since : at,
        message: formatInvalid(issues, outcome.errors),
        revision,
        ...(issues.length === 0 ? {} : { issues: issues.slice(0, MAX_PROBLEM_ISSUES) }),
      };
      log.error(
        {
          errors: issues.length + outcome.errors.length,
          issues: issues.slice(0, MAX_PROBLEM_ISSUES),
          codes: outcome.errors.map((e) => e.code),
          lastAppliedRevision: previous.lastAppliedRevision,
        },
        'plans invalid: nothing applied; the last applied revision stays in force',
      );
      if (previous.problems.plans?.key !== revision) {
        alert(
          'error',
          'Invalid plans: nothing applied',
          'plans',
          problems.plans,
          `Commit ${short(revision)}${subject} does not validate, so nothing from it was applied; ${inForce(previous.lastAppliedRevision)}.\n${problems.plans.message}`,
        );
      }
    } else {
      if (previous.problems.plans !== undefined) {
        delete problems.plans;
        alert(
          'info',
          'Plans valid again',
          'plans',
          previous.problems.plans,
          `Commit ${short(revision)}${subject} validates; invalid ${short(previous.problems.plans.revision)} is superseded.`,
        );
      }
      if (outcome.status === 'failed') {
        result = 'failed';
        next.consecutiveFailures = previous.consecutiveFailures + 1;
        problems.apply = { key: 'apply', since: previous.problems.apply?.since ?? at, message: outcome.message ?? 'reconcile failed', revision };
        log.error({ message: outcome.message, consecutiveFailures: next.consecutiveFailures }, 'reconcile failed; will retry with backoff');
        if (previous.problems.apply === undefined) {
          alert(
            'error',
            'Reconcile failed',
            'apply',
            problems.apply,
            `Applying ${short(revision)}${subject} failed: ${problems.apply.message}\nRetrying with backoff.`,
          );
        }
      } else {
        next.consecutiveFailures = 0;
        if (previous.problems.apply !== undefined) {
          delete problems.apply;
          alert('info', 'Reconcile recovered', 'apply', previous.problems.apply, `Revision ${short(revision)} reconciled.`);
        }
        if (outcome.status === 'prune-blocked') {
          result = 'prune-blocked';
          problems.prune = { key: revision, since: previous.problems.prune?.since ?? at, message: outcome.message ?? 'prune refused', revision };
          log.warn({ message: outcome.message }, 'prune guard refused deletions: nothing applied');
          if (previous.problems.prune?.key !== revision) {
            alert('error', 'Prune blocked: nothing applied', 'prune', problems.prune, `Commit ${short(revision)}${subject}: ${problems.prune.message}`);
          }
        } else {
          if (previous.problems.prune !== undefined) {
            delete problems.prune;
            alert('info', 'Prune guard cleared', 'prune', previous.problems.prune, `Revision ${short(revision)} applied.`);
          }
          if (outcome.status === 'planned') {
            result = 'planned';
          } else {
            result = outcome.status === 'applied' ? 'applied' : 'unchanged';
            if (previous.lastAppliedRevision !== revision || outcome.changes > 0) next.lastAppliedAt = at;
            next.lastAppliedRevision = revision;
          }
        }
      }
    }
  }

  const finished = now();
  next.lastPassResult = result;
  next.lastPassDurationMs = finished.getTime() - started.getTime();
  deps.metrics.recordPass({
    result: next.lastPassResult,
    durationSeconds: next.lastPassDurationMs / 1000,
    driftCorrected,
    pruneBlocked: result === 'prune-blocked',
    sourceFetchFailed: result === 'source-failed',
    error: result === 'source-failed' || result === 'failed' || result === 'invalid',
  });
  log.info(
    { result, changes, managed: next.managedSchedules, durationMs: next.lastPassDurationMs, lastAppliedRevision: next.lastAppliedRevision, liveQueries },
    'daemon pass finished',
  );
  for (const a of alerts) await deps.notifier.notify(a);
  deps.onPass?.({ reconcileId, startedAt: started.getTime(), finishedAt: finished.getTime(), result, revision: snapshot?.revision, changes });
  return next;
}
