/**
 * Plans → desired schedules. Pure: the caller passes the installation, the source revision and
 * `now` (used only to mark expired one-offs and preview the next windows).
 */
import { describeSteps } from '../capacity/steps.js';
import { actedStepOffsets, describeTiming, inputDurationMs, isDefaultTiming, planTiming } from '../capacity/timing.js';
import { planRamp } from '../windows/windows.js';
import { formatDurationMs, isLegacyDurationText, parseDurationMs } from '../capacity/duration.js';
import type { CapacityPlan } from '../plan/schema.js';
import type { UpcomingWindows } from '../plan/previews.js';
import { scheduleSpecFor } from '../plan/schedule-spec.js';
import { nextWindows, oneOffWindow, previewOf, type WindowPreview } from '../windows/windows.js';
import { CAPACITY_CHANGE_WORKFLOW, DEFAULT_TASK_QUEUE, MANAGED_BY, type CapacityChangeInput } from '../workflow-contract.js';
import type { CapschedSearchAttribute } from '../search-attributes.js';
import { canonicalSpec } from './canonical-spec.js';
import { sha256Hex, stableStringify } from './hash.js';
import { planScheduleId } from './schedule-id.js';
import { AUDIT_MEMO_KEY, type DesiredFields, type DesiredSchedule, type OverlapPolicy } from './types.js';

/** Bump when the hashed shape changes on purpose (every managed schedule is then rewritten once). */
export const SPEC_HASH_VERSION = 'v1';

/** Server-side minimum catch-up window; smaller values are clamped up. */
export const MIN_CATCHUP_WINDOW_MS = 10_000;
/** Catch-up window of permanent changes (no window end to bound it). */
export const PERMANENT_CATCHUP_WINDOW_MS = 24 * 3_600_000;
/**
 * Overlapping runs of one schedule are allowed: the capacity-change workflow hands every window to
 * its namespace's coordinator, which holds the maximum of the active windows. SKIP would silently
 * drop a window while an earlier run is still reverting; BUFFER_ONE would start it late.
 */
export const DEFAULT_OVERLAP: OverlapPolicy = 'ALLOW_ALL';

export interface PlanInFile {
  plan: CapacityPlan;
  /** Path of the file relative to the source root. */
  file: string;
  /** Window length the loader computed (ms; null = permanent); computed here when absent. */
  lengthMs?: number | null;
  /** Upcoming windows validation computed; reused when they are from the same moment and count. */
  upcoming?: UpcomingWindows;
}

export interface DesiredOptions {
  installation: string;
  /** Source revision (commit SHA or folder hash). */
  commit: string;
  nowMs: number;
  taskQueue?: string;
  /** How many upcoming windows to preview per plan (default 3). */
  previewCount?: number;
}

function windowLengthMs(plan: CapacityPlan): number | undefined {
  if (plan.duration !== undefined) {
    return parseDurationMs(plan.duration);
  }
  if (plan.until !== undefined) {
    // The one-off window's own maths (time zone, explicit offsets) lives in core/windows.
    const window = oneOffWindow(plan);
    if (window === undefined || window.endMs === null) return undefined;
    return window.endMs - window.startMs;
  }
  return undefined;
}

function previews(entry: PlanInFile, nowMs: number, count: number): WindowPreview[] {
  const u = entry.upcoming;
  const windows = u !== undefined && u.fromMs === nowMs && u.count === count ? u.windows : nextWindows(entry.plan, nowMs, count);
  return windows.map(previewOf);
}

function durationField(plan: CapacityPlan, lengthMs: number | undefined): string {
  if (plan.duration !== undefined) return plan.duration;
  if (plan.until !== undefined) return `until ${plan.until}${lengthMs === undefined ? '' : ` (${formatDurationMs(lengthMs)})`}`;
  return 'permanent';
}

