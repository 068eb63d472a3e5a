import { formatActions, formatUsd } from '../billing/bill.js';
import type { Issue } from '../plan/issues.js';
import type { PlanSummary, ValidationReport, WindowPreview } from '../plan/validate.js';
import { describeSteps } from '../capacity/steps.js';

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** "2026-12-24T09:00-05:00" → "Thu 2026-12-24 09:00". */
export function humanLocal(iso: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}:\d{2}(?::\d{2})?)/.exec(iso);
  if (m === null) return iso;
  const weekday = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))).getUTCDay();
  return `${WEEKDAYS[weekday]} ${m[1]}-${m[2]}-${m[3]} ${m[4]}`;
}

/** "2026-12-24T14:00Z" → "2026-12-24 14:00Z". */
function humanUtc(iso: string): string {
  return iso.replace('T', ' ');
}

function offsetOf(iso: string): string {
  const m = /(Z|[+-]\d{2}:\d{2})$/.exec(iso);
  return m === null ? '' : m[1] === 'Z' ? '+00:00' : m[1]!;
}

export function issueLine(i: Issue): string {
  const field = i.field === '' ? '' : `${i.field}: `;
  return `${i.file}:${i.line}:${i.column}: ${i.severity} [${i.code}] ${field}${i.message}`;
}

export function windowLine(w: WindowPreview, zone: string): string {
  const dst = w.dst === undefined ? '' : `  (DST: ${w.dst})`;
  if (w.end === null || w.endUtc === null) {
    return `${humanLocal(w.start)} → permanent ${zone} (${offsetOf(w.start)})   ${humanUtc(w.startUtc)} → permanent${dst}`;
  }
  const sameDay = w.start.slice(0, 10) === w.end.slice(0, 10);
  const endLocal = sameDay ? humanLocal(w.end).slice(-5) : humanLocal(w.end);
  return `${humanLocal(w.start)} → ${endLocal} ${zone}   ${humanUtc(w.startUtc)} → ${humanUtc(w.endUtc)}${dst}`;
}

/**
 * A ramp window's steps in local time: "08:00 4 · 09:00 8 · 10:00 12 · 17:00 6 TRUs". A step on
 * another local day than the start names its day; one at another UTC offset (a DST night) names it.
 */
export function stepsText(w: WindowPreview): string | undefined {
  if (w.steps === undefined) return undefined;
  const day = w.start.slice(0, 10);
  const offset = offsetOf(w.start);
  const at = (iso: string): string => {
    const local = humanLocal(iso);
    const time = iso.slice(0, 10) === day ? local.slice(-5) : local.slice(0, 3) + local.slice(-6);
    return offsetOf(iso) === offset ? time : `${time} (${offsetOf(iso)})`;
  };
  return `${w.steps.map((s) => `${at(s.at)} ${s.trus}`).join(' · ')} TRUs`;
}

/** "8 TRUs", or a ramp's "4 → 8 → 12 → 6 TRUs". */
export function trusText(p: Pick<PlanSummary, 'trus' | 'steps'>): string {
  return p.steps === undefined ? `${p.trus} TRUs` : describeSteps(p.steps);
}

function planHeader(p: PlanSummary): string {
  const when = p.recurring ? `cron "${p.schedule}"` : `at ${p.schedule}`;
  const paused = p.paused ? ', PAUSED' : '';
  const ramp = p.steps === undefined ? '' : ` (steps after ${p.steps.map((s) => s.after).join(', ')})`;
  return `${p.name}: ${p.namespace} → ${trusText(p)}${ramp}, ${when} ${p.timezone}, ${p.length}${paused}  (${p.file}:${p.line})`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** The default report: one `file:line:col` line per problem, then what the plans mean. */
export function formatValidationText(report: ValidationReport): string {
  const out: string[] = [];
  for (const i of [...report.errors, ...report.warnings].sort((a, b) =>
    a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column,
  )) {
    out.push(issueLine(i));
  }
  if (report.plans.length > 0) {
    if (out.length > 0) out.push('');
    out.push(`Plans (next windows from ${humanUtc(report.now.slice(0, 16))}Z):`);
    for (const p of report.plans) {
      out.push(`  ${planHeader(p)}`);
      if (p.nextWindows.length === 0) out.push(`    ${p.paused ? 'paused: starts nothing' : 'no upcoming window'}`);
      for (const w of p.nextWindows) {
        out.push(`    ${windowLine(w, p.timezone)}`);
        const steps = stepsText(w);
        if (steps !== undefined) out.push(`      steps ${steps}`);
      }
      // What each timing option the plan asks for costs (the plan alone).
      for (const c of p.timing?.costs ?? []) out.push(`    ${c.text}`);
    }
    out.push('');
    out.push(
      `Namespaces, a week from ${humanUtc(report.now.slice(0, 13))}:00Z (each UTC calendar hour billed at its highest TRUs; the first TRU is free, each one above it commits 360,000 Actions an hour):`,
    );
    const width = Math.max(...report.namespaces.map((n) => n.namespace.length));
    for (const n of report.namespaces) {
      out.push(
        `  ${n.namespace.padEnd(width)}  ${String(n.billedTruHoursPerWeek).padStart(5)} billed TRU-hours  ${formatActions(n.minimumActionsPerWeek).padStart(9)} minimum Actions committed  worst case if unused ${formatUsd(n.worstCaseUsdPerWeek)}  (peak ${n.peakTrus} TRUs, ${n.provisionedHoursPerWeek} h provisioned; ${n.plans.join(', ')})`,
      );
    }
    out.push(`  (worst case at $${report.actionsPricePerMillion} per million Actions: --actions-price)`);
  }
  out.push('');
  const counts = `${plural(report.errors.length, 'error')}, ${plural(report.warnings.length, 'warning')}`;
  const scope = `${plural(report.plans.length, 'plan')} in ${plural(report.files, 'file')}`;
  out.push(report.valid ? `valid: ${scope} (${counts})` : `invalid: ${counts} — nothing will be applied until every error is fixed`);
  return `${out.join('\n')}\n`;
}
