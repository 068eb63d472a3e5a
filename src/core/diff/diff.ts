/**
 * The pure diff: (desired, actual) → ChangeSet. No I/O; `diff`, `apply --dry-run`, `apply` and the
 * daemon all compute the same ChangeSet with it.
 *
 * - Plan changes are found by comparing CapschedSpecHash (read from list()) with the desired
 *   hash, so Temporal rewriting cron strings into calendars never shows up as a change.
 * - Field-level before → after comes from the audit memo capsched wrote on the action (the
 *   previous desired fields), when the caller described the schedule; otherwise only the hash.
 * - Hand edits (drift) are found from list() alone: paused state, ownership attributes, and the
 *   canonical spec; from describe() as well when the caller asked for a deep check.
 */
import { calendarCount, canonicalSpec } from '../desired/canonical-spec.js';
import { stableStringify } from '../desired/hash.js';
import { AUDIT_MEMO_KEY, DESIRED_FIELD_ORDER, type DesiredFields, type DesiredSchedule } from '../desired/types.js';
import { MANAGED_BY } from '../workflow-contract.js';
import type { ActualSchedule, ChangeSet, DiffOptions, DriftReport, FieldChange, PruneGuard, ScheduleChange } from './types.js';

export const DEFAULT_MAX_PRUNE_SHARE = 0.5;
/** list() returns at most this many calendars per schedule. */
const LIST_CALENDAR_LIMIT = 10;

/** True when the schedule carries capsched's marker and this installation's id. */
export function isOwnedBy(actual: Pick<ActualSchedule, 'searchAttributes'>, installation: string): boolean {
  return actual.searchAttributes.CapschedManagedBy === MANAGED_BY && actual.searchAttributes.CapschedInstallation === installation;
}

/** The previous desired fields from the audit memo, when the memo is capsched's. */
export function fieldsFromMemo(memo: Record<string, unknown> | undefined): DesiredFields | undefined {
  const audit = memo?.[AUDIT_MEMO_KEY];
  if (audit === null || typeof audit !== 'object') return undefined;
  const fields = (audit as { fields?: unknown }).fields;
  if (fields === null || typeof fields !== 'object') return undefined;
  const out: Partial<DesiredFields> = {};
  for (const key of DESIRED_FIELD_ORDER) {
    const value = (fields as Record<string, unknown>)[key];
    // `timing` is written only for a plan that has one.
    if (typeof value === 'string') out[key] = value;
    else if (key !== 'timing') out[key] = '';
  }
  return out as DesiredFields;
}

function fieldChanges(before: DesiredFields | undefined, after: DesiredFields): FieldChange[] {
  if (before === undefined) return [];
  return DESIRED_FIELD_ORDER.filter((k) => (before[k] ?? '') !== (after[k] ?? '')).map((k) => ({ field: k, before: before[k] ?? '', after: after[k] ?? '' }));
}

/** Ids whose hash differs from desired: the caller describes these to get field-level changes. */
export function schedulesNeedingDetail(desired: readonly DesiredSchedule[], actual: readonly ActualSchedule[], installation: string): string[] {
  const byId = new Map(actual.filter((a) => isOwnedBy(a, installation)).map((a) => [a.scheduleId, a]));
  const ids: string[] = [];
  for (const d of desired) {
    const a = byId.get(d.scheduleId);
    if (a !== undefined && a.detail === undefined && !d.expired && a.searchAttributes.CapschedSpecHash !== d.specHash) ids.push(d.scheduleId);
  }
  return ids;
}

