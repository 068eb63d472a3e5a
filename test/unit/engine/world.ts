/**
 * A model of the world the capacity engine lives in, to check its promises by simulation:
 * the Cloud Ops API as the research describes it (async operations that lag, one change at a time
 * per namespace, FULFILLED before the capacity reads back, refused values, outages, throttling),
 * worker outages (nothing is delivered; an activity in flight is retried with the same operation
 * id), coordinators that lose their state (reset, terminated) and windows that re-announce
 * themselves, passes that push baselines and edits, out-of-band changes. The engine is driven
 * exactly as the coordinator workflow drives it: events in, commands out. After every step the
 * invariants of docs/RELIABILITY.md are checked; a broken one throws with the time and the trace.
 */
import { capacityMatches } from '../../../src/core/capacity/window.js';
import {
  applyFailureType,
  applyOutcomeOf,
  decide,
  desiredTarget,
  engineStatus,
  initialState,
  type EngineCommand,
  type EngineEvent,
  type EngineState,
  type NamespacePresent,
  type WindowAsk,
  type WindowReport,
} from '../../../src/core/engine/index.js';
import type { CapacityTarget, NamespaceCapacity } from '../../../src/core/ports.js';

export const MIN = 60_000;

export interface WindowSpec {
  id: string;
  startMs: number;
  /** Absent: permanent (its plan's baseline). */
  endMs?: number | undefined;
  trus: number;
  /** A ramp: offsets from the start. */
  steps?: { afterMs: number; trus: number }[] | undefined;
  plan?: string | undefined;
  verifyDelayMs: number;
  cancelAtMs?: number | undefined;
  moveEnd?: { atMs: number; toMs: number } | undefined;
  setTrus?: { atMs: number; trus: number } | undefined;
  /** The join activity is still running when the end moves (defect 6: the window must forward the new end). */
  joinLatencyMs?: number | undefined;
}

export type Fault =
  | { kind: 'outage'; fromMs: number; toMs: number }
  | { kind: 'worker-down'; fromMs: number; toMs: number }
  | { kind: 'exhausted'; fromMs: number; toMs: number }
  | { kind: 'reset'; atMs: number }
  /** The next change is accepted by Cloud, but the attempt's result is lost and the retry lands on a worker that refuses it. */
  | { kind: 'lost-result'; atMs: number; failureType: string }
  /** The next operation ends FAILED. */
  | { kind: 'op-fails'; atMs: number }
  /** Someone changes capacity in the UI. */
  | { kind: 'out-of-band'; atMs: number; target: CapacityTarget };

export interface Scenario {
  windows: WindowSpec[];
  faults: Fault[];
  /** TRU values the API refuses (not offered). */
  notOffered: number[];
  /** The whole namespace runs in dry-run (windows and worker). */
  dryRun: boolean;
  /** Passes pushing the permanent plans in force (git is the truth). */
  baselinePasses: { atMs: number; plans: Record<string, number> }[];
  reverifyIntervalMs?: number | undefined;
  /** Operation lag and read-back delay, from a seed. */
  seed: number;
  /** Longest operation lag (default 3 min). */
  maxLagMs?: number | undefined;
  /** The namespace is unknown to Cloud Ops: every change and read is refused (NOT_FOUND). */
  missing?: boolean | undefined;
}

interface Op {
  id: string;
  target: CapacityTarget;
  acceptedMs: number;
  fulfilledMs: number;
  readbackMs: number;
  failed: boolean;
}

interface Pending {
  atMs: number;
  seq: number;
  run: () => void;
}

export interface Trace {
  atMs: number;
  what: string;
}

/** Bound on "within a bounded time": backoff caps, operation lag, verify delay, a lost coordinator's re-join. */
export const SETTLE_BOUND_MS = 30 * MIN;
const WINDOW_CHECK_MS = 10 * MIN;
const ACTIVITY_TIMEOUT_MS = 12 * MIN;

export class World {
  readonly trace: Trace[] = [];
  readonly alerts: Array<{ atMs: number; severity: string; title: string; key: string }> = [];
  readonly reports = new Map<string, { raise?: WindowReport; release?: WindowReport }>();
  readonly opTargets = new Map<string, string>();
  readonly resets: number[] = [];
  readonly verifiedLog: number[] = [];
  readonly reportLog: Array<{ atMs: number; step: 'raise' | 'release'; verified: boolean; refused: boolean }> = [];
  readonly applies: Array<{ atMs: number; target: CapacityTarget; dryRun: boolean | undefined; operationId: string }> = [];
  now = 0;
  completedAt: number | undefined;
  private ops: Op[] = [];
  private queue: Pending[] = [];
  private seq = 0;
  private engine: EngineState | undefined;
  private instance = 0;
  private inFlight: { instance: number; cmd: EngineCommand } | undefined;
  private timer: { instance: number; atMs: number } | undefined;
  private rnd: () => number;
  private announced = new Set<string>();
  /** When capsched was last told each window's ask (an announcement or a forwarded change). */
  private toldAt = new Map<string, number>();
  /** Each reset, and what the namespace had then (the level a coordinator that lost its windows holds). */
  private resetLevels: Array<{ atMs: number; trus: number }> = [];
  /** What the coordinator has been told of each window (its join, the edits and ends delivered since). */
  private toldPlans: Record<string, number> = {};
  private told = new Map<string, { trus: number; flat: boolean; endMs?: number | undefined; steps?: WindowSpec['steps'] }>();
  /** Windows' truth: their current value and end, as the plan and the user say. */
  private truth = new Map<string, { trus: number; endMs?: number | undefined; startMs: number; steps?: WindowSpec['steps']; cancelled?: boolean }>();
  private quietSince = 0;
  private askQuietSince = 0;

