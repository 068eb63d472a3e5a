/**
 * The playground's demo window: a short ramp on a namespace of its own, started by `capsched dev`
 * so that a newcomer sees a whole window (raise, verification, a ramp step, the release) within
 * about two and a half minutes, without writing a plan.
 *
 * It is a direct run of the capacity-change workflow, as `capsched change` starts one: the real
 * workflow and coordinator on the playground's Temporal dev server, the real capacity worker and
 * the Cloud Ops simulator. Only its timings are short (a 5 s verify delay instead of 2 min, a
 * 90 s window). It lives in the playground's Temporal only: no file is written anywhere.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import { describeTarget } from '../core/capacity/window.js';
import type { CapacityTarget } from '../core/ports.js';
import { CAPACITY_CHANGE_WORKFLOW, type CapacityChangeInput, type CapacityChangeResult } from '../core/workflow-contract.js';

/** The demo's Cloud Ops namespace: seeded in the simulator, named by no plan. */
export const DEMO_NAMESPACE = 'demo.playground';
/** The label the window carries (alerts, the Web UI's input). */
export const DEMO_LABEL = 'capsched-dev-demo';

export interface DemoTimings {
  /** From starting the demo to the window's start (default 30 s). */
  delayMs: number;
  /** The window's length (default 90 s). */
  lengthMs: number;
  /** The ramp: TRUs from each offset of the window's start (default 2 TRUs, then 4 TRUs after 45 s). */
  steps: { afterMs: number; trus: number }[];
  /** Wait between a change and its verification (default 5 s; production's default is 2 min). */
  verifyDelayMs: number;
}

export const DEMO_TIMINGS: DemoTimings = {
  delayMs: 30_000,
  lengthMs: 90_000,
  steps: [
    { afterMs: 0, trus: 2 },
    { afterMs: 45_000, trus: 4 },
  ],
  verifyDelayMs: 5_000,
};

function seconds(ms: number): string {
  return `${Math.round(ms / 1000)}s`;
}

export interface DemoRun {
  workflowId: string;
  runId: string;
  namespace: string;
  startMs: number;
  endMs: number;
  steps: { atMs: number; trus: number }[];
  verifyDelayMs: number;
}

/**
 * Starts the demo window on the capacity worker's task queue: the workflow is created now and
 * its first task runs `delayMs` later (Temporal's start delay), when the window starts.
 */
export async function startDemoWindow(client: Client, options: { taskQueue: string; nowMs: number; timings?: DemoTimings }): Promise<DemoRun> {
  const t = options.timings ?? DEMO_TIMINGS;
  const startMs = options.nowMs + t.delayMs;
  const endMs = startMs + t.lengthMs;
  const input: CapacityChangeInput = {
    namespace: DEMO_NAMESPACE,
    desiredTrus: Math.max(...t.steps.map((s) => s.trus)),
    steps: t.steps.map((s) => ({ after: seconds(s.afterMs), trus: s.trus })),
    startTime: new Date(startMs).toISOString(),
    endTime: new Date(endMs).toISOString(),
    verifyDelay: seconds(t.verifyDelayMs),
    plan: DEMO_LABEL,
  };
  const workflowId = `${DEMO_LABEL}-${new Date(options.nowMs).toISOString().replace(/[:.]/g, '-')}`;
  const handle = await client.workflow.start(CAPACITY_CHANGE_WORKFLOW, {
    taskQueue: options.taskQueue,
    workflowId,
    args: [input],
    startDelay: t.delayMs,
  });
  return {
    workflowId,
    runId: handle.firstExecutionRunId,
    namespace: DEMO_NAMESPACE,
    startMs,
    endMs,
    steps: t.steps.map((s) => ({ atMs: startMs + s.afterMs, trus: s.trus })),
    verifyDelayMs: t.verifyDelayMs,
  };
}