/** Hand edits visible without a describe: paused state, ownership attributes, spec. */
function listDrift(d: DesiredSchedule, a: ActualSchedule): string[] {
  const what: string[] = [];
  if (a.paused !== d.paused) what.push(d.paused ? 'unpaused by hand (the plan says paused)' : 'paused by hand');
  for (const key of ['CapschedPlan', 'CapschedNamespace'] as const) {
    if (a.searchAttributes[key] !== d.searchAttributes[key])
      what.push(`search attribute ${key} is "${a.searchAttributes[key] ?? ''}", expected "${d.searchAttributes[key]}"`);
  }
  if (a.spec !== undefined && d.canonicalSpec !== undefined && calendarCount(d.spec) <= LIST_CALENDAR_LIMIT) {
    const seen = canonicalSpec(a.spec);
    if (seen !== undefined && seen !== d.canonicalSpec) what.push(`spec edited by hand: ${seen} (expected ${d.canonicalSpec})`);
  }
  return what;
}

/** Hand edits only describe() shows: action and policies. */
function detailDrift(d: DesiredSchedule, a: ActualSchedule): string[] {
  const detail = a.detail;
  if (detail === undefined) return [];
  const what: string[] = [];
  const check = (name: string, seen: unknown, expected: unknown): void => {
    if (stableStringify(seen) !== stableStringify(expected)) what.push(`${name} is ${stableStringify(seen)}, expected ${stableStringify(expected)}`);
  };
  check('action.workflowType', detail.workflowType, d.action.workflowType);
  check('action.taskQueue', detail.taskQueue, d.action.taskQueue);
  check('action.workflowId', detail.workflowId, d.action.workflowId);
  const strip = (v: unknown): unknown => (v !== null && typeof v === 'object' ? { ...(v as Record<string, unknown>), commit: undefined } : v);
  check('action.args', detail.args.map(strip), d.action.args.map(strip));
  check('policies.overlap', detail.policies.overlap, d.policies.overlap);
  check('policies.catchupWindow', detail.policies.catchupWindowMs, d.policies.catchupWindowMs);
  check('policies.pauseOnFailure', detail.policies.pauseOnFailure ?? false, d.policies.pauseOnFailure);
  const memoHash = (detail.memo[AUDIT_MEMO_KEY] as { specHash?: unknown } | undefined)?.specHash;
  check('action.memo.specHash', memoHash, d.specHash);
  return what;
}

function kindFor(fields: FieldChange[]): ScheduleChange['kind'] {
  const [only] = fields;
  if (fields.length === 1 && only?.field === 'paused') return only.after === 'true' ? 'pause' : 'unpause';
  return 'update';
}

function compareIds(a: { scheduleId: string }, b: { scheduleId: string }): number {
  return a.scheduleId < b.scheduleId ? -1 : a.scheduleId > b.scheduleId ? 1 : 0;
}

