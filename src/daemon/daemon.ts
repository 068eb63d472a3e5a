/**
 * `capsched run`: the source watcher, the reconciler and the in-process workers in one process.
 *
 * Passes are serialized by Temporal, not by this process: every daemon of an installation
 * signals one reconciler workflow (`capsched-reconciler-<installation>`, signal-with-start) and
 * polls its task queue, and that workflow runs one pass activity at a time. Two daemons on one
 * installation therefore share one writer, one status and one alert state. `--dry-run` runs
 * passes locally instead (it computes and logs, writes nothing, and must not take passes away
 * from a real daemon).
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { reconcilerWorkflowCode } from '../temporal/bundle.js';
import type { LivePlan } from '../core/live/types.js';
import type { CapacityMetrics, CloudOps, LiveStore, Notifier, PlanSource, ScheduleStore, SourceSnapshot } from '../core/ports.js';
import { loadPlans } from '../core/plan/load.js';
import type { PresentView } from '../core/present/model.js';
import { renderPage } from '../ui/page.js';
import { liveStore } from '../compose.js';
import { AlertLog, PresentReader, type AppliedPlans } from './present.js';
import type { Logger } from '../log/index.js';
import type { Secret } from '../log/secrets.js';
import { startDaemonHttpServer, type DaemonHttpServer } from './http-server.js';
import { DaemonMetrics } from './metrics.js';
import { createReconcilerActivities, pendingPassCheck, runPass, type PassRecord, type ReconcileOptions, type ReconcileResult } from '../reconcile/index.js';
import {
  DEFAULT_PASS_HEARTBEAT_TIMEOUT_MS,
  initialReconcilerState,
  nextPassDelayMs,
  RECONCILER_WORKFLOW,
  reconcilerTaskQueue,
  reconcilerWorkflowId,
  STATE_QUERY,
  TRIGGER_SIGNAL,
  type ReconcilerInput,
  type ReconcilerState,
  type TriggerRequest,
} from '../core/reconciler-contract.js';

export const DEFAULT_INTERVAL_MS = 30_000;
export const DEFAULT_LISTEN = '127.0.0.1:9464';

/** A Temporal connection and the client over it, as compose.connectTemporal returns them. */
export interface TemporalClientOf {
  connection: NativeConnection;
  client: Client;
  namespace: string;
}

export interface CapacityWorkerContext {
  connection: NativeConnection;
  client: Client;
  namespace: string;
  notifier: Notifier;
  logger: Logger;
  identity: string;
  /** Counters the capacity worker's activities feed (served at /metrics). */
  metrics: CapacityMetrics;
}

/** What each pass reconciles into (src/reconcile runs the pass; the daemon only schedules it). */
export interface DaemonReconcile {
  /** The schedule store, or how to build it from the daemon's Temporal client. */
  store: ScheduleStore | ((client: Client) => ScheduleStore);
  /** The coordinators and running windows (the present), from the daemon's Temporal client; absent: schedules only. */
  live?: (client: Client) => LiveStore;
  /** reconcileOnce options; dryRun computes the same change set and writes nothing. */
  options: ReconcileOptions;
  /** Sees every pass's full result (the `capsched dev` table). */
  onResult?: (result: ReconcileResult) => Promise<void>;
}