/** One capacity change the simulator applied (Cloud Ops' own record). */
export interface AppliedChange {
  atMs: number;
  target: CapacityTarget;
}

export type DemoEventKind = 'raise' | 'verified' | 'step' | 'release' | 'release-verified' | 'failed';

export interface DemoEvent {
  kind: DemoEventKind;
  atMs: number;
  text: string;
}

/** What the table shows of the demo window. */
export interface DemoView {
  run: DemoRun;
  /** The window workflow's phase (its status query); undefined before its first task ran. */
  phase?: string;
  /** In order: the raise, its verification, each ramp step, the release and its verification. */
  events: DemoEvent[];
  /** Set once the window is over: what it held, from the simulator's record of applied changes. */
  cost?: DemoCost;
  /** The namespace now, from the daemon's present view (what the page shows): "4 TRUs · active until 09:14 (4 TRU)". */
  now?: string;
}

export interface DemoCost {
  /** TRU-hours held: the sum of TRUs × hours between the applied changes. */
  truHours: number;
  peakTrus: number;
  /** Temporal Cloud bills each started hour at its highest TRUs: the sum of those per-hour peaks. */
  billedTruHours: number;
}

const HOUR_MS = 3_600_000;

function trusOf(target: CapacityTarget): number {
  return target.mode === 'provisioned' ? target.trus : 0;
}

/** What the applied changes held from the first to the last (ending at `untilMs`). Pure. */
export function demoCost(changes: readonly AppliedChange[], untilMs: number): DemoCost {
  let truHours = 0;
  let peakTrus = 0;
  const hourPeaks = new Map<number, number>();
  for (const [i, c] of changes.entries()) {
    const trus = trusOf(c.target);
    const to = changes[i + 1]?.atMs ?? untilMs;
    if (to <= c.atMs || trus === 0) continue;
    truHours += (trus * (to - c.atMs)) / HOUR_MS;
    peakTrus = Math.max(peakTrus, trus);
    for (let h = Math.floor(c.atMs / HOUR_MS); h * HOUR_MS < to; h++) hourPeaks.set(h, Math.max(hourPeaks.get(h) ?? 0, trus));
  }
  const billed = [...hourPeaks.values()].reduce((a, b) => a + b, 0);
  return { truHours: Math.round(truHours * 1000) / 1000, peakTrus, billedTruHours: billed };
}

/** The window's own status (its `status` query): what it reports of its raise and release. */
export interface DemoWindowStatus {
  phase: string;
  result: CapacityChangeResult;
}

/**
 * Folds readings into the demo's events: the simulator's applied changes for the namespace
 * (raise, ramp steps, release, at the instant Cloud Ops applied them) and the window's result
 * (the two verifications, at the instant they were first seen). Each event is kept once.
 */
export class DemoTracker {
  private readonly seen = new Map<string, DemoEvent>();
  private phase: string | undefined;
  private costValue: DemoCost | undefined;
  private readonly applied = new Map<string, AppliedChange>();

  constructor(readonly run: DemoRun) {}

