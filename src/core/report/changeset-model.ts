/**
 * What the change-set renderers (text, markdown, JSON) take: a ChangeSet plus, optionally, the
 * plan previews from validation and what apply did. A ReconcileResult has this shape.
 */
import type { ChangeSet, FieldChange, ScheduleChange } from '../diff/types.js';
import type { Issue } from '../plan/issues.js';
import type { NamespaceSummary, PlanSummary } from '../plan/validate.js';
import { formatActions, formatUsd, worstCaseCost, DEFAULT_ACTIONS_PRICE_PER_MILLION } from '../billing/bill.js';
import type { LivePlan } from '../live/types.js';
import type { ThroughputSection } from '../capacity/throughput.js';

export interface ChangeSetView {
  changeSet: ChangeSet;
  /** Plan summaries (next windows in local time and UTC), from the validation report. */
  validation?: { plans: PlanSummary[]; warnings?: Issue[]; namespaces?: NamespaceSummary[]; now?: string };
  /** USD per million Actions for the worst-case figures (default the list $50). */
  actionsPrice?: number;
  /** Set by apply; absent for diff / --dry-run. */
  applied?: { scheduleId: string; plan: string; kind: string; outcome: string; note?: string; runningWindows?: string[]; cancelledWindows?: string[] }[];
  errors?: { code: string; message: string; scheduleId?: string }[];
  status?: string;
  dryRun?: boolean;
  selfHeal?: boolean;
  /** The present: live now → desired now per affected namespace (absent when the pass did not read it). */
  live?: LivePlan;
  /** diff: the plans' TRUs against each namespace's on-demand limit and 7-day p99, or why not checked. */
  throughput?: ThroughputSection;
  /** What the pass did to running windows (apply only). */
  liveApplied?: { kind: string; namespace: string; plan: string; workflowId?: string; outcome: string; error?: string }[];
}

export const KIND_SYMBOL: Record<ScheduleChange['kind'], string> = { create: '+', update: '~', pause: '~', unpause: '~', delete: '-' };

/**
 * Fields worth printing: for a create or delete every field but the canonical spec text and an
 * empty description; for an update the changed fields (the spec text only when nothing else changed).
 */
export function shownFields(change: ScheduleChange): FieldChange[] {
  if (change.kind === 'update' || change.kind === 'pause' || change.kind === 'unpause') {
    const meaningful = change.fields.filter((f) => f.field !== 'spec');
    return meaningful.length > 0 ? meaningful : change.fields;
  }
  return change.fields.filter((f) => f.field !== 'spec' && !(f.field === 'description' && (f.after ?? f.before ?? '') === ''));
}

export function summaryCounts(changeSet: ChangeSet): Record<ScheduleChange['kind'], number> {
  const counts = { create: 0, update: 0, pause: 0, unpause: 0, delete: 0 };
  for (const c of changeSet.changes) counts[c.kind]++;
  return counts;
}

export function summaryLine(changeSet: ChangeSet): string {
  const c = summaryCounts(changeSet);
  if (changeSet.changes.length === 0) return `No changes. ${changeSet.unchanged} schedule(s) up to date.`;
  const parts = [`${c.create} to create`, `${c.update} to update`];
  if (c.pause > 0) parts.push(`${c.pause} to pause`);
  if (c.unpause > 0) parts.push(`${c.unpause} to unpause`);
  parts.push(`${c.delete} to delete`);
  return `Plan: ${parts.join(', ')}; ${changeSet.unchanged} unchanged.`;
}

export function reasonText(change: ScheduleChange): string {
  switch (change.reason) {
    case 'new':
      return 'new plan';
    case 'plan':
      return 'plan changed';
    case 'drift':
      return 'changed by hand: restore';
    case 'removed':
      return 'plan removed';
  }
}

export function shortSha(revision: string | undefined): string {
  if (revision === undefined) return '';
  return /^[0-9a-f]{40}$/.test(revision) ? revision.slice(0, 12) : revision;
}

/** Validation warnings as one line each: `file:line:col code field: message`. */
export function warningLines(view: ChangeSetView): string[] {
  return (view.validation?.warnings ?? []).map((w) => `${w.file}:${w.line}:${w.column} [${w.code}] ${w.field === '' ? '' : `${w.field}: `}${w.message}`);
}

/** Per namespace what a week of the plans at this revision is billed (from validation), priced at the view's Actions price. */
export function capacityFigures(
  view: ChangeSetView,
): { namespace: string; billedTruHoursPerWeek: number; minimumActionsPerWeek: number; worstCaseUsdPerWeek: number }[] {
  const price = view.actionsPrice ?? DEFAULT_ACTIONS_PRICE_PER_MILLION;
  return (view.validation?.namespaces ?? []).map((n) => ({
    namespace: n.namespace,
    billedTruHoursPerWeek: n.billedTruHoursPerWeek,
    minimumActionsPerWeek: n.minimumActionsPerWeek,
    worstCaseUsdPerWeek: worstCaseCost(n.minimumActionsPerWeek, price),
  }));
}

/** "Capacity the plans commit …" lines for the text and markdown renderers (none when validation has no namespaces). */
export function capacityLines(view: ChangeSetView): string[] {
  const figures = capacityFigures(view);
  if (figures.length === 0) return [];
  const price = view.actionsPrice ?? DEFAULT_ACTIONS_PRICE_PER_MILLION;
  const width = Math.max(...figures.map((f) => f.namespace.length));
  return [
    `Capacity the plans commit, a week of UTC calendar hours (docs/billing.md; worst case at $${price} per million Actions):`,
    ...figures.map(
      (f) =>
        `  ${f.namespace.padEnd(width)}  ${String(f.billedTruHoursPerWeek).padStart(5)} billed TRU-hours  ${formatActions(f.minimumActionsPerWeek).padStart(9)} minimum Actions committed  worst case if unused ${formatUsd(f.worstCaseUsdPerWeek)}`,
    ),
  ];
}
