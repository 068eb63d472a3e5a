/**
 * What `capsched dev` prints: plan → schedule, next window (in the plan's time zone), the
 * namespace's current simulated capacity and the plan's running window, plus the validation
 * errors of an invalid edit. The rows come from the daemon's PresentView (core/present), the
 * same view model the page and `capsched status` render.
 */
import { formatActions, formatUsd } from '../core/billing/bill.js';
import type { PresentView } from '../core/present/model.js';
import { activeSummary } from '../core/present/text.js';
import type { WindowPreview } from '../core/windows/windows.js';
import type { Issue } from '../core/plan/issues.js';
import { renderDemo, type DemoView } from './demo.js';

export interface DevRow {
  plan: string;
  file: string;
  namespace: string;
  /** Provisioned TRUs during the window; a ramp's values in order, "4→8→12→6". */
  trus: string;
  scheduleId: string;
  timezone: string;
  paused: boolean;
  expired: boolean;
  /** "permanent" plans never revert. */
  permanent: boolean;
  nextWindows: WindowPreview[];
  /** e.g. "on-demand", "8 TRUs", "8 TRUs (changing)". */
  capacity: string;
  /** The plan's running window: "active until 05:28 (6 TRU)", with a held reduction: "· lower held until 05:28"; absent when none runs. */
  active?: string;
}

/** The table's rows from the present view: every plan at the applied commit, by namespace then name. */
export function rowsFromPresent(view: PresentView): DevRow[] {
  const rows: DevRow[] = [];
  for (const ns of view.namespaces) {
    for (const p of ns.planViews) {
      const next: WindowPreview[] =
        p.next === undefined
          ? []
          : [
              {
                start: p.next.start.local,
                end: p.next.end?.local ?? null,
                startUtc: new Date(p.next.start.ms).toISOString(),
                endUtc: p.next.end === null ? null : new Date(p.next.end.ms).toISOString(),
              },
            ];
      // A held reduction (the applied commit asks for less than the running window holds) waits for the window's end.
      const held = ns.liveChanges
        .filter((c) => c.plan === p.name && c.state === 'held' && c.heldUntil !== undefined)
        .map((c) => `${c.kind} held until ${c.heldUntil!.local.slice(11, 16)}`);
      const running = activeSummary(ns, p.name);
      const active = [running, ...held].filter((t) => t !== undefined).join(' · ') || undefined;
      rows.push({
        plan: p.name,
        file: p.file,
        namespace: ns.namespace,
        trus: p.steps === undefined ? String(p.trus) : p.steps.join('→'),
        scheduleId: p.scheduleId,
        timezone: p.zone,
        paused: p.paused,
        expired: p.oneOff && p.next === undefined,
        permanent: p.permanent,
        nextWindows: next,
        capacity: ns.capacityText,
        ...(active === undefined ? {} : { active }),
      });
    }
  }
  return rows;
}

/** Per namespace, the week's billed TRU-hours, minimum Actions committed and worst case if unused (the page's figures). */
export function weekFromPresent(view: PresentView): string[] {
  return view.namespaces
    .filter((n) => n.plans.length > 0)
    .map(
      (n) =>
        `${n.namespace}: ${n.week.billedTruHours} billed TRU-hours · ${formatActions(n.week.minimumActions)} minimum Actions committed · worst case if unused ${formatUsd(n.week.worstCaseUsd)}`,
    );
}

export interface DevView {
  plansDir: string;
  uiUrl: string | undefined;
  /** The daemon's page (GET /), printed beside the Web UI's address. */
  pageUrl?: string;
  /** When the last pass finished. */
  at: Date;
  /** The rows in force (the last valid state). */
  rows: DevRow[];
  /** Set when the newest edit did not validate: the rows above are the last good state. */
  issues?: Issue[];
  /** A pass that failed for another reason (Temporal unreachable, a write refused). */
  error?: string;
  /** Schedule changes the last pass applied. */
  changes: number;
  /** Validation warnings of the state in force. */
  warnings?: Issue[];
  /** Per namespace what a week of the plans in force commits (weekFromPresent). */
  week?: string[];
  /** The demo window (absent with --no-demo). */
  demo?: DemoView;
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

function parts(iso: string, timeZone: string): { day: string; time: string } {
  const d = new Date(iso);
  const day = new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'short', day: '2-digit', month: 'short', year: 'numeric' }).format(d).replace(/,/g, '');
  const time = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(d);
  return { day, time };
}