export interface DaemonOptions {
  installation: string;
  /** Plan source; a watchable one (folder) triggers passes on change. */
  source: PlanSource & { watch?: (onChange: () => void) => () => Promise<void> };
  reconcile: DaemonReconcile;
  /**
   * The process's Temporal connection and client (src/compose.ts makes them): an existing one (the
   * caller closes it) or a way to open one (the daemon closes it).
   */
  temporal: TemporalClientOf | { connect: () => Promise<TemporalClientOf>; namespace: string };
  notifier: Notifier;
  logger: Logger;
  /** Fetch interval (default 30 s), jittered ±10 %; exponential backoff after failures. */
  intervalMs?: number;
  /** Compute and log change sets locally; no reconciler workflow, no capacity worker, no writes. */
  dryRun?: boolean;
  /** host:port for /healthz, /readyz, /metrics, /webhook (default 127.0.0.1:9464; port 0 = any). */
  listen?: string;
  webhookSecret?: Secret;
  /** Starts the in-process capacity-change worker (omitted: no capacity worker in this process). */
  capacityWorker?: (context: CapacityWorkerContext) => Promise<Worker>;
  /** A pass without a heartbeat for this long is taken over by another daemon (default 30 s). */
  passHeartbeatTimeoutMs?: number;
  /** Grace for an in-flight pass on shutdown (default 20 s). */
  shutdownGraceMs?: number;
  identity?: string;
  /** Cloud Ops reads for the page and /metrics (capacity as the API reports it); omitted: shown as unknown. */
  cloudOps?: CloudOps;
  /** Namespaces the page and `capsched status` show besides the plans' (the playground's demo namespace). */
  alsoNamespaces?: readonly string[];
  /**
   * The Temporal SDK's Prometheus exporter of this process (Runtime telemetry, e.g.
   * http://127.0.0.1:9465/metrics): its worker metrics are appended to /metrics, so one scrape
   * target has both. Omitted: /metrics has capsched's and Node's metrics only.
   */
  sdkMetricsUrl?: string;
  /** The page at GET /. */
  ui?: {
    /** CAPSCHED_UI_TOKEN: bearer token for / and /status. */
    token?: Secret;
    /** Seconds between the page's self-refreshes (default 5). */
    refreshSeconds?: number;
    /** Base of the Temporal Web UI for workflow links, e.g. http://localhost:8233. */
    temporalUiUrl?: string;
    /** How often the page's record of applied TRUs reads the coordinators when nobody loads the page (default 15 s). */
    recordEveryMs?: number;
    /** CAPSCHED_ACTIONS_PRICE: USD per million Actions for the worst-case figures (default the list $50). */
    actionsPrice?: number;
  };
}

export interface DaemonStatus {
  identity: string;
  installation: string;
  mode: 'reconciler-workflow' | 'dry-run';
  source: string;
  ready: boolean;
  notReadyReasons: string[];
  /** The installation's reconciler state (any daemon's passes); undefined until known. */
  state: ReconcilerState | undefined;
  /** Passes this process ran (newest last, at most 100). */
  localPasses: PassRecord[];
  workers: Record<string, string>;
}

export interface DaemonHandle {
  httpAddress: string;
  identity: string;
  /** Asks for a pass now (coalesced with any pending request). Resolves once the request is recorded. */
  triggerNow(reason?: string): Promise<void>;
  status(): Promise<DaemonStatus>;
  /** What the page shows. */
  present(): Promise<PresentView>;
  /** Stop reconciling, drain the workers, close the HTTP server and (owned) connection. */
  stop(): Promise<void>;
  /** Settles when the daemon stopped; rejects when a worker failed on its own. */
  done: Promise<void>;
}

