/**
 * What provisioned capacity costs, as Temporal Cloud bills it (docs/billing.md; research
 * cloud-ops-api.md §3 "What the bill for a plan is"). Pure: instants are passed in.
 *
 * The rules:
 * - Capacity is billed per **UTC calendar hour**; the hour counts at the **highest** TRUs in force
 *   at any moment of it.
 * - The first TRU is free; each TRU above it commits **360,000 Actions** that hour (500 APS × 3,600 s
 *   × 20 %). Actions the namespace does not use up to that minimum are billed as `ns_capacity:tru`
 *   Actions at the account's Actions price (list: $50 per million). So the minimum Actions are what
 *   a plan commits, and their price is the *worst case*: what it costs if the namespace is idle.
 *
 * The timing model (what "in force" means, see BillingTiming): capacity counts from the raise
 * request at a window's start until the release request at its end, **inclusive of the end
 * instant** — a release requested at 02:00:00 makes the 02:00 hour count at the old value
 * (Temporal's docs do not say whether a change counts from its request or its completion; a
 * release requested at 02:00 counts in the 02:00 hour either way). Back-to-back windows hold the
 * capacity across the instant anyway. A ramp's step down is a release of the difference: it
 * counts the same way. Two options price what the engine may do instead:
 * - `leadMs`: every raise (a window's start, a ramp's step up) is requested this long before its
 *   instant, so the capacity is ready then;
 * - `release: 'early'`: every lowering (a window's end, a ramp's step down) has completed by its
 *   instant, so the old value no longer counts at it.
 */
import { HOUR } from '../time/units.js';

/** TRUs in force over [fromMs, toMs); 0 = on-demand (bills nothing). */
export interface CapacityPiece {
  fromMs: number;
  toMs: number;
  trus: number;
}

export interface BillingTiming {
  /** A raise is requested this long before its instant (0: at it). */
  leadMs: number;
  /**
   * 'at-end': a lowering is requested at its instant, so the old value still counts at that
   * instant (an end at hh:00 bills the hh hour). 'early': it has completed by its instant.
   */
  release: 'at-end' | 'early';
}

/** What capsched's engine does today: raise at the start, release at the end. */
export const DEFAULT_TIMING: BillingTiming = { leadMs: 0, release: 'at-end' };

/** Minimum Actions each TRU above the first commits per hour: 500 APS × 3,600 s × 20 %. */
export const ACTIONS_PER_TRU_HOUR = 360_000;
/** Temporal Cloud's list price of Actions, USD per million (volume tiers are lower). */
export const DEFAULT_ACTIONS_PRICE_PER_MILLION = 50;

/** One UTC calendar hour and the highest TRUs in force in it. */
export interface BilledHour {
  /** Start of the hour (a multiple of one hour since the epoch). */
  hourMs: number;
  peakTrus: number;
}

export interface Bill {
  /** Hours with a peak of at least 1 TRU. */
  billedHours: number;
  /** Σ over UTC hours of the peak TRUs. */
  billedTruHours: number;
  /** Σ over UTC hours with peak ≥ 1 of (peak − 1) × 360,000. */
  minimumActions: number;
  /** The highest peak. */
  peakTrus: number;
}

/** The minimum Actions one hour at `peak` TRUs commits (the first TRU is free). */
export function minimumActionsFor(peak: number): number {
  return peak >= 1 ? (peak - 1) * ACTIONS_PER_TRU_HOUR : 0;
}

/** Worst case (the namespace uses none of the minimum): minimum Actions × price per million. */
export function worstCaseCost(minimumActions: number, pricePerMillion: number = DEFAULT_ACTIONS_PRICE_PER_MILLION): number {
  return Math.round(((minimumActions * pricePerMillion) / 1_000_000) * 100) / 100;
}

/**
 * The peak of every UTC calendar hour in [fromMs, toMs) (fromMs is taken down to its hour, toMs
 * up to its hour), from a namespace's capacity `pieces`: contiguous or not, in any order, each
 * [fromMs, toMs) at the TRUs in force, overlaps counting at their maximum. The pieces must cover
 * what can reach the range: from one hour before it to `leadMs` after it.
 */
export function hourlyPeaks(pieces: readonly CapacityPiece[], fromMs: number, toMs: number, timing: BillingTiming = DEFAULT_TIMING): BilledHour[] {
  const first = Math.floor(fromMs / HOUR) * HOUR;
  const last = Math.ceil(toMs / HOUR) * HOUR;
  const hours: BilledHour[] = [];
  for (let h = first; h < last; h += HOUR) hours.push({ hourMs: h, peakTrus: 0 });
  if (hours.length === 0) return hours;
  const lead = Math.max(0, timing.leadMs);
  const atEnd = timing.release === 'at-end';
  for (const p of pieces) {
    if (p.trus <= 0 || p.toMs <= p.fromMs) continue;
    // A piece is held from lead before its start (the raise is asked for then) until its end,
    // the end instant included when the lowering is only requested at it.
    const heldFrom = p.fromMs - lead;
    const a = Math.max(first, Math.floor(heldFrom / HOUR) * HOUR);
    // The last hour the piece reaches: the one holding toMs when the end instant counts, else the one holding toMs − 1 ms.
    const endHour = Math.floor((atEnd ? p.toMs : p.toMs - 1) / HOUR) * HOUR;
    const b = Math.min(last - HOUR, endHour);
    for (let h = a; h <= b; h += HOUR) {
      const slot = hours[(h - first) / HOUR]!;
      if (p.trus > slot.peakTrus) slot.peakTrus = p.trus;
    }
  }
  return hours;
}

/** Billed TRU-hours and minimum Actions of a list of hourly peaks. */
export function billOf(hours: readonly BilledHour[]): Bill {
  let billedHours = 0;
  let billedTruHours = 0;
  let minimumActions = 0;
  let peakTrus = 0;
  for (const h of hours) {
    if (h.peakTrus <= 0) continue;
    billedHours++;
    billedTruHours += h.peakTrus;
    minimumActions += minimumActionsFor(h.peakTrus);
    if (h.peakTrus > peakTrus) peakTrus = h.peakTrus;
  }
  return { billedHours, billedTruHours, minimumActions, peakTrus };
}

/** hourlyPeaks then billOf: the bill of a namespace's capacity over [fromMs, toMs). */
export function billPieces(pieces: readonly CapacityPiece[], fromMs: number, toMs: number, timing: BillingTiming = DEFAULT_TIMING): Bill {
  return billOf(hourlyPeaks(pieces, fromMs, toMs, timing));
}

/** A bill scaled by a factor (a horizon of `days` to a week: 7 / days), rounded to 2 decimals. */
export function scaleBill(bill: Bill, factor: number): Bill {
  const r = (n: number): number => Math.round(n * factor * 100) / 100;
  return {
    billedHours: r(bill.billedHours),
    billedTruHours: r(bill.billedTruHours),
    minimumActions: Math.round(bill.minimumActions * factor),
    peakTrus: bill.peakTrus,
  };
}

/** "2.52 M", "360,000" — a number of Actions as the docs write them. */
export function formatActions(n: number): string {
  if (Math.abs(n) >= 1_000_000) return `${Math.round((n / 1_000_000) * 100) / 100} M`;
  return n.toLocaleString('en-US');
}

/** "$126.00" (USD). */
export function formatUsd(n: number): string {
  const sign = n < 0 ? '-' : '';
  return `${sign}$${Math.abs(n).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}
