import type { NamespaceImpact, PrReport, SideCapacity, ReportSegment } from './pr-model.js';

/**
 * A Mermaid gantt of one namespace's effective TRUs over the report horizon, base above head,
 * which GitHub renders as a picture. Times are UTC: real durations stay honest on DST nights
 * (a fall-back night's 23:00–02:00 window is drawn 4 hours long), and the chart does not depend
 * on the reader's browser zone. Compact display puts each side's bars on one row.
 *
 * Gantt syntax pitfalls handled here: task names end at ':' and may not hold ':' ';' '#';
 * sections must not be empty; the axis would shrink to the first/last bar, so two milestones pin
 * the horizon ends.
 */

export interface GanttOptions {
  /** At most this many bars per side; the rest are counted in a note (default 60). */
  maxBarsPerSide?: number;
}

/** "2026-12-01 04:00" in UTC, matching `dateFormat YYYY-MM-DD HH:mm`. */
export function ganttDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

/** Text safe as a Mermaid gantt task or section name. */
export function ganttText(text: string): string {
  return (
    text
      .replace(/[:;#\r\n`]/g, ' ')
      .replace(/\s+/g, ' ')
      .trim() || '-'
  );
}

function figure(n: number): string {
  return String(Math.round(n * 100) / 100);
}

/** Joins back-to-back segments with the same TRUs into one bar (overlap/DST if any part is). */
export function coalesce(segments: readonly ReportSegment[]): ReportSegment[] {
  const out: ReportSegment[] = [];
  for (const s of segments) {
    const last = out[out.length - 1];
    if (last !== undefined && last.endMs === s.startMs && last.trus === s.trus) {
      out[out.length - 1] = {
        ...last,
        endMs: s.endMs,
        end: s.end,
        plans: [...new Set([...last.plans, ...s.plans])].sort(),
        overlap: last.overlap || s.overlap,
        dst: last.dst || s.dst,
      };
    } else out.push(s);
  }
  return out;
}

function barLines(side: SideCapacity, max: number): { lines: string[]; omitted: number } {
  // Too many bars to draw one per segment: draw runs of equal TRUs instead (the segment table
  // and the JSON keep the detail), and cut what still does not fit.
  const bars = side.segments.length > max ? coalesce(side.segments) : side.segments;
  const shown = bars.slice(0, max);
  return { lines: shown.map((s) => `    ${bar(s)}`), omitted: bars.length - shown.length };
}

function bar(s: ReportSegment): string {
  const tags: string[] = [];
  if (s.overlap) tags.push('crit');
  else if (s.dst) tags.push('active');
  const name = ganttText(`${s.trus} TRU${s.overlap ? ' max' : ''}${s.dst ? ' DST' : ''}`);
  return `${name} :${[...tags, ganttDate(s.startMs), ganttDate(s.endMs)].join(', ')}`;
}

export interface Gantt {
  text: string;
  /** Bars left out because of maxBarsPerSide. */
  omittedBars: number;
}

/** The chart (without the ```mermaid fence). */
export function renderGantt(impact: NamespaceImpact, horizon: PrReport['horizon'], options: GanttOptions = {}): Gantt {
  const max = options.maxBarsPerSide ?? 60;
  const lines = [
    '---',
    'displayMode: compact',
    '---',
    'gantt',
    '    dateFormat YYYY-MM-DD HH:mm',
    '    axisFormat %a %d',
    '    tickInterval 1day',
    '    todayMarker off',
  ];
  lines.push(`    section ${ganttText(`week ${ganttDate(horizon.fromMs).slice(0, 10)} UTC`)}`);
  lines.push(`    start :milestone, ${ganttDate(horizon.fromMs)}, 0d`);
  lines.push(`    end :milestone, ${ganttDate(horizon.toMs)}, 0d`);
  for (const t of impact.dstTransitions) {
    if (t.atMs > horizon.fromMs && t.atMs < horizon.toMs) lines.push(`    ${ganttText(`DST ${t.zone}`)} :milestone, ${ganttDate(t.atMs)}, 0d`);
  }
  let omittedBars = 0;
  for (const [label, side] of [
    ['base', impact.base],
    ['head', impact.head],
  ] as const) {
    if (side.segments.length === 0) continue;
    lines.push(`    section ${ganttText(`${label} ${figure(side.billedTruHoursPerWeek)} billed TRU-h per week`)}`);
    const bars = barLines(side, max);
    lines.push(...bars.lines);
    omittedBars += bars.omitted;
  }
  return { text: lines.join('\n'), omittedBars };
}
