import { formatActions, formatUsd } from '../billing/bill.js';
import type { Issue } from '../plan/issues.js';
import type { ValidationReport } from '../plan/validate.js';
import { humanLocal, stepsText, trusText } from './validation-text.js';

/** Marker so a bot can find and update its own comment. */
export const VALIDATION_COMMENT_MARKER = '<!-- capsched:validate -->';

/** Makes text safe inside a Markdown table cell (no HTML, no column breaks, one line). */
export function mdCell(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function issueRows(issues: Issue[]): string[] {
  const rows = ['| | Where | Code | Problem |', '|---|---|---|---|'];
  for (const i of issues) {
    const icon = i.severity === 'error' ? '❌' : '⚠️';
    const field = i.field === '' ? '' : ` \`${mdCell(i.field)}\``;
    rows.push(`| ${icon} | \`${mdCell(`${i.file}:${i.line}:${i.column}`)}\`${field} | \`${i.code}\` | ${mdCell(i.message)} |`);
  }
  return rows;
}

/** `--format markdown`: a pull-request comment. */
export function formatValidationMarkdown(report: ValidationReport): string {
  const out: string[] = [VALIDATION_COMMENT_MARKER];
  const head = report.valid
    ? `### ✅ capsched: ${report.plans.length} plan(s) valid${report.warnings.length > 0 ? `, ${report.warnings.length} warning(s)` : ''}`
    : `### ❌ capsched: ${report.errors.length} error(s)${report.warnings.length > 0 ? `, ${report.warnings.length} warning(s)` : ''} — nothing will be applied`;
  out.push(head, '');
  const issues = [...report.errors, ...report.warnings];
  if (issues.length > 0) out.push(...issueRows(issues), '');
  if (report.plans.length > 0) {
    out.push('<details><summary>Plans and their next windows</summary>', '');
    out.push('| Plan | Namespace | TRUs | Schedule | Next windows (local → UTC) |', '|---|---|---|---|---|');
    for (const p of report.plans) {
      const when = p.recurring ? `cron \`${mdCell(p.schedule)}\`` : `at \`${mdCell(p.schedule)}\``;
      const windows =
        p.nextWindows.length === 0
          ? p.paused
            ? 'paused'
            : 'none upcoming'
          : p.nextWindows
              .map(
                (w) =>
                  `${humanLocal(w.start)} → ${w.end === null ? 'permanent' : humanLocal(w.end)} (${w.startUtc} → ${w.endUtc ?? '…'})${w.dst === undefined ? '' : ` DST ${w.dst}`}${w.steps === undefined ? '' : `: ${stepsText(w) ?? ''}`}`,
              )
              .map(mdCell)
              .join('<br>');
      out.push(
        `| \`${mdCell(p.name)}\` | \`${mdCell(p.namespace)}\` | ${trusText(p).replace(/ TRUs$/, '')} | ${when} ${mdCell(p.timezone)}, ${mdCell(p.length)} | ${windows} |`,
      );
    }
    out.push(
      '',
      `| Namespace | Billed TRU-hours / week | Minimum Actions committed / week | Worst case if unused (at $${report.actionsPricePerMillion}/M) | Provisioned hours | Peak TRUs |`,
      '|---|--:|--:|--:|--:|--:|',
    );
    for (const n of report.namespaces)
      out.push(
        `| \`${mdCell(n.namespace)}\` | ${n.billedTruHoursPerWeek} | ${formatActions(n.minimumActionsPerWeek)} | ${formatUsd(n.worstCaseUsdPerWeek)} | ${n.provisionedHoursPerWeek} | ${n.peakTrus} |`,
      );
    out.push('', '</details>');
  }
  return `${out.join('\n')}\n`;
}
