/**
 * Executes a ChangeSet against a ScheduleStore. The only code that writes schedules.
 *
 * - Creates, updates, pauses and unpauses first (bounded concurrency), deletes after them.
 * - Every write that touches an existing schedule describes it first and goes ahead only when it
 *   still carries capsched's marker and this installation's id (list() is eventually consistent
 *   and could be stale or lagging).
 * - create → SCHEDULE_EXISTS means "it exists, compare": the same hash is a no-op, a different
 *   one becomes a complete update, a foreign schedule on our id is an error (never touched).
 * - Updates always send the complete schedule (spec, action, policies, state, attributes).
 * - Deleting or pausing a schedule does not stop windows it already started: they still revert
 *   at their end. `force` cancels those runs instead (the workflow reverts when cancelled).
 * - Transient errors (UNAVAILABLE, RESOURCE_EXHAUSTED) are retried with exponential backoff.
 */
import type { Logger } from 'pino';
import { CapschedError, isCapschedError, type RetryClass } from '../core/errors.js';
import type { ScheduleStore } from '../core/ports.js';
import { isOwnedBy } from '../core/diff/diff.js';
import type { ActualSchedule, ChangeKind, ChangeSet, ScheduleChange } from '../core/diff/types.js';
import type { DesiredSchedule } from '../core/desired/types.js';
import { pool } from './pool.js';

export const MAX_APPLY_CONCURRENCY = 5;

export interface ApplyOptions {
  installation: string;
  /** Parallel schedule writes (1–5, default 5). */
  concurrency?: number;
  /** Cancel running windows of deleted or paused plans (they revert now instead of at their end). */
  force?: boolean;
  logger?: Logger;
  /** Attempts for transient errors (default 4) and the first backoff (default 1 s, doubling). */
  retryAttempts?: number;
  retryBaseDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Called as each change is made (or fails), in the order they finish: progress for a person. */
  onProgress?: (event: ApplyProgress) => void;
}

export type ApplyProgress = { action: AppliedAction } | { error: ApplyError };

export type ApplyOutcome = 'created' | 'updated' | 'paused' | 'unpaused' | 'deleted' | 'unchanged' | 'already-deleted';

export interface AppliedAction {
  scheduleId: string;
  plan: string;
  kind: ChangeKind;
  outcome: ApplyOutcome;
  /** Human note, e.g. "existed already (list lagging); same hash". */
  note?: string;
  /** Windows this schedule started that are still running (left to revert at their end). */
  runningWindows?: string[];
  /** Windows cancelled because of --force. */
  cancelledWindows?: string[];
}

export interface ApplyError {
  scheduleId: string;
  plan: string;
  kind: ChangeKind;
  code: string;
  message: string;
  retry: RetryClass;
}

export interface ApplyResult {
  actions: AppliedAction[];
  errors: ApplyError[];
  /** Schedule writes sent (create, update, delete, cancel). */
  writes: number;
}

