import type { Issue } from '../plan/issues.js';
import type { ValidationReport } from '../plan/validate.js';

/** Escapes a workflow-command message. */
function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Escapes a workflow-command property value (also ":" and ","). */
function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

function annotation(i: Issue): string {
  const title = `capsched ${i.code}${i.field === '' ? '' : ` (${i.field})`}`;
  const props = `file=${escapeProperty(i.file)},line=${i.line},col=${i.column},title=${escapeProperty(title)}`;
  return `::${i.severity === 'error' ? 'error' : 'warning'} ${props}::${escapeData(i.message)}`;
}

/** `--format github`: one workflow-command annotation per problem, then a plain summary line. */
export function formatValidationGithub(report: ValidationReport): string {
  const lines = [...report.errors, ...report.warnings].map(annotation);
  const summary = report.valid
    ? `capsched: ${report.plans.length} plan(s) valid, ${report.warnings.length} warning(s)`
    : `capsched: ${report.errors.length} error(s), ${report.warnings.length} warning(s) — plans are invalid`;
  lines.push(summary);
  return `${lines.join('\n')}\n`;
}