/** "in 3h 12m", "in 2d 4h", "now". */
export function relative(fromMs: number, toMs: number): string {
  const minutes = Math.round((toMs - fromMs) / 60_000);
  if (minutes <= 0) return 'now';
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  if (d > 0) return `in ${d}d${h > 0 ? ` ${h}h` : ''}`;
  if (h > 0) return `in ${h}h${m > 0 ? ` ${m}m` : ''}`;
  return `in ${m}m`;
}

/** "Mon 30 Nov 2026 23:00 → Tue 01 Dec 02:00", same-day windows as "08:00–18:00". */
export function formatWindow(row: Pick<DevRow, 'timezone' | 'nextWindows' | 'expired' | 'paused' | 'permanent'>, nowMs: number): string {
  if (row.expired) return '(one-off; already started)';
  const next = row.nextWindows[0];
  if (next === undefined) return '(no upcoming window)';
  const start = parts(next.startUtc, row.timezone);
  let text = `${start.day} ${start.time}`;
  if (row.permanent || next.endUtc === null) text += ' → (permanent)';
  else {
    const end = parts(next.endUtc, row.timezone);
    text += end.day === start.day ? `–${end.time}` : ` → ${end.day.split(' ').slice(0, 3).join(' ')} ${end.time}`;
  }
  text += ` ${row.timezone} (${relative(nowMs, Date.parse(next.startUtc))})`;
  if (row.paused) text += ' [paused]';
  return text;
}

export function formatIssue(issue: Issue): string {
  return `${issue.file}:${issue.line}:${issue.column}${issue.field === '' ? '' : ` ${issue.field}`}: ${issue.message} [${issue.code}]`;
}

/** The whole screen, without a timestamp line when `stable` (used to tell whether anything changed). */
export function renderView(view: DevView, nowMs: number, options: { stable?: boolean } = {}): string {
  const lines: string[] = [];
  const header = ['PLAN', 'NAMESPACE', 'TRU', 'SCHEDULE', 'NEXT WINDOW', 'CAPACITY NOW (simulated)', 'WINDOW NOW'];
  const body = view.rows.map((r) => [r.plan, r.namespace, r.trus, r.scheduleId, formatWindow(r, nowMs), r.capacity, r.active ?? '']);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] as string).length)));
  if (options.stable !== true) {
    lines.push(
      `capsched dev · plans ${view.plansDir} · Temporal Web UI ${view.uiUrl ?? '(headless)'}${view.pageUrl === undefined ? '' : ` · page ${view.pageUrl}`} · updated ${view.at.toISOString().slice(11, 19)}Z`,
    );
  }
  if (view.rows.length === 0) lines.push('(no plans yet: add a *.yaml plan file to the folder)');
  else {
    lines.push(
      header
        .map((h, i) => pad(h, widths[i] as number))
        .join('  ')
        .trimEnd(),
    );
    for (const b of body)
      lines.push(
        b
          .map((c, i) => pad(c, widths[i] as number))
          .join('  ')
          .trimEnd(),
      );
  }
  if (view.issues !== undefined && view.issues.length > 0) {
    const errors = view.issues.filter((i) => i.severity === 'error');
    lines.push('');
    lines.push(`✗ plans invalid: ${errors.length} error${errors.length === 1 ? '' : 's'}; nothing applied, the last good state above stays in force`);
    for (const issue of errors) lines.push(`  ${formatIssue(issue)}`);
  } else if (view.error !== undefined) {
    lines.push('');
    lines.push(`✗ reconcile failed: ${view.error}`);
  }
  if (view.week !== undefined && view.week.length > 0 && view.rows.length > 0) {
    lines.push('', 'This week (each UTC hour billed at its highest TRUs; docs/billing.md):');
    for (const w of view.week) lines.push(`  ${w}`);
  }
  for (const w of view.warnings ?? []) lines.push(`  warning: ${formatIssue(w)}`);
  if (view.demo !== undefined) lines.push('', ...renderDemo(view.demo, nowMs, options));
  return `${lines.join('\n')}\n`;
}