export async function startDaemon(options: DaemonOptions): Promise<DaemonHandle> {
  const identity = options.identity ?? `capsched-run@${hostname()}:${process.pid}:${randomUUID().slice(0, 6)}`;
  const logger = options.logger.child({ component: 'daemon', installation: options.installation });
  const intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
  const metrics = new DaemonMetrics({ intervalMs });
  const localPasses: PassRecord[] = [];
  const dryRun = options.dryRun === true;
  const workflowId = reconcilerWorkflowId(options.installation);
  const taskQueue = reconcilerTaskQueue(options.installation);
  let stopping = false;

  const ownsConnection = 'connect' in options.temporal;
  const { connection, client } = 'connect' in options.temporal ? await options.temporal.connect() : options.temporal;

  // ---- the page's record: plans of the applied commit, drift, alerts ----
  const alertLog = new AlertLog();
  const notifier = alertLog.wrap(countingNotifier(options.notifier, metrics));
  let appliedPlans: AppliedPlans | undefined;
  let drift: { corrected: number; reportedOnly: boolean; at?: string } | undefined;
  let lastSnapshot: SourceSnapshot | undefined;
  /** The last pass's live changes (held reductions, applied or pending changes to running windows). */
  let livePass: { plan: LivePlan; dryRun: boolean; failed?: boolean } | undefined;
  /** The source as passes read it: the last snapshot is kept so an applied pass's plans can be shown. */
  const source: PlanSource = {
    describe: () => options.source.describe(),
    snapshot: async () => (lastSnapshot = await options.source.snapshot()),
  };
  const onResult = async (result: ReconcileResult): Promise<void> => {
    if ((result.status === 'applied' || result.status === 'unchanged') && !result.dryRun) {
      const snapshot = lastSnapshot;
      if (snapshot !== undefined && snapshot.revision === result.revision && appliedPlans?.revision !== result.revision) {
        appliedPlans = { revision: snapshot.revision, plans: loadPlans(snapshot.files).plans, ...(snapshot.meta === undefined ? {} : { meta: snapshot.meta }) };
      }
      if (result.counts.drift > 0)
        drift = { corrected: result.counts.driftCorrected, reportedOnly: result.counts.driftCorrected === 0, at: new Date().toISOString().slice(0, 19) + 'Z' };
    }
    if (result.live !== undefined)
      livePass = { plan: result.live, dryRun: result.dryRun, ...((result.liveApplied ?? []).some((a) => a.outcome === 'failed') ? { failed: true } : {}) };
    await options.reconcile.onResult?.(result);
  };

  // The present, read through the LiveStore port: the pass's own store, or a reading one for the page.
  const passLive = options.reconcile.live?.(client);
  const live = passLive ?? liveStore(client);
  const passDeps = {
    installation: options.installation,
    source,
    store: typeof options.reconcile.store === 'function' ? options.reconcile.store(client) : options.reconcile.store,
    ...(passLive === undefined ? {} : { live: passLive }),
    options: options.reconcile.options,
    onResult,
    notifier,
    logger: options.logger,
    metrics,
    identity,
    onPass: (record: PassRecord) => {
      localPasses.push(record);
      if (localPasses.length > 100) localPasses.shift();
    },
  };

  // ---- workers ----
  const workers = new Map<string, { worker: Worker; run: Promise<void> }>();
  let workerFailure: unknown;
  const startWorker = (name: string, worker: Worker): void => {
    const run = worker.run().catch((err: unknown) => {
      if (!stopping) {
        workerFailure = err;
        logger.error({ err, worker: name }, 'worker stopped unexpectedly');
      }
      throw err;
    });
    run.catch(() => undefined);
    workers.set(name, { worker, run });
  };
  /** Start-up failed half-way: stop the workers started so far and the connection we opened. */
  const abortStart = async (): Promise<void> => {
    stopping = true;
    for (const { worker } of workers.values()) if (worker.getState() === 'RUNNING') worker.shutdown();
    await Promise.allSettled([...workers.values()].map((w) => w.run));
    if (ownsConnection) await connection.close();
  };

  try {
    if (!dryRun) {
      const activities = createReconcilerActivities(passDeps, {
        heartbeatTimeoutMs: options.passHeartbeatTimeoutMs ?? DEFAULT_PASS_HEARTBEAT_TIMEOUT_MS,
        // The fence: a pass writes only while the server still has it as the reconciler run's pending activity.
        isCurrentPass: pendingPassCheck(client),
      });
      startWorker(
        'reconciler',
        await Worker.create({
          connection,
          namespace: options.temporal.namespace,
          taskQueue,
          ...(await reconcilerWorkflowCode(logger)),
          activities,
          identity,
          maxConcurrentActivityTaskExecutions: 1,
          shutdownGraceTime: options.shutdownGraceMs ?? 20_000,
          // A pass that ignores cancellation (a hung git or Temporal call) must not hold shutdown forever.
          shutdownForceTime: (options.shutdownGraceMs ?? 20_000) + 10_000,
        }),
      );
      if (options.capacityWorker !== undefined) {
        startWorker(
          'capacity',
          await options.capacityWorker({ connection, client, namespace: options.temporal.namespace, notifier, logger: options.logger, identity, metrics }),
        );
      }
    }
  } catch (err) {
    await abortStart();
    throw err;
  }

  // ---- triggers ----
  let localState = initialReconcilerState();
  let localPending = true;
  let wakeLocal: (() => void) | undefined;
  let signalChain: Promise<void> = Promise.resolve();
  let signalQueued = false;

  const signal = async (reason: string): Promise<void> => {
    const request: TriggerRequest = { reason, intervalMs, passHeartbeatTimeoutMs: options.passHeartbeatTimeoutMs };
    const input: ReconcilerInput = { installation: options.installation, intervalMs, passHeartbeatTimeoutMs: options.passHeartbeatTimeoutMs };
    try {
      await client.workflow.signalWithStart(RECONCILER_WORKFLOW, { workflowId, taskQueue, args: [input], signal: TRIGGER_SIGNAL, signalArgs: [request] });
      logger.debug({ reason, workflowId }, 'reconcile pass requested');
    } catch (err) {
      logger.error({ err, reason }, 'could not signal the reconciler workflow');
      throw err;
    }
  };

  /** At most one signal in flight and one queued behind it: a flood of triggers becomes one pass. */
  const trigger = (reason: string): Promise<void> => {
    if (stopping) return Promise.resolve();
    if (dryRun) {
      localPending = true;
      wakeLocal?.();
      return Promise.resolve();
    }
    if (signalQueued) return signalChain;
    signalQueued = true;
    signalChain = signalChain
      .catch(() => undefined)
      .then(() => {
        signalQueued = false;
        return stopping ? undefined : signal(reason);
      });
    return signalChain;
  };

  // ---- dry-run loop (local passes) ----
  let localLoop: Promise<void> = Promise.resolve();
  if (dryRun) {
    localLoop = (async () => {
      while (!stopping) {
        if (!localPending) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, nextPassDelayMs(localState, intervalMs, Math.random()));
            wakeLocal = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          wakeLocal = undefined;
        }
        if (stopping) break;
        localPending = false;
        localState = await runPass(passDeps, localState);
      }
    })();
  }

  // ---- status ----
  let cachedState: { at: number; state: ReconcilerState } | undefined;
  /** Set while the installation's state cannot be read from Temporal (shown by /readyz). */
  let stateUnavailable: string | undefined;
  const installationState = async (): Promise<ReconcilerState | undefined> => {
    if (dryRun) return localState.passes > 0 ? localState : undefined;
    if (cachedState !== undefined && Date.now() - cachedState.at < 250) return cachedState.state;
    try {
      const state = await client.workflow.getHandle(workflowId).query<ReconcilerState>(STATE_QUERY);
      cachedState = { at: Date.now(), state };
      stateUnavailable = undefined;
      return state;
    } catch (err) {
      stateUnavailable =
        err instanceof WorkflowNotFoundError
          ? 'the reconciler workflow is not running (the watchdog restarts it)'
          : 'the reconciler state cannot be read from Temporal';
      if (!(err instanceof WorkflowNotFoundError)) logger.debug({ err }, 'reconciler state query failed');
      return cachedState?.state;
    }
  };

  const readiness = async (): Promise<{ ready: boolean; reasons: string[]; state: ReconcilerState | undefined }> => {
    const reasons: string[] = [];
    if (stopping) reasons.push('shutting down');
    if (workerFailure !== undefined) reasons.push('a worker failed');
    for (const [name, { worker }] of workers) if (worker.getState() !== 'RUNNING') reasons.push(`${name} worker ${worker.getState().toLowerCase()}`);
    const state = await installationState();
    if (stateUnavailable !== undefined) reasons.push(stateUnavailable);
    else if (state === undefined || state.passes === 0) reasons.push('first reconcile pass not finished');
    return { ready: reasons.length === 0, reasons, state };
  };
  /** What GET /status shows; the daemon's own status() adds its local passes and workers. */
  const baseStatus = async () => {
    const { ready, reasons, state } = await readiness();
    return {
      identity,
      installation: options.installation,
      mode: dryRun ? ('dry-run' as const) : ('reconciler-workflow' as const),
      source: options.source.describe(),
      ready,
      notReadyReasons: reasons,
      state,
    };
  };

  // ---- the page ----
  const present = new PresentReader({
    live,
    installation: options.installation,
    ...(options.cloudOps === undefined ? {} : { cloudOps: options.cloudOps }),
    ...(options.ui?.actionsPrice === undefined ? {} : { actionsPrice: options.ui.actionsPrice }),
    ...(options.alsoNamespaces === undefined ? {} : { alsoNamespaces: options.alsoNamespaces }),
    ...(options.ui?.temporalUiUrl === undefined
      ? {}
      : { temporalUi: { baseUrl: options.ui.temporalUiUrl.replace(/\/+$/, ''), namespace: options.temporal.namespace } }),
  });
  const presentView = async (): Promise<PresentView> => {
    const { state } = await readiness();
    return present.view({
      applied: appliedPlans,
      state,
      sourceDescription: options.source.describe(),
      alerts: [...alertLog.entries],
      ...(drift === undefined ? {} : { drift }),
      ...(livePass === undefined ? {} : { livePass }),
    });
  };

  // ---- HTTP ----
  let http: DaemonHttpServer;
  try {
    http = await startDaemonHttpServer({
      listen: options.listen ?? DEFAULT_LISTEN,
      logger: options.logger,
      ready: async () => readiness(),
      metrics: async () => {
        const { ready, state } = await readiness();
        // The page's reading (one coordinator query and one Cloud Ops read per namespace, cached briefly).
        const view = await present
          .view({ applied: appliedPlans, state, sourceDescription: options.source.describe(), alerts: [], ...(drift === undefined ? {} : { drift }) })
          .catch((err: unknown) => {
            logger.debug({ err }, 'metrics: the plans and namespaces could not be read');
            return undefined;
          });
        const workerStates = Object.fromEntries([...workers].map(([name, { worker }]) => [name, worker.getState()]));
        const own = await metrics.render({
          state,
          ready,
          workers: workerStates,
          ...(view === undefined ? {} : { view }),
          ...(appliedPlans === undefined ? {} : { applied: appliedPlans }),
        });
        return options.sdkMetricsUrl === undefined ? own : own + (await sdkMetricsText(options.sdkMetricsUrl, logger));
      },
      trigger: (reason) => {
        trigger(reason).catch(() => undefined);
      },
      status: baseStatus,
      present: presentView,
      page: async () => renderPage(await presentView(), { refreshSeconds: options.ui?.refreshSeconds ?? 5 }),
      ...(options.ui?.token === undefined ? {} : { uiToken: options.ui.token }),
      webhookSecret: options.webhookSecret,
      onWebhook: (outcome) => metrics.recordWebhook(outcome),
    });
  } catch (err) {
    await abortStart();
    throw err;
  }

  const stopWatching = options.source.watch?.(() => {
    trigger('source-change').catch(() => undefined);
  });

  // Watchdog: if the reconciler workflow is gone (never started because Temporal was down at
  // start-up, or terminated by an operator), start it again. One describe per interval.
  const watchdog = dryRun
    ? undefined
    : setInterval(
        () => {
          if (stopping) return;
          client.workflow
            .getHandle(workflowId)
            .describe()
            .then(
              (d) => (d.status.name === 'RUNNING' ? undefined : trigger('watchdog')),
              (err: unknown) => (err instanceof WorkflowNotFoundError ? trigger('watchdog') : undefined),
            )
            .catch((err: unknown) => logger.warn({ err }, 'reconciler watchdog could not restart the workflow'));
        },
        Math.max(intervalMs, 5_000),
      );
  watchdog?.unref();

  // The page's last 24 h: every coordinator's effective TRUs, read on a timer as well as on each
  // page view, so the record is what was applied and not only what someone happened to look at.
  // One reading at a time; shutdown waits (bounded) for the one in flight before the connection closes.
  let recording: Promise<void> | undefined;
  const recorder = setInterval(
    () => {
      if (stopping || appliedPlans === undefined || recording !== undefined) return;
      recording = present
        .recordCoordinators([...new Set(appliedPlans.plans.map((lp) => lp.plan.namespace))])
        .catch((err: unknown) => logger.debug({ err }, 'the page record could not read the coordinators'))
        .finally(() => {
          recording = undefined;
        });
    },
    Math.max(1_000, options.ui?.recordEveryMs ?? 15_000),
  );
  recorder.unref();

  logger.info(
    { identity, mode: dryRun ? 'dry-run' : 'reconciler-workflow', workflowId, taskQueue, intervalMs, source: options.source.describe(), http: http.address },
    'daemon started',
  );
  if (!dryRun) await trigger('startup').catch(() => undefined);

  let resolveDone: () => void = () => undefined;
  let rejectDone: (err: unknown) => void = () => undefined;
  const done = new Promise<void>((resolve, reject) => {
    resolveDone = resolve;
    rejectDone = reject;
  });
  done.catch(() => undefined);
  for (const [name, { run }] of workers) {
    run.catch((err: unknown) => {
      if (!stopping) rejectDone(new Error(`the ${name} worker stopped: ${err instanceof Error ? err.message : String(err)}`));
    });
  }

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      stopping = true;
      if (watchdog !== undefined) clearInterval(watchdog);
      clearInterval(recorder);
      logger.info('daemon stopping: no new passes; draining workers');
      wakeLocal?.();
      await stopWatching?.();
      // A signal stuck on an unreachable Temporal must not hold shutdown.
      await Promise.race([signalChain.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
      await localLoop.catch((err: unknown) => logger.error({ err }, 'dry-run loop failed'));
      if (recording !== undefined) await Promise.race([recording, new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
      for (const { worker } of workers.values()) if (worker.getState() === 'RUNNING') worker.shutdown();
      await Promise.allSettled([...workers.values()].map((w) => w.run));
      await http.close();
      if (ownsConnection) await connection.close();
      logger.info('daemon stopped');
      resolveDone();
    })();
    return stopped;
  };

  return {
    httpAddress: http.address,
    identity,
    triggerNow: (reason = 'manual') => trigger(reason),
    status: async () => {
      return {
        ...(await baseStatus()),
        localPasses: [...localPasses],
        workers: Object.fromEntries([...workers].map(([name, { worker }]) => [name, worker.getState()])),
      };
    },
    present: presentView,
    stop,
    done,
  };
}

/** Counts every alert handed to the notifier, delivered or not, by severity. */
function countingNotifier(notifier: Notifier, metrics: DaemonMetrics): Notifier {
  return {
    notify: async (alert) => {
      try {
        await notifier.notify(alert);
        metrics.alertSent(alert.severity, true);
      } catch (err) {
        metrics.alertSent(alert.severity, false);
        throw err;
      }
    },
  };
}

/** The SDK exporter's text; when it cannot be read, a comment says so (the rest of /metrics is still served). */
async function sdkMetricsText(url: string, logger: Logger): Promise<string> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const text = await res.text();
    return text.endsWith('\n') || text === '' ? text : `${text}\n`;
  } catch (err) {
    logger.debug({ err, url }, 'metrics: the Temporal SDK exporter could not be read');
    return '# the Temporal SDK metrics exporter could not be read\n';
  }
}
