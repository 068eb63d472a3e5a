/**
 * A raise that really raises: a plan's TRUs × 500 APS against what on-demand gives the namespace
 * now (GetNamespaceCapacityInfo `mode_options.on_demand.aps_limit`) and its last 7 days of APS
 * (`stats.aps` mean / p90 / p99). Pure: the capacity info is read elsewhere (once per namespace per
 * command or pass) and handed in. Used by `capsched diff`, the PR report, `capsched doctor` and the
 * capacity worker's raise (docs/billing.md "A raise that really raises").
 *
 * The rules (research cloud-ops-api.md §3): 1 TRU = 500 APS; on-demand gives
 * max(500, min(4 × 7-day mean, 2 × 7-day p90)) APS, and the API reports that figure itself.
 */
import type { ApsStats, CapacityInfo } from '../ports.js';

/** Actions per second one TRU buys. */
export const APS_PER_TRU = 500;
/** On-demand's documented floor. */
export const ON_DEMAND_APS_FLOOR = 500;

/** The on-demand APS limit the documented formula gives for these 7-day stats. */
export function onDemandApsFor(stats: Pick<ApsStats, 'mean' | 'p90'>): number {
  return Math.max(ON_DEMAND_APS_FLOOR, Math.min(4 * stats.mean, 2 * stats.p90));
}

/** "1,600 APS" */
export function formatAps(aps: number): string {
  return `${Math.round(aps).toLocaleString('en-US')} APS`;
}

function trusText(trus: number): string {
  return `${trus} TRU${trus === 1 ? '' : 's'}`;
}

/**
 * lowers: fewer APS than on-demand gives now (the plan pays to lower throughput);
 * same: exactly what on-demand gives (it pays for no more throughput);
 * raises: more than on-demand; unknown: the API reported no on-demand limit.
 */
export type ThroughputVerdict = 'lowers' | 'same' | 'raises' | 'unknown';

export interface TruComparison {
  trus: number;
  aps: number;
  onDemandApsLimit?: number;
  verdict: ThroughputVerdict;
  /** "2 TRUs = 1,000 APS is below what on-demand gives now (1,600 APS): this plan lowers throughput" */
  message: string;
}

/** TRUs × 500 APS against the namespace's on-demand APS limit now. */
export function compareWithOnDemand(trus: number, info: Pick<CapacityInfo, 'onDemandApsLimit'>): TruComparison {
  const aps = trus * APS_PER_TRU;
  const head = `${trusText(trus)} = ${formatAps(aps)}`;
  const limit = info.onDemandApsLimit;
  if (limit === undefined) return { trus, aps, verdict: 'unknown', message: `${head}; the on-demand APS limit was not reported, so it cannot be compared` };
  if (aps < limit)
    return {
      trus,
      aps,
      onDemandApsLimit: limit,
      verdict: 'lowers',
      message: `${head} is below what on-demand gives now (${formatAps(limit)}): this plan lowers throughput`,
    };
  if (aps === limit)
    return {
      trus,
      aps,
      onDemandApsLimit: limit,
      verdict: 'same',
      message: `${head} is what on-demand gives now (${formatAps(limit)}): this plan pays for no more throughput`,
    };
  return { trus, aps, onDemandApsLimit: limit, verdict: 'raises', message: `${head} raises throughput above on-demand (${formatAps(limit)} now)` };
}

export interface RightSize {
  p99: number;
  /** The smallest offered TRU value whose APS covers p99 and is above on-demand's limit now; absent when no offered value is. */
  trus?: number;
  /** On-demand (its limit now) already covers p99: any raise is for load beyond the last 7 days. */
  onDemandCovers: boolean;
  /** "last 7 days p99 1,200 APS: 3 TRUs would do" */
  message: string;
}

/** The TRU values the namespace offers now: valid_tru_values up to max_available_tru_value (0 or absent: not reported). */
function offeredValues(info: Pick<CapacityInfo, 'validTruValues' | 'maxAvailableTruValue'>): number[] {
  const max = info.maxAvailableTruValue;
  return [...info.validTruValues].filter((t) => t > 0 && (max === undefined || max <= 0 || t <= max)).sort((a, b) => a - b);
}

/**
 * The right-size hint from the 7-day p99: the smallest offered TRU value whose APS covers p99 and
 * really raises (is above on-demand's limit now, when reported). Undefined without stats.
 */