  observe(changes: readonly AppliedChange[], status: DemoWindowStatus | undefined, nowMs: number): void {
    // Kept here as well: a simulator re-seeded for a new plan's namespace starts a fresh record.
    for (const c of changes) if (c.atMs >= this.run.startMs - 1_000) this.applied.set(`${c.atMs}/${describeTarget(c.target)}`, c);
    const ours = [...this.applied.values()].sort((a, b) => a.atMs - b.atMs);
    let raised = false;
    for (const c of ours) {
      const key = `change/${c.atMs}/${describeTarget(c.target)}`;
      const kind: DemoEventKind = c.target.mode === 'onDemand' ? 'release' : raised ? 'step' : 'raise';
      raised ||= c.target.mode === 'provisioned';
      if (this.seen.has(key)) continue;
      const what = kind === 'release' ? 'release' : kind === 'raise' ? 'raise' : 'ramp step';
      this.seen.set(key, { kind, atMs: c.atMs, text: `${what}: ${describeTarget(c.target)}, applied by Cloud Ops` });
    }
    if (status !== undefined) {
      this.phase = status.phase;
      const r = status.result;
      const first = ours.find((c) => c.target.mode === 'provisioned');
      if (r.verificationSuccess && !this.seen.has('verified'))
        this.seen.set('verified', {
          kind: 'verified',
          atMs: nowMs,
          text: `verified: the API reports ${first === undefined ? 'the raise' : describeTarget(first.target)} provisioned`,
        });
      if (r.revertVerificationSuccess && !this.seen.has('release-verified'))
        this.seen.set('release-verified', { kind: 'release-verified', atMs: nowMs, text: 'release verified: the API reports on-demand' });
      if ((status.phase === 'failed' || status.phase === 'skipped') && !this.seen.has('failed'))
        this.seen.set('failed', { kind: 'failed', atMs: nowMs, text: `${status.phase}: ${r.errors.join('; ') || 'see the workflow in the Web UI'}` });
      if (status.phase === 'done' && this.costValue === undefined) {
        const last = ours[ours.length - 1];
        this.costValue = demoCost(ours, last?.atMs ?? nowMs);
      }
    }
  }

  view(): DemoView {
    const events = [...this.seen.values()].sort((a, b) => a.atMs - b.atMs);
    return {
      run: this.run,
      ...(this.phase === undefined ? {} : { phase: this.phase }),
      events,
      ...(this.costValue === undefined ? {} : { cost: this.costValue }),
    };
  }

  /** True once the window has finished (done, failed or skipped): no more readings are needed. */
  finished(): boolean {
    return this.phase === 'done' || this.phase === 'failed' || this.phase === 'skipped';
  }
}

/** The window's status query; undefined while it cannot answer (before its delayed start, or no worker). */
export async function readDemoStatus(client: Client, run: DemoRun): Promise<DemoWindowStatus | undefined> {
  const handle: WorkflowHandle = client.workflow.getHandle(run.workflowId, run.runId);
  try {
    return await client.connection.withDeadline(Date.now() + 3_000, () => handle.query<DemoWindowStatus>('status'));
  } catch {
    return undefined;
  }
}

function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}

/** The demo's lines under the table; `stable` leaves out what changes every second. */
export function renderDemo(demo: DemoView, nowMs: number, options: { stable?: boolean } = {}): string[] {
  const r = demo.run;
  const ramp = r.steps.map((s) => `${s.trus}`).join('→');
  const stepAt = r.steps
    .slice(1)
    .map((s) => `${s.trus} TRUs at ${clock(s.atMs)}`)
    .join(', ');
  const lines = [
    `DEMO WINDOW  ${r.namespace}  ${ramp} TRU  ${clock(r.startMs)}–${clock(r.endMs)}Z${stepAt === '' ? '' : ` (${stepAt})`}  verify delay ${seconds(r.verifyDelayMs)}  workflow ${r.workflowId}`,
  ];
  if (demo.now !== undefined) lines.push(`  now: ${demo.now}`);
  if (demo.events.length === 0) {
    const wait = Math.max(0, Math.round((r.startMs - nowMs) / 1000));
    lines.push(
      `  ${clock(r.startMs)}Z  the window starts${options.stable === true || wait === 0 ? '' : ` in ${wait} s`}; no plan needed (capsched dev --no-demo skips it)`,
    );
  }
  for (const e of demo.events) lines.push(`  ${clock(e.atMs)}Z  ${e.text}`);
  if (demo.cost !== undefined) {
    const c = demo.cost;
    lines.push(
      `  cost: ${c.truHours} TRU-hours held, peak ${c.peakTrus} TRU; Temporal Cloud bills each started hour at its peak: ${c.billedTruHours} TRU-hours`,
    );
  }
  return lines;
}
