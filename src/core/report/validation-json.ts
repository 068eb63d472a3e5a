import type { ValidationReport } from '../plan/validate.js';

/** `--format json`: {valid, plans, errors:[{file,line,column,field,code,message,severity}], warnings, namespaces, …}. */
export function formatValidationJson(report: ValidationReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
