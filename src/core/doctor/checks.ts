/**
 * `capsched doctor`'s checklist as plain data, and how it prints: one line per check, ✓ / ✗ / !
 * with the fix on the same line, so a person reads the whole state in ten seconds. Pure.
 */

/** ok ✓: fine · fail ✗: capsched cannot work this way (exit 1) · warn !: works, but look. */
export type CheckStatus = 'ok' | 'fail' | 'warn';

export interface DoctorCheck {
  /** Stable id, e.g. `temporal.reachable`, `namespace:payments.a1b2c` (for --json and tests). */
  id: string;
  status: CheckStatus;
  /** What is checked, short: "Temporal reachable", "Search attributes". */
  title: string;
  /** What was found, free of secrets. */
  detail: string;
  /** What to do, when not ok. */
  fix?: string;
}

export interface DoctorReport {
  version: 1;
  ok: boolean;
  checks: DoctorCheck[];
  counts: Record<CheckStatus, number>;
}

export const CHECK_ICON: Record<CheckStatus, string> = { ok: '✓', fail: '✗', warn: '!' };

export function doctorReport(checks: readonly DoctorCheck[]): DoctorReport {
  const counts: Record<CheckStatus, number> = { ok: 0, fail: 0, warn: 0 };
  for (const c of checks) counts[c.status] += 1;
  return { version: 1, ok: counts.fail === 0, checks: [...checks], counts };
}

/** 0 when nothing is ✗ (warnings do not fail), 1 otherwise. */
export function doctorExitCode(report: DoctorReport): number {
  return report.ok ? 0 : 1;
}

export function formatDoctorLine(check: DoctorCheck): string {
  const fix = check.fix === undefined || check.status === 'ok' ? '' : ` → ${check.fix}`;
  return `${CHECK_ICON[check.status]} ${check.title}: ${check.detail}${fix}`;
}

export function formatDoctorText(report: DoctorReport): string {
  const lines = report.checks.map(formatDoctorLine);
  const { ok, fail, warn } = report.counts;
  const summary =
    fail === 0
      ? `capsched doctor: ready (${ok} ✓, ${warn} !)`
      : `capsched doctor: ${fail} problem${fail === 1 ? '' : 's'} (✗) to fix, ${warn} warning${warn === 1 ? '' : 's'} (!), ${ok} ✓`;
  return `${lines.join('\n')}\n${summary}\n`;
}

export function formatDoctorJson(report: DoctorReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
