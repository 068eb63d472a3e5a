/**
 * The present view as text: `capsched status` and the `capsched dev` table. The same
 * PresentView the page draws, so the three never disagree.
 */
import { formatActions, formatUsd } from '../billing/bill.js';
import type { ActiveWindowView, NamespaceView, PresentView } from './model.js';

function hhmm(local: string): string {
  return local.slice(11, 16);
}

/** "active until 05:28 (6 TRU)", "active, permanent (6 TRU)"; undefined when nothing is active. */
export function activeSummary(ns: Pick<NamespaceView, 'active'>, plan?: string): string | undefined {
  const windows = plan === undefined ? ns.active : ns.active.filter((a) => a.plan === plan);
  if (windows.length === 0) return undefined;
  // The window that ends last holds the namespace longest; permanent ones first.
  const sorted = [...windows].sort((a, b) => (b.end?.ms ?? Infinity) - (a.end?.ms ?? Infinity));
  const w = sorted[0]!;
  const more = windows.length > 1 ? ` +${windows.length - 1} more` : '';
  return w.end === undefined ? `active, permanent (${w.trus} TRU)${more}` : `active until ${hhmm(w.end.local)} (${w.trus} TRU)${more}`;
}

function activeLine(a: ActiveWindowView): string {
  const who = a.plan === undefined ? 'manual change' : `${a.plan}${a.file === undefined ? '' : ` (${a.file}:${a.line ?? 1})`}`;
  const end = a.end === undefined ? 'permanent' : a.zone === 'UTC' ? `until ${a.end.utc}` : `until ${a.end.local} ${a.zone} (${a.end.utc})`;
  const commit = `${a.commit === undefined ? (a.origin === 'manual' ? 'manual' : 'commit unknown') : `commit ${a.commit.slice(0, 12)}`}${a.startedLate === true ? ' (started late)' : ''}`;
  return `    ${who}: ${a.trus} TRU ${end}, ${commit}${a.uiUrl === undefined ? `, workflow ${a.workflowId}` : `\n      ${a.uiUrl}`}`;
}

/** `capsched status [namespace]` text. */
export function renderStatusText(view: PresentView, namespace?: string): string {
  const out: string[] = [];
  const list = namespace === undefined ? view.namespaces : view.namespaces.filter((n) => n.namespace === namespace);
  const s = view.source;
  out.push(
    `installation ${view.installation} · applied ${s.appliedRevision === undefined ? 'nothing yet' : s.appliedRevision.slice(0, 12)}${s.subject === undefined ? '' : ` "${s.subject}"`} · last pass ${s.lastPassResult ?? 'none'}${s.lastPassAt === undefined ? '' : ` at ${s.lastPassAt}`}${s.lastCheck === undefined ? '' : ` · last checked ${s.lastCheck.at}`}`,
  );
  if (s.refused !== undefined) {
    out.push(`refused commit ${s.refused.revision?.slice(0, 12) ?? ''}: nothing from it applied`);
    for (const e of s.refused.errors) out.push(`  ${e}`);
  }
  for (const p of s.problems) out.push(`${p.kind}: ${p.message}`);
  for (const ns of list) {
    out.push('');
    out.push(ns.namespace);
    out.push(`  capacity (Cloud Ops)  ${ns.capacityText}${ns.capacityError === undefined ? '' : ` — ${ns.capacityError}`}`);
    out.push(
      `  effective             ${ns.effectiveTrus === undefined ? `unknown${ns.coordinatorError === undefined ? '' : ` — ${ns.coordinatorError}`}` : ns.effectiveTrus === 0 ? 'on-demand' : `${ns.effectiveTrus} TRU`}`,
    );
    out.push(`  plans ask for now     ${ns.plannedNowTrus === 0 ? 'on-demand' : `${ns.plannedNowTrus} TRU`}`);
    if (ns.active.length === 0) out.push('  active windows        none');
    else {
      out.push('  active windows');
      for (const a of ns.active) out.push(activeLine(a));
    }
    if (ns.liveChanges.length > 0) {
      out.push('  live changes');
      for (const c of ns.liveChanges) out.push(`    ${c.state === 'held' ? 'held' : c.state === 'pending' ? 'pending' : 'applied'} ${c.plan}: ${c.text}`);
    }
    out.push(
      `  next window           ${ns.next === undefined ? 'none in the next 7 days' : `${ns.next.plan}: ${ns.next.steps === undefined ? ns.next.trus : ns.next.steps.join(' → ')} TRU ${ns.next.zone === 'UTC' ? ns.next.start.utc : `${ns.next.start.local} ${ns.next.zone} (${ns.next.start.utc})`}${ns.next.end === null ? ', permanent' : ` → ${hhmm(ns.next.end.local)}`}`}`,
    );
    out.push(
      `  this week             ${ns.week.billedTruHours} billed TRU-hours, ${formatActions(ns.week.minimumActions)} minimum Actions committed, worst case if unused ${formatUsd(ns.week.worstCaseUsd)}; peak ${ns.week.peakTrus} TRU`,
    );
  }
  if (namespace !== undefined && list.length === 0) out.push('', `${namespace}: no plan at the applied commit and no coordinator names it`);
  return `${out.join('\n')}\n`;
}
