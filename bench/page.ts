/**
 * bench/page: the page's server-side cost for 1,000 plans over 50 namespaces: the present view
 * model (core/present: every window of the next 7 days, lanes, overlaps, the max-over-windows
 * line, DST changes, the week's TRU-hours, the applied record) and its HTML/SVG (src/ui/page).
 * The live readings (coordinator and Cloud Ops per namespace) are given, as the daemon's
 * PresentReader hands them over; their RPCs are not part of the render.
 *
 *   npx tsc -p . && node dist/bench/page.js [--plans 1000] [--namespaces 50] [--rounds 20] [--now ISO]
 *
 * --now 2027-03-10T00:00:00Z puts US and EU DST changes inside the 7 days.
 *
 * Prints the median and worst round of buildPresent, renderPage and both, the HTML size and the
 * bars drawn. Target: the page in under 200 ms.
 */
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { buildPresent, type AppliedSample, type LiveNamespace, type PresentInput } from '../src/core/present/model.js';
import { loadPlans } from '../src/core/plan/load.js';
import type { PlanFile } from '../src/core/ports.js';
import { renderPage } from '../src/ui/page.js';
import { median } from './bench-repo.js';
import { parseWindowId } from '../src/core/engine/index.js';

const { values } = parseArgs({
  options: {
    plans: { type: 'string', default: '1000' },
    namespaces: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '20' },
    now: { type: 'string', default: '2026-12-03T08:00:00Z' },
  },
});
const planCount = Number(values.plans);
const namespaceCount = Number(values.namespaces);
const rounds = Number(values.rounds);
const nowMs = Date.parse(values.now);

const ZONES = ['UTC', 'America/New_York', 'Europe/Berlin', 'Asia/Tokyo', 'Australia/Sydney', 'America/Los_Angeles', 'Asia/Kolkata'];
const TRUS = [2, 3, 4, 6, 8, 10, 12];
const CRONS = ['0 23 * * 1-5', '0 8 * * MON-FRI', '30 1 * * *', '0 */6 * * *', '15 9 1 * *', '0 0 * * 0', '0 12 * * 1,3,5'];
const DURATIONS = ['3h', '10h', '1h30m', '2h', '4h', '6h', '1h'];
const namespaceOf = (i: number): string => `team-${i % namespaceCount}.a${(i % namespaceCount).toString(36)}x9z`;

function planText(i: number): string {
  const zone = ZONES[i % ZONES.length]!;
  const head = `apiVersion: capsched/v1\nkind: CapacityPlan\nname: plan-${i}\nnamespace: ${namespaceOf(i)}\ntrus: ${TRUS[i % TRUS.length]}\ntimezone: ${zone}\n`;
  const day = new Date(nowMs + ((i % 6) + 1) * 86_400_000).toISOString().slice(0, 10);
  switch (i % 10) {
    case 8:
      return `${head}at: "${day}T0${i % 10}:00"\nuntil: "${day}T1${i % 10}:00"\n`;
    case 9:
      return `${head}at: "${day}T09:00"\n`;
    default:
      // Minutes and hours spread so that windows are not all at the same instants.
      return `${head}cron: "${CRONS[i % CRONS.length]!.replace(/^\d+ /, `${i % 60} `)}"\nduration: ${DURATIONS[i % DURATIONS.length]}\n`;
  }
}

const enc = new TextEncoder();
const files: PlanFile[] = [];
for (let f = 0; f < Math.ceil(planCount / 10); f++) {
  const docs: string[] = [];
  for (let i = f * 10; i < Math.min(planCount, f * 10 + 10); i++) docs.push(planText(i));
  const bytes = enc.encode(docs.join('---\n'));
  files.push({ path: `schedules/team-${f}.yaml`, kind: 'file', size: bytes.length, bytes });
}
const loaded = loadPlans(files, { plansPath: 'schedules' });
if (loaded.plans.length !== planCount)
  throw new Error(`generated ${loaded.plans.length} plans, wanted ${planCount}: ${JSON.stringify(loaded.issues.slice(0, 3))}`);

// Per namespace: Cloud Ops capacity, the coordinator (2 running windows: a plan's and a manual one) and a day of applied readings every 30 min.
const live: LiveNamespace[] = [];
const applied: Record<string, AppliedSample[]> = {};
for (let n = 0; n < namespaceCount; n++) {
  const namespace = namespaceOf(n);
  live.push({
    namespace,
    capacity: { namespace, mode: 'provisioned', currentTrus: 8, resourceVersion: `v${n}`, latestRequest: { state: 'completed' } },
    effective: { mode: 'provisioned', trus: 8 },
    windows: [
      { ...parseWindowId(`capsched.prod.plan-${n}-2026-12-03T07:00:00Z/run-${n}`), trus: 8, endMs: nowMs + 2 * 3_600_000 },
      { ...parseWindowId(`manual-${n}`), trus: 2, endMs: null },
    ],
  });
  applied[namespace] = Array.from({ length: 48 }, (_, k) => ({ atMs: nowMs - 24 * 3_600_000 + k * 1_800_000, trus: k % 3 === 0 ? 0 : TRUS[k % TRUS.length]! }));
}

const input: PresentInput = {
  nowMs,
  installation: 'prod',
  plans: loaded.plans,
  live,
  applied,
  recordSinceMs: nowMs - 30 * 3_600_000,
  source: {
    describe: 'git https://example.com/capacity.git (main) schedules/',
    appliedRevision: '0123456789abcdef0123456789abcdef01234567',
    subject: 'payments: nightly to 8 TRUs',
    author: 'Platform Team',
    committedAt: '2026-12-03T07:55:00Z',
    lastPassAt: '2026-12-03T07:59:30Z',
    lastPassResult: 'unchanged',
    problems: [],
  },
  alerts: Array.from({ length: 20 }, (_, k) => ({
    at: '2026-12-03T07:00:00Z',
    severity: 'info' as const,
    title: `capacity raised ${k}`,
    namespace: namespaceOf(k),
  })),
  temporalUi: { baseUrl: 'https://cloud.temporal.io', namespace: 'capsched.a1b2c' },
};

const model: number[] = [];
const render: number[] = [];
const total: number[] = [];
let html = '';
let bars = 0;
for (let r = 0; r < rounds + 2; r++) {
  const t0 = performance.now();
  const view = buildPresent(input);
  const t1 = performance.now();
  html = renderPage(view, { refreshSeconds: 5 });
  const t2 = performance.now();
  bars = view.namespaces.reduce((sum, ns) => sum + ns.bars.length, 0);
  // Two warm-up rounds (JIT), not counted.
  if (r < 2) continue;
  model.push(t1 - t0);
  render.push(t2 - t1);
  total.push(t2 - t0);
}
const ms = (v: number): string => `${v.toFixed(1)} ms`;
console.log(`page for ${planCount} plans over ${namespaceCount} namespaces, now ${values.now}, ${rounds} rounds (node ${process.version})`);
console.log(`  buildPresent (view model)  median ${ms(median(model))}, worst ${ms(Math.max(...model))}`);
console.log(`  renderPage (HTML + SVG)    median ${ms(median(render))}, worst ${ms(Math.max(...render))}`);
console.log(`  page total                 median ${ms(median(total))}, worst ${ms(Math.max(...total))}  (target < 200 ms)`);
console.log(`  ${bars} bars drawn, HTML ${(Buffer.byteLength(html) / 1024).toFixed(0)} KiB, peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