/** The normalised shape that is hashed: everything the schedule carries except the commit. */
function hashInput(d: Omit<DesiredSchedule, 'specHash' | 'canonicalSpec' | 'expired' | 'nextWindows'>): unknown {
  const { commit: _commit, ...args } = d.action.args[0];
  const { CapschedCommit: _c1, ...actionSa } = d.action.searchAttributes;
  const { CapschedCommit: _c2, CapschedSpecHash: _h, ...scheduleSa } = d.searchAttributes;
  return {
    v: SPEC_HASH_VERSION,
    scheduleId: d.scheduleId,
    spec: d.spec,
    action: { workflowType: d.action.workflowType, taskQueue: d.action.taskQueue, workflowId: d.action.workflowId, args: [args], searchAttributes: actionSa },
    fields: d.fields,
    policies: d.policies,
    paused: d.paused,
    note: d.note,
    searchAttributes: scheduleSa,
  };
}

/** Hash of a desired schedule (without the commit): "v1-" + 32 hex digits. */
export function hashDesired(d: Omit<DesiredSchedule, 'specHash' | 'canonicalSpec' | 'expired' | 'nextWindows'>): string {
  return `${SPEC_HASH_VERSION}-${sha256Hex(stableStringify(hashInput(d))).slice(0, 32)}`;
}

/** A one-off whose fire time (its start, less its `lead`) has passed can never fire again: it is not (re)created. */
export function isExpiredOneOff(plan: CapacityPlan, nowMs: number): boolean {
  if (plan.at === undefined) return false;
  const window = oneOffWindow(plan);
  return window !== undefined && window.startMs - planTiming(plan).leadMs < nowMs;
}

/**
 * The window input's `duration` and `steps` for a plan with a `lead` or `release: early`: the run
 * starts at the fire time (start − lead), so its duration is the plan's length + lead, less the
 * release lead when the release is early (the end it acts on); a ramp's offsets count from the
 * fire time (core/capacity/timing.ts). The plan's own start stays what the previews show.
 */
function timedInput(plan: CapacityPlan, lengthMs: number | undefined): Pick<CapacityChangeInput, 'duration' | 'steps'> {
  const timing = planTiming(plan);
  const sentMs = lengthMs === undefined ? undefined : inputDurationMs(lengthMs, timing);
  const ramp = planRamp(plan);
  return {
    ...(ramp === undefined
      ? {}
      : { steps: actedStepOffsets(ramp, timing, sentMs).map((s) => ({ after: s.afterMs === 0 ? '0h' : formatDurationMs(s.afterMs), trus: s.trus })) }),
    ...(sentMs === undefined ? {} : { duration: formatDurationMs(sentMs) }),
  };
}

/**
 * One plan (for one namespace) → one desired schedule. A `namespace:` plan keeps the id
 * `capsched.<installation>.<plan>`; each namespace of a `namespaces:` plan gets its own
 * `capsched.<installation>.<plan>.<namespace>` (docs/decisions/1401-multi-namespace-plans.md).
 */
