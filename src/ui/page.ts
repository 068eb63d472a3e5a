/**
 * capsched's web page: the PresentView (src/core/present) as server-rendered HTML with inline
 * SVG. The only place HTML and SVG are written. No script: it refreshes itself with a meta
 * refresh, every figure is text, and exact times are in each bar's <title> and in the tables.
 * Everything interpolated is escaped; the view carries no secrets, so neither does the page.
 */
import { formatActions, formatUsd } from '../core/billing/bill.js';
import type { BarView, LiveChangeView, NamespaceView, PresentView, SegmentView, TimeLabel } from '../core/present/model.js';

export interface PageOptions {
  /** Seconds between self-refreshes (meta refresh). */
  refreshSeconds: number;
  /** Where the page was asked for with a token: kept in the refresh URL? Never: the token is a header. */
  title?: string;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export function esc(text: string | number): string {
  return String(text).replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

const WIDTH = 1000;
const LEFT = 8;
const RIGHT = 8;
const PLOT = WIDTH - LEFT - RIGHT;
/** Share of the width given to the past 24 h (the next 7 days take the rest). */
const PAST_SHARE = 0.2;
const LANE_H = 20;
const CHART_H = 64;
const AXIS_H = 18;

function xOf(view: PresentView, ms: number): number {
  const { fromMs, nowMs, toMs } = view.range;
  const clamped = Math.min(Math.max(ms, fromMs), toMs);
  const x = clamped <= nowMs ? ((clamped - fromMs) / (nowMs - fromMs)) * PAST_SHARE : PAST_SHARE + ((clamped - nowMs) / (toMs - nowMs)) * (1 - PAST_SHARE);
  return Math.round((LEFT + x * PLOT) * 10) / 10;
}

function both(t: TimeLabel, zone: string): string {
  return zone === 'UTC' ? t.utc : `${t.local} ${zone} (${t.utc})`;
}

function hhmm(t: TimeLabel): string {
  return t.local.slice(11, 16);
}

function barTitle(b: BarView): string {
  const end = b.end === null ? 'permanent' : both(b.end, b.zone);
  const notes = [
    b.overlap ? 'overlaps another plan: the namespace gets the maximum' : '',
    b.dst === undefined ? '' : `DST night: start ${b.dst}`,
    b.active ? 'active now' : '',
  ].filter((n) => n !== '');
  return `${b.plan} · ${b.steps?.join(' → ') ?? b.trus} TRU · ${both(b.start, b.zone)} → ${end}${notes.length === 0 ? '' : ` · ${notes.join(' · ')}`}`;
}

function stepPath(view: PresentView, segments: SegmentView[], top: number, maxTrus: number): string {
  const y = (trus: number): number => Math.round((top + CHART_H - (trus / maxTrus) * (CHART_H - 6)) * 10) / 10;
  const parts: string[] = [];
  let lastX: number | undefined;
  let lastY: number | undefined;
  for (const s of segments) {
    const x0 = xOf(view, s.startMs);
    const x1 = xOf(view, s.endMs);
    const yy = y(s.trus);
    if (lastX === x0 && lastY !== undefined) parts.push(`V${yy}`);
    else parts.push(`M${x0} ${yy}`);
    parts.push(`H${x1}`);
    lastX = x1;
    lastY = yy;
  }
  return parts.join('');
}

function dayTicks(view: PresentView): string {
  const out: string[] = [];
  const day = 86_400_000;
  for (let t = Math.ceil(view.range.fromMs / day) * day; t < view.range.toMs; t += day) {
    const x = xOf(view, t);
    const d = new Date(t);
    const text = `${['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][d.getUTCDay()]} ${String(d.getUTCDate()).padStart(2, '0')}`;
    out.push(`<line class="tick" x1="${x}" x2="${x}" y1="0" y2="100%"/><text class="ticklabel" x="${x + 3}" y="12">${esc(text)} UTC</text>`);
  }
  return out.join('');
}

function timeline(view: PresentView, ns: NamespaceView): string {
  const lanes = Math.max(ns.lanes, 1);
  const barsTop = AXIS_H;
  const chartTop = barsTop + lanes * LANE_H + 6;
  const height = chartTop + CHART_H + 4;
  const nowX = xOf(view, view.nowMs);
  const recordX = xOf(view, Math.max(view.range.fromMs, view.recordSinceMs));
  const bars = ns.bars
    .map((b) => {
      const x0 = xOf(view, b.start.ms);
      const x1 = xOf(view, b.end?.ms ?? view.range.toMs);
      const y = barsTop + b.lane * LANE_H;
      const w = Math.max(2, Math.round((x1 - x0) * 10) / 10);
      const cls = ['bar', b.overlap ? 'overlap' : '', b.dst === undefined ? '' : 'dst', b.active ? 'active' : '', b.end === null ? 'permanent' : '']
        .filter((c) => c !== '')
        .join(' ');
      const text = w > 40 ? `<text class="barlabel" x="${x0 + 3}" y="${y + 13}">${esc(`${b.plan} ${b.steps?.join('→') ?? b.trus}`)}</text>` : '';
      return `<g class="${cls}" data-plan="${esc(b.plan)}" data-trus="${b.trus}" data-start="${esc(b.start.utc)}"><title>${esc(barTitle(b))}</title><rect x="${x0}" y="${y}" width="${w}" height="${LANE_H - 4}" rx="3"/>${text}</g>`;
    })
    .join('');
  // A held reduction applies at its window's end: a mark there, on the bars' rows.
  const held = ns.liveChanges
    .filter((c) => c.heldUntil !== undefined)
    .map((c) => {
      const x = xOf(view, c.heldUntil!.ms);
      return `<g class="heldmark" data-plan="${esc(c.plan)}"><title>${esc(`${c.plan}: ${c.text}`)}</title><line x1="${x}" x2="${x}" y1="${barsTop}" y2="${chartTop + CHART_H}"/><path d="M${x - 4} ${barsTop - 6}h8l-4 6z"/></g>`;
    })
    .join('');
  const dst = ns.dstChanges
    .map(
      (d) => `<line class="dstline" x1="${xOf(view, d.atMs)}" x2="${xOf(view, d.atMs)}" y1="${barsTop}" y2="${height}"><title>${esc(d.label)}</title></line>`,
    )
    .join('');
  const planned =
    ns.planned.length === 0
      ? ''
      : `<path class="planned" d="${stepPath(view, ns.planned, chartTop, ns.maxTrus)}"><title>effective TRUs the plans ask for (max over windows)</title></path>`;
  const applied =
    ns.applied.length === 0
      ? ''
      : `<path class="applied" d="${stepPath(view, ns.applied, chartTop, ns.maxTrus)}"><title>effective TRUs as the coordinator applied them</title></path>`;
  const noRecord =
    recordX > LEFT + 1
      ? `<rect class="norecord" x="${LEFT}" y="${chartTop}" width="${Math.round((recordX - LEFT) * 10) / 10}" height="${CHART_H}"><title>no record: the daemon started at ${esc(new Date(view.recordSinceMs).toISOString().slice(0, 16))}Z</title></rect>`
      : '';
  return `<svg class="timeline" role="img" aria-label="${esc(`${ns.namespace}: last 24 hours as applied, next 7 days as planned`)}" viewBox="0 0 ${WIDTH} ${height}" width="100%" preserveAspectRatio="none" style="height:${height}px">
<rect class="past" x="${LEFT}" y="0" width="${nowX - LEFT}" height="${height}"/>${dayTicks(view)}${noRecord}
<text class="axislabel" x="${LEFT + 2}" y="${chartTop + 10}">${ns.maxTrus} TRU</text><line class="base" x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${chartTop + CHART_H}" y2="${chartTop + CHART_H}"/>
${bars}${dst}${held}${planned}${applied}
<line class="now" x1="${nowX}" x2="${nowX}" y1="0" y2="${height}"><title>now ${esc(new Date(view.nowMs).toISOString().slice(0, 19))}Z</title></line><text class="nowlabel" x="${nowX + 3}" y="${height - 4}">now</text>
</svg>`;
}

/** The last pass's changes to running windows: held reductions (until the window's end), pending or applied ones. */
function liveChanges(changes: LiveChangeView[]): string {
  if (changes.length === 0) return '';
  const items = changes
    .map(
      (c) =>
        `<li class="livechange ${c.state}" data-state="${c.state}" data-plan="${esc(c.plan)}"><strong>${c.state}</strong> ${esc(c.plan)}: ${esc(c.text)}${c.heldUntil === undefined ? '' : ` <span class="muted">(${esc(c.heldUntil.local)})</span>`}</li>`,
    )
    .join('');
  return `<div class="live"><h3>Live changes <span class="muted">(the last pass: held reductions wait for the window's end)</span></h3><ul>${items}</ul></div>`;
}

function nowSection(ns: NamespaceView): string {
  const rows = ns.active
    .map((a) => {
      const who =
        a.plan === undefined ? 'manual change' : `${esc(a.plan)}${a.file === undefined ? '' : ` <span class="muted">${esc(a.file)}:${a.line ?? 1}</span>`}`;
      const end = a.end === undefined ? 'permanent' : `until <strong>${esc(hhmm(a.end))}</strong> <span class="muted">${esc(both(a.end, a.zone))}</span>`;
      const commit = `${a.commit === undefined ? (a.origin === 'manual' ? 'manual' : '—') : `<code>${esc(a.commit.slice(0, 12))}</code>`}${a.startedLate === true ? ' <span class="late">started late</span>' : ''}`;
      const link = a.uiUrl === undefined ? esc(a.workflowId) : `<a href="${esc(a.uiUrl)}">${esc(a.workflowId)}</a>`;
      return `<tr class="activewindow"><td>${who}</td><td>${a.trus} TRU</td><td class="end">${end}</td><td>${commit}</td><td>${link}</td></tr>`;
    })
    .join('');
  const next =
    ns.next === undefined
      ? '<span class="muted">no window in the next 7 days</span>'
      : `${esc(ns.next.plan)} · ${ns.next.steps?.join(' → ') ?? ns.next.trus} TRU · ${esc(both(ns.next.start, ns.next.zone))}${ns.next.end === null ? ' (permanent)' : ` → ${esc(hhmm(ns.next.end))}`}`;
  const effective =
    ns.effectiveTrus === undefined
      ? `unknown${ns.coordinatorError === undefined ? '' : ` (${esc(ns.coordinatorError)})`}`
      : ns.effectiveTrus === 0
        ? 'on-demand'
        : `${ns.effectiveTrus} TRUs`;
  return `<dl class="now">
<dt>Cloud Ops reports</dt><dd class="capacity">${esc(ns.capacityText)}${ns.capacityError === undefined ? '' : ` <span class="error">${esc(ns.capacityError)}</span>`}</dd>
<dt>Effective (coordinator)</dt><dd class="effective">${effective}</dd>
<dt>Plans ask for now</dt><dd>${ns.plannedNowTrus === 0 ? 'on-demand' : `${ns.plannedNowTrus} TRUs`}</dd>
<dt>Next window</dt><dd class="next">${next}</dd>
</dl>
${liveChanges(ns.liveChanges)}
${ns.active.length === 0 ? '<p class="muted">No active window.</p>' : `<table class="active"><thead><tr><th>Window</th><th>TRUs</th><th>End</th><th>Commit</th><th>Workflow</th></tr></thead><tbody>${rows}</tbody></table>`}`;
}

function sourceSection(view: PresentView): string {
  const s = view.source;
  const applied =
    s.appliedRevision === undefined
      ? '<span class="muted">nothing applied yet</span>'
      : `<code>${esc(s.appliedRevision.slice(0, 12))}</code>${s.subject === undefined ? '' : ` “${esc(s.subject)}”`}${s.author === undefined ? '' : ` by ${esc(s.author)}`}${s.committedAt === undefined ? '' : ` at ${esc(s.committedAt)}`}${s.appliedAt === undefined ? '' : ` <span class="muted">(applied ${esc(s.appliedAt)})</span>`}`;
  const refused =
    s.refused === undefined
      ? ''
      : `<div class="refused"><h3>Refused commit ${s.refused.revision === undefined ? '' : `<code>${esc(s.refused.revision.slice(0, 12))}</code>`} <span class="muted">since ${esc(s.refused.since)}</span></h3><p>Nothing from it was applied; the commit above stays in force.</p><ul>${s.refused.errors.map((e) => `<li><code>${esc(e)}</code></li>`).join('')}</ul></div>`;
  const problems =
    s.problems.length === 0
      ? ''
      : `<ul class="problems">${s.problems.map((p) => `<li class="error"><strong>${esc(p.kind)}</strong> since ${esc(p.since)}: ${esc(p.message)}</li>`).join('')}</ul>`;
  const drift =
    s.drift === undefined
      ? 'none seen'
      : `${s.drift.corrected} schedule${s.drift.corrected === 1 ? '' : 's'} ${s.drift.reportedOnly ? 'reported (self-heal off)' : 'restored'}${s.drift.at === undefined ? '' : ` at ${esc(s.drift.at)}`}`;
  const alerts =
    view.alerts.length === 0
      ? '<p class="muted">No alerts sent since the daemon started.</p>'
      : `<ul class="alerts">${view.alerts.map((a) => `<li class="${esc(a.severity)}"><span class="muted">${esc(a.at)}</span> ${esc(a.severity)}: ${esc(a.title)}${a.namespace === undefined ? '' : ` (${esc(a.namespace)})`}</li>`).join('')}</ul>`;
  return `<section id="source"><h2>Source</h2><dl>
<dt>Source</dt><dd>${esc(s.describe)}</dd>
<dt>Applied commit</dt><dd class="applied-commit">${applied}</dd>
<dt>Last pass</dt><dd class="last-pass">${s.lastPassResult === undefined ? '<span class="muted">none yet</span>' : `${esc(s.lastPassResult)} at ${esc(s.lastPassAt ?? '?')}`}</dd>
<dt>Last checked</dt><dd class="last-check">${s.lastCheck === undefined ? '<span class="muted">not yet</span>' : `${esc(s.lastCheck.at)}: ${esc(s.lastCheck.reason)}${s.lastCheck.passRequested ? ' (pass requested)' : ' <span class="muted">(free check, no pass)</span>'}`}</dd>
<dt>Drift</dt><dd>${drift}</dd>
</dl>${refused}${problems}<h3>Last alerts</h3>${alerts}</section>`;
}

/** What each plan's `lead` / `release: early` costs, under the week's figures (which include them). */
function timingList(view: PresentView): string {
  const items = view.namespaces.flatMap((n) => n.timingCosts.map((text) => `<li><code>${esc(n.namespace)}</code> ${esc(text)}</li>`));
  return items.length === 0 ? '' : `<h3>Timing options</h3><ul class="timing">${items.join('')}</ul>`;
}

function weekSection(view: PresentView): string {
  const rows = view.namespaces
    .map(
      (n) =>
        `<tr><td><code>${esc(n.namespace)}</code></td><td class="num">${n.week.billedTruHours}</td><td class="num">${esc(formatActions(n.week.minimumActions))}</td><td class="num">${esc(formatUsd(n.week.worstCaseUsd))}</td><td class="num">${n.week.provisionedHours}</td><td class="num">${n.week.peakTrus}</td><td>${esc(n.plans.join(', '))}</td></tr>`,
    )
    .join('');
  const t = view.totals;
  return `<section id="week"><h2>This week</h2><p class="muted">What the plans commit over the 168 UTC calendar hours from now's hour, the same figures as <code>capsched validate</code>: Temporal Cloud bills each hour at the highest TRUs in force in it; the first TRU is free and each TRU above it commits 360,000 Actions that hour. The worst case is those Actions at $${view.actionsPricePerMillion} per million, if the namespace uses none of them.</p>
<table><thead><tr><th>Namespace</th><th>Billed TRU-hours</th><th>Minimum Actions committed</th><th>Worst case if unused</th><th>Hours provisioned</th><th>Peak TRUs</th><th>Plans</th></tr></thead><tbody>${rows}</tbody>
<tfoot><tr><th>Total</th><td class="num">${t.billedTruHoursPerWeek}</td><td class="num">${esc(formatActions(t.minimumActionsPerWeek))}</td><td class="num">${esc(formatUsd(t.worstCaseUsdPerWeek))}</td><td></td><td></td><td>${t.plans} plans</td></tr></tfoot></table>${timingList(view)}</section>`;
}

const STYLE = `body{font:14px/1.4 system-ui,sans-serif;margin:0 auto;max-width:1060px;padding:12px 16px;color:#1b1f24;background:#fff}
h1{font-size:20px;margin:4px 0}h2{font-size:17px;margin:18px 0 6px;border-bottom:1px solid #d0d7de}h3{font-size:14px;margin:10px 0 4px}
.muted{color:#57606a}.error,.critical{color:#b42318}code{font:12px ui-monospace,monospace}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:4px 0}dt{color:#57606a}dd{margin:0}
table{border-collapse:collapse;margin:4px 0}td,th{border-bottom:1px solid #eaeef2;padding:3px 8px;text-align:left}.num{text-align:right}
.ns{border:1px solid #d0d7de;border-radius:6px;padding:8px 12px;margin:10px 0}
svg.timeline{display:block;margin:6px 0;background:#fbfcfd}
.past{fill:#f1f3f5}.tick{stroke:#e3e7eb}.ticklabel,.axislabel{font:10px sans-serif;fill:#6e7781}
.bar rect{fill:#5b8def;stroke:#2f5fbf}.bar.active rect{fill:#2da44e;stroke:#1a7f37}.bar.overlap rect{stroke:#d4a72c;stroke-width:2;stroke-dasharray:4 2}.bar.dst rect{fill:#a371f7}.bar.permanent rect{fill:#8c959f}
.barlabel{font:11px sans-serif;fill:#fff;pointer-events:none}
.planned{fill:none;stroke:#cf222e;stroke-width:2}.applied{fill:none;stroke:#1a7f37;stroke-width:2.5}.base{stroke:#d0d7de}
.now{stroke:#cf222e;stroke-width:1.5}.nowlabel{font:10px sans-serif;fill:#cf222e}.dstline{stroke:#8250df;stroke-dasharray:3 3;stroke-width:1.5}.norecord{fill:url(#hatch)}
.legend span{margin-right:12px}.sw{display:inline-block;width:12px;height:10px;margin-right:4px;vertical-align:middle}
.refused{border-left:4px solid #b42318;padding:2px 10px;background:#fff5f5}
.live{border-left:4px solid #bf8700;padding:2px 10px;background:#fff8c5}.livechange.applied{color:#1a7f37}.late{color:#9a6700;font-size:12px}
.heldmark line{stroke:#bf8700;stroke-width:2}.heldmark path{fill:#bf8700}`;

/** The whole page. */
export function renderPage(view: PresentView, options: PageOptions): string {
  const namespaces = view.namespaces
    .map(
      (
        ns,
      ) => `<section class="ns" id="ns-${esc(ns.namespace)}" data-namespace="${esc(ns.namespace)}"><h2><code>${esc(ns.namespace)}</code> <span class="muted">${esc(ns.capacityText)} · ${ns.plans.length} plan${ns.plans.length === 1 ? '' : 's'} · ${esc(formatActions(ns.week.minimumActions))} minimum Actions committed this week</span></h2>
${timeline(view, ns)}
${nowSection(ns)}</section>`,
    )
    .join('\n');
  const legend = `<p class="legend muted"><span><i class="sw" style="background:#5b8def"></i>window (plan, TRUs)</span><span><i class="sw" style="background:#2da44e"></i>active now</span><span><i class="sw" style="border:2px dashed #d4a72c"></i>overlap</span><span><i class="sw" style="background:#a371f7"></i>DST night</span><span><i class="sw" style="background:#8c959f"></i>permanent</span><span><i class="sw" style="background:#cf222e;height:2px"></i>planned max over windows</span><span><i class="sw" style="background:#1a7f37;height:3px"></i>applied (coordinator record)</span><span><i class="sw" style="background:#bf8700;width:3px"></i>held reduction (applies then)</span></p>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="refresh" content="${Math.max(1, Math.round(options.refreshSeconds))}">
<title>${esc(options.title ?? `capsched · ${view.installation}`)}</title><style>${STYLE}</style></head>
<body><svg width="0" height="0" style="position:absolute"><defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#f6f8fa"/><line x1="0" y1="0" x2="0" y2="6" stroke="#d0d7de" stroke-width="2"/></pattern></defs></svg>
<header><h1>capsched · installation <code>${esc(view.installation)}</code></h1>
<p class="muted">${view.totals.namespaces} namespaces · ${view.totals.plans} plans · ${view.totals.activeWindows} active windows · ${esc(formatActions(view.totals.minimumActionsPerWeek))} minimum Actions committed this week (worst case if unused ${esc(formatUsd(view.totals.worstCaseUsdPerWeek))}) · updated <time datetime="${esc(view.generatedAt)}">${esc(view.generatedAt.slice(0, 19))}Z</time> (refreshes every ${Math.round(options.refreshSeconds)} s)</p>
<p class="muted">Each picture: the last 24 h as the namespace's coordinator applied them (read from the coordinators by this daemon on a timer since ${esc(new Date(view.recordSinceMs).toISOString().slice(0, 16))}Z; hatched = no record), then the next 7 days as the plans at the applied commit say. Hover a bar for exact times in the plan's zone and UTC.</p>
${legend}</header>
<main>${namespaces === '' ? '<p class="muted">No plans and no coordinator yet.</p>' : namespaces}
${weekSection(view)}
${sourceSection(view)}</main></body></html>
`;
}
