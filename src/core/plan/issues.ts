/** One problem found in the plans, with where it is and how to fix it. */
export interface Issue {
  /** Path of the file relative to the source root (posix separators). */
  file: string;
  /** 1-based; 1 for problems with the whole file. */
  line: number;
  /** 1-based. */
  column: number;
  /** The plan field, e.g. "trus"; "" for problems with the file or document. */
  field: string;
  /** Stable kebab-case code, documented in docs/plan-format.md. */
  code: string;
  /** What is wrong and how to fix it. Never echoes file content beyond the offending value. */
  message: string;
  severity: 'error' | 'warning';
}

/** Sort order for reports: file, line, column, code. */
export function compareIssues(a: Issue, b: Issue): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  return a.line - b.line || a.column - b.column || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0);
}

/** Minutes as a length people read: "45m", "3h", "1h30m". */
export function formatMinutes(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = Math.round(minutes % 60);
  if (h === 0) return `${m}m`;
  return m === 0 ? `${h}h` : `${h}h${m}m`;
}