export function desiredScheduleFor(entry: PlanInFile, options: DesiredOptions): DesiredSchedule {
  const { plan, file } = entry;
  const scheduleId = planScheduleId(options.installation, plan);
  const taskQueue = options.taskQueue ?? DEFAULT_TASK_QUEUE;
  const lengthMs = entry.lengthMs === undefined ? windowLengthMs(plan) : (entry.lengthMs ?? undefined);
  const spec = scheduleSpecFor(plan);
  const canonical = canonicalSpec(spec);
  const timing = planTiming(plan);
  const timed = isDefaultTiming(timing) ? undefined : timedInput(plan, lengthMs);
  const catchupWindowMs = lengthMs === undefined ? PERMANENT_CATCHUP_WINDOW_MS : Math.max(MIN_CATCHUP_WINDOW_MS, lengthMs);
  const args: CapacityChangeInput = {
    namespace: plan.namespace,
    // A ramp's peak: what a worker that knows no ramps holds for the whole window (never below a step).
    desiredTrus: plan.trus,
    // A ramp's steps in the plan's text (flat plans carry none, so their spec hash does not move).
    ...(plan.steps === undefined ? {} : { steps: plan.steps.map((s) => ({ after: s.after, trus: s.trus })) }),
    // The plan's own text when the old grammar (whole h/m/s/ms terms) reads it — so the spec hash of
    // existing plans does not move — else the canonical spelling (1.5h → 1h30m) every worker reads.
    ...(lengthMs === undefined
      ? {}
      : { duration: plan.duration !== undefined && isLegacyDurationText(plan.duration) ? plan.duration : formatDurationMs(lengthMs) }),
    // A lead or an early release: the instants the run acts on (its duration from the fire time, a ramp's offsets from it).
    ...timed,
    plan: plan.name,
    file,
    commit: options.commit,
    installation: options.installation,
  };
  const fields: DesiredFields = {
    namespace: plan.namespace,
    trus: plan.steps === undefined ? String(plan.trus) : `${describeSteps(plan.steps)} (after ${plan.steps.map((s) => s.after).join(', ')})`,
    start: plan.cron !== undefined ? `cron ${plan.cron}` : `at ${plan.at ?? ''}`,
    timezone: plan.timezone,
    duration: durationField(plan, lengthMs),
    paused: String(plan.paused),
    file,
    description: plan.description ?? '',
    taskQueue,
    workflowType: CAPACITY_CHANGE_WORKFLOW,
    overlap: DEFAULT_OVERLAP,
    catchupWindow: formatDurationMs(catchupWindowMs),
    spec: canonical ?? stableStringify(spec),
    // Only when the plan asks for one: the fields (and so the hash) of every other plan do not move.
    ...(isDefaultTiming(timing) ? {} : { timing: describeTiming(timing) }),
  };
  const searchAttributes: Record<CapschedSearchAttribute, string> = {
    CapschedManagedBy: MANAGED_BY,
    CapschedInstallation: options.installation,
    CapschedPlan: plan.name,
    CapschedNamespace: plan.namespace,
    CapschedSpecHash: '',
    CapschedCommit: options.commit,
  };
  const base = {
    scheduleId,
    installation: options.installation,
    plan: plan.name,
    file,
    namespace: plan.namespace,
    commit: options.commit,
    spec,
    action: {
      workflowType: CAPACITY_CHANGE_WORKFLOW,
      taskQueue,
      workflowId: scheduleId,
      args: [args] as [CapacityChangeInput],
      memo: { [AUDIT_MEMO_KEY]: { v: 1 as const, installation: options.installation, plan: plan.name, file, commit: options.commit, specHash: '', fields } },
      searchAttributes: {
        CapschedManagedBy: MANAGED_BY,
        CapschedInstallation: options.installation,
        CapschedPlan: plan.name,
        CapschedNamespace: plan.namespace,
        CapschedCommit: options.commit,
      },
    },
    policies: { overlap: DEFAULT_OVERLAP, catchupWindowMs, pauseOnFailure: false },
    paused: plan.paused,
    note: `Managed by capsched (installation ${options.installation}) from ${file}: change the plan in git, not here.`,
    searchAttributes,
    fields,
  };
  const specHash = hashDesired(base);
  searchAttributes.CapschedSpecHash = specHash;
  base.action.memo[AUDIT_MEMO_KEY].specHash = specHash;
  const upcoming = previews(entry, options.nowMs, options.previewCount ?? 3);
  return {
    ...base,
    specHash,
    canonicalSpec: canonical,
    expired: isExpiredOneOff(plan, options.nowMs),
    nextWindows: upcoming,
  };
}

/** All plans → desired schedules, sorted by schedule id. */
export function desiredSchedules(plans: readonly PlanInFile[], options: DesiredOptions): DesiredSchedule[] {
  return plans.map((p) => desiredScheduleFor(p, options)).sort((a, b) => (a.scheduleId < b.scheduleId ? -1 : a.scheduleId > b.scheduleId ? 1 : 0));
}
