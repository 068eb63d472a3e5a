import type { WindowPreview } from '../windows/windows.js';
import type { CapacityChangeInput } from '../workflow-contract.js';
import type { CapschedSearchAttribute } from '../search-attributes.js';
import type { PlainScheduleSpec } from '../plan/schedule-spec.js';

/** Overlap policies Temporal accepts (the SDK's names). */
export type OverlapPolicy = 'SKIP' | 'BUFFER_ONE' | 'BUFFER_ALL' | 'CANCEL_OTHER' | 'TERMINATE_OTHER' | 'ALLOW_ALL';

/**
 * The human-readable, normalised fields of a desired schedule. The field-level diff compares
 * these (the previous ones are read back from the schedule's action memo), never Temporal's
 * rewritten copy of the spec. Keys are stable: they appear in JSON output.
 */
export interface DesiredFields {
  namespace: string;
  trus: string;
  /** "cron 0 23 * * 1-5" or "at 2026-12-24T09:00". */
  start: string;
  timezone: string;
  /** "3h", "until 2026-12-24T18:00" or "permanent". */
  duration: string;
  paused: string;
  file: string;
  description: string;
  taskQueue: string;
  workflowType: string;
  overlap: string;
  catchupWindow: string;
  /** Canonical text of the spec capsched sends (catches compiler changes). */
  spec: string;
  /** "lead 3m, release early"; absent for a plan that says neither (its hash does not move). */
  timing?: string;
}
export type DesiredFieldName = keyof DesiredFields;
export const DESIRED_FIELD_ORDER: DesiredFieldName[] = [
  'namespace',
  'trus',
  'start',
  'timezone',
  'duration',
  'paused',
  'file',
  'description',
  'taskQueue',
  'workflowType',
  'overlap',
  'catchupWindow',
  'spec',
  'timing',
];

/** What capsched records in the action memo of every schedule (and so on every started workflow). */
export interface ScheduleAuditMemo {
  /** Memo format version. */
  v: 1;
  installation: string;
  plan: string;
  file: string;
  commit: string;
  specHash: string;
  fields: DesiredFields;
}

/** Key of the action memo entry holding ScheduleAuditMemo. */
export const AUDIT_MEMO_KEY = 'capsched';

/** The one preview type (core/windows), as the desired schedule carries it. */
export type { WindowPreview };

/** One schedule capsched wants to exist: plain data, complete enough to create or fully update it. */
export interface DesiredSchedule {
  scheduleId: string;
  installation: string;
  plan: string;
  file: string;
  namespace: string;
  /** Revision of the source this desired state was computed from (audit only; not hashed). */
  commit: string;
  spec: PlainScheduleSpec;
  action: {
    workflowType: string;
    taskQueue: string;
    /** Base workflow id; the server appends the nominal start time of each run. */
    workflowId: string;
    args: [CapacityChangeInput];
    memo: Record<typeof AUDIT_MEMO_KEY, ScheduleAuditMemo>;
    /** Keyword search attributes set on every workflow the schedule starts. */
    searchAttributes: Partial<Record<CapschedSearchAttribute, string>>;
  };
  policies: { overlap: OverlapPolicy; catchupWindowMs: number; pauseOnFailure: boolean };
  paused: boolean;
  note: string;
  /** Keyword search attributes of the schedule itself (marker, installation, hash, commit, ...). */
  searchAttributes: Record<CapschedSearchAttribute, string>;
  /** Stable hash of everything above except the commit; stored in CapschedSpecHash. */
  specHash: string;
  fields: DesiredFields;
  /** Canonical spec text compared with list() output for hand-edit detection (undefined: not comparable). */
  canonicalSpec: string | undefined;
  /** A one-off whose start has passed: never (re)created, never updated. */
  expired: boolean;
  /** The next windows (report only; not hashed). */
  nextWindows: WindowPreview[];
}
