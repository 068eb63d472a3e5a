import type { LivePlan } from '../live/types.js';
import type { ThroughputSection } from '../capacity/throughput.js';
import type { TimelineSegment } from '../windows/windows.js';
import type { PlanChange, PlanDiff } from '../plan/plan-diff.js';

/**
 * The pull-request report as data: what merging head into base does to capacity. Built by
 * `buildPrReport` (pr-build.ts), rendered by pr-markdown.ts / pr-json.ts. Every figure lives here,
 * computed once in pure code; the renderers only format and summarise.
 */

/** Hidden marker a CI job uses to find and update the one report comment on a pull request. */
export const PR_REPORT_MARKER = '<!-- capsched-report -->';
export const PR_REPORT_FORMAT = 'capsched.pr-report/v2';
/** GitHub rejects issue/PR comments longer than this many characters. */
export const GITHUB_COMMENT_LIMIT = 65_536;

export interface ReportIssue {
  file: string;
  line?: number;
  column?: number;
  field?: string;
  code: string;
  message: string;
}

/** One stretch of constant effective capacity (the maximum over overlapping windows). */
/** A segment of effective capacity (core/windows TimelineSegment) as the PR report shows it. */
export interface ReportSegment extends TimelineSegment {
  /** "2026-12-01T04:00Z" */
  start: string;
  end: string;
  /** More than one plan open during the segment. */
  overlap: boolean;
  /** A window in this segment starts on a DST-transition night. */
  dst: boolean;
}

export interface SideCapacity {
  /** Plans on this namespace at this revision (paused ones included). */
  plans: string[];
  /** Σ effective TRUs × hours held over the horizon (not what is billed: see billedTruHours). */
  truHours: number;
  /** truHours scaled to 7 days (equal to truHours when the horizon is 7 days). */
  truHoursPerWeek: number;
  /** Σ over the horizon's UTC calendar hours of the highest TRUs in force (docs/billing.md). */
  billedTruHours: number;
  billedTruHoursPerWeek: number;
  /** Σ over those hours of (highest − 1) × 360,000: the Actions the plans commit the namespace to. */
  minimumActions: number;
  minimumActionsPerWeek: number;
  /** Highest effective TRUs in the horizon; 0 when never provisioned. */
  peakTrus: number;
  /** Hours with provisioned capacity in the horizon. */
  provisionedHours: number;
  segments: ReportSegment[];
}

/** A DST offset change of a plan's zone inside the horizon. */
export interface DstTransition {
  zone: string;
  atMs: number;
  at: string;
  /** Offsets from UTC in minutes before and after. */
  beforeOffset: number;
  afterOffset: number;
}

export interface NamespaceImpact {
  namespace: string;
  /** Zone used for local times: the plans' zone when they share one, else UTC. */
  zone: string;
  /** Plans of this namespace that the pull request adds, changes or removes. */
  changedPlans: string[];
  base: SideCapacity;
  head: SideCapacity;
  deltaTruHoursPerWeek: number;
  deltaBilledTruHoursPerWeek: number;
  deltaMinimumActionsPerWeek: number;
  /** Capacity of this namespace is also managed by another tool (configuration). */
  managedElsewhere: boolean;
  dstTransitions: DstTransition[];
}

/** `timing`: what a plan's `lead` / `release: early` costs (billed hours and minimum Actions), docs/billing.md. */
export type CapacityWarningKind = 'overlap' | 'short-window' | 'dst-night' | 'timing' | 'managed-elsewhere' | 'base-path-missing' | 'head-path-missing';

export interface CapacityWarning {
  kind: CapacityWarningKind;
  namespace?: string;
  plans: string[];
  startMs?: number;
  endMs?: number;
  /** Effective TRUs (overlap) or the plan's TRUs. */
  trus?: number;
  /** Human sentence, already including local and UTC times. */
  message: string;
  /** Not present at base (the pull request introduces it). */
  introduced: boolean;
}

export interface RevisionSummary {
  ref: string;
  commit: string;
  pathExists: boolean;
  valid: boolean;
  planCount: number;
  errorCount: number;
  warningCount: number;
}

/** The worst case (the namespaces use none of the minimum Actions they commit), in USD. */
export interface CostFigures {
  currency: 'USD';
  /** USD per million Actions (default the list $50). */
  actionsPricePerMillion: number;
  basePerWeek: number;
  headPerWeek: number;
  deltaPerWeek: number;
  /** deltaPerWeek × 30/7. */
  deltaPer30Days: number;
}

export interface PrReport {
  format: typeof PR_REPORT_FORMAT;
  plansPath: string;
  now: string;
  horizon: { fromMs: number; toMs: number; from: string; to: string; days: number };
  base: RevisionSummary;
  head: RevisionSummary;
  /** Validation of head: every error and warning with file:line. */
  validation: { valid: boolean; errors: ReportIssue[]; warnings: ReportIssue[] };
  changes: PlanChange[];
  counts: PlanDiff['counts'];
  /** Namespaces the changes touch, largest absolute change of minimum Actions first. */
  namespaces: NamespaceImpact[];
  /** Over every namespace at each revision, not only the affected ones. */
  totals: {
    namespacesBase: number;
    namespacesHead: number;
    baseTruHoursPerWeek: number;
    headTruHoursPerWeek: number;
    deltaTruHoursPerWeek: number;
    baseBilledTruHoursPerWeek: number;
    headBilledTruHoursPerWeek: number;
    deltaBilledTruHoursPerWeek: number;
    baseMinimumActionsPerWeek: number;
    headMinimumActionsPerWeek: number;
    deltaMinimumActionsPerWeek: number;
  };
  /** Worst case if unused, at the Actions price. */
  cost: CostFigures;
  warnings: CapacityWarning[];
  /**
   * Running windows if merged now: head's desired-now against base's as if applied (raise, extend,
   * start late, held reductions, baselines released). Empty namespaces when merging changes nothing now.
   */
  live: LivePlan;
  /**
   * Head's plans on the affected namespaces against each namespace's on-demand APS limit and 7-day
   * p99 (GetNamespaceCapacityInfo), or why it was not checked (CI usually has no Cloud Ops key).
   * Absent when the caller did not look.
   */
  throughput?: ThroughputSection;
}