export async function applyChangeSet(changeSet: ChangeSet, store: ScheduleStore, options: ApplyOptions): Promise<ApplyResult> {
  const result: ApplyResult = { actions: [], errors: [], writes: 0 };
  if (changeSet.blocked !== undefined) {
    result.errors.push({ scheduleId: '', plan: '', kind: 'delete', code: changeSet.blocked.code, message: changeSet.blocked.message, retry: 'terminal' });
    return result;
  }
  const log = options.logger;
  const concurrency = Math.max(1, Math.min(MAX_APPLY_CONCURRENCY, options.concurrency ?? MAX_APPLY_CONCURRENCY));
  const attempts = options.retryAttempts ?? 4;
  const baseDelay = options.retryBaseDelayMs ?? 1000;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));

  async function withRetry<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (!isCapschedError(err) || err.retry !== 'transient' || attempt >= attempts) throw err;
        const delay = baseDelay * 2 ** (attempt - 1);
        log?.warn({ code: err.code, attempt, delayMs: delay }, 'schedule call throttled or unavailable; backing off');
        await sleep(delay);
      }
    }
  }
  const write = async <T>(fn: () => Promise<T>): Promise<T> => {
    const out = await withRetry(fn);
    result.writes++;
    return out;
  };

  const notOwned = (change: ScheduleChange, found: ActualSchedule): CapschedError =>
    new CapschedError(
      'SCHEDULE_NOT_OWNED',
      `schedule ${change.scheduleId} exists but is not managed by capsched installation "${options.installation}" (CapschedManagedBy="${found.searchAttributes.CapschedManagedBy ?? ''}", CapschedInstallation="${found.searchAttributes.CapschedInstallation ?? ''}"); it was left untouched. Rename the plan or remove that schedule by hand.`,
    );

  async function stopWindows(change: ScheduleChange, found: ActualSchedule, action: AppliedAction): Promise<void> {
    const listed = await withRetry(() => store.runningWindows(change.scheduleId));
    const running = [...new Set([...(found.detail?.runningWorkflowIds ?? []), ...listed])].sort();
    if (running.length === 0) return;
    if (options.force !== true) {
      action.runningWindows = running;
      return;
    }
    action.cancelledWindows = [];
    for (const workflowId of running) {
      await write(() => store.cancelWorkflow(workflowId, `capsched --force: plan ${change.plan} ${change.kind}d`));
      action.cancelledWindows.push(workflowId);
    }
  }

  async function upsert(change: ScheduleChange, desired: DesiredSchedule): Promise<AppliedAction> {
    const base = { scheduleId: change.scheduleId, plan: change.plan, kind: change.kind };
    if (change.kind === 'create') {
      try {
        await write(() => store.create(desired));
        return { ...base, outcome: 'created' };
      } catch (err) {
        if (!isCapschedError(err) || err.code !== 'SCHEDULE_EXISTS') throw err;
      }
      // The list was lagging: the schedule exists. Compare instead of duplicating it.
      const found = await withRetry(() => store.describe(change.scheduleId));
      if (found === undefined) {
        await write(() => store.create(desired));
        return { ...base, outcome: 'created', note: 'was being deleted; created again' };
      }
      if (!isOwnedBy(found, options.installation)) throw notOwned(change, found);
      if (found.searchAttributes.CapschedSpecHash === desired.specHash && found.paused === desired.paused) {
        return { ...base, outcome: 'unchanged', note: 'already existed with the same content (the list was lagging)' };
      }
      await write(() => store.update(desired));
      return { ...base, outcome: 'updated', note: 'already existed with other content (the list was lagging); replaced as a whole' };
    }
    const found = await withRetry(() => store.describe(change.scheduleId));
    if (found === undefined) {
      await write(() => store.create(desired));
      return { ...base, outcome: 'created', note: 'was gone when applying; created again' };
    }
    if (!isOwnedBy(found, options.installation)) throw notOwned(change, found);
    await write(() => store.update(desired));
    const action: AppliedAction = { ...base, outcome: change.kind === 'pause' ? 'paused' : change.kind === 'unpause' ? 'unpaused' : 'updated' };
    if (change.kind === 'pause') await stopWindows(change, found, action);
    return action;
  }

  async function remove(change: ScheduleChange): Promise<AppliedAction> {
    const base = { scheduleId: change.scheduleId, plan: change.plan, kind: change.kind };
    const found = await withRetry(() => store.describe(change.scheduleId));
    if (found === undefined) return { ...base, outcome: 'already-deleted' };
    if (!isOwnedBy(found, options.installation)) throw notOwned(change, found);
    const action: AppliedAction = { ...base, outcome: 'deleted' };
    await stopWindows(change, found, action);
    try {
      await write(() => store.delete(change.scheduleId));
    } catch (err) {
      if (isCapschedError(err) && err.code === 'SCHEDULE_NOT_FOUND') return { ...action, outcome: 'already-deleted' };
      throw err;
    }
    return action;
  }

  const run = async (change: ScheduleChange): Promise<void> => {
    try {
      let action: AppliedAction;
      if (change.kind === 'delete') action = await remove(change);
      else if (change.desired === undefined)
        throw new CapschedError('CHANGE_INVALID', `change ${change.kind} ${change.scheduleId} carries no desired schedule`);
      else action = await upsert(change, change.desired);
      result.actions.push(action);
      options.onProgress?.({ action });
      log?.info(
        {
          scheduleId: action.scheduleId,
          plan: action.plan,
          kind: action.kind,
          outcome: action.outcome,
          reason: change.reason,
          runningWindows: action.runningWindows,
          cancelledWindows: action.cancelledWindows,
        },
        'schedule change applied',
      );
    } catch (err) {
      const e = isCapschedError(err) ? err : new CapschedError('TEMPORAL_ERROR', err instanceof Error ? err.message : String(err), { cause: err });
      const error: ApplyError = { scheduleId: change.scheduleId, plan: change.plan, kind: change.kind, code: e.code, message: e.message, retry: e.retry };
      result.errors.push(error);
      options.onProgress?.({ error });
      log?.error({ scheduleId: change.scheduleId, plan: change.plan, kind: change.kind, code: e.code, err: e }, 'schedule change failed');
    }
  };

  await pool(
    changeSet.changes.filter((c) => c.kind !== 'delete'),
    concurrency,
    run,
  );
  await pool(
    changeSet.changes.filter((c) => c.kind === 'delete'),
    concurrency,
    run,
  );
  result.actions.sort((a, b) => (a.scheduleId < b.scheduleId ? -1 : a.scheduleId > b.scheduleId ? 1 : 0));
  return result;
}
