/**
 * bench/validate: parse + validate + overlap analysis over 14 days for 1,000 generated plans on
 * 50 namespaces (recurring windows in several zones, one-offs, permanent changes).
 *
 *   npx tsc -p . && node dist/bench/validate.js [--plans 1000] [--namespaces 50] [--rounds 5] [--now ISO] [--ramps]
 *
 * --now 2027-03-10T00:00:00Z puts US and EU DST changes inside the 14 days (the slower path).
 * --ramps makes the recurring plans of 10-hour windows ramps (4 steps: 4 → 8 → 12 → 6), 1 in 7 of them.
 *
 * Prints plans/s (median round) and peak RSS. Target: at least 5,000 plans/s.
 */
import { parseArgs } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { validatePlans } from '../src/core/plan/validate.js';
import type { PlanFile } from '../src/core/ports.js';

const { values } = parseArgs({
  options: {
    plans: { type: 'string', default: '1000' },
    namespaces: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '5' },
    now: { type: 'string', default: '2026-12-01T00:00:00Z' },
    ramps: { type: 'boolean', default: false },
  },
});
const planCount = Number(values.plans);
const namespaceCount = Number(values.namespaces);
const rounds = Number(values.rounds);

const ZONES = ['UTC', 'America/New_York', 'Europe/Berlin', 'Asia/Tokyo', 'Australia/Sydney', 'America/Los_Angeles', 'Asia/Kolkata'];
const TRUS = [2, 3, 4, 6, 8, 10, 12];
const CRONS = ['0 23 * * 1-5', '0 8 * * MON-FRI', '30 1 * * *', '0 */6 * * *', '15 9 1 * *', '0 0 * * 0', '0 12 * * 1,3,5'];
const DURATIONS = ['3h', '10h', '1h30m', '2h', '4h', '6h', '1h'];

function planText(i: number): string {
  const ns = `team-${i % namespaceCount}.a${(i % namespaceCount).toString(36)}x9z`;
  const zone = ZONES[i % ZONES.length]!;
  const ramp = values.ramps && i % 10 < 8 && DURATIONS[i % DURATIONS.length] === '10h';
  const capacity = ramp
    ? 'steps:\n  - { after: 0h, trus: 4 }\n  - { after: 1h, trus: 8 }\n  - { after: 2h, trus: 12 }\n  - { after: 9h, trus: 6 }\n'
    : `trus: ${TRUS[i % TRUS.length]}\n`;
  const head = `apiVersion: capsched/v1\nkind: CapacityPlan\nname: plan-${i}\nnamespace: ${ns}\n${capacity}timezone: ${zone}\ndescription: generated plan ${i} for the validate benchmark\n`;
  switch (i % 10) {
    case 8:
      return `${head}at: "2027-0${1 + (i % 9)}-1${i % 10}T0${i % 10}:00"\nuntil: "2027-0${1 + (i % 9)}-1${i % 10}T1${i % 10}:00"\n`;
    case 9:
      return `${head}at: "2027-0${1 + (i % 9)}-0${1 + (i % 9)}T09:00"\n`;
    default:
      return `${head}cron: "${CRONS[i % CRONS.length]}"\nduration: ${DURATIONS[i % DURATIONS.length]}\n`;
  }
}

// 100 files of 10 plans each (multi-document YAML), like a real repository.
const files: PlanFile[] = [];
for (let f = 0; f * 10 < planCount; f++) {
  const docs: string[] = [];
  for (let i = f * 10; i < Math.min(planCount, f * 10 + 10); i++) docs.push(planText(i));
  const bytes = new TextEncoder().encode(docs.join('---\n'));
  files.push({ path: `schedules/team-${f}.yaml`, kind: 'file', size: bytes.length, bytes });
}

const now = Date.parse(values.now);
const times: number[] = [];
let last;
for (let r = 0; r <= rounds; r++) {
  const start = performance.now();
  last = validatePlans(files, { now, horizonDays: 14 });
  const ms = performance.now() - start;
  if (r > 0) times.push(ms); // round 0 warms up (JIT, zone tables)
}
times.sort((a, b) => a - b);
// For context: the YAML library's own parse of the same files (a floor for any validator using it).
const decoded = files.map((f) => new TextDecoder().decode(f.bytes));
const yamlTimes: number[] = [];
for (let r = 0; r <= rounds; r++) {
  const start = performance.now();
  for (const text of decoded) parseAllDocuments(text, { uniqueKeys: false, prettyErrors: false, strict: true, schema: 'core' });
  if (r > 0) yamlTimes.push(performance.now() - start);
}
yamlTimes.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)]!;
const peakRssMb = process.resourceUsage().maxRSS / 1024;
if (last === undefined || last.plans.length !== planCount)
  throw new Error(`expected ${planCount} valid plans, got ${last?.plans.length}: ${JSON.stringify(last?.errors.slice(0, 3))}`);
console.log(
  `validate: ${planCount} plans (${files.reduce((n, f) => n + (new TextDecoder().decode(f.bytes).match(/^steps:/gm)?.length ?? 0), 0)} ramps), ${namespaceCount} namespaces, ${files.length} files; ${last.warnings.length} warnings (${last.warnings.filter((w) => w.code === 'overlap').length} overlaps)`,
);
console.log(
  `median ${median.toFixed(1)} ms per run (min ${times[0]!.toFixed(1)}, max ${times[times.length - 1]!.toFixed(1)}) → ${Math.round((planCount / median) * 1000)} plans/s`,
);
console.log(`of which YAML parsing alone: median ${yamlTimes[Math.floor(yamlTimes.length / 2)]!.toFixed(1)} ms`);
console.log(`peak RSS ${peakRssMb.toFixed(0)} MB`);
