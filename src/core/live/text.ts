/**
 * The Live section of diff / apply / report and the daemon's log lines: per affected namespace,
 * live now → desired now, and what the pass does to running windows.
 */
import type { LiveChange, LivePlan } from './types.js';

function at(ms: number | null | undefined): string {
  if (ms === null) return 'permanent';
  if (ms === undefined) return '?';
  return `${new Date(ms).toISOString().slice(0, 16)}Z`;
}

function trus(n: number | undefined): string {
  return n === undefined ? 'unknown' : n === 0 ? 'on-demand' : `${n} TRUs`;
}

/** One change in words, e.g. "extend to 2026-12-03T10:00Z (from 09:00Z)" or "held until …; the reduction applies at the window's end; --force applies it now". */
export function describeLiveChange(c: LiveChange): string {
  const what = ((): string => {
    switch (c.kind) {
      case 'raise':
        return `raise to ${c.toTrus} TRUs (from ${c.fromTrus})${c.permanent ? ' (baseline)' : ''}`;
      case 'lower':
        return `lower to ${c.toTrus} TRUs (from ${c.fromTrus})${c.permanent ? ' (baseline)' : ''}`;
      case 'extend':
        return `extend to ${at(c.toEndMs)} (from ${at(c.fromEndMs)})`;
      case 'shorten':
        return `end at ${at(c.toEndMs)} (from ${at(c.fromEndMs)})`;
      case 'start':
        return c.permanent
          ? `start now: ${c.toTrus} TRUs baseline (permanent)`
          : `start now until ${at(c.toEndMs)} (${c.toTrus} TRUs; the window began ${at(c.startMs)}): started late`;
      case 'release':
        return c.permanent ? `release the baseline (${trus(c.fromTrus)})` : `release now (${trus(c.fromTrus)}, was until ${at(c.fromEndMs)})`;
    }
  })();
  const held = c.heldUntilMs === undefined ? '' : `held until ${at(c.heldUntilMs)}: `;
  const tail = c.heldUntilMs === undefined ? '' : `; the reduction applies at the window's end; --force applies it now`;
  return `${held}${what} — ${c.reason}${tail}`;
}

/** The Live section as text lines (empty when nothing is live-affected). */
export function liveSectionLines(live: LivePlan | undefined): string[] {
  if (live === undefined || live.namespaces.length === 0) return [];
  const lines = ['Live (running windows and permanent plans):'];
  for (const n of live.namespaces) {
    if (n.error !== undefined) {
      lines.push(`  ${n.namespace}: live state unreadable (${n.error}); running windows left as they are`);
      continue;
    }
    const after = n.afterTrus !== undefined && n.afterTrus !== n.liveTrus ? `; after this pass ${trus(n.afterTrus)}` : '';
    lines.push(`  ${n.namespace}: live now ${trus(n.liveTrus ?? 0)} → desired now ${trus(n.desiredTrus)}${after}`);
    for (const c of n.changes) lines.push(`    ${c.heldUntilMs === undefined ? '~' : '='} ${c.plan}: ${describeLiveChange(c)}`);
  }
  lines.push(`Live: ${live.pending} to apply now, ${live.held} held until their window's end.`);
  return lines;
}