export function diffSchedules(desired: readonly DesiredSchedule[], actual: readonly ActualSchedule[], options: DiffOptions): ChangeSet {
  const selfHeal = options.selfHeal ?? true;
  const owned = new Map<string, ActualSchedule>();
  let ignored = 0;
  for (const a of actual) {
    if (!isOwnedBy(a, options.installation)) ignored++;
    else if (!owned.has(a.scheduleId) || a.detail !== undefined) owned.set(a.scheduleId, a);
  }
  const wanted = new Map(desired.map((d) => [d.scheduleId, d]));
  const changes: ScheduleChange[] = [];
  const drift: DriftReport[] = [];
  const expired: string[] = [];
  let unchanged = 0;

  for (const d of [...desired].sort(compareIds)) {
    const a = owned.get(d.scheduleId);
    if (d.expired) {
      expired.push(d.plan);
      continue;
    }
    if (a === undefined) {
      changes.push({
        kind: 'create',
        reason: 'new',
        scheduleId: d.scheduleId,
        plan: d.plan,
        namespace: d.namespace,
        fields: DESIRED_FIELD_ORDER.filter((k) => d.fields[k] !== undefined).map((k) => ({ field: k, after: d.fields[k] })),
        commit: { after: d.commit },
        desired: d,
      });
      continue;
    }
    const commit = { before: a.searchAttributes.CapschedCommit, after: d.commit };
    if (a.searchAttributes.CapschedSpecHash !== d.specHash) {
      let fields = fieldChanges(a.detail === undefined ? undefined : fieldsFromMemo(a.detail.memo), d.fields);
      if (fields.length === 0) fields = [{ field: 'specHash', before: a.searchAttributes.CapschedSpecHash ?? '(none)', after: d.specHash }];
      // A pause toggled in the plan is a pause/unpause; a hand pause on top of another change is restored by the update.
      const kind = kindFor(fields);
      changes.push({ kind, reason: 'plan', scheduleId: d.scheduleId, plan: d.plan, namespace: d.namespace, fields, commit, desired: d, actual: a });
      continue;
    }
    const what = [...listDrift(d, a), ...detailDrift(d, a)];
    if (what.length === 0) {
      unchanged++;
      continue;
    }
    drift.push({ scheduleId: d.scheduleId, plan: d.plan, what, corrected: selfHeal });
    if (!selfHeal) continue;
    const onlyPause = a.paused !== d.paused && what.length === 1;
    changes.push({
      kind: onlyPause ? (d.paused ? 'pause' : 'unpause') : 'update',
      reason: 'drift',
      scheduleId: d.scheduleId,
      plan: d.plan,
      namespace: d.namespace,
      fields: a.paused !== d.paused ? [{ field: 'paused', before: String(a.paused), after: String(d.paused) }] : [],
      drift: what,
      commit,
      desired: d,
      actual: a,
    });
  }

  const deletes: ScheduleChange[] = [];
  for (const a of [...owned.values()].sort(compareIds)) {
    if (wanted.has(a.scheduleId)) continue;
    const before = a.detail === undefined ? undefined : fieldsFromMemo(a.detail.memo);
    deletes.push({
      kind: 'delete',
      reason: 'removed',
      scheduleId: a.scheduleId,
      plan: a.searchAttributes.CapschedPlan ?? a.scheduleId,
      ...(a.searchAttributes.CapschedNamespace === undefined ? {} : { namespace: a.searchAttributes.CapschedNamespace }),
      fields: before === undefined ? [] : DESIRED_FIELD_ORDER.filter((k) => before[k] !== undefined).map((k) => ({ field: k, before: before[k] })),
      commit: { before: a.searchAttributes.CapschedCommit },
      actual: a,
    });
  }
  changes.push(...deletes);

  const blocked = pruneGuard(deletes.length, owned.size, desired.length, options);
  return {
    installation: options.installation,
    ...(options.revision === undefined ? {} : { revision: options.revision }),
    changes,
    drift,
    ...(blocked === undefined ? {} : { blocked }),
    unchanged,
    expired,
    managed: owned.size,
    ignored,
    desired: [...desired].sort(compareIds),
  };
}

/**
 * Refuses to delete every managed schedule (nothing would remain), or more than `maxPruneShare`
 * of them in one pass (a single delete never trips the share rule), unless allowPruneAll.
 */
export function pruneGuard(
  deletes: number,
  managed: number,
  desiredCount: number,
  options: Pick<DiffOptions, 'allowPruneAll' | 'maxPruneShare'>,
): PruneGuard | undefined {
  if (deletes === 0 || options.allowPruneAll === true) return undefined;
  if (desiredCount === 0) {
    return {
      code: 'PRUNE_ALL_BLOCKED',
      message: `refusing to delete all ${managed} managed schedule(s): the source has no plans. If that is intended, pass --allow-prune-all`,
      deletes,
      managed,
    };
  }
  const share = options.maxPruneShare ?? DEFAULT_MAX_PRUNE_SHARE;
  if (deletes > 1 && deletes > share * managed) {
    return {
      code: 'PRUNE_SHARE_BLOCKED',
      message: `refusing to delete ${deletes} of ${managed} managed schedules in one pass (more than ${Math.round(share * 100)}%). If that is intended, pass --max-prune-share ${Math.min(1, Math.ceil((deletes / managed) * 100) / 100)} or --allow-prune-all`,
      deletes,
      managed,
    };
  }
  return undefined;
}
