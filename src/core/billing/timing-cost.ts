/**
 * What a plan's timing options cost (docs/billing.md "Timing options"): its windows billed alone as
 * capsched acts on them with only that option, against the same windows raised at the start and
 * released at the end. A lead that crosses a UTC hour adds that hour; an early release of a window
 * ending on the hour takes the hour off. Pure.
 */
import { HOUR } from '../time/units.js';
import { formatUtcIso } from '../time/zone.js';
import { actedWindow, describeTiming, type WindowTiming } from '../capacity/timing.js';
import { formatDurationMs } from '../capacity/duration.js';
import { DEFAULT_TIMING, formatActions, formatUsd, hourlyPeaks, minimumActionsFor, worstCaseCost, type BilledHour } from './bill.js';
import { capacityPieces } from './windows.js';
import type { Window } from '../windows/windows.js';

type PlannedWindow = Pick<Window, 'trus' | 'steps' | 'startMs' | 'endMs'>;

export interface TimingOptionCost {
  option: 'lead' | 'release';
  /** "lead 3m", "release early". */
  label: string;
  /** Billed hours the option adds (negative: takes off), over `period`. */
  billedHours: number;
  billedTruHours: number;
  minimumActions: number;
  /** minimumActions at the Actions price (negative: saved), USD. */
  worstCaseUsd: number;
  /** 'week': the plan's windows in the billing week; 'window': its next (or only) window. */
  period: 'week' | 'window';
  /** "lead 3m crosses 02:00 UTC: +1 billed hour a week at 8 TRUs = +2.52 M minimum Actions a week ($126.00 at $50 per million)". */
  text: string;
}

function peaks(windows: readonly PlannedWindow[], fromMs: number, toMs: number): BilledHour[] {
  const ws = windows.map((w, i) => ({ ...w, plan: String(i) }));
  return hourlyPeaks(capacityPieces(ws as Window[], fromMs - HOUR, toMs + HOUR), fromMs, toMs, DEFAULT_TIMING);
}

/**
 * The cost of each timing option a plan asks for (none for the default timing), from its planned
 * windows (`windows`: its windows in the billing week, or its next one; `period` says which).
 */
export function timingOptionCosts(windows: readonly PlannedWindow[], timing: WindowTiming, period: 'week' | 'window', price: number): TimingOptionCost[] {
  const options: { option: 'lead' | 'release'; timing: WindowTiming }[] = [];
  if (timing.leadMs > 0) options.push({ option: 'lead', timing: { leadMs: timing.leadMs, release: 'at-end' } });
  if (timing.release === 'early') options.push({ option: 'release', timing: { leadMs: 0, release: 'early' } });
  if (options.length === 0 || windows.length === 0) return [];
  const from = Math.min(...windows.map((w) => w.startMs)) - timing.leadMs - HOUR;
  const to = Math.max(...windows.map((w) => w.endMs ?? w.startMs)) + HOUR;
  const base = peaks(windows, from, to);
  const per = period === 'week' ? ' a week' : ' a window';
  return options.map(({ option, timing: t }) => {
    const acted = peaks(
      windows.map((w) => actedWindow(w, t)),
      from,
      to,
    );
    let billedHours = 0;
    let billedTruHours = 0;
    let minimumActions = 0;
    let first: { hourMs: number; trus: number } | undefined;
    // Whole hours added or taken off, all at one value: "+5 billed hours at 8 TRUs"; else the TRU-hours too.
    const wholeAt = new Set<number>();
    acted.forEach((h, i) => {
      const b = base[i]!.peakTrus;
      if (h.peakTrus === b) return;
      billedHours += (h.peakTrus > 0 ? 1 : 0) - (b > 0 ? 1 : 0);
      billedTruHours += h.peakTrus - b;
      minimumActions += minimumActionsFor(h.peakTrus) - minimumActionsFor(b);
      first ??= { hourMs: h.hourMs, trus: Math.max(h.peakTrus, b) };
      wholeAt.add(h.peakTrus === 0 || b === 0 ? Math.max(h.peakTrus, b) : -1);
    });
    const label = describeTiming(t);
    const usd = worstCaseCost(Math.abs(minimumActions), price);
    const hours = (n: number): string => `${n} billed hour${Math.abs(n) === 1 ? '' : 's'}${per}`;
    const oneValue = wholeAt.size === 1 && !wholeAt.has(-1);
    const what = (sign: string): string =>
      oneValue
        ? `${sign}${hours(Math.abs(billedHours))} at ${first!.trus} TRUs`
        : `${billedHours < 0 ? '-' : '+'}${hours(Math.abs(billedHours))}, ${billedTruHours < 0 ? '-' : '+'}${Math.abs(billedTruHours)} billed TRU-hours`;
    const cost = (sign: string): string =>
      `${what(sign)} = ${minimumActions < 0 ? '-' : '+'}${formatActions(Math.abs(minimumActions))} minimum Actions${per} (${minimumActions < 0 ? '-' : ''}${formatUsd(usd)} at $${price} per million)`;
    const at = (ms: number): string => `${formatUtcIso(ms).slice(11, 16)} UTC`;
    let text: string;
    if (first === undefined)
      text =
        option === 'lead'
          ? `${label} adds no billed hour (the raise ${formatDurationMs(t.leadMs)} early stays inside the hour the window starts in)`
          : `${label} takes no billed hour off (the window does not end on a UTC hour)`;
    else if (option === 'lead') text = `${label} crosses ${at(first.hourMs + HOUR)}: ${cost('+')}`;
    else text = `${label} completes by ${at(first.hourMs)}: ${cost('-')}`;
    return { option, label, billedHours, billedTruHours, minimumActions, worstCaseUsd: minimumActions < 0 ? -usd : usd, period, text };
  });
}