export function rightSize(info: Pick<CapacityInfo, 'apsStats' | 'onDemandApsLimit' | 'validTruValues' | 'maxAvailableTruValue'>): RightSize | undefined {
  const stats = info.apsStats;
  if (stats === undefined) return undefined;
  const p99 = stats.p99;
  const limit = info.onDemandApsLimit;
  const head = `last 7 days p99 ${formatAps(p99)}`;
  const onDemandCovers = limit !== undefined && limit >= p99;
  const offered = offeredValues(info);
  const fits = offered.find((t) => t * APS_PER_TRU >= p99 && (limit === undefined || t * APS_PER_TRU > limit));
  if (fits !== undefined) {
    const why = onDemandCovers ? ` (on-demand's ${formatAps(limit)} already covers it: the smallest offered value above that)` : '';
    return { p99, trus: fits, onDemandCovers, message: `${head}: ${trusText(fits)} would do${why}` };
  }
  const top = offered[offered.length - 1];
  return {
    p99,
    onDemandCovers,
    message:
      top === undefined
        ? `${head}: no offered TRU values were reported to size against`
        : `${head}: more than the largest offered value (${trusText(top)} = ${formatAps(top * APS_PER_TRU)}) gives${onDemandCovers ? ', and on-demand already covers it' : ''}`,
  };
}

/** One plan's TRU values compared (a ramp: each of its steps). */
export interface PlanThroughput {
  plan: string;
  file?: string;
  comparisons: TruComparison[];
}

/** A namespace's plans against its on-demand limit and its 7-day p99. */
export interface NamespaceThroughput {
  namespace: string;
  onDemandApsLimit?: number;
  apsStats?: ApsStats;
  plans: PlanThroughput[];
  hint?: RightSize;
  /** Some plan asks a value that lowers throughput (or buys none more): a warning. */
  warn: boolean;
  /** The namespace could not be read (the error text, already scrubbed); nothing compared. */
  error?: string;
}

/** What a command shows: compared per namespace, or one reason it could not check. */
export type ThroughputSection = { checked: true; namespaces: NamespaceThroughput[] } | { checked: false; reason: string };

export interface PlanAsk {
  plan: string;
  file?: string;
  /** Every TRU value the plan asks (a flat plan: one; a ramp: each step's). */
  trus: readonly number[];
}

/** Compares every plan of one namespace (sorted, distinct values per plan) and adds the right-size hint. */
export function namespaceThroughput(namespace: string, plans: readonly PlanAsk[], info: CapacityInfo): NamespaceThroughput {
  const out: NamespaceThroughput = { namespace, plans: [], warn: false };
  if (info.onDemandApsLimit !== undefined) out.onDemandApsLimit = info.onDemandApsLimit;
  if (info.apsStats !== undefined) out.apsStats = { ...info.apsStats };
  for (const p of [...plans].sort((a, b) => a.plan.localeCompare(b.plan))) {
    const values = [...new Set(p.trus)].sort((a, b) => a - b);
    const comparisons = values.map((t) => compareWithOnDemand(t, info));
    out.plans.push({ plan: p.plan, ...(p.file === undefined ? {} : { file: p.file }), comparisons });
    if (comparisons.some((c) => c.verdict === 'lowers' || c.verdict === 'same')) out.warn = true;
  }
  const hint = rightSize(info);
  if (hint !== undefined) out.hint = hint;
  return out;
}

/** The section's title line (text and markdown). */
export const THROUGHPUT_TITLE = 'Throughput against on-demand (GetNamespaceCapacityInfo)';

/** One line when the comparison could not run: CI usually has no Cloud Ops key. */
export function notCheckedLine(reason: string): string {
  return `${THROUGHPUT_TITLE}: not checked (${reason})`;
}

/** "TEMPORAL_CLOUD_API_KEY is not set" as the reason a command gives when it has no key. */
export const NO_CLOUD_KEY_REASON = 'no Cloud Ops credentials: TEMPORAL_CLOUD_API_KEY is not set';

/** A namespace's comparison as lines: `! plan: message` for a warning, `  plan: message` otherwise, then the hint. */
export function namespaceThroughputLines(n: NamespaceThroughput): string[] {
  if (n.error !== undefined) return [`${n.namespace}: not compared (${n.error})`];
  const lines: string[] = [];
  const stats =
    n.apsStats === undefined
      ? 'no 7-day APS stats'
      : `7-day APS mean ${formatAps(n.apsStats.mean)}, p90 ${formatAps(n.apsStats.p90)}, p99 ${formatAps(n.apsStats.p99)}`;
  const limit = n.onDemandApsLimit === undefined ? 'on-demand limit not reported' : `on-demand now ${formatAps(n.onDemandApsLimit)}`;
  lines.push(`${n.namespace} (${limit}; ${stats}):`);
  for (const p of n.plans)
    for (const c of p.comparisons) lines.push(`  ${c.verdict === 'lowers' || c.verdict === 'same' ? '!' : '·'} plan ${p.plan}: ${c.message}`);
  if (n.hint !== undefined) lines.push(`  hint: ${n.hint.message}`);
  return lines;
}

/** The whole section as text lines (none when there is nothing to compare). */
export function throughputLines(section: ThroughputSection | undefined): string[] {
  if (section === undefined) return [];
  if (!section.checked) return [notCheckedLine(section.reason)];
  if (section.namespaces.length === 0) return [];
  return [`${THROUGHPUT_TITLE}:`, ...section.namespaces.flatMap((n) => namespaceThroughputLines(n).map((l) => `  ${l}`))];
}
