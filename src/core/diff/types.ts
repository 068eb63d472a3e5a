import type { FieldChange as GenericFieldChange } from '../field-change.js';
import type { DesiredFieldName, DesiredSchedule } from '../desired/types.js';
import type { ScheduleSpecDescription } from '../desired/canonical-spec.js';

/** A schedule as list() shows it (cheap: one visibility page holds up to 1000). */
export interface ActualSchedule {
  scheduleId: string;
  /** Custom keyword search attributes (first value of each). */
  searchAttributes: Record<string, string>;
  paused: boolean;
  note?: string;
  /** Compiled spec as the server returns it (list() truncates calendars at 10). */
  spec?: ScheduleSpecDescription;
  workflowType?: string;
  /** ISO instants of the next actions, when known. */
  nextActionTimes?: string[];
  /** Present when the schedule was described (describe() is one RPC per schedule). */
  detail?: ScheduleDetail;
}

/** What describe() adds: the complete action and policies. */
export interface ScheduleDetail {
  spec: ScheduleSpecDescription;
  workflowType: string;
  taskQueue?: string;
  workflowId?: string;
  args: unknown[];
  memo: Record<string, unknown>;
  actionSearchAttributes: Record<string, string>;
  policies: { overlap?: string; catchupWindowMs?: number; pauseOnFailure?: boolean };
  /** Workflow ids of runs the schedule started that are still open (active windows). */
  runningWorkflowIds: string[];
}

/** One field of a schedule that differs between actual (before) and desired (after), as display text. */
export type FieldChange = GenericFieldChange<DesiredFieldName | 'specHash', string>;

export type ChangeKind = 'create' | 'update' | 'delete' | 'pause' | 'unpause';
/** plan: the plan changed in the source; drift: the schedule was changed by hand; removed: the plan is gone. */
export type ChangeReason = 'new' | 'plan' | 'drift' | 'removed';

export interface ScheduleChange {
  kind: ChangeKind;
  reason: ChangeReason;
  scheduleId: string;
  plan: string;
  namespace?: string;
  fields: FieldChange[];
  /** What a hand edit changed (reason drift). */
  drift?: string[];
  /** Commit recorded on the schedule before → the source revision now. */
  commit?: { before?: string; after?: string };
  /** The complete schedule to write (create, update, pause, unpause). */
  desired?: DesiredSchedule;
  /** What was found (update, delete, pause, unpause). */
  actual?: ActualSchedule;
}

export interface DriftReport {
  scheduleId: string;
  plan: string;
  what: string[];
  /** True when the change set restores it (self-heal on). */
  corrected: boolean;
}

export interface PruneGuard {
  code: 'PRUNE_ALL_BLOCKED' | 'PRUNE_SHARE_BLOCKED';
  message: string;
  deletes: number;
  managed: number;
}

export interface ChangeSet {
  installation: string;
  revision?: string;
  /** Sorted: creates and updates by schedule id, then deletes. */
  changes: ScheduleChange[];
  drift: DriftReport[];
  /** Set when the prune guard refuses this change set; apply then writes nothing. */
  blocked?: PruneGuard;
  /** Desired schedules that already match. */
  unchanged: number;
  /** One-off plans whose start has passed: never created again, left as they are. */
  expired: string[];
  /** Managed schedules found (after the ownership filter). */
  managed: number;
  /** Listed schedules ignored because they lack this installation's ownership marker. */
  ignored: number;
  desired: DesiredSchedule[];
}

export interface DiffOptions {
  installation: string;
  revision?: string;
  /** Restore hand edits and hand pauses (default true); when false drift is only reported. */
  selfHeal?: boolean;
  /** Allow deleting every managed schedule / more than maxPruneShare in one pass. */
  allowPruneAll?: boolean;
  /** Largest share of managed schedules one pass may delete (default 0.5). */
  maxPruneShare?: number;
}

export function countChanges(changeSet: Pick<ChangeSet, 'changes'>): Record<ChangeKind, number> {
  const counts: Record<ChangeKind, number> = { create: 0, update: 0, delete: 0, pause: 0, unpause: 0 };
  for (const change of changeSet.changes) counts[change.kind]++;
  return counts;
}