  constructor(readonly scenario: Scenario) {
    let x = scenario.seed >>> 0 || 1;
    this.rnd = () => {
      // mulberry32
      x = (x + 0x6d2b79f5) >>> 0;
      let t = x;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  // ------------------------------------------------------------ the Cloud Ops API

  /** The namespace as GetNamespace reports it now. */
  cloud(atMs = this.now): NamespaceCapacity {
    let current: CapacityTarget = { mode: 'onDemand' };
    let latest: Op | undefined;
    for (const op of this.ops) {
      if (op.acceptedMs > atMs) continue;
      latest = op;
      if (!op.failed && op.readbackMs <= atMs) current = op.target;
    }
    return {
      namespace: 'ns.sim',
      mode: current.mode,
      ...(current.mode === 'provisioned' ? { currentTrus: current.trus } : {}),
      ...(latest === undefined
        ? {}
        : { latestRequest: { state: latest.readbackMs > atMs ? 'inProgress' : latest.failed ? 'failed' : 'completed', target: latest.target } }),
      resourceVersion: String(this.ops.length),
    } as NamespaceCapacity;
  }

  private within(kind: Fault['kind'], atMs: number): boolean {
    return this.scenario.faults.some((f) => f.kind === kind && 'fromMs' in f && f.fromMs <= atMs && atMs < f.toMs);
  }

  private accept(id: string, target: CapacityTarget, atMs: number, failed: boolean): Op {
    const lag = 5_000 + Math.floor(this.rnd() * ((this.scenario.maxLagMs ?? 3 * MIN) - 5_000));
    // A FAILED operation's request reads FAILED when the operation does (nothing to read back).
    const op: Op = { id, target, acceptedMs: atMs, fulfilledMs: atMs + lag, readbackMs: atMs + lag + (failed ? 0 : Math.floor(this.rnd() * MIN)), failed };
    this.ops.push(op);
    return op;
  }

  // ------------------------------------------------------------ scheduling

  private at(atMs: number, run: () => void): void {
    const item = { atMs: Math.max(atMs, this.now), seq: this.seq++, run };
    // Sorted insert (time, then order of scheduling): the queue stays ordered without re-sorting each step.
    let lo = 0;
    let hi = this.queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const m = this.queue[mid] as Pending;
      if (m.atMs < item.atMs || (m.atMs === item.atMs && m.seq < item.seq)) lo = mid + 1;
      else hi = mid;
    }
    this.queue.splice(lo, 0, item);
  }

  /** When something sent to the worker at `atMs` is handled: after any worker outage. */
  private workerAt(atMs: number): number {
    let t = atMs;
    for (;;) {
      const down = this.scenario.faults.find((f) => f.kind === 'worker-down' && f.fromMs <= t && t < f.toMs) as { toMs: number } | undefined;
      if (down === undefined) return t;
      t = down.toMs;
    }
  }

  // ------------------------------------------------------------ the coordinator shell

  private deliver(event: EngineEvent, startsCoordinator: boolean): void {
    if (this.engine === undefined) {
      if (!startsCoordinator) {
        this.log(`dropped ${event.kind}: no coordinator`);
        return;
      }
      this.instance += 1;
      this.engine = initialState('ns.sim');
      this.step({
        kind: 'start',
        opPrefix: `capsched-capacity-ns.sim:run${this.instance}`,
        dryRun: this.scenario.dryRun,
        settings: { reverifyIntervalMs: this.scenario.reverifyIntervalMs },
      });
    }
    this.step(event);
  }

  private step(event: EngineEvent): void {
    const engine = this.engine;
    if (engine === undefined) return;
    const { state, commands } = decide(engine, event, this.now);
    this.engine = state;
    this.log(
      `${event.kind}${event.kind === 'applied' ? ` ${event.result.outcome}` : event.kind === 'verified' ? ` ${event.result.outcome}` : ''} → ${commands.map((c) => c.kind).join(',') || '-'}`,
    );
    const instance = this.instance;
    for (const c of commands) this.runCommand(c, instance);
    this.check(commands);
  }

  private runCommand(c: EngineCommand, instance: number): void {
    switch (c.kind) {
      case 'apply': {
        if (this.inFlight !== undefined && this.inFlight.instance === instance) throw this.fail('I3: a second change in flight on the namespace');
        const prior = this.opTargets.get(c.operationId);
        const key = JSON.stringify(c.target);
        if (prior !== undefined && prior !== key) throw this.fail(`I3: operation id ${c.operationId} reused for another request`);
        this.opTargets.set(c.operationId, key);
        this.applies.push({ atMs: this.now, target: c.target, dryRun: c.dryRun, operationId: c.operationId });
        if (c.dryRun !== this.scenario.dryRun) throw this.fail('I4: a change asked in the other mode than the windows');
        this.inFlight = { instance, cmd: c };
        this.runApply(c.target, c.operationId, instance, this.now);
        return;
      }
      case 'verify':
        this.inFlight = { instance, cmd: c };
        this.runVerify(c.target, instance, this.now);
        return;
      case 'wait':
        this.timer = { instance, atMs: c.untilMs };
        this.at(this.workerAt(c.untilMs), () => {
          if (this.timer?.instance === instance && this.timer.atMs === c.untilMs && this.instance === instance) this.step({ kind: 'tick' });
        });
        return;
      case 'alert':
        this.alerts.push({ atMs: this.now, severity: c.severity, title: c.title, key: c.dedupeKey });
        if (/recovered: now|capacity now/.test(c.title) && !this.scenario.dryRun) {
          const target = /now (on-demand|(\d+) TRUs)/.exec(c.title);
          const cloud = this.cloud();
          const claimed: CapacityTarget | undefined =
            target?.[1] === 'on-demand' ? { mode: 'onDemand' } : target?.[2] !== undefined ? { mode: 'provisioned', trus: Number(target[2]) } : undefined;
          if (claimed !== undefined && !capacityMatches(cloud, claimed).ok)
            throw this.fail(`I5: alert "${c.title}" while the API reports ${JSON.stringify(cloud)}`);
        }
        return;
      case 'report': {
        const r = c.report;
        this.reportLog.push({ atMs: this.now, step: r.step, verified: r.verified, refused: !r.applied && r.retrying !== true });
        const got = this.reports.get(c.to.windowId) ?? {};
        if (r.step === 'raise') got.raise ??= r;
        else got.release ??= r;
        this.reports.set(c.to.windowId, got);
        if (r.verified && !r.dryRun && !this.scenario.dryRun && !capacityMatches(this.cloud(), r.target).ok)
          throw this.fail(
            `I5: ${r.step} of ${c.to.windowId} reported verified at ${JSON.stringify(r.target)} while the API reports ${JSON.stringify(this.cloud())}`,
          );
        return;
      }
      case 'continue-as-new': {
        // The shell continues as new with the engine's state: a new run (new operation-id prefix), timers not carried over.
        const carried = this.engine;
        this.at(this.now, () => {
          // Signals that arrived meanwhile come first; the shell asks again (its history is still long).
          if (this.engine !== carried || carried === undefined) return this.deliver({ kind: 'history-long' }, false);
          this.instance += 1;
          this.inFlight = undefined;
          this.log('continued as new');
          this.step({ kind: 'start', opPrefix: `capsched-capacity-ns.sim:run${this.instance}` });
        });
        return;
      }
      case 'complete':
        this.completedAt = this.now;
        this.log('coordinator completed');
        this.engine = undefined;
        this.inFlight = undefined;
        return;
    }
  }

  private runApply(target: CapacityTarget, operationId: string, instance: number, issuedMs: number): void {
    const t = this.workerAt(issuedMs) + 1_000;
    const result = (atMs: number, r: Extract<EngineEvent, { kind: 'applied' }>['result']): void =>
      this.at(this.workerAt(atMs), () => {
        if (this.instance !== instance || this.engine === undefined) return;
        if (this.inFlight?.cmd.kind === 'apply') this.inFlight = undefined;
        this.step({ kind: 'applied', operationId, result: r });
      });
    const failure = (atMs: number, type: string, error: string): void => {
      const outcome = applyOutcomeOf(type);
      result(atMs, { outcome, error });
    };
    this.at(t, () => {
      if (this.scenario.dryRun) return result(t, { outcome: 'accepted', changed: false, dryRun: true });
      if (this.scenario.missing === true) return failure(t, 'CLOUD_OPS_NOT_FOUND', 'namespace not found');
      const existing = this.ops.find((o) => o.id === operationId);
      if (this.within('outage', t)) return failure(t + 3_000, 'CLOUD_OPS_UNAVAILABLE', 'unavailable');
      if (this.within('exhausted', t)) return failure(t + 3_000, 'CLOUD_OPS_RATE_LIMITED', 'RESOURCE_EXHAUSTED: 10 operations running in the account');
      if (existing === undefined) {
        if (target.mode === 'provisioned' && this.scenario.notOffered.includes(target.trus))
          return failure(t, 'CLOUD_OPS_TRUS_NOT_OFFERED', `${target.trus} TRUs not offered`);
        const cloud = this.cloud(t);
        if (cloud.latestRequest?.state === 'inProgress') return failure(t, 'CLOUD_OPS_REQUEST_IN_PROGRESS', 'a capacity request is in progress');
        if (capacityMatches(cloud, target).ok) return result(t, { outcome: 'accepted', changed: false, dryRun: false });
      }
      const fails = this.takeFault('op-fails', t);
      const op = existing ?? this.accept(operationId, target, t, fails !== undefined);
      const lost = this.takeFault('lost-result', t) as Extract<Fault, { kind: 'lost-result' }> | undefined;
      // The retry (attempt 2) lands on a worker that refuses it: the activity's rule (core/engine/outcomes) makes that unknown.
      if (lost !== undefined)
        return failure(t + 2_000, applyFailureType(lost.failureType, { number: 2, accepted: true }), 'refused by the worker the retry landed on');
      if (op.fulfilledMs - t > ACTIVITY_TIMEOUT_MS)
        return failure(t + ACTIVITY_TIMEOUT_MS, 'CLOUD_OPS_OPERATION_TIMEOUT', 'the operation outlasted the activity');
      if (op.failed) return failure(Math.max(t, op.fulfilledMs), 'CLOUD_OPS_OPERATION_FAILED', 'the operation ended FAILED');
      return result(Math.max(t, op.fulfilledMs), { outcome: 'accepted', changed: true, dryRun: false });
    });
  }

  private takeFault(kind: 'op-fails' | 'lost-result', atMs: number): Fault | undefined {
    const f = this.scenario.faults.find((x) => x.kind === kind && x.atMs <= atMs && !(x as { used?: boolean }).used);
    if (f !== undefined) (f as { used?: boolean }).used = true;
    return f;
  }

  private runVerify(target: CapacityTarget, instance: number, issuedMs: number): void {
    const t = this.workerAt(issuedMs) + 500;
    this.at(t, () => {
      let doneMs = t;
      if (!this.scenario.dryRun && !this.within('outage', t)) {
        // The activity polls while the latest request is in progress, for at most 60 s.
        const inProgress = this.ops.filter((o) => o.acceptedMs <= t && o.readbackMs > t);
        if (inProgress.length > 0) doneMs = Math.min(t + MIN, Math.max(...inProgress.map((o) => o.readbackMs)));
      }
      this.at(this.workerAt(doneMs), () => {
        if (this.instance !== instance || this.engine === undefined) return;
        if (this.inFlight?.cmd.kind === 'verify') this.inFlight = undefined;
        if (this.scenario.dryRun) return this.step({ kind: 'verified', result: { outcome: 'ok', dryRun: true } });
        if (this.within('outage', this.now)) return this.step({ kind: 'verified', result: { outcome: 'error', error: 'unavailable' } });
        if (this.scenario.missing === true) return this.step({ kind: 'verified', result: { outcome: 'error', error: 'namespace not found', refused: true } });
        const cloud = this.cloud();
        const v = capacityMatches(cloud, target);
        if (v.ok) this.verifiedLog.push(this.now);
        const pending =
          cloud.latestRequest?.state === 'inProgress' && cloud.latestRequest.target?.mode === 'provisioned' ? cloud.latestRequest.target.trus : undefined;
        const observed = {
          mode: cloud.mode === 'provisioned' ? ('provisioned' as const) : ('onDemand' as const),
          ...(cloud.currentTrus !== undefined ? { trus: cloud.currentTrus } : {}),
          ...(pending !== undefined ? { pendingTrus: pending } : {}),
        };
        this.step({ kind: 'verified', result: v.ok ? { outcome: 'ok', dryRun: false, observed } : { outcome: 'mismatch', reason: v.reason, observed } });
      });
    });
  }

  // ------------------------------------------------------------ windows and passes

  private ask(w: WindowSpec, rejoin: boolean): WindowAsk {
    const t = this.truth.get(w.id);
    return {
      windowId: `win-${w.id}/run`,
      workflowId: `win-${w.id}`,
      runId: 'run',
      // A window carries its input (the plan at its schedule's commit); a later edit reaches the coordinator through the pass.
      trus: w.trus,
      ...(w.steps !== undefined ? { steps: w.steps.map((s) => ({ atMs: w.startMs + s.afterMs, trus: s.trus })) } : {}),
      endMs: t?.endMs,
      verifyDelayMs: w.verifyDelayMs,
      dryRun: this.scenario.dryRun,
      ...(rejoin ? { rejoin } : {}),
      ...(w.plan !== undefined ? { plan: w.plan } : {}),
    };
  }

  private schedule(): void {
    for (const w of this.scenario.windows) {
      this.truth.set(w.id, { trus: w.trus, endMs: w.endMs, startMs: w.startMs, steps: w.steps });
      const joinAt = w.startMs + (w.joinLatencyMs ?? 1_000);
      this.at(this.workerAt(w.startMs), () => {
        // The join activity carries the end as it was when the join began (the window shell forwards a later end after).
        const ask = this.ask(w, false);
        this.at(this.workerAt(joinAt), () => {
          this.announced.add(w.id);
          if (w.endMs === undefined) this.toldPlans[w.plan ?? w.id] = w.trus;
          this.toldAt.set(w.id, this.now);
          this.told.set(w.id, { trus: ask.trus, flat: ask.steps === undefined, endMs: ask.endMs, steps: w.steps });
          this.deliver({ kind: 'open', window: ask }, true);
          // What changed while the join ran is forwarded after it (the window shell's rule): a cancellation, a moved end.
          const now = this.truth.get(w.id);
          if (now?.cancelled === true) this.deliver({ kind: 'close', windowId: ask.windowId, reason: 'cancelled' }, false);
          else if (now?.endMs !== ask.endMs && now?.endMs !== undefined) {
            this.tell(w.id, { endMs: now.endMs });
            this.deliver({ kind: 'set-end', windowId: ask.windowId, endMs: now.endMs }, false);
          }
        });
      });
      if (w.moveEnd !== undefined) {
        const m = w.moveEnd;
        // The window handles setEndTime when a worker runs it; an end that has passed by then is refused (its release is under way).
        this.at(this.workerAt(m.atMs), () => {
          const t = this.truth.get(w.id);
          if (t === undefined || t.endMs === undefined || t.endMs <= this.now) return;
          t.endMs = Math.max(m.toMs, this.now);
          if (this.announced.has(w.id))
            this.at(this.workerAt(this.now), () => {
              if (this.engine !== undefined) this.tell(w.id, { endMs: t.endMs });
              this.deliver({ kind: 'set-end', windowId: `win-${w.id}/run`, endMs: t.endMs as number }, false);
            });
        });
      }
      if (w.setTrus !== undefined) {
        const st = w.setTrus;
        this.at(st.atMs, () => {
          const t = this.truth.get(w.id);
          if (t === undefined || (t.endMs !== undefined && t.endMs <= this.now) || this.now < t.startMs) return;
          t.trus = st.trus;
          t.steps = undefined;
          this.askQuietSince = this.now;
          this.at(this.workerAt(this.now), () => {
            if (this.engine !== undefined) this.tell(w.id, { trus: st.trus, flat: true });
            this.deliver({ kind: 'set-trus', windowId: `win-${w.id}/run`, trus: st.trus }, false);
          });
        });
      }
      if (w.cancelAtMs !== undefined) {
        const c = w.cancelAtMs;
        this.at(c, () => {
          const t = this.truth.get(w.id);
          if (t === undefined || this.now < t.startMs || (t.endMs !== undefined && t.endMs <= this.now)) return;
          t.endMs = this.now;
          t.cancelled = true;
          this.askQuietSince = this.now;
          if (this.announced.has(w.id))
            this.at(this.workerAt(this.now), () => this.deliver({ kind: 'close', windowId: `win-${w.id}/run`, reason: 'cancelled' }, false));
        });
      }
      // A waiting window checks on its coordinator every 10 minutes and just after its end; one that lost it re-announces itself.
      for (let t = w.startMs + WINDOW_CHECK_MS; t < this.horizon(); t += WINDOW_CHECK_MS) this.at(t, () => this.checkOn(w));
      if (w.endMs !== undefined) this.at(w.endMs + MIN, () => this.checkOn(w));
    }
    // The daemon's pass: it pushes the permanent plans in force when the commit changed or the coordinator is a new run (a free visibility read), never on trust of an old push.
    let pushedTo = -1;
    let pushedCommit = -1;
    for (let t = 5 * MIN; t < this.horizon(); t += 5 * MIN) {
      const at = t;
      this.at(at, () => {
        // Running windows whose plan was edited: the pass sets their TRUs again while the coordinator holds another value.
        for (const w of this.scenario.windows) {
          const truth = this.truth.get(w.id);
          const held = this.engine?.windows.find((x) => x.windowId === `win-${w.id}/run`);
          if (truth === undefined || held === undefined || truth.steps !== undefined || (held.steps === undefined && held.trus === truth.trus)) continue;
          this.at(this.workerAt(this.now), () => {
            if (this.engine !== undefined) this.tell(w.id, { trus: truth.trus, flat: true });
            this.deliver({ kind: 'set-trus', windowId: `win-${w.id}/run`, trus: truth.trus }, false);
          });
        }
        const commit = this.scenario.baselinePasses.filter((p) => p.atMs <= at).length;
        const plans = this.permanentTruth(at);
        if (commit === pushedCommit && pushedTo === this.instance && this.engine !== undefined) return;
        if (commit === 0 && Object.keys(plans).length === 0 && this.engine === undefined) return;
        if (this.engine === undefined && Object.keys(plans).length === 0) return;
        const pushedCommitBefore = pushedCommit;
        pushedCommit = commit;
        const present = this.presentAt(at, plans);
        this.at(this.workerAt(this.now), () => {
          // A new commit starts the namespace's coordinator if none runs (a deleted plan must be released by someone).
          this.tellPlans(present);
          this.deliver({ kind: 'baselines', ...present }, Object.keys(plans).length > 0 || commit !== pushedCommitBefore);
          pushedTo = this.instance;
        });
      });
    }
    for (const p of this.scenario.baselinePasses) {
      this.at(p.atMs, () => {
        this.askQuietSince = this.now;
        const present = this.presentAt(p.atMs, p.plans);
        this.at(this.workerAt(this.now), () => {
          this.tellPlans(present);
          this.deliver({ kind: 'baselines', ...present }, true);
        });
      });
    }
    // The history grows: every 40 minutes the shell asks to continue as new at the next quiet moment.
    for (let at = 40 * MIN; at < this.horizon(); at += 40 * MIN) this.at(this.workerAt(at), () => this.deliver({ kind: 'history-long' }, false));
    for (const f of this.scenario.faults) {
      if (f.kind === 'reset')
        this.at(f.atMs, () => {
          this.log('coordinator reset: its state is lost');
          this.resets.push(this.now);
          const cloud = this.cloud();
          const pending = this.ops
            .filter((o) => !o.failed && o.fulfilledMs > this.now && o.target.mode === 'provisioned')
            .map((o) => (o.target.mode === 'provisioned' ? o.target.trus : 0));
          this.resetLevels.push({ atMs: this.now, trus: Math.max(cloud.mode === 'provisioned' ? (cloud.currentTrus ?? 0) : 0, ...pending) });
          this.engine = undefined;
          this.inFlight = undefined;
          this.quietSince = Math.max(this.quietSince, this.now);
        });
      // Someone else's change while capsched holds the namespace (when no coordinator runs, the namespace is not capsched's to watch).
      if (f.kind === 'out-of-band')
        this.at(f.atMs, () => {
          // While capsched holds capacity (when it asks none, the namespace is not capsched's to watch: nothing it did not create is touched).
          // (Held: a window asks and capsched verifiably raised the namespace; a window whose raise never landed — refused, FAILED —
          // owns nothing, and what someone else set then is theirs.)
          if (this.engine !== undefined && desiredTarget(this.engine, this.now).mode === 'provisioned' && this.engine.confirmed?.mode === 'provisioned')
            this.accept(`oob-${f.atMs}`, f.target, this.now, false);
        });
    }
  }

  /**
   * What a pass computed at `atMs` pushes (src/core/live/present.ts): the permanent plans in force, those whose window starts
   * later, and the windows' starts in a 36-hour range anchored on 12-hour steps.
   */
  private presentAt(atMs: number, plans: Record<string, number>): NamespacePresent {
    const later = [
      ...new Set(
        this.scenario.windows
          .filter((w) => w.endMs === undefined && w.startMs + (w.joinLatencyMs ?? 1_000) > atMs && !((w.plan ?? w.id) in plans))
          .map((w) => w.plan ?? w.id),
      ),
    ];
    const fromMs = Math.floor(atMs / (12 * 60 * MIN)) * 12 * 60 * MIN;
    const toMs = fromMs + 36 * 60 * MIN;
    const startsMs = [...new Set(this.scenario.windows.filter((w) => w.endMs !== undefined && w.startMs >= fromMs && w.startMs < toMs).map((w) => w.startMs))];
    return { plans, ...(later.length > 0 ? { later } : {}), due: { fromMs, toMs, startsMs: startsMs.sort((a, b) => a - b) } };
  }

  /** What the engine holds of permanent plans after a push: the plans in force, and those it had whose start is later. */
  private tellPlans(present: NamespacePresent): void {
    const kept = Object.fromEntries(Object.entries(this.toldPlans).filter(([plan]) => (present.later ?? []).includes(plan)));
    this.toldPlans = { ...kept, ...present.plans };
  }

  private tell(id: string, what: { trus?: number; flat?: boolean; endMs?: number | undefined }): void {
    const prev = this.told.get(id);
    if (prev !== undefined) this.told.set(id, { ...prev, ...what });
    if (prev !== undefined) this.toldAt.set(id, this.now);
  }

  private checkOn(w: WindowSpec): void {
    if (!this.announced.has(w.id)) return;
    const got = this.reports.get(`win-${w.id}/run`);
    if (got?.release !== undefined || (w.endMs === undefined && got?.raise !== undefined)) return;
    if (w.endMs === undefined && got?.raise !== undefined) return;
    // A window told its raise was refused ends its run (the shell's rule); one told "retrying" waits for its release.
    if (got?.raise !== undefined && !got.raise.applied && got.raise.retrying !== true && this.truth.get(w.id)?.cancelled !== true) return;
    const knows = this.engine === undefined ? [] : (engineStatus(this.engine, this.now).knows ?? []);
    if (knows.includes(`win-${w.id}/run`)) return;
    this.at(this.workerAt(this.now), () => {
      const ask = this.ask(w, true);
      this.toldAt.set(w.id, this.now);
      this.told.set(w.id, { trus: ask.trus, flat: ask.steps === undefined, endMs: ask.endMs, steps: w.steps });
      this.deliver({ kind: 'open', window: ask }, true);
    });
  }

  horizon(): number {
    const ends = this.scenario.windows.map((w) => Math.max(w.endMs ?? w.startMs, w.moveEnd?.toMs ?? 0));
    const faults = this.scenario.faults.map((f) => ('toMs' in f ? f.toMs : f.atMs));
    const passes = this.scenario.baselinePasses.map((p) => p.atMs);
    return Math.max(0, ...ends, ...faults, ...passes) + 2 * SETTLE_BOUND_MS;
  }

  // ------------------------------------------------------------ invariants

  /** The maximum TRUs asked now by windows and baselines in force (values the API offers). */
  private asked(atMs: number, announcedOnly = false): number {
    let max = 0;
    for (const [id, truth] of this.truth) {
      if (announcedOnly && !this.announced.has(id)) continue;
      // A window told its raise was refused ended its run: it asks nothing more (a pass starts a new one if the plan still wants it).
      const raise = this.reports.get(`win-${id}/run`)?.raise;
      if (raise !== undefined && !raise.applied && raise.retrying !== true && truth.cancelled !== true) continue;
      // "Never lowered below" is judged on what capsched was told; "reaches within the bound" on the truth.
      const told = announcedOnly ? this.told.get(id) : undefined;
      const t =
        told === undefined
          ? truth
          : { ...truth, trus: told.trus, endMs: truth.cancelled === true ? truth.endMs : told.endMs, steps: told.flat ? undefined : told.steps };
      if (atMs < t.startMs || (t.endMs !== undefined && atMs >= t.endMs)) continue;
      if (t.endMs === undefined) continue; // permanent windows are asked through their plan's baseline
      // A ramp at a step the API does not offer asks its latest offered step before it (the engine keeps that).
      let v = t.trus;
      if (t.steps !== undefined) for (const s of t.steps) if (t.startMs + s.afterMs <= atMs && !this.scenario.notOffered.includes(s.trus)) v = s.trus;
      // Told before the coordinator lost its state, and not again since: it holds what the namespace had then, no more.
      const reset = this.resetLevels.at(-1);
      if (told !== undefined && reset !== undefined && (this.toldAt.get(id) ?? 0) < reset.atMs) v = Math.min(v, reset.trus);
      if (!this.scenario.notOffered.includes(v)) max = Math.max(max, v);
    }
    // Permanent plans: the truth (git), or — for "never lowered" — what capsched was told: its windows' announcements and the
    // passes delivered since.
    const plans = announcedOnly ? this.toldPlans : this.permanentTruth(atMs);
    for (const v of Object.values(plans)) if (!this.scenario.notOffered.includes(v)) max = Math.max(max, v);
    return max;
  }

  /** Permanent plans in force: per plan, the latest of its window's start and the passes (git is the truth). */
  private permanentTruth(atMs: number): Record<string, number> {
    const latest = new Map<string, { atMs: number; trus: number | undefined }>();
    const see = (plan: string, at: number, trus: number | undefined): void => {
      const prev = latest.get(plan);
      if (at <= atMs && (prev === undefined || at >= prev.atMs)) latest.set(plan, { atMs: at, trus });
    };
    for (const w of this.scenario.windows)
      if (w.endMs === undefined && (w.cancelAtMs === undefined || w.cancelAtMs > atMs)) see(w.plan ?? w.id, w.startMs + (w.joinLatencyMs ?? 1_000), w.trus);
    for (const p of this.scenario.baselinePasses) {
      const names = new Set([...latest.keys(), ...Object.keys(p.plans), ...this.scenario.windows.flatMap((w) => (w.plan === undefined ? [] : [w.plan]))]);
      for (const plan of names) see(plan, p.atMs, p.plans[plan]);
    }
    const out: Record<string, number> = {};
    for (const [plan, v] of latest) if (v.trus !== undefined) out[plan] = v.trus;
    return out;
  }

  private lastChangeOfAsk(atMs: number): number {
    let last = this.askQuietSince;
    for (const [, t] of this.truth) {
      if (t.startMs <= atMs) last = Math.max(last, t.startMs);
      if (t.endMs !== undefined && t.endMs <= atMs) last = Math.max(last, t.endMs);
      if (t.steps !== undefined) for (const s of t.steps) if (t.startMs + s.afterMs <= atMs) last = Math.max(last, t.startMs + s.afterMs);
    }
    return last;
  }

  private check(commands: EngineCommand[]): void {
    if (this.scenario.dryRun) {
      if (this.ops.some((o) => !o.id.startsWith('oob-'))) throw this.fail('I4: a dry-run window changed real capacity');
      return;
    }
    const asked = this.asked(this.now);
    // I2 (never lowered below an ask by capsched): a change that lowers the namespace never goes below what windows in force ask.
    const cloudNow = this.cloud();
    const hasNow = cloudNow.mode === 'provisioned' ? (cloudNow.currentTrus ?? 0) : 0;
    for (const c of commands) {
      if (c.kind !== 'apply') continue;
      const to = c.target.mode === 'onDemand' ? 0 : c.target.trus;
      const known = this.asked(this.now, true);
      if (to < hasNow && to < known) throw this.fail(`I2: capsched lowered the namespace from ${hasNow} to ${to} TRUs while its windows ask ${known}`);
    }
    const disturbed = Math.max(this.quietSince, this.lastFaultEnd(this.now), this.lastChangeOfAsk(this.now));
    if (this.now - disturbed < SETTLE_BOUND_MS) return;
    const cloud = this.cloud();
    const has = cloud.mode === 'provisioned' ? (cloud.currentTrus ?? 0) : 0;
    // I1 money: nothing asks → on-demand within the bound.
    if (asked === 0 && cloud.mode !== 'onDemand')
      throw this.fail(`I1: nothing has asked for capacity for ${(this.now - disturbed) / MIN} min, yet the namespace is at ${has} TRUs`);
    // I2 capacity: windows ask → at least their maximum within the bound.
    if (asked > 0 && has < asked) throw this.fail(`I2: windows ask ${asked} TRUs, the namespace has ${has} (quiet for ${(this.now - disturbed) / MIN} min)`);
  }

  private lastFaultEnd(atMs: number): number {
    let last = 0;
    for (const f of this.scenario.faults) {
      const end = 'toMs' in f ? f.toMs : f.atMs;
      if (end <= atMs) last = Math.max(last, end);
      else if (('fromMs' in f ? f.fromMs : f.atMs) <= atMs) last = atMs; // still going on
    }
    return last;
  }

  private log(what: string): void {
    this.trace.push({ atMs: this.now, what });
    if (this.trace.length > 400) this.trace.shift();
  }

  private fail(message: string): Error {
    const tail = this.trace
      .slice(-25)
      .map((t) => `  ${(t.atMs / MIN).toFixed(2)} min  ${t.what}`)
      .join('\n');
    return new Error(`${message} (at ${(this.now / MIN).toFixed(2)} min)\n${tail}`);
  }

  // ------------------------------------------------------------ run

  /** Runs the scenario to its horizon; throws on the first broken invariant. */
  run(): this {
    this.schedule();
    const horizon = this.horizon();
    let steps = 0;
    while (this.queue.length > 0) {
      const next = this.queue.shift() as Pending;
      if (next.atMs > horizon) break;
      this.now = next.atMs;
      next.run();
      if (++steps > 20_000) throw this.fail('the simulation does not settle (more than 20,000 steps)');
    }
    this.now = horizon;
    this.check([]);
    // I5: every "failing" alert was followed by its "recovered" alert once the world healed.
    for (const a of this.alerts) {
      const m = /:(raise|release|restore)-failing:(\d+)$/.exec(a.key);
      if (m === null) continue;
      // Recovered: the coordinator says so, or (after it lost its state) a window's verified report does — the window alerts it.
      const step = m[1] === 'raise' ? 'raise' : 'release';
      // (A raise whose window ended first is closed by the verified release.)
      const reported =
        this.reportLog.some((r) => r.atMs >= a.atMs && (r.step === step || m[1] === 'raise') && r.verified) ||
        // A raise concluded by a refusal (the window or plan is told, and alerted) is no longer failing.
        (m[1] === 'raise' &&
          (this.reportLog.some((r) => r.atMs >= a.atMs && r.step === 'raise' && r.refused) ||
            this.alerts.some((b) => b.atMs >= a.atMs && b.title === 'Permanent capacity change refused')));
      // A coordinator that lost its state (reset) cannot remember what it alerted: a later run verifying the namespace closes it.
      const lostThenVerified = this.resets.some((r) => r >= a.atMs) && this.verifiedLog.some((v) => v >= a.atMs);
      if (lostThenVerified) continue;
      if (!reported && !this.alerts.some((b) => b.key.endsWith(`:${m[1]}-recovered:${m[2]}`)))
        throw this.fail(`I5: "${a.title}" was never followed by its recovery`);
    }
    return this;
  }

  /** The coordinator still runs (holds something) at the end. */
  get coordinatorRunning(): boolean {
    return this.engine !== undefined;
  }
}
